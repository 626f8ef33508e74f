/** A time range the dashboard shows: [from, to) and the bucket width the chart uses. */
export interface Range {
  from: Date;
  to: Date;
  bucket: Bucket;
  /** True for the "last …" presets, which move with the clock on every refresh. */
  rolling: boolean;
}

export type Bucket = "minute" | "hour" | "day";
export const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const HOUR = 3_600_000;
export const PRESETS: Record<string, number> = { "1h": HOUR, "24h": 24 * HOUR, "7d": 7 * 24 * HOUR, "30d": 30 * 24 * HOUR };

/**
 * The widest bucket that still draws a useful curve: minutes up to six hours (at most 360
 * points), hours up to fourteen days (336), days beyond. Far under the endpoint's 10,000 buckets.
 */
export function bucketFor(spanMs: number): Bucket {
  if (spanMs <= 6 * HOUR) return "minute";
  if (spanMs <= 14 * 24 * HOUR) return "hour";
  return "day";
}

/**
 * "Last …" up to now, starting on a bucket boundary: every bucket but the current one is whole,
 * so the chart's first point is not a fraction of a bucket and the service answers it from its
 * rollups rather than from the events.
 */
export function presetRange(name: string, now: number): Range {
  const span = PRESETS[name] ?? PRESETS["24h"]!;
  const bucket = bucketFor(span);
  const width = BUCKET_MS[bucket];
  return { from: new Date(Math.floor((now - span) / width) * width), to: new Date(now), bucket, rolling: true };
}

/** A custom range from two datetime-local values (the browser's local time); undefined when they make no range. */
export function customRange(fromValue: string, toValue: string): Range | undefined {
  const from = new Date(fromValue);
  const to = new Date(toValue);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to <= from) return undefined;
  return { from, to, bucket: bucketFor(to.getTime() - from.getTime()), rolling: false };
}

/** The value a datetime-local input shows for `date`, in local time. */
export function toLocalInput(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** Every bucket start in [from, to), aligned to UTC as the stats endpoint aligns them. */
export function bucketStarts(range: Range): number[] {
  const width = BUCKET_MS[range.bucket];
  const starts: number[] = [];
  for (let start = Math.floor(range.from.getTime() / width) * width; start < range.to.getTime(); start += width) starts.push(start);
  return starts;
}

/** The range as the read endpoints take it. */
export function rangeQuery(range: Range): { from: string; to: string } {
  return { from: range.from.toISOString(), to: range.to.toISOString() };
}
