import type { Config } from "../config";
import { HttpError } from "../http/errors";
import { type AddressSource, clientAddress } from "./client-address";
import { TokenBucketLimiter } from "./token-bucket";

/** Clients remembered at most: about 100 bytes each, so the limiter stays under ~10 MB. */
export const MAX_TRACKED_CLIENTS = 100_000;

/** 429 on an ingest route. */
export class RateLimitedError extends HttpError {
  constructor(retryAfterSeconds: number) {
    super(429, "rate_limited", `Too many events from this address; retry in ${retryAfterSeconds} s.`, [], {
      "retry-after": String(retryAfterSeconds),
    });
  }
}

export interface RateLimitOptions {
  config: Pick<Config, "rateLimitPerMinute" | "rateLimitBurst" | "trustProxy">;
  now: () => number;
}

/** Throws RateLimitedError when the request's client has used up its bucket. */
export type RateLimitCheck = (request: Request, server: AddressSource | null) => void;

/**
 * Token bucket per client address, checked by every ingest route (src/events/ingest-routes.ts)
 * before it reads the body, so a refused request costs no body parsing. Undefined when
 * RATE_LIMIT_PER_MINUTE = 0 turns it off.
 *
 * Not elysia-rate-limit: it counts fixed windows rather than a token bucket, runs after the body
 * is parsed and validated, reads Date.now directly (no injectable clock), and answers 429 without
 * our envelope unless it throws, and then without Retry-After.
 */
export function rateLimiter({ config, now }: RateLimitOptions): RateLimitCheck | undefined {
  if (config.rateLimitPerMinute === 0) return undefined;
  const limiter = new TokenBucketLimiter({
    perMinute: config.rateLimitPerMinute,
    burst: config.rateLimitBurst,
    maxKeys: MAX_TRACKED_CLIENTS,
    now,
  });
  return (request, server) => {
    const result = limiter.take(clientAddress(request, server, config.trustProxy));
    if (!result.allowed) throw new RateLimitedError(result.retryAfterSeconds);
  };
}
