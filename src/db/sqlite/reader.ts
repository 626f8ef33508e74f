import type { Database } from "bun:sqlite";
import { and, desc, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { EventReader } from "../interfaces";
import { keysetConditions } from "../keyset";
import type { BucketCount, BucketCountQuery, EventFilter, EventPosition, StoredEvent } from "../model";
import { storedEventTypes } from "./event-types";
import { userEvents } from "./schema";

/**
 * The bucket-count statement for one bucket width, exported so a test can check its query plan.
 *
 * A plain `GROUP BY created_at / width` would feed every matching row through a sorter. Instead,
 * one correlated count per (bucket, type) searches ix_user_events_type_created for exactly that
 * slice of time, so the work is one index walk over the matching entries plus one seek per
 * bucket: about five times faster over a million rows. The width is a literal (always a safe
 * integer, checked below) so the division stays integer arithmetic.
 * Parameters: $from and $to in epoch ms, $types a JSON array of event types.
 */
export function bucketCountSql(bucketMs: number): string {
  if (!Number.isSafeInteger(bucketMs) || bucketMs <= 0) throw new RangeError(`bucket width must be a positive integer, got ${bucketMs}`);
  return `
WITH RECURSIVE
  buckets(start) AS (
    SELECT ($from / ${bucketMs}) * ${bucketMs}
    UNION ALL
    SELECT start + ${bucketMs} FROM buckets WHERE start + ${bucketMs} < $to
  ),
  types(event_type) AS (SELECT value FROM json_each($types)),
  counts(bucket_start, event_type, count) AS MATERIALIZED (
    SELECT buckets.start, types.event_type, (
      SELECT count(*) FROM user_events
      WHERE user_events.event_type = types.event_type
        AND user_events.created_at >= max(buckets.start, $from)
        AND user_events.created_at < min(buckets.start + ${bucketMs}, $to)
    )
    FROM buckets, types
  )
SELECT bucket_start, event_type, count FROM counts WHERE count > 0 ORDER BY bucket_start, event_type`;
}

type BucketCountRow = { bucket_start: number; event_type: string; count: number };

/**
 * The read side on SQLite: aggregation and newest-first listing, all on the indexes ingest
 * keeps. Its queries are synchronous on `sqlite`: it runs on a reader thread's read-only
 * connection (reader.worker.ts), or on the main connection of a `:memory:` database.
 */
export class SqliteEventReader implements EventReader {
  private readonly db;

  constructor(private readonly sqlite: Database) {
    this.db = drizzle(sqlite);
  }

  async countByBucket({ from, to, bucketMs, eventTypes }: BucketCountQuery): Promise<BucketCount[]> {
    const types = eventTypes ?? storedEventTypes(this.sqlite);
    if (types.length === 0 || to.getTime() <= from.getTime()) return [];
    return this.sqlite
      .query<BucketCountRow, [{ from: number; to: number; types: string }]>(bucketCountSql(bucketMs))
      .all({ from: from.getTime(), to: to.getTime(), types: JSON.stringify(types) })
      .map((row) => ({ bucketStart: row.bucket_start, eventType: row.event_type, count: row.count }));
  }

  async listNewestFirst(filter: EventFilter, after: EventPosition | undefined, limit: number): Promise<StoredEvent[]> {
    const types = filter.eventTypes ?? storedEventTypes(this.sqlite);
    if (types.length === 0) return [];
    // created_at is stored as epoch milliseconds.
    const conditions = keysetConditions(userEvents, types, filter, after, (ms) => sql`${ms}`);
    return this.db
      .select()
      .from(userEvents)
      .where(and(...conditions))
      .orderBy(desc(userEvents.createdAt), desc(userEvents.id))
      .limit(limit)
      .all();
  }
}
