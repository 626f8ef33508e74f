import { SQL } from "bun";
import { sql } from "drizzle-orm";
import { type BunSQLDatabase, drizzle } from "drizzle-orm/bun-sql";
import type { Config } from "../../config";
import type { PushResult } from "../push";
import { type AppendResult, type EventStore, type NewEvent, StoreUnavailableError, type WritePathGauges } from "../store";
import { pushPgSchema } from "./push";
import { type PgUserEvents, userEventsIn } from "./schema";

export type PgOptions = Pick<
  Config,
  "databaseUrl" | "databasePoolSize" | "databaseSchema" | "databaseConnectTimeoutMs" | "databaseStatementTimeoutMs"
>;

interface Waiter {
  events: readonly NewEvent[];
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

// Larger batches gain little once the commit cost is shared, and keep each statement short.
const MAX_ROWS_PER_INSERT = 1000;

/**
 * Event store on PostgreSQL. Appends are group-committed as on SQLite: events queued while
 * earlier inserts run are written together in one multi-row INSERT (one statement, so one
 * transaction), and every caller is answered only after the statement holding its events has
 * committed. The rows travel as one array per column through `unnest`: the statement text is
 * the same for every batch size (prepared once per connection), and it costs the client about
 * a quarter of the CPU of a VALUES list with four parameters per row (bench/pg-drivers.ts).
 * A few inserts may run at once on separate pooled connections, so the server's own group
 * commit overlaps their WAL flushes.
 *
 * Every database call has a deadline (connect + statement timeout): a database that is down,
 * unreachable or stuck gives StoreUnavailableError (503) rather than a hang, and the pool
 * reconnects by itself once the database answers again.
 */
export class PgEventStore implements EventStore, WritePathGauges {
  private queue: Waiter[] = [];
  private commitListeners: ((events: number) => void)[] = [];
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  private drained: (() => void) | undefined;

  private constructor(
    readonly client: SQL,
    readonly db: BunSQLDatabase,
    readonly table: PgUserEvents,
    readonly pushed: PushResult,
    private readonly deadlineMs: number,
    private readonly pingDeadlineMs: number,
    private readonly maxInFlight: number,
  ) {}

  /** Connects, then pushes the schema (serialised across nodes by an advisory lock). */
  static async open(options: PgOptions): Promise<PgEventStore> {
    const client = new SQL(options.databaseUrl, {
      max: options.databasePoolSize,
      connectionTimeout: options.databaseConnectTimeoutMs / 1000,
      idleTimeout: 60,
      // Sent at connection start-up: the server cancels any statement (or lock wait) past it.
      connection: { statement_timeout: options.databaseStatementTimeoutMs, application_name: "event-ingest" },
    });
    const db = drizzle({ client });
    const table = userEventsIn(options.databaseSchema);
    const deadlineMs = options.databaseConnectTimeoutMs + options.databaseStatementTimeoutMs;
    try {
      const pushed = await pushPgSchema(db, options.databaseSchema, [table]);
      const inFlight = Math.max(1, Math.min(4, options.databasePoolSize));
      return new PgEventStore(client, db, table, pushed, deadlineMs, options.databaseConnectTimeoutMs, inFlight);
    } catch (error) {
      await client.close({ timeout: 0 });
      throw error;
    }
  }

