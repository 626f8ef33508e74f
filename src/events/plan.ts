import { type Static, type TObject, Type } from "@sinclair/typebox";

/**
 * The tracking plan: every event type the service accepts, with the known properties of its
 * payload. It is the one source of truth: the accepted types (EVENT_TYPES), the payload check
 * (PAYLOAD_SCHEMA), the OpenAPI document (one branch and one example per type), the SDK's
 * `track()` types, the metrics and the docs are all derived from this object.
 *
 * To add an event type, add one entry here: a description, a TypeBox object for the payload
 * (its known properties; any other property stays allowed) and a realistic example, which the
 * compiler checks against the schema. Nothing else needs to change.
 */
export const TRACKING_PLAN = {
  card_click: planEntry({
    description: "A user opened a listing card from a list of cards.",
    payload: Type.Object(
      {
        card_id: Type.String({ minLength: 1, maxLength: 64, description: "Id of the card's listing." }),
        position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: "Place of the card in its list, from 0." })),
        list: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Which list it was in, e.g. recommended or search." })),
      },
      { additionalProperties: true },
    ),
    example: { card_id: "c_123", position: 4, list: "recommended" },
  }),
  sage_query: planEntry({
    description: "A user asked the search assistant (Sage) a question.",
    payload: Type.Object(
      {
        query: Type.String({ minLength: 1, maxLength: 2000, description: "The question as typed." }),
        results: Type.Optional(Type.Integer({ minimum: 0, description: "How many results it answered with." })),
      },
      { additionalProperties: true },
    ),
    example: { query: "quiet hotels near the lake", results: 12 },
  }),
  filter_change: planEntry({
    description: "A user changed a search filter.",
    payload: Type.Object(
      {
        filter: Type.String({ minLength: 1, maxLength: 64, description: "Which filter, e.g. price or rating." }),
        value: Type.Optional(filterValue("The filter's new value.")),
        from: Type.Optional(filterValue("Its value before the change.")),
        to: Type.Optional(filterValue("Its value after the change.")),
      },
      { additionalProperties: true },
    ),
    example: { filter: "price", from: "any", to: "under_100" },
  }),
};

export type EventType = keyof typeof TRACKING_PLAN;

/** The known properties of an event type's payload, as TypeScript sees them. */
export type PlanPayload<T extends EventType> = Static<(typeof TRACKING_PLAN)[T]["payload"]>;

export interface PlanEntry<P extends TObject = TObject> {
  description: string;
  payload: P;
  example: Static<P>;
}

/** Types an entry, so the compiler checks its example against its schema. */
function planEntry<P extends TObject>(entry: PlanEntry<P>): PlanEntry<P> {
  return entry;
}

function filterValue(description: string) {
  return Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean(), Type.Null()], { description });
}
