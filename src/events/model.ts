import { t } from "elysia";

/** The one list of accepted event types: drives validation, the OpenAPI enum, tests and docs. */
export const EVENT_TYPES = ["card_click", "sage_query", "filter_change"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const eventType = t.Union(
  EVENT_TYPES.map((type) => t.Literal(type)),
  { description: "What happened. Unknown types are rejected with 422.", examples: [...EVENT_TYPES] },
);

// A payload is a JSON object. t.Object with open properties (not t.Record, which lets an array
// through and re-keys it as {"0": ...}) rejects arrays, strings, numbers and null.
export const eventPayload = t.Object(
  {},
  {
    additionalProperties: true,
    default: {},
    description: "Free-form JSON object describing the event; its shape depends on event_type.",
  },
);

export const eventBody = t.Object({
  session_id: t.String({ minLength: 1, maxLength: 64, description: "Opaque id of the browser session." }),
  event_type: eventType,
  payload: t.Optional(eventPayload),
});
export type EventBody = typeof eventBody.static;

export const acceptedResponse = t.Object({ status: t.Literal("accepted") });
