import { EVENT_TYPES, eventBody, exampleEvent } from "./model";
import { type EventType, TRACKING_PLAN } from "./plan";

/**
 * The tracking plan in the OpenAPI document: one component schema per event type (its
 * `event_type` and the plan's payload schema, with an example), and a `oneOf` over them with a
 * discriminator on `event_type`, attached to the event body. Validation still runs on the body
 * schema and the PAYLOAD_SCHEMA policy: under `flag` an event breaking its branch is stored and
 * marked, so the branches say what a client should send, not what the server refuses.
 */
export function eventSchemaName(type: EventType): string {
  return `${type.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase())}Event`;
}

const ref = (type: EventType) => `#/components/schemas/${eventSchemaName(type)}`;
const plain = <T>(schema: T): T => JSON.parse(JSON.stringify(schema));

const body = plain(eventBody);

/** components.schemas entries: one per event type, the whole event with its type's payload. */
export const eventTypeSchemas = Object.fromEntries(
  EVENT_TYPES.map((type) => [
    eventSchemaName(type),
    {
      ...body,
      title: type,
      description: `${TRACKING_PLAN[type].description} The payload lists its known properties; any other property is allowed.`,
      properties: {
        ...body.properties,
        event_type: { type: "string", const: type },
        payload: { ...plain(TRACKING_PLAN[type].payload), description: body.properties.payload.description },
      },
      example: exampleEvent(type),
    },
  ]),
);

/** The keywords that add the per-type branches to the event body's schema. */
export const eventTypeBranches = {
  oneOf: EVENT_TYPES.map((type) => ({ $ref: ref(type) })),
  discriminator: { propertyName: "event_type", mapping: Object.fromEntries(EVENT_TYPES.map((type) => [type, ref(type)])) },
};
