import { t } from "elysia";

/** The one list of accepted event types: drives validation, the OpenAPI enum, tests and docs. */
export const EVENT_TYPES = ["card_click", "sage_query", "filter_change"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

// `enum` repeats the literals for OpenAPI 3.0, where Swagger UI shows `const` options poorly;
// validation only looks at the union.
export const eventType = t.Union(
  EVENT_TYPES.map((type) => t.Literal(type)),
  { description: "What happened. Unknown types are rejected with 422.", enum: [...EVENT_TYPES] },
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

/** One realistic payload per event type, for the API docs. */
export const EXAMPLE_PAYLOADS: Record<EventType, Record<string, unknown>> = {
  card_click: { card_id: "c_123", position: 4, list: "recommended" },
  sage_query: { query: "quiet hotels near the lake", results: 12 },
  filter_change: { filter: "price", from: "any", to: "under_100" },
};

export const exampleEvent = (type: EventType) => ({
  session_id: "3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10",
  event_type: type,
  payload: EXAMPLE_PAYLOADS[type],
});

export const eventBody = t.Object(
  {
    session_id: t.String({ minLength: 1, maxLength: 64, description: "Opaque id of the browser session." }),
    event_type: eventType,
    payload: t.Optional(eventPayload),
  },
  { example: exampleEvent(EVENT_TYPES[0]) },
);
export type EventBody = typeof eventBody.static;

export const acceptedResponse = t.Object({ status: t.Literal("accepted") });
