import type { SQL } from "bun";
import { sql } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import { type NewEvent, ORIGIN_FIELDS } from "../model";
import { QueuedEventStore } from "../queued-store";
import type { BackfillStep } from "../interfaces";
import type { CommitResult } from "../write-queue";
import { pgUnavailable, probeWritable, withDeadline } from "./health";
import { backfillChunkSql, lockBackfillSql, rollupAddCtes } from "./rollup";
import type { PgRollupTables, PgUserEvents } from "./schema";

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
export class PgEventStore extends QueuedEventStore {
  /**
   * `client` is the write path's pool, which the store closes; `deadlineMs` bounds each insert,
   * `pingDeadlineMs` each health check.
   */
  constructor(
    private readonly client: SQL,
    private readonly db: BunSQLDatabase,
    private readonly table: PgUserEvents,
    private readonly rollups: PgRollupTables,
    private readonly limits: { deadlineMs: number; pingDeadlineMs: number; maxPendingEvents: number },
  ) {
    // Every health check probes (one round trip), so an unreachable server shows at once.
    super({ maxPendingEvents: limits.maxPendingEvents, maxEventsPerCommit: MAX_EVENTS_PER_COMMIT, idleProbeMs: 0 });
  }

  /** One query saying whether the server takes writes, given up after the connect timeout: health checks must answer fast. */
  protected probe(): Promise<void> {
    return probeWritable(this.client, this.limits.pingDeadlineMs);
  }

  /** Closes the pool, once everything accepted has been committed. */
  protected async release(): Promise<void> {
    await this.client.close({ timeout: 5 });
  }

  protected async commit(rows: NewEvent[]): Promise<CommitResult> {
    const started = performance.now();
    const written = await withDeadline(this.db.execute(this.insertStatement(rows)), this.limits.deadlineMs, "insert").catch((cause: unknown) => {
      throw pgUnavailable("could not commit events", cause);
    });
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
    // The origin columns travel as text arrays too, cast per column in the SELECT.
    const origin = ORIGIN_FIELDS.map(() => [] as (string | null)[]);
    for (const event of rows) {
      sessionIds.push(event.sessionId);
      eventTypes.push(event.eventType);
      payloads.push(event.payload ?? "{}");
      createdAt.push(event.createdAt.toISOString());
      eventIds.push(event.eventId ?? null);
      // Without a client time the event happened when it was received.
      occurredAt.push((event.occurredAt ?? event.createdAt).toISOString());
      ORIGIN_FIELDS.forEach((field, i) => {
        const value = event[field];
        origin[i]!.push(value === undefined || value === null ? null : String(value));
      });
    }
    const t = this.table;
    const originColumns = ORIGIN_FIELDS.map((field) => t[field]);
    const columns = [t.sessionId, t.eventType, t.payload, t.createdAt, t.eventId, t.occurredAt, ...originColumns].map((column) =>
      sql.identifier(column.name),
    );
    const originSelect = originColumns.map((column) => sql`${sql.identifier(column.name)}::${sql.raw(column.getSQLType())}`);
    const originArrays = origin.map((values) => sql`${sql.param(values)}::text[]`);
    const originNames = originColumns.map((column) => sql.identifier(column.name));
    // The rollups are kept by the same statement (so the same transaction, and no extra round
    // trip): from the rows actually inserted, duplicates left out.
    return sql`WITH inserted AS (
      INSERT INTO ${t} (${sql.join(columns, sql`, `)})
      SELECT session_id, event_type, payload::jsonb, created_at, event_id, occurred_at, ${sql.join(originSelect, sql`, `)}
      FROM unnest(${sql.param(sessionIds)}::varchar[], ${sql.param(eventTypes)}::varchar[], ${sql.param(payloads)}::text[],
        ${sql.param(createdAt)}::timestamptz[], ${sql.param(eventIds)}::varchar[], ${sql.param(occurredAt)}::timestamptz[],
        ${sql.join(originArrays, sql`, `)})
        AS batch (session_id, event_type, payload, created_at, event_id, occurred_at, ${sql.join(originNames, sql`, `)})
      ON CONFLICT (${sql.identifier(t.eventId.name)}) DO NOTHING
      RETURNING ${sql.identifier(t.eventId.name)} AS event_id, ${sql.identifier(t.eventType.name)} AS event_type, ${sql.identifier(t.createdAt.name)} AS created_at
    ),
    ${rollupAddCtes(this.rollups, sql`SELECT event_type, created_at FROM inserted`)}
    SELECT event_id FROM inserted`;
  }
}

/**
 * One backfill step: its own short transaction, holding the progress row so that retention (which
 * takes it too) never uncounts events the backfill has not counted yet, or the other way round.
 */
export async function pgBackfillStep(db: BunSQLDatabase, table: PgUserEvents, rollups: PgRollupTables, maxRows: number): Promise<BackfillStep> {
  return db.transaction(async (tx) => {
    const [state] = await tx.execute<{ upto: number; done: number }>(lockBackfillSql(rollups));
    const upto = Number(state?.upto ?? 0);
    const done = Number(state?.done ?? 0);
    if (done >= upto) return { rows: 0, complete: true };
    const [step] = await tx.execute<{ rows: number; done: number }>(backfillChunkSql(rollups, table, { upto, done }, maxRows));
    return { rows: Number(step?.rows ?? 0), complete: Number(step?.done ?? upto) >= upto };
  });
}
