import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { Config } from "../config";
import { pushSchema, type PushResult } from "./push";
import * as schema from "./schema";
import { type AppendResult, type EventStore, type NewEvent, StoreUnavailableError, type WritePathGauges } from "./store";

export type SqliteOptions = Pick<Config, "databaseUrl" | "sqliteSynchronous" | "sqliteBusyTimeoutMs">;

interface Waiter {
  /** How many of the pending rows, in order, are this caller's. */
  count: number;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

/**
 * Event store on one SQLite file. Appends are group-committed: everything queued while the
 * previous transaction ran is written in the next one, and each caller is answered only after
 * the transaction holding its events has committed.
 */
export class SqliteEventStore implements EventStore, WritePathGauges {
  readonly db;
  private readonly insert;
  private pending: NewEvent[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private commitListeners: ((events: number) => void)[] = [];

  private constructor(readonly sqlite: Database, readonly pushed: PushResult) {
    this.db = drizzle(sqlite, { schema });
    this.insert = this.db
      .insert(schema.userEvents)
      .values({
        sessionId: sql.placeholder("sessionId"),
        eventType: sql.placeholder("eventType"),
        payload: sql.placeholder("payload"),
        createdAt: sql.placeholder("createdAt"),
        eventId: sql.placeholder("eventId"),
        occurredAt: sql.placeholder("occurredAt"),
      })
      // A repeated event_id is skipped, not an error: it returns no row and counts as a
      // duplicate. The unique index makes this hold across transactions and processes too.
      .onConflictDoNothing({ target: schema.userEvents.eventId })
      .returning({ id: schema.userEvents.id })
      .prepare();
  }

  /** Opens (creating if needed) the database, applies pragmas and pushes the schema. */
  static async open(options: SqliteOptions): Promise<SqliteEventStore> {
    if (options.databaseUrl !== ":memory:") mkdirSync(dirname(options.databaseUrl), { recursive: true });
    const sqlite = new Database(options.databaseUrl, { create: true, strict: true });
    try {
      sqlite.run(`PRAGMA busy_timeout = ${options.sqliteBusyTimeoutMs}`);
      sqlite.run("PRAGMA journal_mode = WAL");
      sqlite.run(`PRAGMA synchronous = ${options.sqliteSynchronous}`);
      const pushed = await pushSchema(sqlite, schema);
      return new SqliteEventStore(sqlite, pushed);
    } catch (error) {
      sqlite.close();
      throw error;
    }
  }

  append(events: readonly NewEvent[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError("the store is shutting down"));
    return new Promise<AppendResult>((resolve, reject) => {
      for (const event of events) this.pending.push(event);
      this.waiters.push({ count: events.length, resolve, reject });
      this.schedule();
    });
  }

  async ping(): Promise<boolean> {
    try {
      return this.sqlite.query("SELECT 1 AS ok").get() !== null;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
    this.flush();
    this.sqlite.close();
  }

  /** Metrics hook: events waiting for the next group commit. */
  queuedEvents(): number {
    return this.pending.length;
  }

  /** Metrics hook: `listener` is told the size of every committed batch. */
  onCommit(listener: (events: number) => void): void {
    this.commitListeners.push(listener);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Waiting one macrotask lets every request parsed in this event-loop turn join the batch.
    this.idle = new Promise((done) =>
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
        done();
      }),
    );
  }

  private flush(): void {
    if (this.waiters.length === 0) return;
    const rows = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const written: boolean[] = [];
    try {
      this.db.transaction(() => {
        for (const row of rows) {
          // Without a client time the event happened when it was received.
          const values = { ...row, eventId: row.eventId ?? null, occurredAt: row.occurredAt ?? row.createdAt };
          written.push(this.insert.get(values) !== undefined);
        }
      }, { behavior: "immediate" });
    } catch (cause) {
      const error = new StoreUnavailableError("could not commit events", { cause });
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    for (const listener of this.commitListeners) listener(rows.length);
    let offset = 0;
    for (const waiter of waiters) {
      const inserted = written.slice(offset, offset + waiter.count).filter(Boolean).length;
      offset += waiter.count;
      waiter.resolve({ inserted, duplicates: waiter.count - inserted });
    }
  }
}
