import { type Column, eq, gte, inArray, isNotNull, isNull, or, type SQL, sql } from "drizzle-orm";
import type { EventFilter, EventPosition } from "./model";

/** The columns a newest-first listing filters and orders on, from either backend's table. */
export interface KeysetColumns {
  id: Column;
  sessionId: Column;
  eventType: Column;
  createdAt: Column;
  path: Column;
  browser: Column;
  device: Column;
  utmSource: Column;
  violations: Column;
  isBot: Column;
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
  // The origin filters narrow the walk row by row (no index of their own): a page of a rare
  // path may read far along the type's slice. Bound the range with from/to on large tables.
  for (const [column, value] of [[t.path, filter.path], [t.browser, filter.browser], [t.device, filter.device], [t.utmSource, filter.utmSource]] as const) {
    if (value !== undefined) conditions.push(eq(column, value));
  }
  if (filter.flagged !== undefined) conditions.push(filter.flagged ? isNotNull(t.violations) : isNull(t.violations));
  if (filter.bot !== undefined) conditions.push(filter.bot ? eq(t.isBot, true) : or(isNull(t.isBot), eq(t.isBot, false))!);
  return conditions;
}

/** The earlier of two positions in (createdAt, id) order; ids start at 1, so (t, 0) means "before t". */
function earlierOf(a: EventPosition | undefined, b: EventPosition | undefined): EventPosition | undefined {
  if (!a || !b) return a ?? b;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? a : b;
  return a.id <= b.id ? a : b;
}
