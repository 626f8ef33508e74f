import type { Database, Statement } from "bun:sqlite";
import { ROLLUP_GRAINS_MS } from "../rollup";

/** What a rollup needs of one event. */
export interface RolledEvent {
  eventType: string;
  sessionId: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

interface BucketDelta {
  bucketMs: number;
  eventType: string;
  bucketStart: number;
  events: number;
  sessions: number;
  /** Distinct sessions of this bucket among the events given. */
  sessionIds: Set<string>;
}

/** The events grouped per rolled-up bucket (of one grain, or of every grain), with their distinct sessions. */
function deltasOf(events: readonly RolledEvent[], ...grains: number[]): BucketDelta[] {
  const buckets = new Map<string, BucketDelta>();
  for (const event of events) {
    for (const bucketMs of grains.length ? grains : ROLLUP_GRAINS_MS) {
      const bucketStart = Math.floor(event.createdAt / bucketMs) * bucketMs;
      const key = `${bucketMs}|${bucketStart}|${event.eventType}`;
      let delta = buckets.get(key);
      if (!delta) buckets.set(key, (delta = { bucketMs, eventType: event.eventType, bucketStart, events: 0, sessions: 0, sessionIds: new Set() }));
      delta.events += 1;
      delta.sessionIds.add(event.sessionId);
    }
  }
  return [...buckets.values()];
}

/**
 * Keeps rollup_counts and rollup_sessions in step with user_events, inside the caller's
 * transaction: `added` after inserting events (ingest, backfill), `removed` after deleting them
 * (retention). Work is per distinct bucket and (bucket, session) pair of the events given, not
 * per event: a batch of 512 events from a few dozen sessions touches a few dozen pairs.
 */
export class SqliteRollupWriter {
  private readonly insertPair: Statement;
  private readonly deletePair: Statement;
  private readonly sessionStillSeen: Statement;
  private readonly addCounts: Statement;
  private readonly dropEmpty: Statement;

  constructor(sqlite: Database) {
    this.insertPair = sqlite.prepare(
      "INSERT INTO rollup_sessions (bucket_ms, event_type, bucket_start, session_id) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    );
    this.deletePair = sqlite.prepare("DELETE FROM rollup_sessions WHERE bucket_ms = ?1 AND event_type = ?2 AND bucket_start = ?3 AND session_id = ?4");
    // Through ix_user_events_session_id: a session has few events, so this is a handful of rows.
    this.sessionStillSeen = sqlite.prepare(
      "SELECT 1 FROM user_events WHERE session_id = ?1 AND event_type = ?2 AND created_at >= ?3 AND created_at < ?4 LIMIT 1",
    );
    this.addCounts = sqlite.prepare(
      `INSERT INTO rollup_counts (bucket_ms, event_type, bucket_start, events, sessions) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (bucket_ms, event_type, bucket_start) DO UPDATE SET events = events + excluded.events, sessions = sessions + excluded.sessions`,
    );
    this.dropEmpty = sqlite.prepare("DELETE FROM rollup_counts WHERE bucket_ms = ?1 AND event_type = ?2 AND bucket_start = ?3 AND events <= 0");
  }

  /**
   * Counts events just inserted; a session is counted once per bucket, however many events it
   * sends. Grains go finest first: a (bucket, session) pair that already existed implies the
   * pair of the bucket containing it exists too (both are added together, and retention removes
   * the coarser one only when no event of the session is left in it), so that insert is skipped.
   * Measured in bench/rollups.ts; it saves the day inserts of sessions spanning several commits.
   */
  added(events: readonly RolledEvent[]): void {
    let existed = new Set<string>();
    for (const [grain, bucketMs] of ROLLUP_GRAINS_MS.entries()) {
      const coarser = ROLLUP_GRAINS_MS[grain + 1];
      const existing = new Set<string>();
      for (const delta of deltasOf(events, bucketMs)) {
        for (const sessionId of delta.sessionIds) {
          const key = `${delta.eventType}|${delta.bucketStart}|${sessionId}`;
          if (existed.has(key) || this.insertPair.run(bucketMs, delta.eventType, delta.bucketStart, sessionId).changes === 0) {
            if (coarser !== undefined) existing.add(`${delta.eventType}|${Math.floor(delta.bucketStart / coarser) * coarser}|${sessionId}`);
          } else delta.sessions += 1;
        }
        this.addCounts.run(bucketMs, delta.eventType, delta.bucketStart, delta.events, delta.sessions);
      }
      existed = existing;
    }
  }

  /** Uncounts events just deleted; a session leaves a bucket once none of its events there remain. */
  removed(events: readonly RolledEvent[]): void {
    for (const delta of deltasOf(events)) {
      for (const sessionId of delta.sessionIds) {
        if (this.sessionStillSeen.get(sessionId, delta.eventType, delta.bucketStart, delta.bucketStart + delta.bucketMs) === null) {
          this.deletePair.run(delta.bucketMs, delta.eventType, delta.bucketStart, sessionId);
          delta.sessions += 1;
        }
      }
      this.addCounts.run(delta.bucketMs, delta.eventType, delta.bucketStart, -delta.events, -delta.sessions);
      this.dropEmpty.run(delta.bucketMs, delta.eventType, delta.bucketStart);
    }
  }
}

/**
 * Records, once, which stored events the rollups do not hold yet: on the first boot of a version
 * with rollups, every event already stored (ids up to the current maximum); on a new database,
 * none. Run after the push and before the writer starts, so no event is missed or counted twice.
 */
export function markBackfill(sqlite: Database): void {
  sqlite.run("INSERT OR IGNORE INTO rollup_backfill (id, upto_id, done_id) VALUES (1, (SELECT coalesce(max(id), 0) FROM user_events), 0)");
}

/** The ids the backfill has yet to roll up: (done, upto]; done >= upto once complete. */
export function backfillState(sqlite: Database): { upto: number; done: number } {
  return sqlite.query<{ upto: number; done: number }, []>("SELECT upto_id AS upto, done_id AS done FROM rollup_backfill WHERE id = 1").get() ?? { upto: 0, done: 0 };
}

/** Whether an event of this id is counted in the rollups (stored after them, or backfilled). */
export function isRolledUp(id: number, state: { upto: number; done: number }): boolean {
  return id <= state.done || id > state.upto;
}

/**
 * Rolls up the next `maxRows` not-yet-counted events, inside the caller's write transaction, and
 * records the progress with them. Resolves how many it counted and whether the backfill is done.
 */
export function backfillChunk(sqlite: Database, rollups: SqliteRollupWriter, maxRows: number): { rows: number; complete: boolean } {
  const state = backfillState(sqlite);
  if (state.done >= state.upto) return { rows: 0, complete: true };
  const rows = sqlite
    .query<{ id: number; eventType: string; sessionId: string; createdAt: number }, [number, number, number]>(
      "SELECT id, event_type AS eventType, session_id AS sessionId, created_at AS createdAt FROM user_events WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
    )
    .all(state.done, state.upto, maxRows);
  rollups.added(rows);
  const done = rows.length < maxRows ? state.upto : rows.at(-1)!.id;
  sqlite.query("UPDATE rollup_backfill SET done_id = ?1 WHERE id = 1").run(done);
  return { rows: rows.length, complete: done >= state.upto };
}
