import { SQL } from "bun";
import { sql } from "drizzle-orm";
import { type BunSQLDatabase, drizzle } from "drizzle-orm/bun-sql";
import type { Config } from "../../config";
import type { PushResult } from "../push";
import { type AppendResult, type EventStore, type NewEvent, StoreUnavailableError, type WritePathGauges } from "../store";
import { type CommitListener, type CommitResult, WriteQueue, type WriteStats } from "../write-queue";
import { pushPgSchema } from "./push";
import { type PgUserEvents, userEventsIn } from "./schema";

export type PgOptions = Pick<
  Config,
  "databaseUrl" | "databasePoolSize" | "databaseSchema" | "databaseConnectTimeoutMs" | "databaseStatementTimeoutMs" | "maxPendingEvents"
>;

// Larger batches gain little once the commit cost is shared, and keep each statement short.
const MAX_EVENTS_PER_COMMIT = 1000;

/**
 * Event store on PostgreSQL, group-committed through the same bounded WriteQueue as SQLite:
 * events queued while the previous insert ran are written together in one multi-row INSERT (one
 * statement, so one transaction); every caller is answered only after the statement holding its
 * events has committed, and refused at once (503) when MAX_PENDING_EVENTS are waiting. The rows
 * travel as one array per column through `unnest`: the statement text is the same for every
 * batch size (prepared once per connection), and it costs the client about a quarter of the CPU
 * of a VALUES list with a parameter per value (bench/pg-drivers.ts).
 *
 * Every database call has a deadline (connect + statement timeout): a database that is down,
 * unreachable or stuck gives StoreUnavailableError (503) rather than a hang, and the pool
 * reconnects by itself once the database answers again.
 */
export class PgEventStore implements EventStore, WritePathGauges {
  private readonly queue: WriteQueue<NewEvent>;

  private constructor(
    readonly client: SQL,
    readonly db: BunSQLDatabase,
    readonly table: PgUserEvents,
    readonly pushed: PushResult,
    private readonly deadlineMs: number,
    private readonly pingDeadlineMs: number,
    maxPendingEvents: number,
  ) {
    this.queue = new WriteQueue({
      maxPending: maxPendingEvents,
      maxBatch: MAX_EVENTS_PER_COMMIT,
      commit: (rows) => this.commit(rows),
    });
  }

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
    try {
      const pushed = await pushPgSchema(db, options.databaseSchema, [table]);
      const deadlineMs = options.databaseConnectTimeoutMs + options.databaseStatementTimeoutMs;
      return new PgEventStore(client, db, table, pushed, deadlineMs, options.databaseConnectTimeoutMs, options.maxPendingEvents);
    } catch (error) {
      await client.close({ timeout: 0 });
      throw error;
    }
  }

  append(events: readonly NewEvent[]): Promise<AppendResult> {
    return this.queue.enqueue(events);
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

  /** Metrics hook: events accepted and not yet committed. */
  queuedEvents(): number {
    return this.queue.depth;
  }

  /** Metrics hook: `listener` is told the size and duration of every commit. */
  onCommit(listener: CommitListener): void {
    this.queue.onCommit(listener);
  }

  stats(): WriteStats {
    return this.queue.stats();
  }

  /** Refuses new appends, commits everything already accepted, then closes the pool. */
  async close(): Promise<void> {
    await this.queue.close();
    await this.client.close({ timeout: 5 });
  }

  private async commit(rows: NewEvent[]): Promise<CommitResult> {
    const started = performance.now();
    const written = await withDeadline(this.db.execute(this.insertStatement(rows)), this.deadlineMs, "insert");
    // Events without an event_id are always written. Of the events sharing one, the first in
    // queue order counts as written (the copies are the same event), every later one as a duplicate.
    const writtenIds = new Set(written.flatMap((row) => (typeof row.event_id === "string" ? [row.event_id] : [])));
    const duplicates: number[] = [];
    rows.forEach((row, index) => {
      if (row.eventId != null && !writtenIds.delete(row.eventId)) duplicates.push(index);
    });
    return { durationMs: performance.now() - started, duplicates };
  }

  /**
   * INSERT ... SELECT FROM unnest(one array per column). Payloads travel as text[] and are cast
   * by the server: Bun's SQL client JSON-encodes a string bound to a jsonb parameter, which
   * would store every payload as one JSON string instead of the object it describes. A repeated
   * event_id is skipped, not an error (the unique index holds across statements, nodes and
   * within this statement); RETURNING names the event_ids that were written.
   */
  private insertStatement(rows: readonly NewEvent[]) {
    const sessionIds: string[] = [];
    const eventTypes: string[] = [];
    const payloads: string[] = [];
    const createdAt: string[] = [];
    const eventIds: (string | null)[] = [];
    const occurredAt: string[] = [];
    for (const event of rows) {
      sessionIds.push(event.sessionId);
      eventTypes.push(event.eventType);
      payloads.push(event.payload ?? "{}");
      createdAt.push(event.createdAt.toISOString());
      eventIds.push(event.eventId ?? null);
      // Without a client time the event happened when it was received.
      occurredAt.push((event.occurredAt ?? event.createdAt).toISOString());
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
}

/** Rejects with StoreUnavailableError if `work` has not settled after `ms`; the work itself may still finish. */
function withDeadline<T>(work: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
