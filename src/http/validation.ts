import type { ValidationError } from "elysia";
import type { ErrorDetail } from "./errors";

type ValueError = ValidationError["all"][number];

/**
 * Turns TypeBox's error list into one readable message per failing field. TypeBox reports
 * a failed union as "Expected union value" and a missing field twice, so errors are folded
 * by path and phrased from the schema that failed.
 */
export function validationDetails(error: Readonly<ValidationError>): ErrorDetail[] {
  const byPath = new Map<string, string>();
  for (const failure of error.all) {
    if (!("path" in failure)) continue;
    if (!byPath.has(failure.path)) byPath.set(failure.path, describe(failure));
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

type Schema = { anyOf?: { const?: unknown }[]; minLength?: number; maxLength?: number };

const PHRASES: Record<string, (schema: Schema) => string> = {
  "Expected required property": () => "is required",
  "Unexpected property": () => "is not a known field",
  "Expected object": () => "must be a JSON object",
  "Expected string": () => "must be a string",
  "Expected string length greater or equal to": (schema) => `must be at least ${schema.minLength} characters long`,
  "Expected string length less or equal to": (schema) => `must be at most ${schema.maxLength} characters long`,
};

function describe(failure: ValueError & { path: string }): string {
  const schema = failure.schema as Schema;
  const allowed = schema.anyOf?.map((option) => option.const).filter((value) => value !== undefined);
  if (allowed && allowed.length > 0) {
    return `must be one of ${allowed.join(", ")}; got ${JSON.stringify(failure.value) ?? "nothing"}`;
  }
  const phrase = PHRASES[failure.message.replace(/ \d+$/, "")];
  return phrase ? phrase(schema) : failure.message;
}
