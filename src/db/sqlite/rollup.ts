import type { Database, Statement } from "bun:sqlite";
import { type CountedSessions, ROLLUP_GRAINS_MS, UNCOUNTED_SESSIONS } from "../rollup";

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
}

/** The events grouped per rolled-up bucket of every grain. */
function deltasOf(events: readonly RolledEvent[]): BucketDelta[] {
  const buckets = new Map<string, BucketDelta>();
  for (const event of events) {
    for (const bucketMs of ROLLUP_GRAINS_MS) {
      const bucketStart = Math.floor(event.createdAt / bucketMs) * bucketMs;
      const key = `${bucketMs}|${bucketStart}|${event.eventType}`;
      const delta = buckets.get(key);
      if (delta) delta.events += 1;
      else buckets.set(key, { bucketMs, eventType: event.eventType, bucketStart, events: 1 });
    }
  }
  return [...buckets.values()];
}

/**
 * Keeps rollup_counts in step with user_events, inside the caller's transaction: `added` after
 * inserting events (ingest, backfill), `removed` after deleting them (retention). One upsert per
 * (grain, type, bucket) the events touch, whatever their number: a 512-event commit of three
 * types within one hour is six statements. A changed bucket's sessions become UNCOUNTED_SESSIONS
 * until the sessions job counts them again (../rollup.ts).
 */
export class SqliteRollupWriter {
  private readonly addCounts: Statement;
  private readonly dropEmpty: Statement;
  private readonly storeSessions: Statement;

  constructor(sqlite: Database) {
    this.addCounts = sqlite.prepare(
      `INSERT INTO rollup_counts (bucket_ms, event_type, bucket_start, events, sessions) VALUES (?1, ?2, ?3, ?4, ${UNCOUNTED_SESSIONS})
       ON CONFLICT (bucket_ms, event_type, bucket_start) DO UPDATE SET events = events + excluded.events, sessions = ${UNCOUNTED_SESSIONS}`,
    );
    this.dropEmpty = sqlite.prepare("DELETE FROM rollup_counts WHERE bucket_ms = ?1 AND event_type = ?2 AND bucket_start = ?3 AND events <= 0");
    // Only if the bucket is as it was when its sessions were counted (see ../rollup.ts).
    this.storeSessions = sqlite.prepare(
      `UPDATE rollup_counts SET sessions = ?5 WHERE bucket_ms = ?1 AND event_type = ?2 AND bucket_start = ?3 AND events = ?4 AND sessions = ${UNCOUNTED_SESSIONS}`,
    );
  }

  /** Counts events just inserted. */
  added(events: readonly RolledEvent[]): void {
    for (const delta of deltasOf(events)) this.addCounts.run(delta.bucketMs, delta.eventType, delta.bucketStart, delta.events);
  }

  /** Uncounts events just deleted; a bucket left without events is removed. */
  removed(events: readonly RolledEvent[]): void {
    for (const delta of deltasOf(events)) {
      this.addCounts.run(delta.bucketMs, delta.eventType, delta.bucketStart, -delta.events);
      this.dropEmpty.run(delta.bucketMs, delta.eventType, delta.bucketStart);
    }
  }

  /** Stores sessions counted on a reader; resolves how many buckets took theirs (the others changed since). */
  sessionsCounted(buckets: readonly CountedSessions[]): number {
    let stored = 0;
    for (const b of buckets) stored += this.storeSessions.run(b.bucketMs, b.eventType, b.bucketStart, b.events, b.sessions).changes;
    return stored;
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

/**
 * Closed buckets whose sessions are not counted (ended at or before `before`), oldest first, with
 * their distinct sessions counted from the rows, all in the caller's one read transaction, so
 * `events` is what the rollup held when the rows were read. Runs on a reader thread: a day of
 * ten million events a month is a third of a million rows, never read while holding the write lock.
 */
export function countSessions(sqlite: Database, before: number, maxBuckets: number): CountedSessions[] {
  return sqlite
    .query<CountedSessions, [number, number]>(
      `SELECT bucket_ms AS bucketMs, event_type AS eventType, bucket_start AS bucketStart, events,
         (SELECT count(DISTINCT session_id) FROM user_events
          WHERE user_events.event_type = rollup_counts.event_type
            AND user_events.created_at >= rollup_counts.bucket_start AND user_events.created_at < rollup_counts.bucket_start + rollup_counts.bucket_ms) AS sessions
       FROM rollup_counts WHERE sessions = ${UNCOUNTED_SESSIONS} AND bucket_start + bucket_ms <= ?1
       ORDER BY bucket_ms, bucket_start LIMIT ?2`,
    )
    .all(before, maxBuckets);
}
