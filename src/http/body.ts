import { HttpError } from "./errors";

// sendBeacon posts text/plain (a CORS-safelisted type, so no preflight); fetch callers send JSON.
const ACCEPTED_TYPES = ["application/json", "text/plain"];
const utf8 = new TextDecoder();

/**
 * Reads a JSON object body sent as application/json or text/plain, refusing more than `maxBytes`
 * without buffering the excess: a too-large Content-Length is refused before reading, and a
 * chunked body is cut off as soon as it passes the limit.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const mediaType = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (mediaType && !ACCEPTED_TYPES.includes(mediaType)) {
    throw new HttpError(415, "unsupported_media_type", `Send the body as application/json or text/plain, not ${mediaType}.`);
  }
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);

  // With a declared length (and no chunked framing, which would override it) the server reads
  // exactly that many bytes, already checked against the limit: read them in one piece, which
  // costs a fraction of streaming. Only a chunked body needs counting as it arrives.
  const framed = !Number.isNaN(declared) && !request.headers.has("transfer-encoding");
  const text = framed ? await request.text() : await readText(request, maxBytes);
  if (text.trim() === "") throw new HttpError(400, "empty_body", "The request body is empty; send a JSON object.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "invalid JSON";
    throw new HttpError(400, "malformed_json", "The request body is not valid JSON.", [{ path: "", message: reason }]);
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
  return value;
}

async function readText(request: Request, maxBytes: number): Promise<string> {
  if (request.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return utf8.decode(Buffer.concat(chunks, size));
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "payload_too_large", `The request body is larger than the ${maxBytes}-byte limit.`);
}
