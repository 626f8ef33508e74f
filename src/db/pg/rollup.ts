import { type SQL, sql } from "drizzle-orm";
import { ROLLUP_GRAINS_MS } from "../rollup";
import type { PgRollupTables, PgUserEvents } from "./schema";

/** (event_type, session_id, created_at) of each event, mapped to its bucket of every grain. */
function bucketsOf(events: SQL): SQL {
  const grains = sql.join(
    ROLLUP_GRAINS_MS.map((ms) => sql.raw(`(${ms}::bigint)`)),
    sql`, `,
  );
  return sql`
    SELECT g.ms AS bucket_ms, e.event_type, (floor(extract(epoch FROM e.created_at) * 1000 / g.ms) * g.ms)::bigint AS bucket_start, e.session_id
    FROM (${events}) AS e CROSS JOIN (VALUES ${grains}) AS g(ms)`;
}

/**
 * The rollup upkeep for events just inserted, as CTEs to put in front of the statement that
 * inserts them (`events` yields their event_type, session_id and created_at): their (bucket,
 * session) pairs go into rollup_sessions, and rollup_counts gains their count and the pairs that
 * were new. One statement with the insert, so ingest pays no extra round trip and the rollups
 * commit or fail with the events. Rows go in sorted, so two nodes touching the same buckets
 * take the row locks in the same order (no deadlock).
 */
export function rollupAddCtes(r: PgRollupTables, events: SQL): SQL {
  return sql`
    rolled AS (${bucketsOf(events)}),
    new_pairs AS (
      INSERT INTO ${r.sessions} (bucket_ms, event_type, bucket_start, session_id)
      SELECT DISTINCT bucket_ms, event_type, bucket_start, session_id FROM rolled ORDER BY 1, 2, 3, 4
      ON CONFLICT DO NOTHING
      RETURNING bucket_ms, event_type, bucket_start
    ),
    new_counts AS (
      INSERT INTO ${r.counts} AS rc (bucket_ms, event_type, bucket_start, events, sessions)
      SELECT r.bucket_ms, r.event_type, r.bucket_start, count(*),
        (SELECT count(*) FROM new_pairs n WHERE n.bucket_ms = r.bucket_ms AND n.event_type = r.event_type AND n.bucket_start = r.bucket_start)
      FROM rolled r GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (bucket_ms, event_type, bucket_start)
      DO UPDATE SET events = rc.events + excluded.events, sessions = rc.sessions + excluded.sessions
      RETURNING 1
    )`;
}

/**
 * Uncounts events deleted earlier in the same transaction (given as arrays): each bucket loses
 * their count, and a session leaves a bucket once none of its events there remain (looked up
 * on ix_user_events_session_id). Buckets left without events are removed by `dropEmptySql`.
 */
export function rollupRemoveSql(r: PgRollupTables, e: PgUserEvents, gone: { eventTypes: string[]; sessionIds: string[]; createdAt: string[] }): SQL {
  const events = sql`SELECT * FROM unnest(${sql.param(gone.eventTypes)}::varchar[], ${sql.param(gone.sessionIds)}::varchar[], ${sql.param(gone.createdAt)}::timestamptz[])
    AS gone (event_type, session_id, created_at)`;
  return sql`
    WITH rolled AS (${bucketsOf(events)}),
    left_pairs AS (
      DELETE FROM ${r.sessions} AS rs
      USING (SELECT DISTINCT bucket_ms, event_type, bucket_start, session_id FROM rolled) AS p
      WHERE rs.bucket_ms = p.bucket_ms AND rs.event_type = p.event_type AND rs.bucket_start = p.bucket_start AND rs.session_id = p.session_id
        AND NOT EXISTS (
          SELECT 1 FROM ${e} WHERE ${e.sessionId} = p.session_id AND ${e.eventType} = p.event_type
            AND ${e.createdAt} >= to_timestamp(p.bucket_start / 1000.0) AND ${e.createdAt} < to_timestamp((p.bucket_start + p.bucket_ms) / 1000.0)
        )
      RETURNING rs.bucket_ms, rs.event_type, rs.bucket_start
    )
    UPDATE ${r.counts} AS rc SET events = rc.events - d.events,
      sessions = rc.sessions - (SELECT count(*) FROM left_pairs l WHERE l.bucket_ms = d.bucket_ms AND l.event_type = d.event_type AND l.bucket_start = d.bucket_start)
    FROM (SELECT bucket_ms, event_type, bucket_start, count(*) AS events FROM rolled GROUP BY 1, 2, 3) AS d
    WHERE rc.bucket_ms = d.bucket_ms AND rc.event_type = d.event_type AND rc.bucket_start = d.bucket_start`;
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
      SELECT ${e.id} AS id, ${e.eventType} AS event_type, ${e.sessionId} AS session_id, ${e.createdAt} AS created_at FROM ${e}
      WHERE ${e.id} > ${state.done} AND ${e.id} <= ${state.upto} ORDER BY ${e.id} LIMIT ${maxRows}
    ),
    ${rollupAddCtes(r, sql`SELECT event_type, session_id, created_at FROM chunk`)},
    progress AS (
      UPDATE ${r.backfill} SET done_id = CASE WHEN (SELECT count(*) FROM chunk) < ${maxRows} THEN ${state.upto}::bigint ELSE (SELECT max(id) FROM chunk) END
      WHERE id = 1 RETURNING done_id
    )
    SELECT (SELECT count(*) FROM chunk)::int AS rows, (SELECT done_id FROM progress)::bigint AS done`;
}
