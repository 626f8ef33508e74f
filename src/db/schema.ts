import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const userEvents = sqliteTable(
  "user_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sessionId: text("session_id", { length: 64 }).notNull(),
    eventType: text("event_type", { length: 50 }).notNull(),
    payload: text("payload").notNull().default("{}"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [
    index("ix_user_events_session_id").on(table.sessionId),
    index("ix_user_events_type_created").on(table.eventType, table.createdAt),
  ],
);
