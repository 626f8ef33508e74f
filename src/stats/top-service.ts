import type { EventReader } from "../db/interfaces";
import { EVENT_TYPES } from "../events/model";
import { assertForwardRange, parseEventFilter } from "../query/event-filter";
import { invalidQuery } from "../query/instant";
import { DEFAULT_WINDOW_MS } from "./model";
import { DEFAULT_TOP_VALUES, MAX_TOP_VALUES, PROPERTY_NAME, TOP_COLUMNS, type TopColumn, type TopQuery, type TopResponse } from "./top-model";

/** The most frequent values of one payload property (or column) of one event type, over a range. */
export async function topValues(reader: EventReader, query: TopQuery, now: number): Promise<TopResponse> {
  if (!(EVENT_TYPES as readonly string[]).includes(query.event_type)) {
    throw invalidQuery("event_type", `must be one of ${EVENT_TYPES.join(", ")}; got ${JSON.stringify(query.event_type)}`);
  }
  const filter = parseEventFilter({ session_id: query.session_id, event_type: [query.event_type], from: query.from, to: query.to });
  const to = filter.to ?? new Date(now);
  const from = filter.from ?? new Date(to.getTime() - DEFAULT_WINDOW_MS);
  assertForwardRange(from, to);
  const target = parseTarget(query);
  const rows = await reader.topValues({ eventType: query.event_type, ...target, from, to, sessionId: filter.sessionId, limit: parseTopLimit(query.limit) });
  return {
    event_type: query.event_type,
    property: target.property ?? null,
    column: target.column ?? null,
    from: from.toISOString(),
    to: to.toISOString(),
    values: rows,
  };
}

function parseTarget(query: TopQuery): { property?: string; column?: TopColumn } {
  if ((query.property === undefined) === (query.column === undefined)) {
    throw invalidQuery("property", "name exactly one of property (a payload property) or column");
  }
  if (query.property !== undefined) {
    if (!PROPERTY_NAME.test(query.property)) {
      throw invalidQuery("property", `must be 1 to 64 letters, digits, _ or -; got ${JSON.stringify(query.property)}`);
    }
    return { property: query.property };
  }
  if (!(TOP_COLUMNS as readonly string[]).includes(query.column!)) {
    const choices = TOP_COLUMNS.length ? `one of ${TOP_COLUMNS.join(", ")}` : "a context column, and there are none yet";
    throw invalidQuery("column", `must be ${choices}; got ${JSON.stringify(query.column)}`);
  }
  return { column: query.column as TopColumn };
}

export function parseTopLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TOP_VALUES;
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_TOP_VALUES)) throw invalidQuery("limit", `must be a whole number from 1 to ${MAX_TOP_VALUES}; got ${JSON.stringify(raw)}`);
  return limit;
}
