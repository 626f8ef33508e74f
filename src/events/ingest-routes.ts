import { Elysia } from "elysia";
import type { Config } from "../config";
import { readJsonBody } from "../http/body";
import { type RateLimitOptions, rateLimiter } from "../ratelimit/limiter";

export interface IngestRoutesOptions extends RateLimitOptions {
  config: RateLimitOptions["config"] & Pick<Config, "maxBodyBytes">;
}

/**
 * The one declaration of an ingest route, the routes through which frontends send events: a
 * route whose options say `ingest: true` (after `.use(ingest.routes)`). Such a route is rate
 * limited per client before its body is read, reads its body as bounded JSON, and is counted
 * by the metrics as accepted or rejected (they ask `isIngest`).
 */
export function ingestRoutes({ config, now }: IngestRoutesOptions) {
  const ingestRequests = new WeakSet<Request>();
  const limit = rateLimiter({ config, now });
  const routes = new Elysia().macro({
    ingest: {
      parse({ request, server }) {
        ingestRequests.add(request);
        limit?.(request, server);
        return readJsonBody(request, config.maxBodyBytes);
      },
    },
  });
  return {
    routes,
    /** Whether the request reached an ingest route (one declared with `ingest: true`). */
    isIngest: (request: Request) => ingestRequests.has(request),
  };
}

export type IngestRoutes = ReturnType<typeof ingestRoutes>;
