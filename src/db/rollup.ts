import type { EventReader } from "./interfaces";
import type { BucketCount, BucketCountQuery } from "./model";

/**
 * Rollups: per-bucket event counts and distinct sessions, kept in the same transaction as the
 * events, so stats over months read a few hundred rows instead of millions of events.
 *
 * Two tables per backend, one row set per grain:
 * - rollup_counts (bucket_ms, event_type, bucket_start) -> events, sessions
 * - rollup_sessions (bucket_ms, event_type, bucket_start, session_id): the distinct sessions
 *   seen in each bucket, so an event of a session already counted adds to `events` only.
 * Counts add up across buckets; distinct sessions do not (a session active at 09:59 and 10:01
 * is one session of the day but one of each hour), which is why each grain keeps its own set.
 * Hours and days are the grains because they are the buckets the dashboard and most questions
 * use; a minute grain would hold about one session row per event (a session rarely sends two
 * events in a minute), no smaller than the events themselves.
 */

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
 * cut buckets at either end (a range that starts or ends mid-bucket) and every other width from
 * the events. Whole and cut buckets never overlap, so the parts are simply put side by side.
 * Each backend's reader runs it on itself, so a stats request is one read: one place in the read
 * queue and, on SQLite, one trip to a reader thread (three trips waited three times for a thread
 * running at nice 10 on a busy machine).
 */
export async function combineBucketCounts(reader: Pick<EventReader, "countByBucket" | "rolledUpByBucket">, query: BucketCountQuery): Promise<BucketCount[]> {
  if (!isRollupGrain(query.bucketMs)) return reader.countByBucket(query);
  const plan = planBuckets(query.from.getTime(), query.to.getTime(), query.bucketMs);
  const whole = plan.whole && (await reader.rolledUpByBucket({ ...query, from: new Date(plan.whole.from), to: new Date(plan.whole.to) }));
  if (plan.whole && whole === undefined) return reader.countByBucket(query); // backfill under way
  const edges = await Promise.all(plan.edges.map((edge) => reader.countByBucket({ ...query, from: new Date(edge.from), to: new Date(edge.to) })));
  return [...(whole ?? []), ...edges.flat()].sort((a, b) => a.bucketStart - b.bucketStart || (a.eventType < b.eventType ? -1 : a.eventType > b.eventType ? 1 : 0));
}
