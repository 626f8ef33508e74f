import { type Column, eq, gte, inArray, type SQL, sql } from "drizzle-orm";
import type { EventFilter, EventPosition } from "./model";

/** The columns a newest-first listing filters and orders on, from either backend's table. */
export interface KeysetColumns {
  id: Column;
  sessionId: Column;
  eventType: Column;
  createdAt: Column;
}

/**
 * The WHERE conditions of one newest-first page, on either backend. Naming the types lets the
 * database walk each type's slice of (event_type, created_at) backwards and stop after `limit`
 * rows; `to` and the cursor fold into one row-value upper bound, which the index search can use
 * (two separate upper bounds would leave one as a per-row filter). `instant` renders an epoch-ms
 * time as the backend compares it with created_at.
 */
export function keysetConditions(
  t: KeysetColumns,
  eventTypes: readonly string[],
  filter: EventFilter,
  after: EventPosition | undefined,
  instant: (ms: number) => SQL,
): SQL[] {
  const conditions: SQL[] = [inArray(t.eventType, [...eventTypes])];
  const upper = earlierOf(filter.to && { createdAt: filter.to.getTime(), id: 0 }, after);
  if (upper) conditions.push(sql`(${t.createdAt}, ${t.id}) < (${instant(upper.createdAt)}, ${upper.id})`);
  if (filter.from) conditions.push(gte(t.createdAt, filter.from));
  if (filter.sessionId !== undefined) conditions.push(eq(t.sessionId, filter.sessionId));
  return conditions;
}

/** The earlier of two positions in (createdAt, id) order; ids start at 1, so (t, 0) means "before t". */
function earlierOf(a: EventPosition | undefined, b: EventPosition | undefined): EventPosition | undefined {
  if (!a || !b) return a ?? b;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? a : b;
  return a.id <= b.id ? a : b;
}
