import type { Database } from "bun:sqlite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { backfillChunk, type RolledEvent, SqliteRollupWriter } from "./rollup";
import * as schema from "./schema";
import { type NewEvent, ORIGIN_FIELDS } from "../model";
import type { CountedSessions } from "../rollup";
import type { CommitResult } from "../write-queue";

/**
 * Writes batches of events through the connection it is given, wherever that lives: a worker
 * thread for a file, the main thread for `:memory:` (which other threads cannot open).
 */
export class SqliteBatchWriter {
  private readonly writeAll: (rows: readonly NewEvent[]) => number[];
  private readonly backfillAll: (maxRows: number) => { rows: number; complete: boolean };
  private readonly storeSessionsAll: (buckets: readonly CountedSessions[]) => number;
  private readonly pause = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

  /**
   * `busyTimeoutMs`: how long to keep retrying while another connection holds the write lock.
   * Give the connection itself no busy timeout: SQLite's own handler sleeps 1, 2, 5, 10, 15 ms...
   * between tries (measured: a 20 ms checkpoint held the writer 34 ms); this one tries every ~0.25 ms.
   */
  constructor(
    sqlite: Database,
    private readonly busyTimeoutMs: number,
    /** False only for bench/rollups.ts, which measures what keeping the rollups costs ingest. */
    keepRollups = true,
  ) {
    const insert = drizzle(sqlite, { schema })
      .insert(schema.userEvents)
      .values({
        sessionId: sql.placeholder("sessionId"),
        eventType: sql.placeholder("eventType"),
        payload: sql.placeholder("payload"),
        createdAt: sql.placeholder("createdAt"),
        eventId: sql.placeholder("eventId"),
        occurredAt: sql.placeholder("occurredAt"),
        ...Object.fromEntries(ORIGIN_FIELDS.map((field) => [field, sql.placeholder(field)])),
      })
      // A repeated event_id is skipped, not an error: it returns no row and counts as a
      // duplicate. The unique index makes this hold across transactions and processes too.
      .onConflictDoNothing({ target: schema.userEvents.eventId })
      .returning({ id: schema.userEvents.id })
      .prepare();
    // BEGIN IMMEDIATE takes the write lock up front; any failure rolls the whole batch back.
    // The rollups are kept in the same transaction: they commit, or roll back, with the events.
    const rollups = new SqliteRollupWriter(sqlite);
    this.writeAll = sqlite.transaction((rows: readonly NewEvent[]) => {
      const duplicates: number[] = [];
      const inserted: RolledEvent[] = [];
      rows.forEach((row, index) => {
        // Without a client time the event happened when it was received.
        const values: Record<string, unknown> = { ...row, eventId: row.eventId ?? null, occurredAt: row.occurredAt ?? row.createdAt };
        for (const field of ORIGIN_FIELDS) values[field] ??= null;
        if (insert.get(values) === undefined) duplicates.push(index);
        else inserted.push({ eventType: row.eventType, sessionId: row.sessionId, createdAt: row.createdAt.getTime() });
      });
      if (keepRollups) rollups.added(inserted);
      return duplicates;
    }).immediate;
    this.backfillAll = sqlite.transaction((maxRows: number) => backfillChunk(sqlite, rollups, maxRows)).immediate;
    this.storeSessionsAll = sqlite.transaction((buckets: readonly CountedSessions[]) => rollups.sessionsCounted(buckets)).immediate;
  }

  /**
   * Rolls up the next `maxRows` events stored before the rollups existed, in one transaction of
   * its own on this connection: between two commits, never holding one up for longer than that.
   */
  backfill(maxRows: number): { rows: number; complete: boolean } {
    return this.retryBusy(() => this.backfillAll(maxRows));
  }

  /** Stores sessions counted on a reader, in one short transaction; resolves how many buckets took theirs. */
  storeSessions(buckets: readonly CountedSessions[]): number {
    return this.retryBusy(() => this.storeSessionsAll(buckets));
  }

  /** Inserts every row in one transaction; throws, having stored nothing, on failure. */
  commit(rows: readonly NewEvent[]): CommitResult {
    const started = performance.now();
    const duplicates = this.retryBusy(() => this.writeAll(rows));
    return { durationMs: performance.now() - started, duplicates };
  }

  private retryBusy<T>(transaction: () => T): T {
    const started = performance.now();
    for (;;) {
      try {
        return transaction();
      } catch (error) {
        // A busy database stored nothing of this batch (BEGIN IMMEDIATE failed, or it rolled back).
        if ((error as { code?: unknown }).code !== "SQLITE_BUSY" || performance.now() - started >= this.busyTimeoutMs) throw error;
        Atomics.wait(this.pause, 0, 0, BUSY_RETRY_MS);
      }
    }
  }
}

const BUSY_RETRY_MS = 0.25;
const FIELDS = 6 + ORIGIN_FIELDS.length;

/**
 * Rows cross to the writer thread as one JSON string of flat tuples: measured at a quarter of the
 * cost of posting an array of objects, and the main thread pays for the copy.
 */
export function encodeRows(rows: readonly NewEvent[]): string {
  const flat: unknown[] = [];
  for (const row of rows) {
    flat.push(row.sessionId, row.eventType, row.payload, row.createdAt.getTime(), row.eventId ?? null, row.occurredAt?.getTime() ?? null);
    for (const field of ORIGIN_FIELDS) flat.push(row[field] ?? null);
  }
  return JSON.stringify(flat);
}

export function decodeRows(encoded: string): NewEvent[] {
  const flat = JSON.parse(encoded) as (string | number | boolean | null)[];
  const rows: NewEvent[] = [];
  for (let i = 0; i < flat.length; i += FIELDS) {
    const occurredAt = flat[i + 5] as number | null;
    const row: NewEvent = {
      sessionId: flat[i] as string,
      eventType: flat[i + 1] as string,
      payload: flat[i + 2] as string,
      createdAt: new Date(flat[i + 3] as number),
      eventId: flat[i + 4] as string | null,
      occurredAt: occurredAt === null ? null : new Date(occurredAt),
    };
    // Strings, numbers, booleans and nulls survive the JSON round trip as they are.
    ORIGIN_FIELDS.forEach((field, offset) => ((row as unknown as Record<string, unknown>)[field] = flat[i + 6 + offset]));
    rows.push(row);
  }
  return rows;
}
