/**
 * Worker thread that checkpoints the WAL on its own connection, so copying the log into the
 * database file and the fsyncs that go with it never run on the writer or the event loop
 * (measured: with SQLite's default autocheckpoint on the writing connection, 64-event commits had
 * a p99 of 22 ms on a 1M-row database, against 3.5 ms without).
 *
 * Pacing: like SQLite's autocheckpoint (every 1000 pages), a checkpoint runs once about 1000
 * events were committed (each writes one to two WAL pages), or within a second of the last
 * commit, checked ten times a second. At a moderate rate that is one checkpoint a second rather
 * than one per tick, so its fsyncs rarely coincide with a commit.
 *
 * A PASSIVE checkpoint never blocks the writer, but under continuous writes it never catches up
 * with the log either, so the WAL would grow without bound: past RESTART_FRAMES a RESTART
 * checkpoint holds the writer back briefly so that the next commit starts the log from its start,
 * and cuts the file back to journal_size_limit (sqlite-connection.ts). Once commits stop for
 * IDLE_MS, a TRUNCATE checkpoint empties the log. So the WAL stays under about RESTART_FRAMES
 * pages plus one catch-up tail while busy, and shrinks to nothing when idle (before, RESTART
 * came only at 128 MiB and the file never shrank: 142 MB of WAL beside a 9 MB database).
 *
 * A checkpoint that fails (a full disk cannot take the pages it copies) is retried on the next
 * tick; commits do not depend on it. The failures are counted and the last one kept, for the
 * store to log (rate-limited) and count in /metrics.
 */
import type { Database } from "bun:sqlite";
import { describeError, openConnection } from "./connection";
import type { CheckpointerReply, CheckpointerRequest } from "./threads";

const TICK_MS = 100;
const EVENTS_PER_CHECKPOINT = 1000;
const MAX_DELAY_MS = 1000;
/** 16 MiB of 4 KiB pages: under sustained saturation, several RESTARTs a second (see bench/run.ts). */
const RESTART_FRAMES = 4096;
/** The catch-up stops here however long the tail: the WAL's bound under saturation. */
const MAX_LOG_FRAMES = 2 * RESTART_FRAMES;
/** Commits stopped this long ago: the log is emptied. */
const IDLE_MS = 1000;
/** A RESTART copies what was written since the last PASSIVE while holding the write lock: keep that short. */
const SHORT_TAIL_FRAMES = 256;
const MAX_CATCH_UP_ROUNDS = 8;
// While a RESTART waits for readers it holds the write lock: give up soon and retry later.
const BUSY_TIMEOUT_MS = 20;

declare const self: Worker;

type Checkpoint = { busy: number; log: number; checkpointed: number };

let sqlite: Database | undefined;
let timer: ReturnType<typeof setInterval> | undefined;
let checkpointedAt = 0;
let lastCheckpoint = 0;
let behind = false;
/** The committed-events count at the last TRUNCATE, and when that count last changed. */
let truncatedAt = 0;
let lastSeen = 0;
let lastChange = 0;
let failures = 0;
let lastError: string | undefined;

function checkpoint(connection: Database, mode: "PASSIVE" | "RESTART" | "TRUNCATE"): Checkpoint {
  return connection.query<Checkpoint, []>(`PRAGMA wal_checkpoint(${mode})`).get()!;
}

function tick(connection: Database, counter: Int32Array): void {
  const written = Atomics.load(counter, 0);
  const now = Date.now();
  if (written !== lastSeen) [lastSeen, lastChange] = [written, now];
  // Wrap-safe: the counter is a 32-bit integer the writer keeps adding to.
  const pending = (written - checkpointedAt) | 0;
  const due = pending >= EVENTS_PER_CHECKPOINT || (pending > 0 && now - lastCheckpoint >= MAX_DELAY_MS);
  if (!due && !behind) {
    if (written !== truncatedAt && now - lastChange >= IDLE_MS) {
      // Idle and caught up: empty the log. Busy (a reader holds the log) means try again next tick.
      if (checkpoint(connection, "TRUNCATE").busy === 0) truncatedAt = written;
    }
    return;
  }
  checkpointedAt = written;
  lastCheckpoint = Date.now();
  let result = checkpoint(connection, "PASSIVE");
  if (result.log >= RESTART_FRAMES) {
    // Each PASSIVE round copies what the writer added during the previous one, so the tail shrinks
    // until the RESTART (which holds the writer back while it copies) has almost nothing left to do.
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      const before = result.log;
      result = checkpoint(connection, "PASSIVE");
      // A writer faster than the rounds: stop chasing it, and let the RESTART copy a longer tail.
      if (result.log - before <= SHORT_TAIL_FRAMES || result.log >= MAX_LOG_FRAMES) break;
    }
    result = checkpoint(connection, "RESTART");
  }
  behind = result.busy === 1 || result.checkpointed < result.log;
}

function handle(request: CheckpointerRequest): CheckpointerReply {
  try {
    switch (request.kind) {
      case "open": {
        const connection = openConnection({ ...request.options, busyTimeoutMs: BUSY_TIMEOUT_MS });
        const counter = new Int32Array(request.committed!);
        sqlite = connection;
        timer = setInterval(() => {
          try {
            tick(connection, counter);
          } catch (error) {
            // Retried on the next tick; commits do not depend on it. A busy one is no failure.
            behind = true;
            if ((error as { code?: unknown }).code === "SQLITE_BUSY") return;
            failures++;
            lastError = describeError(error);
          }
        }, TICK_MS);
        return { kind: "ready" };
      }
      case "failures":
        return { kind: "failures", count: failures, lastError };
      case "close":
        clearInterval(timer);
        sqlite?.close();
        sqlite = undefined;
        return { kind: "closed" };
    }
  } catch (error) {
    return { kind: "failed", message: describeError(error) };
  }
}

self.onmessage = (event: MessageEvent<CheckpointerRequest>) => self.postMessage(handle(event.data));
