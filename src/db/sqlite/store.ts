import type { Database } from "bun:sqlite";
import { StoreUnavailableError } from "../errors";
import { QueuedEventStore } from "../queued-store";
import type { BackfillStep } from "../interfaces";
import type { NewEvent } from "../model";
import type { CountedSessions } from "../rollup";
import { failureReason, type StoreHealth, type WriteHealth } from "../write-health";
import type { CommitResult } from "../write-queue";
import type { ConnectionOptions } from "./connection";
import { SqliteBatchWriter } from "./batch-writer";
import { type Checkpointer, committedEventsCounter, startCheckpointerThread, startWriterThread, type Writer } from "./threads";

// Measured on a 1M-event database: 1000-row transactions insert only ~13 % faster than 64-row
// ones, so larger batches would mostly make every request in them wait longer.
const MAX_EVENTS_PER_COMMIT = 512;
/** How often the checkpointer's failure count is read, for the log and /metrics. */
const CHECKPOINT_WATCH_MS = 1000;

/**
 * Event store on one SQLite file in WAL mode. It commits on a writer thread and checkpoints on
 * another, each with its own connection, and keeps the main thread's connection (given to it,
 * schema already pushed) for health checks. Appends are group-committed through a bounded
 * WriteQueue: a request is answered only after the transaction holding its event has committed,
 * and refused at once when the queue is full.
 */
export class SqliteEventStore extends QueuedEventStore {
  private readonly checkpointWatch: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly main: Database,
    private readonly writer: Writer,
    private readonly checkpointer: Checkpointer | undefined,
    maxPendingEvents: number,
  ) {
    super({ maxPendingEvents, maxEventsPerCommit: MAX_EVENTS_PER_COMMIT });
    this.checkpointWatch = checkpointer && watchCheckpoints(checkpointer, this.writeHealth);
  }

  /** Starts the writer and checkpointer threads on `connection`'s file; `main` becomes the store's to close. */
  static async start(main: Database, connection: ConnectionOptions, maxPendingEvents: number): Promise<SqliteEventStore> {
    // Other threads cannot open the same :memory: database: it commits on this one.
    if (connection.path === ":memory:") return new SqliteEventStore(main, inlineWriter(main, connection.busyTimeoutMs), undefined, maxPendingEvents);
    const committed = committedEventsCounter();
    const writer = await startWriterThread(connection, committed);
    try {
      await refuseReadOnly(writer, connection.path);
      const checkpointer = await startCheckpointerThread(connection, committed);
      return new SqliteEventStore(main, writer, checkpointer, maxPendingEvents);
    } catch (error) {
      await writer.close();
      throw error;
    }
  }

  protected commit(rows: NewEvent[]): Promise<CommitResult> {
    return this.writer.commit(rows);
  }

  protected probe(): Promise<void> {
    return this.writer.probe();
  }

  override async health(): Promise<StoreHealth> {
    const health = await super.health();
    return health.status === "ok" && !this.writer.alive ? { status: "unavailable", reason: "writer_stopped" } : health;
  }

  /** One backfill step on the writer's connection, queued between commits like one of them. */
  backfillRollups(maxRows: number): Promise<BackfillStep> {
    return this.writer.backfill(maxRows);
  }

  /** Stores sessions counted on a reader thread, on the writer's connection between commits. */
  storeSessions(buckets: CountedSessions[]): Promise<number> {
    return this.writer.storeSessions(buckets);
  }

  /** Stops the threads, then closes the main connection. */
  protected async release(): Promise<void> {
    await this.stopThreads();
    // Whichever connection to the file closes last checkpoints the WAL into it and removes it.
    this.main.close();
  }

  /** Stops the writer and checkpointer threads, leaving the main connection open (a failed boot closes it itself). */
  async stopThreads(): Promise<void> {
    clearInterval(this.checkpointWatch);
    await this.writer.close();
    await this.checkpointer?.close();
  }
}

/** A file SQLite opened read-only (what access(2) did not catch) stops the boot; a full disk does not: it may clear. */
async function refuseReadOnly(writer: Writer, path: string): Promise<void> {
  try {
    await writer.probe();
  } catch (error) {
    if (failureReason(error) !== "read_only") return;
    const cause = error instanceof StoreUnavailableError && error.cause instanceof Error ? error.cause.message : String(error);
    throw new Error(`the database file ${path} is read-only for this process: ${cause}`);
  }
}

/** Polls the checkpointer's failure count and reports what is new as one event. */
function watchCheckpoints(checkpointer: Checkpointer, health: WriteHealth): ReturnType<typeof setInterval> {
  let seen = 0;
  const timer = setInterval(async () => {
    const { count, lastError } = await checkpointer.failures().catch(() => ({ count: seen, lastError: undefined }));
    if (count > seen) health.emit({ kind: "checkpoint_failed", count: count - seen, message: lastError ?? "unknown" });
    seen = count;
  }, CHECKPOINT_WATCH_MS);
  timer.unref();
  return timer;
}

function inlineWriter(sqlite: Database, busyTimeoutMs: number): Writer {
  const writer = new SqliteBatchWriter(sqlite, busyTimeoutMs);
  return {
    alive: true,
    commit: async (rows) => writer.commit(rows),
    // The same header rewrite as the writer thread's probe (writer.worker.ts).
    probe: async () => {
      const { user_version } = sqlite.query<{ user_version: number }, []>("PRAGMA user_version").get()!;
      sqlite.run(`PRAGMA user_version = ${user_version}`);
    },
    backfill: async (maxRows) => writer.backfill(maxRows),
    storeSessions: async (buckets) => writer.storeSessions(buckets),
    close: async () => undefined,
  };
}
