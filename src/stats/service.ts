import type { EventReader } from "../db/interfaces";
import { EVENT_TYPES } from "../events/model";
import { assertForwardRange, parseEventTypes } from "../query/event-filter";
import { invalidQuery, parseInstant } from "../query/instant";
import { BUCKET_WIDTHS_MS, DEFAULT_WINDOW_MS, MAX_BUCKETS, type StatsQuery, type StatsResponse } from "./model";

/** How many buckets of `widthMs` the range [from, to) touches. */
export function bucketsSpanned(fromMs: number, toMs: number, widthMs: number): number {
  if (toMs <= fromMs) return 0;
  return Math.floor((toMs - 1) / widthMs) - Math.floor(fromMs / widthMs) + 1;
}

/** Counts per bucket and type over the requested range, plus totals per type. */
export async function eventStats(reader: EventReader, query: StatsQuery, now: number): Promise<StatsResponse> {
  const to = query.to === undefined ? new Date(now) : parseInstant(query.to, "to");
  const from = query.from === undefined ? new Date(to.getTime() - DEFAULT_WINDOW_MS) : parseInstant(query.from, "from");
  assertForwardRange(from, to);
  const bucket = query.bucket ?? "hour";
  const widthMs = BUCKET_WIDTHS_MS[bucket];
  const spanned = bucketsSpanned(from.getTime(), to.getTime(), widthMs);
  if (spanned > MAX_BUCKETS) {
    throw invalidQuery(
      "bucket",
      `the range spans ${spanned} ${bucket} buckets, more than the ${MAX_BUCKETS} allowed; narrow from/to or use a wider bucket`,
      "too_many_buckets",
    );
  }
  const eventTypes = parseEventTypes(query.event_type);
  const counts = await reader.bucketCounts({ from, to, bucketMs: widthMs, eventTypes });

  const totals: Record<string, number> = Object.fromEntries((eventTypes ?? EVENT_TYPES).map((type) => [type, 0]));
  for (const { eventType, count } of counts) totals[eventType] = (totals[eventType] ?? 0) + count;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    bucket,
    series: counts.map(({ bucketStart, eventType, count, sessions }) => ({
      bucket_start: new Date(bucketStart).toISOString(),
      event_type: eventType,
      count,
      sessions,
    })),
    totals,
  };
}
