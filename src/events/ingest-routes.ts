import { Elysia } from "elysia";
import type { Config } from "../config";
import { BodyReader } from "../http/body";
import { MAX_FIELD_DEPTH } from "../http/nesting";
import { compileObjectChecker } from "../http/object-checker";
import { validationDetails, validationFailed } from "../http/validation";
import { batchEnvelope } from "./batch";
import { eventBody } from "./model";
import { type RateLimitOptions, rateLimiter } from "../ratelimit/limiter";

/**
 * What an ingest route's body holds, and so how deep it may nest: an event's fields sit one
 * level below the body; a batch's three (the envelope, its `batch` array, the event).
 */
const BODY_DEPTH = { event: 1 + MAX_FIELD_DEPTH, batch: 3 + MAX_FIELD_DEPTH } as const;
export type IngestBody = keyof typeof BODY_DEPTH;

/**
 * The mark an ingest route leaves on the request's Elysia context (one object for all of the
 * request's hooks), which the metrics read. Read as a property in the hook itself, never by a
 * function handed the context: Elysia's static analysis of hooks takes a hook that passes its
 * whole context on as reading all of it, and then prepares all of it for every request
 * (measured: +2 to 3 µs per request, more than the metrics' own work).
 */
export interface IngestMarked {
  ingestRoute?: true;
}

export interface IngestRoutesOptions extends RateLimitOptions {
  config: RateLimitOptions["config"] & Pick<Config, "maxBodyBytes" | "maxBodyBytesInFlight" | "bodyReadTimeoutMs" | "maxBatchEvents">;
}

/**
 * The one declaration of an ingest route, the routes through which frontends send events: a
 * route whose options say `ingest: "event"` or `ingest: "batch"` (after `.use(ingest.routes)`).
 * Such a route is rate limited per client before its body is read, reads its body with every
 * cost bounded (src/http/body.ts), checks it against its schema with TypeBox's compiled checker,
 * and is counted by the metrics as accepted or rejected (they read its IngestMarked mark).
 *
 * The schema check happens here, in the parse phase, so a refused body never reaches Elysia's
 * own validation: its ValidationError maps the whole rejected value and builds its message
 * eagerly, which made a 422 dearer than a 202. Elysia still checks the accepted bodies (the
 * route's `body` gives the handler its types), which costs a valid event about a microsecond.
 */
export function ingestRoutes({ config, now }: IngestRoutesOptions) {
  const limit = rateLimiter({ config, now });
  const bodies = new BodyReader({ budgetBytes: config.maxBodyBytesInFlight, deadlineMs: config.bodyReadTimeoutMs });
  const schemas = { event: compileObjectChecker(eventBody), batch: compileObjectChecker(batchEnvelope(config.maxBatchEvents)) };
  const routes = new Elysia().macro({
    ingest: (body: IngestBody) => {
      const limits = { maxBytes: config.maxBodyBytes, maxDepth: BODY_DEPTH[body] };
      const schema = schemas[body];
      return {
        async parse(context) {
          const { request, server } = context;
          (context as IngestMarked).ingestRoute = true;
          limit?.(request, server);
          const value = await bodies.readJson(request, limits);
          if (!schema.Check(value)) throw validationFailed(validationDetails(schema.Errors(value)));
          return value;
        },
      };
    },
  });
  return {
    routes,
    bodies,
  };
}

export type IngestRoutes = ReturnType<typeof ingestRoutes>;
