import { Elysia } from "elysia";
import type { Config } from "../config";
import type { EventStore } from "../db/store";
import type { Logger } from "../logger";
import { readJsonBody } from "../http/body";
import { errorEnvelope } from "../http/errors";
import { acceptedResponse, EVENT_TYPES, eventBody, type EventType } from "./model";
import { recordEvent } from "./service";

const EXAMPLE_PAYLOADS: Record<EventType, Record<string, unknown>> = {
  card_click: { card_id: "c_123", position: 4, list: "recommended" },
  sage_query: { query: "quiet hotels near the lake", results: 12 },
  filter_change: { filter: "price", from: "any", to: "under_100" },
};

const requestExamples = Object.fromEntries(
  EVENT_TYPES.map((type) => [
    type,
    { summary: type, value: { session_id: "3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10", event_type: type, payload: EXAMPLE_PAYLOADS[type] } },
  ]),
);

export interface EventRoutesDeps {
  config: Pick<Config, "maxBodyBytes">;
  store: EventStore;
  logger: Logger;
}

export function eventRoutes({ config, store, logger }: EventRoutesDeps) {
  return new Elysia({ name: "events", prefix: "/api" }).post(
    "/events",
    async ({ body, status }) => {
      await recordEvent(store, body);
      if (logger.isLevelEnabled("debug")) logger.debug({ eventType: body.event_type, sessionId: body.session_id }, "event recorded");
      return status(202, { status: "accepted" as const });
    },
    {
      parse: ({ request }) => readJsonBody(request, config.maxBodyBytes),
      body: eventBody,
      response: { 202: acceptedResponse, 400: errorEnvelope, 413: errorEnvelope, 415: errorEnvelope, 422: errorEnvelope, 503: errorEnvelope },
      detail: {
        tags: ["Events"],
        summary: "Record one user event",
        description:
          "Stores one event and answers 202 once it is committed. No authentication. Accepts `application/json` " +
          "(fetch with `keepalive: true`) and `text/plain` (navigator.sendBeacon) bodies with identical validation.",
        requestBody: {
          required: true,
          content: Object.fromEntries(
            ["application/json", "text/plain"].map((type) => [type, { schema: eventBody, examples: requestExamples }]),
          ),
        },
      },
    },
  );
}
