import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { NewEvent, SameShape, StoredEvent } from "../model";

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
