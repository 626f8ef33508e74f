import { type SQL, sql } from "drizzle-orm";
import { type CountedSessions, ROLLUP_GRAINS_MS, UNCOUNTED_SESSIONS } from "../rollup";
import type { PgRollupTables, PgUserEvents } from "./schema";

/** (event_type, created_at) of each event, mapped to its bucket of every grain. */
function bucketsOf(events: SQL): SQL {
  const grains = sql.join(
    ROLLUP_GRAINS_MS.map((ms) => sql.raw(`(${ms}::bigint)`)),
    sql`, `,
  );
  return sql`
    SELECT g.ms AS bucket_ms, e.event_type, (floor(extract(epoch FROM e.created_at) * 1000 / g.ms) * g.ms)::bigint AS bucket_start
    FROM (${events}) AS e CROSS JOIN (VALUES ${grains}) AS g(ms)`;
}

/**
 * The rollup upkeep for events just inserted, as a CTE to put in front of the statement that
 * inserts them (`events` yields their event_type and created_at): each bucket they touch gains
 * their count, and its sessions are to be counted again (../rollup.ts). One statement with the
 * insert, so ingest pays no extra round trip and the rollups commit or fail with the events.
 * Rows go in sorted, so two nodes touching the same buckets take the row locks in the same order.
 */
export function rollupAddCtes(r: PgRollupTables, events: SQL): SQL {
  return sql`
    new_counts AS (
      INSERT INTO ${r.counts} AS rc (bucket_ms, event_type, bucket_start, events, sessions)
      SELECT bucket_ms, event_type, bucket_start, count(*), ${UNCOUNTED_SESSIONS} FROM (${bucketsOf(events)}) AS rolled
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (bucket_ms, event_type, bucket_start)
      DO UPDATE SET events = rc.events + excluded.events, sessions = ${UNCOUNTED_SESSIONS}
      RETURNING 1
    )`;
}

/**
 * Uncounts events deleted earlier in the same transaction (given as arrays): each bucket loses
 * their count and its sessions are to be counted again. Buckets left without events are removed
 * by `dropEmptySql`.
 */
export function rollupRemoveSql(r: PgRollupTables, gone: { eventTypes: string[]; createdAt: string[] }): SQL {
  const events = sql`SELECT * FROM unnest(${sql.param(gone.eventTypes)}::varchar[], ${sql.param(gone.createdAt)}::timestamptz[]) AS gone (event_type, created_at)`;
  return sql`
    UPDATE ${r.counts} AS rc SET events = rc.events - d.events, sessions = ${UNCOUNTED_SESSIONS}
    FROM (SELECT bucket_ms, event_type, bucket_start, count(*) AS events FROM (${bucketsOf(events)}) AS rolled GROUP BY 1, 2, 3 ORDER BY 1, 2, 3) AS d
    WHERE rc.bucket_ms = d.bucket_ms AND rc.event_type = d.event_type AND rc.bucket_start = d.bucket_start`;
}

/** See ../sqlite/rollup.ts countSessions: the same, on the read pool, in one statement (one snapshot). */
export function countSessionsSql(r: PgRollupTables, e: PgUserEvents, before: number, maxBuckets: number): SQL {
  return sql`
    SELECT rc.bucket_ms, rc.event_type, rc.bucket_start, rc.events,
      (SELECT count(DISTINCT ${e.sessionId}) FROM ${e}
       WHERE ${e.eventType} = rc.event_type
         AND ${e.createdAt} >= to_timestamp(rc.bucket_start / 1000.0) AND ${e.createdAt} < to_timestamp((rc.bucket_start + rc.bucket_ms) / 1000.0)) AS sessions
    FROM ${r.counts} AS rc
    WHERE rc.sessions = ${UNCOUNTED_SESSIONS} AND rc.bucket_start + rc.bucket_ms <= ${before}
    ORDER BY rc.bucket_ms, rc.bucket_start, rc.event_type LIMIT ${maxBuckets}`;
}

/** Stores counted sessions where the bucket still holds the events it held when they were counted. */
export function storeSessionsSql(r: PgRollupTables, buckets: readonly CountedSessions[]): SQL {
  const column = <K extends keyof CountedSessions>(key: K) => buckets.map((b) => b[key]);
  return sql`
    WITH stored AS (
      UPDATE ${r.counts} AS rc SET sessions = c.sessions
      FROM unnest(${sql.param(column("bucketMs"))}::bigint[], ${sql.param(column("eventType"))}::varchar[], ${sql.param(column("bucketStart"))}::bigint[],
        ${sql.param(column("events"))}::bigint[], ${sql.param(column("sessions"))}::bigint[]) AS c (bucket_ms, event_type, bucket_start, events, sessions)
      WHERE rc.bucket_ms = c.bucket_ms AND rc.event_type = c.event_type AND rc.bucket_start = c.bucket_start
        AND rc.events = c.events AND rc.sessions = ${UNCOUNTED_SESSIONS}
      RETURNING 1
    )
    SELECT count(*)::int AS stored FROM stored`;
}

export function dropEmptySql(r: PgRollupTables): SQL {
  return sql`DELETE FROM ${r.counts} WHERE events <= 0`;
}

/** See ../sqlite/rollup.ts markBackfill: the same, once, right after the push. */
export function markBackfillSql(r: PgRollupTables, e: PgUserEvents): SQL {
  return sql`INSERT INTO ${r.backfill} (id, upto_id, done_id) SELECT 1, coalesce(max(${e.id}), 0), 0 FROM ${e} ON CONFLICT (id) DO NOTHING`;
}

/** The backfill's progress, locked for the transaction: the backfill and retention take turns. */
export function lockBackfillSql(r: PgRollupTables): SQL {
  return sql`SELECT upto_id::bigint AS upto, done_id::bigint AS done FROM ${r.backfill} WHERE id = 1 FOR UPDATE`;
}

/**
 * One backfill chunk: the next `maxRows` events in (done, upto] rolled up, and the progress
 * recorded, in one statement. Resolves the events counted and the new done_id.
 */
export function backfillChunkSql(r: PgRollupTables, e: PgUserEvents, state: { upto: number; done: number }, maxRows: number): SQL {
  return sql`
    WITH chunk AS (
      SELECT ${e.id} AS id, ${e.eventType} AS event_type, ${e.createdAt} AS created_at FROM ${e}
      WHERE ${e.id} > ${state.done} AND ${e.id} <= ${state.upto} ORDER BY ${e.id} LIMIT ${maxRows}
    ),
    ${rollupAddCtes(r, sql`SELECT event_type, created_at FROM chunk`)},
    progress AS (
      UPDATE ${r.backfill} SET done_id = CASE WHEN (SELECT count(*) FROM chunk) < ${maxRows} THEN ${state.upto}::bigint ELSE (SELECT max(id) FROM chunk) END
      WHERE id = 1 RETURNING done_id
    )
    SELECT (SELECT count(*) FROM chunk)::int AS rows, (SELECT done_id FROM progress)::bigint AS done`;
}
