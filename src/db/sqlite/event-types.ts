import type { Database } from "bun:sqlite";

// A loose index scan: one seek per distinct type on ix_user_events_type_created, instead of
// reading every row. Queries then name the types explicitly (`event_type IN (...)`), which lets
// SQLite search the (event_type, created_at) index for a time range, even when every type is wanted.
const STORED_TYPES_SQL = `
WITH RECURSIVE types(event_type) AS (
  SELECT min(event_type) FROM user_events
  UNION ALL
  SELECT (SELECT min(event_type) FROM user_events WHERE event_type > types.event_type)
  FROM types WHERE types.event_type IS NOT NULL
)
SELECT event_type FROM types WHERE event_type IS NOT NULL`;

/** Every distinct event_type present in the table, including types no longer accepted on ingest. */
export function storedEventTypes(sqlite: Database): string[] {
  return sqlite
    .query<{ event_type: string }, []>(STORED_TYPES_SQL)
    .all()
    .map((row) => row.event_type);
}
