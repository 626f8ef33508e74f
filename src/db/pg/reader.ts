import { and, desc, type SQL, sql } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import type { EventReader } from "../interfaces";
import { keysetConditions } from "../keyset";
import type { BucketCount, BucketCountQuery, EventFilter, EventPosition, StoredEvent } from "../model";
import type { PgUserEvents } from "./schema";

/**
 * The read side on PostgreSQL, with the SQLite reader's answers. Both walk
 * ix_user_events_type_created: every query names the event types (`event_type = ANY(...)`,
 * found by a loose index scan when the caller names none) and bounds created_at.
 */
export class PgEventReader implements EventReader {
  constructor(
    private readonly db: BunSQLDatabase,
    private readonly table: PgUserEvents,
  ) {}

  async countByBucket({ from, to, bucketMs, eventTypes }: BucketCountQuery): Promise<BucketCount[]> {
    if (to.getTime() <= from.getTime()) return [];
    const types = eventTypes ?? (await storedEventTypes(this.db, this.table));
    if (types.length === 0) return [];
    const rows = await this.db.execute(bucketCountSql(this.table, { from, to, bucketMs, eventTypes: types }));
    return rows.map((row) => ({ bucketStart: Number(row.bucket_start), eventType: String(row.event_type), count: Number(row.count) }));
  }

  async listNewestFirst(filter: EventFilter, after: EventPosition | undefined, limit: number): Promise<StoredEvent[]> {
    const types = filter.eventTypes ?? (await storedEventTypes(this.db, this.table));
    if (types.length === 0) return [];
    const t = this.table;
    const conditions = keysetConditions(t, types, filter, after, (ms) => sql`${new Date(ms).toISOString()}::timestamptz`);
    const rows = await this.db
      .select()
      .from(t)
      .where(and(...conditions))
      .orderBy(desc(t.createdAt), desc(t.id))
      .limit(limit);
    // The SQLite reader returns the payload as the stored JSON text; jsonb comes back parsed.
    return rows.map((row) => ({ ...row, payload: JSON.stringify(row.payload) }));
  }
}

/**
 * The bucket-count statement, exported so a test can check its plan: one range scan of
 * ix_user_events_type_created per named type (the index covers every column it reads), grouped
 * by date_bin from the Unix epoch, so buckets start at multiples of the width in UTC, as on SQLite.
 */
export function bucketCountSql(t: PgUserEvents, { from, to, bucketMs, eventTypes }: BucketCountQuery & { eventTypes: readonly string[] }): SQL {
  const bucket = sql`date_bin(${`${bucketMs} milliseconds`}::interval, ${t.createdAt}, timestamptz '1970-01-01T00:00:00Z')`;
  return sql`
    SELECT (extract(epoch FROM ${bucket}) * 1000)::bigint AS bucket_start, ${t.eventType} AS event_type, count(*)::int AS count
    FROM ${t}
    WHERE ${t.eventType} = ANY(${sql.param(eventTypes)}::varchar[])
      AND ${t.createdAt} >= ${from.toISOString()}::timestamptz AND ${t.createdAt} < ${to.toISOString()}::timestamptz
    GROUP BY 1, 2
    ORDER BY 1, 2`;
}

/** Every distinct event_type stored: one index seek per type (a loose index scan), not a table scan. */
export async function storedEventTypes(db: BunSQLDatabase, t: PgUserEvents): Promise<string[]> {
  const rows = await db.execute<{ event_type: string }>(sql`
    WITH RECURSIVE types(event_type) AS (
      SELECT min(${t.eventType}) FROM ${t}
      UNION ALL
      SELECT (SELECT min(${t.eventType}) FROM ${t} WHERE ${t.eventType} > types.event_type) FROM types WHERE types.event_type IS NOT NULL
    )
    SELECT event_type FROM types WHERE event_type IS NOT NULL`);
  return rows.map((row) => row.event_type);
}
