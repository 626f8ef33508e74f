import type { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Config } from "../config";
import { pushSchema, type PushResult } from "./push";
import * as schema from "./schema";
import { type ConnectionOptions, openConnection } from "./sqlite-connection";
import { committedEventsCounter, pushInThread, startCheckpointerThread, startWriterThread, type Writer } from "./sqlite-threads";
import { SqliteBatchWriter } from "./sqlite-writer";
import type { AppendResult, EventStore, NewEvent, WritePathGauges } from "./store";
import { type CommitListener, WriteQueue, type WriteStats } from "./write-queue";

export type SqliteOptions = Pick<Config, "databaseUrl" | "sqliteSynchronous" | "sqliteBusyTimeoutMs" | "maxPendingEvents">;

// Measured on a 1M-event database: 1000-row transactions insert only ~13 % faster than 64-row
// ones, so larger batches would mostly make every request in them wait longer.
const MAX_EVENTS_PER_COMMIT = 512;

/**
 * Event store on one SQLite file in WAL mode, with three connections: the main thread's (schema
 * push, reads, health), the writer's on a worker thread, and the checkpointer's on another.
 * Appends are group-committed through a bounded WriteQueue: a request is answered only after the
 * transaction holding its event has committed, and refused at once when the queue is full.
 */
export class SqliteEventStore implements EventStore, WritePathGauges {
  private readonly queue: WriteQueue<NewEvent>;

  private constructor(
    /** The main thread's connection: schema push for `:memory:`, health checks, tests' reads. */
    readonly sqlite: Database,
    readonly pushed: PushResult,
    private readonly writer: Writer,
    private readonly checkpointer: { close(): Promise<void> } | undefined,
    options: SqliteOptions,
  ) {
    this.queue = new WriteQueue({
      maxPending: options.maxPendingEvents,
      maxBatch: MAX_EVENTS_PER_COMMIT,
      commit: (rows) => writer.commit(rows),
    });
  }

  /** Opens (creating if needed) the database, pushes the schema, then starts the writer and checkpointer threads. */
  static async open(options: SqliteOptions): Promise<SqliteEventStore> {
    const inMemory = options.databaseUrl === ":memory:";
    const connection: ConnectionOptions = {
      path: inMemory ? ":memory:" : resolve(options.databaseUrl),
      synchronous: options.sqliteSynchronous,
      busyTimeoutMs: options.sqliteBusyTimeoutMs,
    };
    if (!inMemory) mkdirSync(dirname(connection.path), { recursive: true });
    // A file is pushed from a short-lived thread so drizzle-kit's memory does not stay resident.
    let pushed = inMemory ? undefined : await pushInThread(connection);
    const sqlite = openConnection(connection);
    let writer: Writer | undefined;
    try {
      pushed ??= await pushSchema(sqlite, schema);
      const committed = committedEventsCounter();
      // Other threads cannot open the same :memory: database: it commits on this one.
      writer = inMemory ? inlineWriter(sqlite, connection.busyTimeoutMs) : await startWriterThread(connection, committed);
      const checkpointer = inMemory ? undefined : await startCheckpointerThread(connection, committed);
      return new SqliteEventStore(sqlite, pushed, writer, checkpointer, options);
    } catch (error) {
      await writer?.close();
      sqlite.close();
      throw error;
    }
  }

  append(events: readonly NewEvent[]): Promise<AppendResult> {
    return this.queue.enqueue(events);
  }

  /** Metrics hook: events accepted and not yet committed (waiting, or in the commit under way). */
  queuedEvents(): number {
    return this.queue.depth;
  }

  /** Metrics hook: `listener` is told the size and duration of every commit. */
  onCommit(listener: CommitListener): void {
    this.queue.onCommit(listener);
  }

  /** Cumulative write-path figures: commits, batch sizes, failures, refusals. */
  stats(): WriteStats {
    return this.queue.stats();
  }

  async ping(): Promise<boolean> {
    if (!this.writer.alive) return false;
    try {
      return this.sqlite.query("SELECT 1 AS ok").get() !== null;
    } catch {
      return false;
    }
  }

  /** Refuses new appends, commits everything already accepted, then stops the threads and closes. */
  async close(): Promise<void> {
    await this.queue.close();
    await this.writer.close();
    await this.checkpointer?.close();
    // Whichever connection to the file closes last checkpoints the WAL into it and removes it.
    this.sqlite.close();
  }
}

function inlineWriter(sqlite: Database, busyTimeoutMs: number): Writer {
  const writer = new SqliteBatchWriter(sqlite, busyTimeoutMs);
  return {
    alive: true,
    commit: async (rows) => writer.commit(rows),
    close: async () => undefined,
  };
}
