import { bigint, boolean, index, integer, jsonb, pgSchema, pgTable, text, timestamp, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { CONTEXT_TEXT_LIMITS, MAX_AGENT_FIELD_LENGTH, MAX_USER_AGENT_LENGTH } from "../../events/context-limits";
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
      // Added with the tracking plan, all nullable as on SQLite (../model.ts EventOrigin); each
      // ADD COLUMN without a default is a catalog change, instant on a table of any size.
      path: varchar("path", { length: CONTEXT_TEXT_LIMITS.path }),
      referrer: varchar("referrer", { length: CONTEXT_TEXT_LIMITS.referrer }),
      utmSource: varchar("utm_source", { length: CONTEXT_TEXT_LIMITS.utm_source }),
      utmMedium: varchar("utm_medium", { length: CONTEXT_TEXT_LIMITS.utm_medium }),
      utmCampaign: varchar("utm_campaign", { length: CONTEXT_TEXT_LIMITS.utm_campaign }),
      utmTerm: varchar("utm_term", { length: CONTEXT_TEXT_LIMITS.utm_term }),
      utmContent: varchar("utm_content", { length: CONTEXT_TEXT_LIMITS.utm_content }),
      screenWidth: integer("screen_width"),
      browser: varchar("browser", { length: MAX_AGENT_FIELD_LENGTH }),
      os: varchar("os", { length: MAX_AGENT_FIELD_LENGTH }),
      device: varchar("device", { length: MAX_AGENT_FIELD_LENGTH }),
      isBot: boolean("is_bot"),
      // Text, as on SQLite, so both backends return the same JSON text; cast to jsonb to query it.
      violations: text("violations"),
      userAgent: varchar("user_agent", { length: MAX_USER_AGENT_LENGTH }),
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

/**
 * The rollup tables (../rollup.ts), as on SQLite: bucket_ms and bucket_start are epoch-ms bigints
 * there and here, so the two backends compute the same bucket for an event. Keyed by unique
 * indexes rather than composite primary keys: drizzle-kit 0.31's push API loses the parameters
 * of the query it uses to introspect a composite primary key, so the second boot would fail.
 */
function defineRollups(table: typeof pgTable) {
  return {
    counts: table(
      "rollup_counts",
      {
        bucketMs: bigint("bucket_ms", { mode: "number" }).notNull(),
        eventType: varchar("event_type", { length: 50 }).notNull(),
        bucketStart: bigint("bucket_start", { mode: "number" }).notNull(),
        events: bigint("events", { mode: "number" }).notNull(),
        sessions: bigint("sessions", { mode: "number" }).notNull(),
      },
      (t) => [uniqueIndex("ux_rollup_counts_bucket").on(t.bucketMs, t.eventType, t.bucketStart)],
    ),
    backfill: table("rollup_backfill", {
      id: integer("id").primaryKey(),
      uptoId: bigint("upto_id", { mode: "number" }).notNull(),
      doneId: bigint("done_id", { mode: "number" }).notNull(),
    }),
  };
}

export type PgRollupTables = ReturnType<typeof defineRollups>;

export function rollupTablesIn(schemaName: string): PgRollupTables {
  return defineRollups(schemaName === "public" ? pgTable : (pgSchema(schemaName).table as unknown as typeof pgTable));
}