  append(events: readonly NewEvent[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError("the store is shutting down"));
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.schedule();
    });
  }

  /** A trivial query, given up after the connect timeout: health checks must answer fast. */
  async ping(): Promise<boolean> {
    try {
      await withDeadline(this.client`SELECT 1`, this.pingDeadlineMs, "ping");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight > 0 || this.queue.length > 0) {
      await new Promise<void>((done) => {
        this.drained = done;
        this.pump();
      });
    }
    await this.client.close({ timeout: 5 });
  }

  /** Metrics hook: events waiting for the next group commit. */
  queuedEvents(): number {
    let events = 0;
    for (const waiter of this.queue) events += waiter.events.length;
    return events;
  }

  /** Metrics hook: `listener` is told the size of every committed batch. */
  onCommit(listener: (events: number) => void): void {
    this.commitListeners.push(listener);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    // Waiting one macrotask lets every request parsed in this event-loop turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      this.inFlight++;
      void this.commit(this.takeBatch()).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) this.drained?.();
      });
    }
  }

  /** Whole requests, oldest first, up to the row limit (a request's events always commit together). */
  private takeBatch(): Waiter[] {
    let rows = 0;
    let count = 0;
    while (count < this.queue.length) {
      const next = this.queue[count]!.events.length;
      if (count > 0 && rows + next > MAX_ROWS_PER_INSERT) break;
      rows += next;
      count++;
    }
    return this.queue.splice(0, count);
  }

  /**
   * INSERT ... SELECT FROM unnest(one array per column). Payloads travel as text[] and are cast
   * by the server: Bun's SQL client JSON-encodes a string bound to a jsonb parameter, which
   * would store every payload as one JSON string instead of the object it describes. A repeated
   * event_id is skipped, not an error (the unique index holds across statements, nodes and
   * within this statement); RETURNING names the event_ids that were written.
   */
  private insertStatement(batch: Waiter[]) {
    const sessionIds: string[] = [];
    const eventTypes: string[] = [];
    const payloads: string[] = [];
    const createdAt: string[] = [];
    const eventIds: (string | null)[] = [];
    const occurredAt: string[] = [];
    for (const { events } of batch) {
      for (const event of events) {
        sessionIds.push(event.sessionId);
        eventTypes.push(event.eventType);
        payloads.push(event.payload ?? "{}");
        createdAt.push(event.createdAt.toISOString());
        eventIds.push(event.eventId ?? null);
        // Without a client time the event happened when it was received.
        occurredAt.push((event.occurredAt ?? event.createdAt).toISOString());
      }
    }
    const t = this.table;
    const columns = [t.sessionId, t.eventType, t.payload, t.createdAt, t.eventId, t.occurredAt].map((column) => sql.identifier(column.name));
    return sql`INSERT INTO ${t} (${sql.join(columns, sql`, `)})
      SELECT session_id, event_type, payload::jsonb, created_at, event_id, occurred_at
      FROM unnest(${sql.param(sessionIds)}::varchar[], ${sql.param(eventTypes)}::varchar[], ${sql.param(payloads)}::text[],
        ${sql.param(createdAt)}::timestamptz[], ${sql.param(eventIds)}::varchar[], ${sql.param(occurredAt)}::timestamptz[])
        AS batch (session_id, event_type, payload, created_at, event_id, occurred_at)
      ON CONFLICT (${sql.identifier(t.eventId.name)}) DO NOTHING
      RETURNING ${sql.identifier(t.eventId.name)} AS event_id`;
  }

  private async commit(batch: Waiter[]): Promise<void> {
    let written: Record<string, unknown>[];
    try {
      written = await withDeadline(this.db.execute(this.insertStatement(batch)), this.deadlineMs, "insert");
    } catch (cause) {
      const error = new StoreUnavailableError("could not commit events", { cause });
      for (const waiter of batch) waiter.reject(error);
      return;
    }
    const committed = batch.reduce((events, waiter) => events + waiter.events.length, 0);
    for (const listener of this.commitListeners) listener(committed);
    // Events without an event_id are always written. Of the events sharing one, the first in
    // queue order counts as written (the copies are the same event), every later one as a duplicate.
    const writtenIds = new Set(written.flatMap((row) => (typeof row.event_id === "string" ? [row.event_id] : [])));
    for (const waiter of batch) {
      let inserted = 0;
      for (const { eventId } of waiter.events) {
        if (eventId == null || writtenIds.delete(eventId)) inserted++;
      }
      waiter.resolve({ inserted, duplicates: waiter.events.length - inserted });
    }
  }
}

/** Rejects with StoreUnavailableError if `work` has not settled after `ms`; the work itself may still finish. */
function withDeadline<T>(work: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
