import { Elysia } from "elysia";
import { StoreUnavailableError } from "../db/errors";
import { ingestRoute } from "../events/ingest-routes";
import { HttpError } from "../http/errors";
import { RateLimitedError } from "../ratelimit/plugin";
import type { Metrics } from "./metrics";

interface Failure {
  code: string | number;
  error: unknown;
}

// The envelope codes src/http/error-handler.ts answers for Elysia's own errors.
const ELYSIA_ERROR_CODES: Record<string, string> = { VALIDATION: "validation_failed", PARSE: "malformed_body", NOT_FOUND: "not_found" };

function failureStatus({ code, error }: Failure, fallback: number): number {
  if (code === "NOT_FOUND") return 404;
  if (error instanceof HttpError) return error.status;
  if (code === "PARSE" && error instanceof Error && error.cause instanceof HttpError) return error.cause.status;
  return fallback;
}

function failureReason({ code, error }: Failure): string {
  if (error instanceof HttpError) return error.code;
  if (code === "PARSE" && error instanceof Error && error.cause instanceof HttpError) return error.cause.code;
  if (error instanceof StoreUnavailableError) return "storage_unavailable";
  return ELYSIA_ERROR_CODES[String(code)] ?? "internal_error";
}

/**
 * Times every request and counts refused ingest requests by reason. Must be used before the
 * error handler: its onError only notes the failure and lets the error handler answer.
 */
export function httpMetrics(metrics: Metrics) {
  const started = new WeakMap<Request, number>();
  const failures = new WeakMap<Request, Failure>();
  return new Elysia()
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onError({ as: "global" }, ({ request, code, error }) => {
      failures.set(request, { code, error });
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      const start = started.get(request);
      const failure = failures.get(request);
      const status = failure ? failureStatus(failure, Number(set.status ?? 500)) : Number(set.status ?? 200);
      // Requests refused before routing (404, 429) have no route; the label set stays bounded.
      const label = route || (failure?.error instanceof RateLimitedError ? failure.error.route : "unmatched");
      if (start !== undefined) {
        metrics.httpDuration.observe({ method: request.method, route: label, status: String(status) }, (performance.now() - start) / 1000);
      }
      if (failure && ingestRoute(request.method, label) !== undefined) metrics.eventsRejected.inc({ reason: failureReason(failure) });
    });
}
