import { t } from "elysia";
import type { EventFilter } from "../db/model";
import { CONTEXT_TEXT_LIMITS, MAX_AGENT_FIELD_LENGTH } from "../events/context-limits";
import { EVENT_TYPES, type EventType } from "../events/model";
import { registerFormat, registerQueryList } from "../http/validation";
import { INSTANT_FORMAT, invalidQuery, parseInstant } from "./instant";

const EVENT_TYPE_FORMAT = "event-type";
registerFormat(
  EVENT_TYPE_FORMAT,
  (value) => (EVENT_TYPES as readonly string[]).includes(value),
  (value) => `must be one of ${EVENT_TYPES.join(", ")}; got ${JSON.stringify(value)}`,
);
registerQueryList("event_type", EVENT_TYPE_FORMAT);

// No stored session_id holds these (ingest refuses them), and PostgreSQL cannot even compare them.
const QUERY_TEXT_FORMAT = "storable-text";
registerFormat(
  QUERY_TEXT_FORMAT,
  (value) => !value.includes("\u0000") && value.isWellFormed(),
  () => "must be valid Unicode text without the NUL character (U+0000)",
);

const FLAG_FORMAT = "true-or-false";
registerFormat(FLAG_FORMAT, (value) => value === "true" || value === "false", (value) => `must be true or false; got ${JSON.stringify(value)}`);

/** A yes/no filter. */
const flagParam = (description: string) => t.String({ format: FLAG_FORMAT, enum: ["true", "false"], description });

/** An exact match on a text column, at most as long as the column's values can be. */
const textParam = (maxLength: number, description: string) => t.String({ minLength: 1, maxLength, format: QUERY_TEXT_FORMAT, description });

/**
 * A time in a query string. Kept a plain string in the schema and read by parseInstant, which
 * accepts both notations and answers a readable 422. No `example`: Swagger UI would prefill it,
 * and one fixed instant in both `from` and `to` is an empty range that reads as "nothing stored".
 */
export function instantParam(description: string) {
  return t.String({
    format: INSTANT_FORMAT,
    description: `${description} ISO-8601 such as 2024-05-01T12:00:00Z (no offset means UTC), or epoch milliseconds.`,
  });
}

/**
 * Repeatable `event_type` (`?event_type=a&event_type=b`, or `a,b`). The items are strings of a
 * registered format: a union of literals inside a query array fails inside Elysia's array
 * decoder with an error that names no field. `enum` documents the choices.
 */
export const eventTypesParam = t.Array(t.String({ format: EVENT_TYPE_FORMAT, enum: [...EVENT_TYPES] }), {
  description: "Only these event types; repeat the parameter (or separate with commas) for several.",
});

/** The filters shared by listing and export. */
export const eventFilterQuery = {
  session_id: t.Optional(t.String({ minLength: 1, maxLength: 64, format: QUERY_TEXT_FORMAT, description: "Only events of this session." })),
  event_type: t.Optional(eventTypesParam),
  from: t.Optional(instantParam("Oldest created_at included.")),
  to: t.Optional(instantParam("Newest created_at, excluded.")),
  path: t.Optional(textParam(CONTEXT_TEXT_LIMITS.path, "Only events from this page path (exact).")),
  browser: t.Optional(textParam(MAX_AGENT_FIELD_LENGTH, "Only events from this browser, e.g. Chrome (exact).")),
  device: t.Optional(textParam(MAX_AGENT_FIELD_LENGTH, "Only events from this device type: desktop, mobile, tablet, tv or bot.")),
  utm_source: t.Optional(textParam(CONTEXT_TEXT_LIMITS.utm_source, "Only events of this campaign source (exact).")),
  flagged: t.Optional(flagParam("true: only events whose payload broke its tracking plan; false: only those that did not.")),
  bot: t.Optional(flagParam("true: only events marked as bots (BOT_FILTER=flag); false: only the others.")),
};

export interface EventFilterQuery {
  session_id?: string;
  event_type?: string[];
  from?: string;
  to?: string;
  path?: string;
  browser?: string;
  device?: string;
  utm_source?: string;
  flagged?: string;
  bot?: string;
}

const flag = (raw: string | undefined) => (raw === undefined ? undefined : raw === "true");

/** The requested types, each once; the schema (EVENT_TYPE_FORMAT) has refused any other. */
export function parseEventTypes(raw: readonly string[] | undefined): EventType[] | undefined {
  return raw === undefined ? undefined : [...new Set(raw as EventType[])];
}

/** Checks that the range runs forwards; `from` = `to` is an empty range, not an error. */
export function assertForwardRange(from: Date | undefined, to: Date | undefined): void {
  if (from && to && to.getTime() < from.getTime()) {
    throw invalidQuery("to", `must not be earlier than from (${from.toISOString()}); got ${to.toISOString()}`);
  }
}

/** The filter a schema-valid query asks for (the formats above have refused bad text and flags). */
export function parseEventFilter(query: EventFilterQuery): EventFilter {
  const from = query.from === undefined ? undefined : parseInstant(query.from, "from");
  const to = query.to === undefined ? undefined : parseInstant(query.to, "to");
  assertForwardRange(from, to);
  return {
    sessionId: query.session_id,
    eventTypes: parseEventTypes(query.event_type),
    from,
    to,
    path: query.path,
    browser: query.browser,
    device: query.device,
    utmSource: query.utm_source,
    flagged: flag(query.flagged),
    bot: flag(query.bot),
  };
}
