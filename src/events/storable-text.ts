import type { ErrorDetail } from "../http/errors";
import { MAX_FIELD_DEPTH } from "../http/nesting";


const NUL = "\u0000";
const NUL_MESSAGE = "must not contain the NUL character (U+0000)";
const SURROGATE_MESSAGE = "must be valid Unicode text (it holds an unpaired surrogate)";
const MAX_DETAILS = 16;

function textProblem(text: string): string | undefined {
  if (text.includes(NUL)) return NUL_MESSAGE;
  if (!text.isWellFormed()) return SURROGATE_MESSAGE;
  return undefined;
}

/**
 * Where an event holds something not every backend can store, so every backend refuses it (an
 * event one accepts, the other accepts too, and none fails a shared commit): U+0000, which
 * PostgreSQL's text and jsonb cannot hold; an unpaired surrogate, which jsonb refuses and text
 * columns silently replace; and a payload nested deeper than MAX_FIELD_DEPTH, which would
 * also overflow JSON.stringify. The context's text fields are checked the same way. The walk uses an explicit stack, so no depth a client sends can
 * overflow it.
 */
export function unstorableTextDetails(sessionId: string, payload: unknown, path = "", context?: object): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const sessionProblem = textProblem(sessionId);
  if (sessionProblem) details.push({ path: `${path}/session_id`, message: sessionProblem });

  // Popped last-in first-out: the payload's details come first, as they come first in the body.
  const stack: [unknown, string, number][] = [[context, `${path}/context`, 0], [payload, `${path}/payload`, 0]];
  while (stack.length > 0 && details.length < MAX_DETAILS) {
    const [value, pointer, depth] = stack.pop()!;
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem) details.push({ path: pointer, message: problem });
    } else if (typeof value === "object" && value !== null) {
      if (depth >= MAX_FIELD_DEPTH) {
        details.push({ path: pointer, message: `nests deeper than ${MAX_FIELD_DEPTH} levels` });
        continue;
      }
      const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
      for (const [key, item] of entries.reverse()) {
        const child = `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
        const keyProblem = textProblem(key);
        if (keyProblem) details.push({ path: child, message: `its name ${keyProblem}` });
        stack.push([item, child, depth + 1]);
      }
    }
  }
  return details.slice(0, MAX_DETAILS);
}
