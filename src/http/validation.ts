import { FormatRegistry } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { type ErrorDetail, HttpError } from "./errors";

/** Failures looked at, at most: an object with thousands of unknown fields costs no more than this many. */
const MAX_FAILURES = 64;
/** Details listed in one answer, at most; the message counts the rest. */
export const MAX_DETAILS = 20;
/** Characters of a rejected string quoted back in a message. */
const MAX_QUOTED = 40;

/**
 * Turns TypeBox's error list into one readable message per failing field. TypeBox reports
 * a failed union as "Expected union value" and a missing field twice, so errors are folded
 * by path and phrased from the schema that failed. `prefix` is the JSON Pointer of the checked
 * value inside the request body (e.g. `/batch/3`), so paths always point into the body.
 */
export function validationDetails(errors: Iterable<ValueError>, prefix = "", { byParameter = false } = {}): ErrorDetail[] {
  const byPath = new Map<string, string>();
  let seen = 0;
  for (const failure of errors) {
    // An object with thousands of unknown fields must not produce a thousand-line answer.
    if (++seen > MAX_FAILURES) break;
    // A query parameter is what the caller can fix: `/event_type/1` is reported as `/event_type`.
    const path = prefix + (byParameter ? failure.path.replace(/^(\/[^/]*).*$/, "$1") : failure.path);
    if (!byPath.has(path)) byPath.set(path, describe(failure));
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

const QUERY_LISTS = new Map<string, string>();

/**
 * Declares a repeatable query parameter (`?p=a&p=b` or `?p=a,b`) whose items have a registered
 * format. Elysia checks such items only after every other parameter passed (in its array
 * decoder, with a path that names no parameter), so the error handler checks them here too and
 * a 422 lists them with the rest.
 */
export function registerQueryList(parameter: string, format: string): void {
  QUERY_LISTS.set(parameter, format);
}

/** The failing items of every declared list parameter in `search`, one detail per parameter. */
export function queryListDetails(search: URLSearchParams): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const [parameter, format] of QUERY_LISTS) {
    const check = FormatRegistry.Get(format);
    const bad = search.getAll(parameter).flatMap((value) => value.split(",")).find((item) => !check?.(item));
    if (bad !== undefined) details.push({ path: `/${parameter}`, message: FORMAT_MESSAGES.get(format)?.(bad) ?? `is not a valid ${format}` });
  }
  return details;
}

/** The 422 for a request whose body breaks the rules: up to MAX_DETAILS failing fields listed, the rest counted. */
export function validationFailed(details: ErrorDetail[]): HttpError {
  const listed = details.slice(0, MAX_DETAILS);
  const fields = listed.map((detail) => detail.path || "body").join(", ");
  const more = details.length > MAX_DETAILS ? ` and ${details.length - MAX_DETAILS} more` : "";
  return new HttpError(422, "validation_failed", `The request is invalid: check ${fields}${more}.`, listed);
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

const plural = (count: number | undefined, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

const FORMATS: Record<string, string> = { uuid: "a UUID such as 3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10" };
/** Messages of the formats registered below, given the rejected value. */
const FORMAT_MESSAGES = new Map<string, (value: string) => string>();

/**
 * A string rule checked by the schema itself, so one validation pass reports every failing
 * field at once (a check in the handler runs only once the schema has passed, and stops at the
 * first failure). `message` phrases a rejected value, e.g. `must be ...; got "x"`.
 */
export function registerFormat(name: string, check: (value: string) => boolean, message: (value: string) => string): void {
  FormatRegistry.Set(name, check);
  FORMAT_MESSAGES.set(name, message);
}

const PHRASES: Record<string, (schema: Schema) => string> = {
  "Expected required property": () => "is required",
  "Unexpected property": () => "is not a known field",
  "Expected object": () => "must be a JSON object",
  "Expected array": () => "must be an array",
  "Expected string": () => "must be a string",
  "Expected string length greater or equal to": (schema) =>
    schema.minLength === 1 ? "must not be empty" : `must be at least ${plural(schema.minLength, "character")} long`,
  "Expected string length less or equal to": (schema) => `must be at most ${plural(schema.maxLength, "character")} long`,
  "Expected array length to be greater or equal to": (schema) => `must hold at least ${plural(schema.minItems, "item")}`,
  "Expected array length to be less or equal to": (schema) => `must hold at most ${plural(schema.maxItems, "item")}`,
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
    return `must be one of ${allowed.join(", ")}; got ${quote(failure.value)}`;
  }
  const formatMessage = FORMAT_MESSAGES.get(schema.format ?? "");
  if (formatMessage && failure.type === ValueErrorType.StringFormat && typeof failure.value === "string") return formatMessage(shorten(failure.value));
  const phrase = PHRASES[failure.message.replace(/ (\d+|'[^']*' format)$/, "")];
  return phrase ? phrase(schema) : failure.message;
}

function shorten(text: string): string {
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}

/** A rejected value as a message may show it: short strings and numbers as sent, anything else by its kind. */
function quote(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(shorten(value));
  if (Array.isArray(value)) return "an array";
  if (value === undefined) return "nothing";
  if (typeof value === "object" && value !== null) return "an object";
  return JSON.stringify(value) ?? String(value);
}
