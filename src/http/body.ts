import { HttpError } from "./errors";
import { firstTooDeep, MAX_FIELD_DEPTH, pointerAt } from "./nesting";
import { validationFailed } from "./validation";

// sendBeacon posts text/plain (a CORS-safelisted type, so no preflight); fetch callers send JSON.
const ACCEPTED_TYPES = ["application/json", "text/plain"];
const utf8 = new TextDecoder();
/** A body at most this large (an event, a batch the SDK sends) may use the budget's reserve. */
const SMALL_BODY_BYTES = 64 * 1024;
/** The share of the budget only small bodies may use, so stalled large uploads cannot keep events out. */
const RESERVE_SHARE = 1 / 8;

export interface BodyReaderOptions {
  /** Most bytes of request bodies being received at once, by all requests together (MAX_BODY_BYTES_IN_FLIGHT). */
  budgetBytes: number;
  /** Longest a body may take to arrive, from its headers to its last byte (BODY_READ_TIMEOUT_MS). */
  deadlineMs: number;
}

export interface BodyLimits {
  /** Most bytes this body may have (MAX_BODY_BYTES). */
  maxBytes: number;
  /** Deepest nesting, the body itself being level 1: deeper is a 422 before anything parses it. */
  maxDepth: number;
}

/**
 * Reads JSON object bodies sent as application/json or text/plain, with every cost bounded
 * before the body is parsed: a body over `maxBytes` is refused without buffering the excess
 * (by its Content-Length, or as soon as a chunked body passes it); the bytes of all bodies
 * being received share one budget, past which a request is refused at once with 503 rather
 * than held in memory (an eighth of it is kept for bodies of at most 64 KiB, so stalled large
 * uploads cannot keep events out); a body still arriving after the deadline is refused with 408 and its
 * connection closed; and nesting deeper than `maxDepth` is found in one linear pass over the
 * text, so no parser, validator or error mapping ever walks an unbounded value.
 */
export class BodyReader {
  private inFlight = 0;

  constructor(private readonly options: BodyReaderOptions) {}

  /** Bytes of bodies being received right now. */
  bytesInFlight(): number {
    return this.inFlight;
  }

  async readJson(request: Request, limits: BodyLimits): Promise<Record<string, unknown>> {
    const mediaType = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (mediaType && !ACCEPTED_TYPES.includes(mediaType)) {
      throw new HttpError(415, "unsupported_media_type", `Send the body as application/json or text/plain, not ${mediaType}.`);
    }
    const declared = Number(request.headers.get("content-length") ?? Number.NaN);
    if (declared > limits.maxBytes) throw tooLarge(limits.maxBytes);
    // With a declared length (and no chunked framing, which would override it) the server reads
    // exactly that many bytes, already checked against the limit: read them in one piece, which
    // costs a fraction of streaming, with the whole length taken from the budget up front. Only
    // a chunked body needs counting as it arrives.
    const framed = !Number.isNaN(declared) && !request.headers.has("transfer-encoding");
    const text = framed ? await this.readFramed(request, declared) : await this.readChunked(request, limits.maxBytes);
    return parseObject(text, limits.maxDepth);
  }

  private async readFramed(request: Request, declared: number): Promise<string> {
    this.take(declared, declared <= SMALL_BODY_BYTES);
    try {
      return await this.beforeDeadline(request.text());
    } finally {
      this.inFlight -= declared;
    }
  }

  private async readChunked(request: Request, maxBytes: number): Promise<string> {
    if (request.body === null) return "";
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = request.body.getReader();
    try {
      for (;;) {
        const { done, value } = await this.beforeDeadline(reader.read());
        if (done) break;
        this.take(value.byteLength, false);
        size += value.byteLength;
        if (size > maxBytes) throw tooLarge(maxBytes);
        chunks.push(value);
      }
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    } finally {
      this.inFlight -= size;
    }
    return utf8.decode(Buffer.concat(chunks, size));
  }

  /** Takes `bytes` from the budget (a small body may dip into the reserve), or refuses the request at once. */
  private take(bytes: number, small: boolean): void {
    const { budgetBytes } = this.options;
    const limit = small ? budgetBytes : budgetBytes - Math.floor(budgetBytes * RESERVE_SHARE);
    if (this.inFlight + bytes > limit) {
      throw new HttpError(503, "busy_receiving", "The server is receiving too many request bodies at once; retry shortly.", [], { "retry-after": "1", connection: "close" });
    }
    this.inFlight += bytes;
  }

  private beforeDeadline<T>(reading: Promise<T>): Promise<T> {
    const { deadlineMs } = this.options;
    let timer: Timer | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new HttpError(408, "request_timeout", `The request body did not arrive within ${deadlineMs} ms.`, [], { connection: "close" }));
      }, deadlineMs);
    });
    return Promise.race([reading, expired]).finally(() => clearTimeout(timer));
  }
}

/** The body's JSON object; refuses nesting past `maxDepth` (with a pointer to it) before parsing. */
function parseObject(text: string, maxDepth: number): Record<string, unknown> {
  if (text.trim() === "") throw new HttpError(400, "empty_body", "The request body is empty; send a JSON object.");
  const tooDeep = firstTooDeep(text, maxDepth);
  if (tooDeep >= 0) throw validationFailed([{ path: pointerAt(text, tooDeep), message: `nests deeper than ${MAX_FIELD_DEPTH} levels` }]);
  let value: unknown;
  // The SyntaxError of a malformed body is answered, never logged: its stack would cost more
  // than the rest of the 400 (~3 µs deep in the request path), so none is captured.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "invalid JSON";
    throw new HttpError(400, "malformed_json", "The request body is not valid JSON.", [{ path: "", message: reason }]);
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
  // Checked here, not left to the schema: Elysia applies defaults before validating, which
  // turns an array into an object, and TypeBox then reports its indexes as unknown fields.
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(422, "validation_failed", "The request body must be a JSON object.", [{ path: "", message: "must be a JSON object" }]);
  }
  // JSON.parse makes "__proto__" an own key, which the schema check does not see as unknown.
  if (Object.hasOwn(value, "__proto__")) {
    throw new HttpError(422, "validation_failed", "The request is invalid: check /__proto__.", [{ path: "/__proto__", message: "is not a known field" }]);
  }
  return value as Record<string, unknown>;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "payload_too_large", `The request body is larger than the ${maxBytes}-byte limit.`);
}
