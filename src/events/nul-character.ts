import type { ErrorDetail } from "../http/errors";

const NUL = "\u0000";
const MESSAGE = "must not contain the NUL character (U+0000)";
const MAX_DETAILS = 16;
// JSON.stringify writes U+0000 as the six characters \u0000, and doubles a backslash the client
// sent, so only \u0000 after an even run of backslashes is the character itself.
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/;

/**
 * Where an event's text holds U+0000. PostgreSQL's text and jsonb cannot store it (SQLite can),
 * so every backend refuses it: an event one accepts, the other accepts too. `payloadJson` is the
 * payload as it will be stored; only when it holds the character is the payload walked (with
 * an explicit stack: a payload may nest deeper than the call stack) to name each place.
 */
export function nulCharacterDetails(sessionId: string, payload: unknown, payloadJson: string, path = ""): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (sessionId.includes(NUL)) details.push({ path: `${path}/session_id`, message: MESSAGE });
  if (!ESCAPED_NUL.test(payloadJson)) return details;

  const stack: [unknown, string][] = [[payload, `${path}/payload`]];
  while (stack.length > 0 && details.length < MAX_DETAILS) {
    const [value, pointer] = stack.pop()!;
    if (typeof value === "string") {
      if (value.includes(NUL)) details.push({ path: pointer, message: MESSAGE });
    } else if (typeof value === "object" && value !== null) {
      const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
      for (const [key, item] of entries.reverse()) {
        const child = `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
        if (key.includes(NUL)) details.push({ path: child, message: `its name ${MESSAGE}` });
        stack.push([item, child]);
      }
    }
  }
  return details.slice(0, MAX_DETAILS);
}
