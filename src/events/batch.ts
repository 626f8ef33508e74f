import { Type } from "@sinclair/typebox";
import { compileObjectChecker } from "../http/object-checker";
import { t } from "elysia";
import type { NewEvent } from "../db/model";
import { errorDetail, type ErrorDetail } from "../http/errors";
import { validationDetails } from "../http/validation";
import { clientTime, EVENT_TYPES, type EventBody, eventBody, exampleEvent } from "./model";
import { eventTypeBranches } from "./openapi";
import type { PreparedEvent } from "./service";

// The single-event schema, compiled once: each batch item meets exactly the rules of POST /api/events.
const checkEvent = compileObjectChecker(eventBody);

// Items are validated one by one (so one bad event cannot sink the rest), so the envelope
// accepts anything as an item. The Unknown carries the event schema as plain JSON Schema
// (symbols dropped, so TypeBox still treats it as Unknown) to document the items in OpenAPI.
const batchItem = t.Unknown({ ...JSON.parse(JSON.stringify(eventBody)), ...eventTypeBranches });

/** `{sent_at?, batch: [...]}`; a body breaking these rules is a 422 that stores nothing. */
export function batchEnvelope(maxEvents: number) {
  return t.Object(
    {
      sent_at: t.Optional(clientTime("When the client sent this batch; applies to every event that has no sent_at of its own.")),
      batch: t.Array(batchItem, {
        minItems: 1,
        maxItems: maxEvents,
        description: `1 to ${maxEvents} events, each with exactly the fields and rules of POST /api/events.`,
      }),
    },
    { additionalProperties: false },
  );
}

const exampleBatch = {
  sent_at: "2024-05-01T12:35:00.000Z",
  batch: EVENT_TYPES.map((type, index) => ({
    ...exampleEvent(type),
    event_id: `0b6f5d2e-3c1a-4f7e-9a51-8d2c4b6e7f1${index}`,
    timestamp: `2024-05-01T12:34:5${index}.000Z`,
  })),
};

/**
 * Named examples for Swagger UI. Each conforms to the documented schema (the lint checks it), so
 * a batch with an invalid event is shown by the 202's example instead.
 */
export const batchExamples = {
  every_type: { summary: "One event of each type", value: exampleBatch },
  without_ids: { summary: "Events without event_id or client times", value: { batch: EVENT_TYPES.map(exampleEvent) } },
};
export type BatchEnvelope = ReturnType<typeof batchEnvelope>["static"];

export const rejectedEvent = t.Object({
  index: Type.Integer({ description: "Position of the event in `batch`, from 0." }),
  error: t.Literal("validation_failed"),
  message: t.String(),
  details: t.Array(errorDetail),
});
export type RejectedEvent = typeof rejectedEvent.static;

// TypeBox's own Integer: Elysia's t.Integer also admits numeric strings, which is noise in the docs.
export const batchAcceptedResponse = t.Object({
  status: t.Literal("accepted"),
  accepted: Type.Integer({ description: "Events stored by this request." }),
  duplicates: Type.Integer({ description: "Events whose event_id was already stored: acknowledged, not stored again." }),
  rejected: t.Array(rejectedEvent, { description: "Invalid events, not stored; the rest of the batch was." }),
});

export interface SortedBatch {
  /** The valid events, in batch order. */
  events: NewEvent[];
  rejected: RejectedEvent[];
}

/**
 * Checks every event of a well-formed envelope on its own: against the single-event schema,
 * then with `prepare` (the rules beyond the schema), which gets each event's JSON Pointer.
 */
export function sortBatch(items: readonly unknown[], prepare: (item: EventBody, path: string) => PreparedEvent): SortedBatch {
  const events: NewEvent[] = [];
  const rejected: RejectedEvent[] = [];
  items.forEach((item, index) => {
    const path = `/batch/${index}`;
    const prepared = checkEvent.Check(item) ? prepare(item, path) : { details: validationDetails(checkEvent.Errors(item), path) };
    if (prepared.details) rejected.push(rejection(index, prepared.details));
    else events.push(prepared.event);
  });
  return { events, rejected };
}

function rejection(index: number, details: ErrorDetail[]): RejectedEvent {
  const fields = details.map((detail) => detail.path).join(", ");
  return { index, error: "validation_failed", message: `Event ${index} is invalid: check ${fields}.`, details };
}
