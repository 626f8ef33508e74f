import { Elysia } from "elysia";
import type { Config } from "../config";
import type { Logger } from "../logger";
import { errorEnvelope } from "../http/errors";
import { INGEST_FAILURES, jsonOrTextBody, success } from "../http/openapi";
import { validationFailed } from "../http/validation";
import { acceptedResponse, eventBody, eventExamples } from "./model";
import type { Ingest } from "./ingest";
import type { IngestRoutes } from "./ingest-routes";
import { eventTypeBranches } from "./openapi";

export interface EventRoutesDeps {
  config: Pick<Config, "maxBodyBytes">;
  ingest: Ingest;
  /** Declares the route an ingest route (src/events/ingest-routes.ts). */
  ingestRoutes: IngestRoutes;
  logger: Logger;
}

export function eventRoutes({ config, ingest, ingestRoutes, logger }: EventRoutesDeps) {
  return new Elysia({ name: "events", prefix: "/api" })
    .use(ingestRoutes.routes)
    .post(
    "/events",
    async ({ body, request, status }) => {
      const origin = ingest.origin(request);
      const prepared = ingest.prepare(body, new Date(), origin);
      if (prepared.details) throw validationFailed(prepared.details);
      const { duplicates } = await ingest.record([prepared.event], origin);
      if (logger.isLevelEnabled("debug")) {
        logger.debug({ eventType: body.event_type, sessionId: body.session_id, duplicate: duplicates > 0 }, "event recorded");
      }
      return status(202, duplicates > 0 ? { status: "accepted" as const, duplicate: true as const } : { status: "accepted" as const });
    },
    {
      ingest: "event",
      body: eventBody,
      response: { 202: acceptedResponse, 400: errorEnvelope, 413: errorEnvelope, 415: errorEnvelope, 422: errorEnvelope, 503: errorEnvelope },
      detail: {
        tags: ["Events"],
        summary: "Record one user event",
        description:
          "Stores one event and answers 202 once it is committed. No authentication. Accepts `application/json` " +
          "(fetch with `keepalive: true`) and `text/plain` (navigator.sendBeacon) bodies with identical validation.",
        security: [],
        requestBody: jsonOrTextBody(
          "One event. Pick an example per event type; the branches of `oneOf` are the tracking plan's payloads.",
          eventExamples,
          { ...JSON.parse(JSON.stringify(eventBody)), ...eventTypeBranches },
        ),
        responses: {
          202: success("Committed: the event is stored (or, with a repeated event_id, was already).", { status: "accepted" }),
          ...INGEST_FAILURES,
        },
      },
    },
  );
}
