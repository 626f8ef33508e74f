import type { ValueError } from "@sinclair/typebox/errors";
import { type ErrorDetail, HttpError } from "./errors";

const MAX_FAILURES = 64;

/**
 * Turns TypeBox's error list into one readable message per failing field. TypeBox reports
 * a failed union as "Expected union value" and a missing field twice, so errors are folded
 * by path and phrased from the schema that failed. `prefix` is the JSON Pointer of the checked
 * value inside the request body (e.g. `/batch/3`), so paths always point into the body.
 */
export function validationDetails(errors: Iterable<ValueError>, prefix = ""): ErrorDetail[] {
  const byPath = new Map<string, string>();
  let seen = 0;
  for (const failure of errors) {
    // An object with thousands of unknown fields must not produce a thousand-line answer.
    if (++seen > MAX_FAILURES) break;
    const path = prefix + failure.path;
    if (!byPath.has(path)) byPath.set(path, describe(failure));
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

/** The 422 for a request whose body breaks the rules; every failing field is listed. */
export function validationFailed(details: ErrorDetail[]): HttpError {
  const fields = details.map((detail) => detail.path || "body").join(", ");
  return new HttpError(422, "validation_failed", `The request is invalid: check ${fields}.`, details);
}

type Schema = {
  anyOf?: { const?: unknown; type?: string }[];
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  minimum?: number;
  maximum?: number;
};

const FORMATS: Record<string, string> = { uuid: "a UUID such as 3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10" };

const PHRASES: Record<string, (schema: Schema) => string> = {
  "Expected required property": () => "is required",
  "Unexpected property": () => "is not a known field",
  "Expected object": () => "must be a JSON object",
  "Expected array": () => "must be an array",
  "Expected string": () => "must be a string",
  "Expected string length greater or equal to": (schema) => `must be at least ${schema.minLength} characters long`,
  "Expected string length less or equal to": (schema) => `must be at most ${schema.maxLength} characters long`,
  "Expected array length to be greater or equal to": (schema) => `must hold at least ${schema.minItems} item(s)`,
  "Expected array length to be less or equal to": (schema) => `must hold at most ${schema.maxItems} item(s)`,
  "Expected string to match": (schema) => `must be ${FORMATS[schema.format ?? ""] ?? `a ${schema.format} string`}`,
  "Expected integer": () => "must be a whole number",
  "Expected number": () => "must be a number",
  "Expected boolean": () => "must be true or false",
  "Expected integer to be greater or equal to": (schema) => `must be at least ${schema.minimum}`,
  "Expected integer to be less or equal to": (schema) => `must be at most ${schema.maximum}`,
  "Expected number to be greater or equal to": (schema) => `must be at least ${schema.minimum}`,
  "Expected number to be less or equal to": (schema) => `must be at most ${schema.maximum}`,
  "Expected union value": (schema) => `must be a ${(schema.anyOf ?? []).map((option) => option.type).join(" or a ")}`,
};

function describe(failure: ValueError): string {
  const schema = failure.schema as Schema;
  const allowed = schema.anyOf?.map((option) => option.const).filter((value) => value !== undefined);
  if (allowed && allowed.length > 0) {
    return `must be one of ${allowed.join(", ")}; got ${JSON.stringify(failure.value) ?? "nothing"}`;
  }
  const phrase = PHRASES[failure.message.replace(/ (\d+|'[^']*' format)$/, "")];
  return phrase ? phrase(schema) : failure.message;
}
