import type { ValueError } from "@sinclair/typebox/errors";
import { Elysia } from "elysia";
import { StoreOverloadedError, StoreUnavailableError } from "../db/errors";
import type { Logger } from "../logger";
import { type ErrorDetail, type ErrorEnvelope, HttpError } from "./errors";
import { validationDetails, validationFailed } from "./validation";

const REQUEST_ID = /^[\w.:-]{1,128}$/;

function envelope(status: number, body: Omit<ErrorEnvelope, "request_id">, requestId: string, headers: Record<string, string> = {}): Response {
  return Response.json(
    { ...body, request_id: requestId },
    { status, headers: { ...headers, "x-request-id": requestId } },
  );
}

function problem(code: string, message: string, details: ErrorDetail[] = []) {
  return { error: code, message, details };
}

/**
 * Gives every request an id (taken from a sane incoming x-request-id, else fresh) and turns
 * every failure into the JSON error envelope. Real faults are logged with the id and answered
 * with a generic 500: no stack, path or SQL leaves the process.
 */
export function errorHandling(logger: Logger) {
  const loggedStoreFailures = new WeakSet<Error>();
  return new Elysia({ name: "error-handling" })
    .onRequest(({ request, set }) => {
      const incoming = request.headers.get("x-request-id");
      set.headers["x-request-id"] = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    })
    .onError({ as: "global" }, ({ code, error, set, request }) => {
      const requestId = String(set.headers["x-request-id"] ?? crypto.randomUUID());
      // Elysia wraps whatever a body parser throws in a ParseError; ours carry their own status.
      const thrown = code === "PARSE" && error.cause instanceof HttpError ? error.cause : error;
      if (thrown instanceof HttpError) {
        return envelope(thrown.status, problem(thrown.code, thrown.message, thrown.details), requestId, thrown.headers);
      }
      switch (code) {
        case "VALIDATION": {
          // A value that fails after a transform (e.g. query coercion) arrives as Elysia's
          // TransformDecodeCheckError: one ValueError under `error`, no `all` list.
          const decodeFailure = (error as { error?: ValueError }).error;
          const failures = error.all ?? (decodeFailure ? [decodeFailure] : []);
          const invalid = validationFailed(validationDetails(failures));
          return envelope(invalid.status, problem(invalid.code, invalid.message, invalid.details), requestId);
        }
        case "NOT_FOUND":
          return envelope(404, problem("not_found", `No route for ${request.method} ${new URL(request.url).pathname}.`), requestId);
        case "PARSE":
          return envelope(400, problem("malformed_body", "The request body could not be parsed."), requestId);
      }
      if (error instanceof StoreOverloadedError) {
        // Expected under overload and answered at once; logging each refusal would add to the load.
        return envelope(503, problem("overloaded", "Too many events are waiting to be stored; retry shortly."), requestId, { "retry-after": "1" });
      }
      if (error instanceof StoreUnavailableError) {
        // Every request of a failed commit shares one error: log it once, not once per request.
        if (!loggedStoreFailures.has(error)) {
          loggedStoreFailures.add(error);
          logger.warn({ err: error, requestId }, "storage unavailable");
        }
        return envelope(503, problem("storage_unavailable", "Events cannot be stored right now; retry shortly."), requestId, { "retry-after": "1" });
      }
      logger.error({ err: error, requestId, method: request.method, url: request.url }, "unhandled error");
      return envelope(500, problem("internal_error", "An unexpected error occurred; it has been logged."), requestId);
    });
}
