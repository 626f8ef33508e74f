import { t } from "elysia";
import { eventTypesParam, instantParam } from "../query/event-filter";

// Literals spelled out: t.Union over a mapped array types its value as never.
const bucketName = t.Union([t.Literal("minute"), t.Literal("hour"), t.Literal("day")]);
export type BucketName = typeof bucketName.static;
/** Bucket widths; fixed lengths in epoch time, so every bucket starts on a UTC minute, hour or day. */
export const BUCKET_WIDTHS_MS: Record<BucketName, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export const MAX_BUCKETS = 10_000;
export const DEFAULT_WINDOW_MS = 24 * 3_600_000;

export const statsQuery = t.Object({
  from: t.Optional(instantParam("Start of the range, included. Default: 24 hours before `to`.")),
  to: t.Optional(instantParam("End of the range, excluded. Default: now.")),
  bucket: t.Optional(t.Union(bucketName.anyOf, { description: "Bucket width, aligned to UTC. Default: hour." })),
  event_type: t.Optional(eventTypesParam),
});
export type StatsQuery = typeof statsQuery.static;

export const statsResponse = t.Object({
  from: t.String({ format: "date-time", description: "Start of the range counted (included)." }),
  to: t.String({ format: "date-time", description: "End of the range counted (excluded)." }),
  bucket: bucketName,
  series: t.Array(
    t.Object({
      bucket_start: t.String({ format: "date-time", description: "UTC start of the bucket; the first and last may be cut by from/to." }),
      event_type: t.String(),
      count: t.Integer({ minimum: 1 }),
      sessions: t.Integer({ minimum: 1, description: "Distinct session_ids among those events." }),
    }),
    { description: "One entry per bucket and type that has events, by bucket_start then event_type." },
  ),
  totals: t.Record(t.String(), t.Integer({ minimum: 0 }), {
    description: "Events per type over the whole range; every requested type (all types by default) appears, with 0 if none.",
  }),
});
export type StatsResponse = typeof statsResponse.static;
