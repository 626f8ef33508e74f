import { StoreBusyError, StoreOverloadedError, StoreUnavailableError } from "../db/errors";
import { HttpError } from "./errors";

/** What a failure answers: its HTTP status and the envelope's machine code, also the metrics' reason label. */
export interface ErrorClass {
  status: number;
  reason: string;
}

/**
 * The error a handler or hook actually threw: Elysia wraps whatever a body parser throws in a
 * ParseError, and ours (src/http/body.ts) carry their own status.
 */
export function thrownError(code: unknown, error: unknown): unknown {
  return code === "PARSE" && error instanceof Error && error.cause instanceof HttpError ? error.cause : error;
}

/**
 * The one mapping from a failure to its status and reason. The error handler answers with it
 * and the metrics count with it, so the two cannot drift apart (they did: a `503 overloaded`
 * was once counted as a `500 internal_error`). `code` is Elysia's error code for the failure;
 * `allowedMethods` gives the methods the request's path answers (none: an unknown path), which
 * turns an unrouted request into a 405 instead of a 404.
 */
export function classifyError(code: unknown, error: unknown, allowedMethods: () => readonly string[] = () => []): ErrorClass {
  const thrown = thrownError(code, error);
  if (thrown instanceof HttpError) return { status: thrown.status, reason: thrown.code };
  if (thrown instanceof StoreOverloadedError) return { status: 503, reason: "overloaded" };
  // The read side's bound (MAX_QUEUED_READS): every reader busy and enough reads waiting.
  if (thrown instanceof StoreBusyError) return { status: 503, reason: "busy" };
  if (thrown instanceof StoreUnavailableError) return { status: 503, reason: "storage_unavailable" };
  switch (code) {
    case "VALIDATION":
      return { status: 422, reason: "validation_failed" };
    case "NOT_FOUND":
      return allowedMethods().length > 0 ? { status: 405, reason: "method_not_allowed" } : { status: 404, reason: "not_found" };
    case "PARSE":
      return { status: 400, reason: "malformed_body" };
  }
  return { status: 500, reason: "internal_error" };
}
