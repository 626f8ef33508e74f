import type { ValueError } from "@sinclair/typebox/errors";
import { Elysia } from "elysia";
import type { Logger } from "../logger";
import { classifyError, thrownError } from "./error-classification";
import { type ErrorEnvelope, HttpError } from "./errors";
import { allowedMethods, appRoutes } from "./routes-table";
import { queryListDetails, validationDetails, validationFailed } from "./validation";

const REQUEST_ID = /^[\w.:-]{1,128}$/;

type Set = { status?: number | string; headers: Record<string, string | number> };

/**
 * The envelope as the answer's body, its status and headers on `set`: Elysia then builds the
 * response as it does a handler's, with the hooks' headers (CORS, x-request-id) in one go.
 * Returning a Response made Elysia copy those headers into it one by one, which cost a
 * refusal ~2 µs more than an acceptance (bench/rejections.ts).
 */
function envelope(set: Set, status: number, body: Omit<ErrorEnvelope, "request_id">, requestId: string, headers?: Record<string, string>): ErrorEnvelope {
  set.status = status;
  set.headers["x-request-id"] = requestId;
  if (headers) Object.assign(set.headers, headers);
  return { error: body.error, message: body.message, details: body.details, request_id: requestId };
}

// The sentence for each reason whose error carries none of its own.
const MESSAGES: Record<string, string> = {
  malformed_body: "The request body could not be parsed.",
  overloaded: "Too many events are waiting to be stored; retry shortly.",
  busy: "Too many reads are waiting; retry shortly.",
  storage_unavailable: "Events cannot be stored right now; retry shortly.",
  internal_error: "An unexpected error occurred; it has been logged.",
};
const RETRY_SHORTLY = { "retry-after": "1" };

/**
 * Gives every request an id, taken from a sane incoming x-request-id, else fresh: it is sent
 * back in the x-request-id header and in every error envelope.
 */
export function requestIds() {
  return new Elysia({ name: "request-ids" }).onRequest(({ request, set }) => {
    const incoming = request.headers.get("x-request-id");
    set.headers["x-request-id"] = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  });
}

/**
 * Turns every failure into the JSON error envelope, with the status and code classifyError
 * gives it and the request's id (requestIds(); a fresh one without it). Real faults are logged
 * with the id and answered with a generic 500: no stack, path or SQL leaves the process.
 */
export function errorHandling(logger: Logger) {
  const plugin = new Elysia({ name: "error-handling" });
  return plugin
    .onError({ as: "global" }, ({ code, error, set, request }) => {
      const requestId = String(set.headers["x-request-id"] ?? crypto.randomUUID());
      const thrown = thrownError(code, error);
      // Only a 404 or 405 names the path: the others do not parse the URL.
      const path = () => new URL(request.url).pathname;
      const allow = () => allowedMethods(appRoutes(plugin), path());
      const { status, reason } = classifyError(code, error, allow);
      if (thrown instanceof HttpError) {
        return envelope(set, status, { error: reason, message: thrown.message, details: thrown.details }, requestId, thrown.headers);
      }
      switch (reason) {
        case "validation_failed": {
          // A value that fails after a transform (e.g. query coercion) arrives as Elysia's
          // TransformDecodeCheckError: one ValueError under `error`, no `all` list.
          const decodeFailure = (error as { error?: ValueError }).error;
          const inQuery = (error as { type?: string }).type === "query" || decodeFailure !== undefined;
          const details = validationDetails((error as { all?: ValueError[] }).all ?? [], "", { byParameter: inQuery });
          if (inQuery) {
            for (const detail of queryListDetails(new URL(request.url).searchParams)) {
              if (!details.some((known) => known.path === detail.path)) details.push(detail);
            }
          }
          if (details.length === 0 && decodeFailure) details.push(...validationDetails([decodeFailure]));
          const invalid = validationFailed(details);
          return envelope(set, status, { error: reason, message: invalid.message, details: invalid.details }, requestId);
        }
        case "method_not_allowed": {
          // A path the app knows, asked with a method it does not answer: name the ones it does.
          const methods = allow().join(", ");
          const message = `${request.method} is not allowed on ${path()}; it answers ${methods}.`;
          return envelope(set, status, { error: reason, message, details: [] }, requestId, { allow: methods });
        }
        case "not_found":
          return envelope(set, status, { error: reason, message: `No route for ${request.method} ${path()}.`, details: [] }, requestId);
        case "overloaded":
        case "busy":
          // Expected under overload and answered at once; logging each refusal would add to the load.
          return envelope(set, status, { error: reason, message: MESSAGES[reason]!, details: [] }, requestId, RETRY_SHORTLY);
        case "storage_unavailable":
          // Not logged here: the write path logs failed commits, one line per kind of failure per
          // interval with a count (src/health/failure-log.ts), instead of a stack per request.
          return envelope(set, status, { error: reason, message: MESSAGES[reason]!, details: [] }, requestId, RETRY_SHORTLY);
        case "internal_error":
          logger.error({ err: error, requestId, method: request.method, url: request.url }, "unhandled error");
      }
      return envelope(set, status, { error: reason, message: MESSAGES[reason] ?? MESSAGES.internal_error!, details: [] }, requestId);
    });
}
