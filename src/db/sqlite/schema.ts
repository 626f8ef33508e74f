import { customType, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { CONTEXT_TEXT_LIMITS, MAX_AGENT_FIELD_LENGTH, MAX_USER_AGENT_LENGTH } from "../../events/context-limits";
import type { NewEvent, SameShape, StoredEvent } from "../model";

/**
 * A nullable flag as 0, 1 or NULL. Drizzle's `integer({ mode: "boolean" })` encodes every bound
 * value, so a NULL is written as 0 and "not checked" would read as "checked: no".
 */
const nullableBoolean = customType<{ data: boolean; driverData: number | null }>({
  dataType: () => "integer",
  toDriver: (value) => ((value as boolean | null) === null ? null : value ? 1 : 0),
  fromDriver: (value) => value === 1,
});

export const userEvents = sqliteTable(
  "user_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sessionId: text("session_id", { length: 64 }).notNull(),
    eventType: text("event_type", { length: 50 }).notNull(),
    payload: text("payload").notNull().default("{}"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    // Both added after the first release, so both are nullable: SQLite can only ADD a NOT NULL
    // column with a constant default, and no constant is a true event id or event time for the
    // rows already stored. NULL event_id = sent without one (the unique index ignores NULLs);
    // NULL occurred_at = stored before client time existed, read it as created_at.
    eventId: text("event_id", { length: 36 }),
    occurredAt: integer("occurred_at", { mode: "timestamp_ms" }),
    // Added with the tracking plan, all nullable for the same reason: where the event came from
    // (../model.ts EventOrigin). SQLite does not enforce text lengths; the edge does.
    path: text("path", { length: CONTEXT_TEXT_LIMITS.path }),
    referrer: text("referrer", { length: CONTEXT_TEXT_LIMITS.referrer }),
    utmSource: text("utm_source", { length: CONTEXT_TEXT_LIMITS.utm_source }),
    utmMedium: text("utm_medium", { length: CONTEXT_TEXT_LIMITS.utm_medium }),
    utmCampaign: text("utm_campaign", { length: CONTEXT_TEXT_LIMITS.utm_campaign }),
    utmTerm: text("utm_term", { length: CONTEXT_TEXT_LIMITS.utm_term }),
    utmContent: text("utm_content", { length: CONTEXT_TEXT_LIMITS.utm_content }),
    screenWidth: integer("screen_width"),
    browser: text("browser", { length: MAX_AGENT_FIELD_LENGTH }),
    os: text("os", { length: MAX_AGENT_FIELD_LENGTH }),
    device: text("device", { length: MAX_AGENT_FIELD_LENGTH }),
    isBot: nullableBoolean("is_bot"),
    violations: text("violations"),
    userAgent: text("user_agent", { length: MAX_USER_AGENT_LENGTH }),
  },
  (table) => [
    index("ix_user_events_session_id").on(table.sessionId),
    index("ix_user_events_type_created").on(table.eventType, table.createdAt),
    uniqueIndex("ux_user_events_event_id").on(table.eventId),
  ],
);

// The table holds exactly the backend-neutral rows of ../model.ts (checked when compiling).
true satisfies SameShape<typeof userEvents.$inferSelect, StoredEvent>;
true satisfies SameShape<Omit<typeof userEvents.$inferInsert, "id">, NewEvent>;

// The rollups (../rollup.ts): per bucket of each grain, its events and distinct sessions
// (UNCOUNTED_SESSIONS until counted). bucket_ms is the grain's width, bucket_start its epoch-ms start.
export const rollupCounts = sqliteTable(
  "rollup_counts",
  {
    bucketMs: integer("bucket_ms").notNull(),
    eventType: text("event_type", { length: 50 }).notNull(),
    bucketStart: integer("bucket_start").notNull(),
    events: integer("events").notNull(),
    sessions: integer("sessions").notNull(),
  },
  (table) => [uniqueIndex("ux_rollup_counts_bucket").on(table.bucketMs, table.eventType, table.bucketStart)],
);

/**
 * One row: events with ids in (done_id, upto_id] were stored before the rollups existed and are
 * not in them yet; the backfill moves done_id up to upto_id, then the rollups answer stats.
 */
export const rollupBackfill = sqliteTable("rollup_backfill", {
  id: integer("id").primaryKey(),
  uptoId: integer("upto_id").notNull(),
  doneId: integer("done_id").notNull(),
});
