import type { EventReader } from "./interfaces";
import type { BucketCount, BucketCountQuery } from "./model";

/**
 * Rollups: per-bucket event counts and distinct sessions, so stats over months read a few
 * hundred rows instead of millions of events.
 *
 * One table per backend, rollup_counts (bucket_ms, event_type, bucket_start) -> events, sessions:
 * - `events` is kept in the same transaction as the events themselves (ingest, backfill and
 *   retention), one upsert per (grain, type, bucket) a commit touches;
 * - `sessions` (distinct session_ids) is counted once a bucket has closed, by a background job,
 *   from the rows: UNCOUNTED_SESSIONS until then, and again after any change to the bucket.
 *   Distinct sessions do not add up (a session active at 09:59 and 10:01 is one session of the
 *   day but one of each hour), so keeping them at ingest means a (bucket, session) row per new
 *   pair of every grain: measured at 26-45 % of the SQLite writer's throughput, against one
 *   cheap upsert per bucket now (docs/aggregations.md). Events are stamped when received, so a
 *   closed bucket no longer changes, except by the backfill and retention, which reset it.
 * Reads take whole buckets from the rollup; a bucket whose sessions are not counted (the current
 * hour or day, or one closed less than SESSIONS_COUNTED_AFTER_MS ago) is read from the rows, so
 * answers are exact throughout.
 */

/** rollup_counts.sessions of a bucket whose distinct sessions are not counted (yet, or since it changed). */
export const UNCOUNTED_SESSIONS = -1;

/**
 * How long after a bucket ends its sessions are counted: longer than an event can take from
 * being stamped to being committed (the write deadline), and than clocks of nodes differ by.
 */
export const SESSIONS_COUNTED_AFTER_MS = 5 * 60_000;

/** One closed bucket's distinct sessions, counted from the rows when the rollup held `events` events. */
export interface CountedSessions {
  bucketMs: number;
  eventType: string;
  bucketStart: number;
  events: number;
  sessions: number;
}

/** The widths rolled up; a stats query with one of these buckets reads the rollup. Adding a grain is one entry. */
export const ROLLUP_GRAINS_MS = [3_600_000, 86_400_000] as const;

export function isRollupGrain(bucketMs: number): boolean {
  return (ROLLUP_GRAINS_MS as readonly number[]).includes(bucketMs);
}

/** The part of [from, to) made of whole buckets of `widthMs`, and the cut buckets at either end. */
export interface BucketPlan {
  whole?: { from: number; to: number };
  edges: { from: number; to: number }[];
}

export function planBuckets(from: number, to: number, widthMs: number): BucketPlan {
  const first = Math.ceil(from / widthMs) * widthMs;
  const last = Math.floor(to / widthMs) * widthMs;
  if (first >= last) return { edges: to > from ? [{ from, to }] : [] };
  const edges = [];
  if (from < first) edges.push({ from, to: first });
  if (last < to) edges.push({ from: last, to });
  return { whole: { from: first, to: last }, edges };
}

/**
 * Counts and sessions per bucket: the whole buckets of a rolled-up width from the rollups, the
 * cut buckets at either end (a range that starts or ends mid-bucket), whole buckets whose
 * sessions are not counted yet and every other width from the events. Whole and cut buckets never overlap, so the parts are simply put side by side.
 * Each backend's reader runs it on itself, so a stats request is one read: one place in the read
 * queue and, on SQLite, one trip to a reader thread (three trips waited three times for a thread
 * running at nice 10 on a busy machine).
 */
export async function combineBucketCounts(reader: Pick<EventReader, "countByBucket" | "rolledUpByBucket">, query: BucketCountQuery): Promise<BucketCount[]> {
  if (!isRollupGrain(query.bucketMs)) return reader.countByBucket(query);
  const plan = planBuckets(query.from.getTime(), query.to.getTime(), query.bucketMs);
  const whole = plan.whole && (await reader.rolledUpByBucket({ ...query, from: new Date(plan.whole.from), to: new Date(plan.whole.to) }));
  if (plan.whole && whole === undefined) return reader.countByBucket(query); // backfill under way
  // Buckets whose sessions are not counted yet (the current one, one just closed) are read from the rows, whole.
  const uncounted = [...new Set((whole ?? []).filter((bucket) => bucket.sessions === UNCOUNTED_SESSIONS).map((bucket) => bucket.bucketStart))];
  const fromRows = [...plan.edges, ...uncounted.map((start) => ({ from: start, to: start + query.bucketMs }))];
  const read = await Promise.all(fromRows.map((part) => reader.countByBucket({ ...query, from: new Date(part.from), to: new Date(part.to) })));
  const counted = (whole ?? []).filter((bucket) => !uncounted.includes(bucket.bucketStart));
  return [...counted, ...read.flat()].sort((a, b) => a.bucketStart - b.bucketStart || (a.eventType < b.eventType ? -1 : a.eventType > b.eventType ? 1 : 0));
}
