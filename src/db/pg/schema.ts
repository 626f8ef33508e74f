import { bigint, index, jsonb, pgSchema, pgTable, timestamp, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import type { NewEvent, SameShape, StoredEvent } from "../model";

/**
 * The `user_events` table on PostgreSQL: the same columns, meaning and indexes as the SQLite
 * table in ../schema.ts (test/db-schema-parity.test.ts keeps them in step). `created_at` is a
 * `timestamptz` with millisecond precision rather than epoch-ms bigint: it reads as a date in
 * psql, date_trunc/date_bin work on it directly, and range partitioning by month needs a time
 * column. Drizzle maps it to the same `Date` as SQLite's `timestamp_ms`, so rows look alike.
 */
function define(table: typeof pgTable) {
  return table(
    "user_events",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      sessionId: varchar("session_id", { length: 64 }).notNull(),
      eventType: varchar("event_type", { length: 50 }).notNull(),
      payload: jsonb("payload").notNull().default({}),
      createdAt: timestamp("created_at", { withTimezone: true, precision: 3, mode: "date" }).notNull(),
      // Nullable as on SQLite: NULL event_id = sent without one (the unique index ignores NULLs),
      // NULL occurred_at = stored before client time existed.
      eventId: varchar("event_id", { length: 36 }),
      occurredAt: timestamp("occurred_at", { withTimezone: true, precision: 3, mode: "date" }),
    },
    (t) => [
      index("ix_user_events_session_id").on(t.sessionId),
      index("ix_user_events_type_created").on(t.eventType, t.createdAt),
      uniqueIndex("ux_user_events_event_id").on(t.eventId),
    ],
  );
}

export const userEvents = define(pgTable);
export type PgUserEvents = typeof userEvents;

/**
 * The same table in another PostgreSQL schema (DATABASE_SCHEMA), e.g. a database shared with
 * other applications, or one schema per test. Only the qualifying schema name differs, so the
 * type is the public table's.
 */
export function userEventsIn(schemaName: string): PgUserEvents {
  if (schemaName === "public") return userEvents;
  return define(pgSchema(schemaName).table as unknown as typeof pgTable);
}

// The table holds the backend-neutral rows of ../model.ts (checked when compiling); only the
// payload differs, a parsed jsonb value here, which the reader turns back into JSON text.
true satisfies SameShape<Omit<PgUserEvents["$inferSelect"], "payload">, Omit<StoredEvent, "payload">>;
true satisfies SameShape<Omit<PgUserEvents["$inferInsert"], "id" | "payload">, Omit<NewEvent, "payload">>;
