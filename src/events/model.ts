import type { TLiteral } from "@sinclair/typebox";
import { t } from "elysia";
import { eventContext } from "./context";
import { type EventType, TRACKING_PLAN } from "./plan";

export type { EventType };

/**
 * The one list of accepted event types, in the tracking plan's order: drives validation, the
 * OpenAPI enum, stats, metrics, tests and docs. Add a type in ./plan.ts, never here.
 */
export const EVENT_TYPES = Object.keys(TRACKING_PLAN) as [EventType, ...EventType[]];

// `enum` repeats the literals for OpenAPI 3.0, where Swagger UI shows `const` options poorly;
// validation only looks at the union.
// The cast keeps one literal type per entry: a plain .map() types the union as `never`, which
// made every event_type a compile error for Eden Treaty clients.
type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };
export const eventType = t.Union(
  EVENT_TYPES.map((type) => t.Literal(type)) as Literals<typeof EVENT_TYPES>,
  { description: "What happened. Unknown types are rejected with 422.", enum: [...EVENT_TYPES] },
);

// A payload is a JSON object. t.Object with open properties (not t.Record, which lets an array
// through and re-keys it as {"0": ...}) rejects arrays, strings, numbers and null.
export const eventPayload = t.Object(
  {},
  {
    additionalProperties: true,
    default: {},
    description:
      "JSON object describing the event; the tracking plan lists the known properties per event_type, and " +
      "PAYLOAD_SCHEMA says what happens to one that breaks them (flag: stored and marked, enforce: 422, off: not checked).",
  },
);

export const exampleEvent = (type: EventType) => ({
  session_id: "3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10",
  event_type: type,
  payload: TRACKING_PLAN[type].example,
  context: { path: "/search", referrer: "https://www.example.org/", utm_source: "newsletter", screen_width: 1440 },
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
    context: t.Optional(eventContext),
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
