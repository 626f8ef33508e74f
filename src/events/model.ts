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

/** One named example per event type, to pick in Swagger UI's "Try it out". */
export const eventExamples = Object.fromEntries(EVENT_TYPES.map((type) => [type, { summary: type, value: exampleEvent(type) }]));

// Shape only; whether the value is a real point in time is checked by parseClientTime, which
// reports a bad one with the same 422 envelope.
export const clientTime = (description: string) =>
  t.Union([t.String(), t.Number()], {
    description: `${description} ISO-8601 date-time with a time zone, or epoch milliseconds.`,
    examples: ["2024-05-01T12:34:56.789Z", 1714566896789],
  });

// Unknown fields are refused by the schema itself (not only by Elysia's route defaults), so
// the batch endpoint's compiled checker applies exactly the same rules.
export const eventBody = t.Object(
  {
    session_id: t.String({ minLength: 1, maxLength: 64, description: "Opaque id of the browser session." }),
    event_type: eventType,
    payload: t.Optional(eventPayload),
    event_id: t.Optional(
      t.String({
        format: "uuid",
        description: "Client-generated UUID. An event whose event_id is already stored is acknowledged as a duplicate and not stored again.",
      }),
    ),
    timestamp: t.Optional(clientTime("When the event happened, by the client's clock.")),
    sent_at: t.Optional(clientTime("When the client sent the request, by the same clock; corrects the clock's skew.")),
  },
  { additionalProperties: false, example: exampleEvent(EVENT_TYPES[0]) },
);
export type EventBody = typeof eventBody.static;

export const acceptedResponse = t.Object({
  status: t.Literal("accepted"),
  duplicate: t.Optional(t.Literal(true, { description: "Present when this event_id was already stored; nothing new was written." })),
});
