import { and, desc, type SQL, sql } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import type { EventReader } from "../interfaces";
import { keysetConditions } from "../keyset";
import { combineBucketCounts, type CountedSessions } from "../rollup";
import { countSessionsSql } from "./rollup";
import type { BucketCount, BucketCountQuery, EventFilter, EventPosition, StoredEvent, TopValue, TopValuesQuery } from "../model";
import type { PgRollupTables, PgUserEvents } from "./schema";

/**
 * The read side on PostgreSQL, with the SQLite reader's answers. Both walk
 * ix_user_events_type_created: every query names the event types (`event_type = ANY(...)`,
 * found by a loose index scan when the caller names none) and bounds created_at.
 */
export class PgEventReader implements EventReader {
  constructor(
    private readonly db: BunSQLDatabase,
    private readonly table: PgUserEvents,
    private readonly rollups: PgRollupTables,
  ) {}

  private rollupsComplete = false;

  async countByBucket({ from, to, bucketMs, eventTypes }: BucketCountQuery): Promise<BucketCount[]> {
    if (to.getTime() <= from.getTime()) return [];
    const types = eventTypes ?? (await storedEventTypes(this.db, this.table));
    if (types.length === 0) return [];
    const rows = await this.db.execute(bucketCountSql(this.table, { from, to, bucketMs, eventTypes: types }));
    return rows.map((row) => ({
      bucketStart: Number(row.bucket_start),
      eventType: String(row.event_type),
      count: Number(row.count),
      sessions: Number(row.sessions),
    }));
  }

  bucketCounts(query: BucketCountQuery): Promise<BucketCount[]> {
    return combineBucketCounts(this, query);
  }

  async rolledUpByBucket({ from, to, bucketMs, eventTypes }: BucketCountQuery): Promise<BucketCount[] | undefined> {
    const r = this.rollups;
    if (!this.rollupsComplete) {
      const [state] = await this.db.execute<{ complete: boolean }>(sql`SELECT done_id >= upto_id AS complete FROM ${r.backfill} WHERE id = 1`);
      if (state?.complete === false) return undefined;
      this.rollupsComplete = true; // the backfill never starts again
    }
    const types = eventTypes === undefined ? sql`` : sql`AND event_type = ANY(${sql.param(eventTypes)}::varchar[])`;
    const rows = await this.db.execute<{ bucket_start: number; event_type: string; count: number; sessions: number }>(sql`
      SELECT bucket_start, event_type, events AS count, sessions FROM ${r.counts}
      WHERE bucket_ms = ${bucketMs} AND bucket_start >= ${from.getTime()} AND bucket_start < ${to.getTime()} AND events > 0 ${types}
      ORDER BY bucket_start, event_type COLLATE "C"`);
    return rows.map((row) => ({ bucketStart: Number(row.bucket_start), eventType: String(row.event_type), count: Number(row.count), sessions: Number(row.sessions) }));
  }

  async countSessions(before: Date, maxBuckets: number): Promise<CountedSessions[]> {
    const rows = await this.db.execute<{ bucket_ms: number; event_type: string; bucket_start: number; events: number; sessions: number }>(
      countSessionsSql(this.rollups, this.table, before.getTime(), maxBuckets),
    );
    return rows.map((row) => ({
      bucketMs: Number(row.bucket_ms),
      eventType: String(row.event_type),
      bucketStart: Number(row.bucket_start),
      events: Number(row.events),
      sessions: Number(row.sessions),
    }));
  }

  async topValues(query: TopValuesQuery): Promise<TopValue[]> {
    if (query.to.getTime() <= query.from.getTime()) return [];
    const rows = await this.db.execute<{ value: string; count: number; sessions: number }>(topValuesSql(this.table, query));
    return rows.map((row) => ({ value: JSON.parse(row.value), count: Number(row.count), sessions: Number(row.sessions) }));
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
 * ix_user_events_type_created per named type (session_id comes from the table), grouped
 * by date_bin from the Unix epoch, so buckets start at multiples of the width in UTC, as on SQLite.
 */
export function bucketCountSql(t: PgUserEvents, { from, to, bucketMs, eventTypes }: BucketCountQuery & { eventTypes: readonly string[] }): SQL {
  const bucket = sql`date_bin(${`${bucketMs} milliseconds`}::interval, ${t.createdAt}, timestamptz '1970-01-01T00:00:00Z')`;
  return sql`
    SELECT (extract(epoch FROM ${bucket}) * 1000)::bigint AS bucket_start, ${t.eventType} AS event_type, count(*)::int AS count,
      count(DISTINCT ${t.sessionId})::int AS sessions
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

/**
 * The top-values statement, with the SQLite reader's answers: values are grouped as jsonb (so
 * 1 and 1.0 are one value) and come back as JSON text; ties are broken on that text in byte
 * order (COLLATE "C"), as SQLite compares text. Events without the property are left out.
 * `column` is one of TOP_COLUMNS, a column both backends' tables have under that name.
 */
export function topValuesSql(t: PgUserEvents, { eventType, property, column, from, to, sessionId, limit }: TopValuesQuery): SQL {
  // A JSON null in the payload is a value; a NULL column is no value (to_jsonb keeps it NULL).
  const value = column === undefined ? sql`${t.payload} -> ${property ?? ""}::text` : sql`to_jsonb(${sql.identifier(column)})`;
  const session = sessionId === undefined ? sql`` : sql`AND ${t.sessionId} = ${sessionId}`;
  // The value is computed once, in the inner query: the same expression written twice would
  // carry two parameters, which PostgreSQL cannot tell are equal when checking the GROUP BY.
  return sql`
    SELECT value::text AS value, count(*)::int AS count, count(DISTINCT session_id)::int AS sessions
    FROM (
      SELECT ${value} AS value, ${t.sessionId} AS session_id
      FROM ${t}
      WHERE ${t.eventType} = ${eventType}
        AND ${t.createdAt} >= ${from.toISOString()}::timestamptz AND ${t.createdAt} < ${to.toISOString()}::timestamptz ${session}
    ) AS matching
    WHERE value IS NOT NULL
    GROUP BY matching.value
    ORDER BY count DESC, sessions DESC, matching.value::text COLLATE "C"
    LIMIT ${limit}`;
}
