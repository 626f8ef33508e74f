import { t } from "elysia";
import { EVENT_TYPES } from "../events/model";
import { instantParam } from "../query/event-filter";

export const MAX_TOP_VALUES = 100;
export const DEFAULT_TOP_VALUES = 10;

/**
 * Payload property names the endpoint reads: letters, digits, `_` and `-`. Enough for every
 * property the tracking plan names, and nothing that needs quoting inside a JSON path.
 */
export const PROPERTY_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The context and client columns `column` may name (../events/context: what the client sent in
 * `context`, and what the server read from the User-Agent), by their stored column names, which
 * both backends share. Free-form ones (referrer, utm_term, user_agent) are left out: their values
 * rarely repeat, so a top list of them answers nothing.
 */
export const TOP_COLUMNS = ["path", "utm_source", "utm_medium", "utm_campaign", "browser", "os", "device"] as const satisfies readonly string[];
export type TopColumn = (typeof TOP_COLUMNS)[number];

export const topQuery = t.Object({
  // One type: a top list mixing card ids with queries would answer no question.
  event_type: t.String({ enum: [...EVENT_TYPES], description: "The event type whose values are counted." }),
  property: t.Optional(
    t.String({ description: "The payload property to count the values of, e.g. card_id, query or filter.", example: "card_id" }),
  ),
  column: t.Optional(
    t.String({
      description: `A stored column to count instead of a payload property${TOP_COLUMNS.length ? `: one of ${TOP_COLUMNS.join(", ")}` : " (none yet: context columns arrive with the tracking plan)"}.`,
    }),
  ),
  from: t.Optional(instantParam("Start of the range, included. Default: 24 hours before `to`.")),
  to: t.Optional(instantParam("End of the range, excluded. Default: now.")),
  session_id: t.Optional(t.String({ minLength: 1, maxLength: 64, description: "Only events of this session." })),
  limit: t.Optional(t.String({ description: `Values to return, 1 to ${MAX_TOP_VALUES}. Default: ${DEFAULT_TOP_VALUES}.`, example: "10" })),
});
export type TopQuery = typeof topQuery.static;

const jsonValue = t.Unknown({ description: "The value as sent: a string, number, boolean, null, array or object." });

export const topResponse = t.Object({
  event_type: t.String(),
  property: t.Union([t.String(), t.Null()], { description: "The payload property counted; null when a column was." }),
  column: t.Union([t.String(), t.Null()], { description: "The column counted; null when a payload property was." }),
  from: t.String({ format: "date-time" }),
  to: t.String({ format: "date-time" }),
  values: t.Array(
    t.Object({
      value: jsonValue,
      count: t.Integer({ minimum: 1, description: "Events with this value." }),
      sessions: t.Integer({ minimum: 1, description: "Distinct sessions among them." }),
    }),
    {
      description:
        "Most frequent first (ties: more sessions first, then by the value's JSON text). Events without the property are " +
        "not counted; a JSON null is a value.",
    },
  ),
});
export type TopResponse = typeof topResponse.static;
