import { Elysia } from "elysia";
import type { Config } from "../config";
import { type ErrorDetail, errorEnvelope } from "../http/errors";
import { INGEST_FAILURES, jsonOrTextBody, success } from "../http/openapi";
import { validationFailed } from "../http/validation";
import type { Logger } from "../logger";
import { batchAcceptedResponse, batchEnvelope, batchExamples, sortBatch } from "./batch";
import type { Ingest } from "./ingest";
import type { IngestRoutes } from "./ingest-routes";
import { readClientTime } from "./service";

export interface BatchRoutesDeps {
  config: Pick<Config, "maxBodyBytes" | "maxBatchEvents">;
  ingest: Ingest;
  /** Declares the route an ingest route (src/events/ingest-routes.ts). */
  ingestRoutes: IngestRoutes;
  logger: Logger;
}

export function batchRoutes({ config, ingest, ingestRoutes, logger }: BatchRoutesDeps) {
  return new Elysia({ name: "events-batch", prefix: "/api" })
    .use(ingestRoutes.routes)
    .post(
    "/events/batch",
    async ({ body, request, status }) => {
      const receivedAt = new Date();
      const envelopeErrors: ErrorDetail[] = [];
      const sentAt = readClientTime(body.sent_at, "/sent_at", envelopeErrors);
      if (envelopeErrors.length > 0) throw validationFailed(envelopeErrors);

      const origin = ingest.origin(request);
      const { events, rejected } = sortBatch(body.batch, (item, path) => ingest.prepare(item, receivedAt, origin, { path, sentAt }));
      const { inserted, duplicates } = await ingest.record(events, origin);
      if (logger.isLevelEnabled("debug")) {
        logger.debug({ size: body.batch.length, inserted, duplicates, rejected: rejected.length }, "batch recorded");
      }
      return status(202, { status: "accepted" as const, accepted: inserted, duplicates, rejected });
    },
    {
      ingest: "batch",
      body: batchEnvelope(config.maxBatchEvents),
      response: { 202: batchAcceptedResponse, 400: errorEnvelope, 413: errorEnvelope, 415: errorEnvelope, 422: errorEnvelope, 503: errorEnvelope },
      detail: {
        tags: ["Events"],
        summary: "Record a batch of user events",
        description:
          `Up to ${config.maxBatchEvents} events (\`MAX_BATCH_EVENTS\`) in one body of at most ${config.maxBodyBytes} bytes ` +
          "(`MAX_BODY_BYTES`). Every event is checked with exactly the rules of `POST /api/events`; the valid ones are " +
          "committed in one transaction before the 202, the invalid ones are listed in `rejected` by index and not stored. " +
          "`accepted + duplicates + rejected.length` always equals the batch size.\n\n" +
          "An event whose `event_id` is already stored (a retry, a concurrent copy, or a repeat within the batch) is " +
          "counted in `duplicates` and not stored again. `sent_at` on the envelope applies to every event without its own.\n\n" +
          "A malformed envelope (not an object, `batch` missing, empty or too long, an unparseable `sent_at`) is a 422 and " +
          "a body over the size limit a 413; neither stores anything. Accepts `application/json` and `text/plain` " +
          "(navigator.sendBeacon), like the single endpoint.",
        security: [],
        requestBody: jsonOrTextBody("A batch of events.", batchExamples),
        responses: {
          202: success("The valid events are committed; the invalid ones are listed in `rejected` and were not stored.", {
            status: "accepted",
            accepted: 1,
            duplicates: 0,
            rejected: [
              {
                index: 1,
                error: "validation_failed",
                message: "Event 1 is invalid: check /batch/1/event_type.",
                details: [{ path: "/batch/1/event_type", message: 'must be one of card_click, sage_query, filter_change; got "hover"' }],
              },
            ],
          }),
          ...INGEST_FAILURES,
        },
      },
    },
  );
}
