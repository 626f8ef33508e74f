import type { DocumentDecoration } from "elysia";

/**
 * What a route's `detail` adds to the OpenAPI operation @elysiajs/openapi generates from its
 * TypeBox schemas: descriptions, headers, examples and media types, which a schema cannot say.
 * src/http/docs.ts merges them in: a success response keeps the generated schema and gains the
 * rest; an error response is complete here (the envelope by $ref, an example, headers).
 */
type Responses = NonNullable<DocumentDecoration["responses"]>;
type ResponseDoc = Responses[string] & { description: string };
type HeaderDoc = { description: string; schema: { type: "string" | "integer" } };

export const ENVELOPE_SCHEMA_NAME = "ErrorEnvelope";
const ENVELOPE_REF = { $ref: `#/components/schemas/${ENVELOPE_SCHEMA_NAME}` };

export const HEADERS = {
  "x-request-id": {
    description: "The request's id (yours if you sent a sane one); the server log carries the same id.",
    schema: { type: "string" },
  },
  "retry-after": { description: "Seconds to wait before retrying.", schema: { type: "integer" } },
  "www-authenticate": { description: 'The scheme to use: `Bearer realm="event-ingest"`.', schema: { type: "string" } },
  "content-disposition": {
    description: 'An attachment with a file name such as `attachment; filename="events-20240501T120000Z.ndjson"`.',
    schema: { type: "string" },
  },
} satisfies Record<string, HeaderDoc>;
type HeaderName = keyof typeof HEADERS;

const headers = (names: HeaderName[]) => Object.fromEntries(["x-request-id" as const, ...names].map((name) => [name, HEADERS[name]]));

/** A success response: the schema comes from the route's `response`; this adds the rest. */
export function success(description: string, example: unknown, extra: { headers?: HeaderName[]; mediaTypes?: string[] } = {}): ResponseDoc {
  const content = Object.fromEntries((extra.mediaTypes ?? ["application/json"]).map((type) => [type, { example }]));
  return { description, headers: headers(extra.headers ?? []), content };
}

/** An error answer: the envelope, one example per code this status can carry. */
export function failure(description: string, examples: Record<string, { message: string; details?: { path: string; message: string }[] }>, extraHeaders: HeaderName[] = []): ResponseDoc {
  const entries = Object.entries(examples).map(([code, { message, details = [] }]) => [
    code,
    { summary: code, value: { error: code, message, details, request_id: "0b6f5d2e-3c1a-4f7e-9a51-8d2c4b6e7f10" } },
  ]);
  return { description, headers: headers(extraHeaders), content: { "application/json": { schema: ENVELOPE_REF, examples: Object.fromEntries(entries) } } };
}

/** The answers every route shares, by status, worded as the server words them. */
export const FAILURES = {
  400: failure("The body is empty or not JSON; nothing was stored.", {
    malformed_json: { message: "The request body is not valid JSON.", details: [{ path: "", message: "JSON Parse error: Unexpected EOF" }] },
    empty_body: { message: "The request body is empty; send a JSON object." },
  }),
  401: failure(
    "No admin token, or the wrong one.",
    { unauthorized: { message: "This endpoint needs the admin token: send `Authorization: Bearer <ADMIN_TOKEN>`." } },
    ["www-authenticate"],
  ),
  403: failure("The server has no ADMIN_TOKEN, so the read and admin endpoints are off.", {
    admin_disabled: {
      message:
        "The read and admin endpoints are off: set ADMIN_TOKEN to a secret of at least 32 characters (for example `openssl rand -hex 32`) and restart the server.",
    },
  }),
  413: failure("The body is larger than MAX_BODY_BYTES; it was not read.", {
    payload_too_large: { message: "The request body is larger than the 1048576-byte limit." },
  }),
  415: failure("A content type other than application/json or text/plain.", {
    unsupported_media_type: { message: "Send the body as application/json or text/plain, not multipart/form-data." },
  }),
  422: failure("The request breaks the rules; every failing field is listed in `details`. Nothing was stored.", {
    validation_failed: {
      message: "The request is invalid: check /event_type, /payload.",
      details: [
        { path: "/event_type", message: 'must be one of card_click, sage_query, filter_change; got "hover"' },
        { path: "/payload", message: "must be a JSON object" },
      ],
    },
  }),
  429: failure(
    "Too many ingest requests from this address (RATE_LIMIT_PER_MINUTE); nothing was read or stored.",
    { rate_limited: { message: "Too many events from this address; retry in 2 s." } },
    ["retry-after"],
  ),
  503: failure(
    "The database cannot take the event right now; nothing was stored. Retry after Retry-After seconds.",
    {
      overloaded: { message: "Too many events are waiting to be stored; retry shortly." },
      storage_unavailable: { message: "Events cannot be stored right now; retry shortly." },
    },
    ["retry-after"],
  ),
} satisfies Record<number, ResponseDoc>;

/** Every ingest route answers these besides its 202. */
export const INGEST_FAILURES = { 400: FAILURES[400], 413: FAILURES[413], 415: FAILURES[415], 422: FAILURES[422], 429: FAILURES[429], 503: FAILURES[503] };
/** Every read route (stats, listing, export) may be refused when the read queue is full (MAX_QUEUED_READS). */
export const READ_BUSY = failure(
  "Every reader is busy and MAX_QUEUED_READS reads are already waiting; nothing was read. Retry after Retry-After seconds.",
  { busy: { message: "Too many reads are waiting; retry shortly." } },
  ["retry-after"],
);
/** Every admin-token route answers these besides its own. */
export const ADMIN_FAILURES = { 401: FAILURES[401], 403: FAILURES[403] };

/** A request body sent as JSON (fetch) or text/plain (sendBeacon), with named examples to pick in Swagger UI. */
export function jsonOrTextBody(description: string, examples: Record<string, { summary: string; value: unknown }>, schema?: object) {
  // A schema given here replaces the one generated from the route's body (docs.ts merges it last).
  const mediaType = schema ? { schema, examples } : { examples };
  return { description, required: true, content: { "application/json": mediaType, "text/plain": mediaType } };
}
