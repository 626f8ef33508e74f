import { Elysia } from "elysia";
import type { Config } from "../config";
import { ingestRoute } from "../events/ingest-routes";
import { HttpError } from "../http/errors";
import { clientAddress } from "./client-address";
import { TokenBucketLimiter } from "./token-bucket";

/** Clients remembered at most: about 100 bytes each, so the limiter stays under ~10 MB. */
export const MAX_TRACKED_CLIENTS = 100_000;

/** 429 on an ingest route; carries the route because the request is refused before routing. */
export class RateLimitedError extends HttpError {
  constructor(
    readonly route: string,
    retryAfterSeconds: number,
  ) {
    super(429, "rate_limited", `Too many events from this address; retry in ${retryAfterSeconds} s.`, [], {
      "retry-after": String(retryAfterSeconds),
    });
  }
}

export interface RateLimitOptions {
  config: Pick<Config, "rateLimitPerMinute" | "rateLimitBurst" | "trustProxy">;
  now: () => number;
}

/**
 * Token bucket per client address on the ingest routes, checked when the request arrives, so a
 * refused request costs no body parsing. RATE_LIMIT_PER_MINUTE = 0 turns it off.
 *
 * Not elysia-rate-limit: it counts fixed windows rather than a token bucket, runs after the body
 * is parsed and validated, reads Date.now directly (no injectable clock), and answers 429 without
 * our envelope unless it throws, and then without Retry-After.
 */
export function rateLimit({ config, now }: RateLimitOptions) {
  const plugin = new Elysia();
  if (config.rateLimitPerMinute === 0) return plugin;
  const limiter = new TokenBucketLimiter({
    perMinute: config.rateLimitPerMinute,
    burst: config.rateLimitBurst,
    maxKeys: MAX_TRACKED_CLIENTS,
    now,
  });
  return plugin.onRequest(({ request, server }) => {
    const route = ingestRoute(request.method, new URL(request.url).pathname);
    if (route === undefined) return;
    const result = limiter.take(clientAddress(request, server, config.trustProxy));
    if (!result.allowed) throw new RateLimitedError(route, result.retryAfterSeconds);
  });
}
