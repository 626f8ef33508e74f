import { isStorableTime } from "../db/model";
import { HttpError } from "../http/errors";
import { registerFormat } from "../http/validation";

// ISO-8601 date or date-time; an offset is optional and its absence means UTC, so an answer
// never depends on the server's time zone. A space before the offset is a "+" that query-string
// decoding turned into a space (an unencoded `+02:00`).
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+\- ]\d{2}:?\d{2})?)?$/i;
const EPOCH_MS = /^\d{1,15}$/;

/** An instant given as ISO-8601 or epoch milliseconds, in the years every backend stores. */
function readInstant(raw: string): Date | undefined {
  const instant = EPOCH_MS.test(raw) ? new Date(Number(raw)) : parseIso(raw);
  return instant !== undefined && isStorableTime(instant.getTime()) ? instant : undefined;
}

const instantMessage = (raw: string) =>
  `must be an ISO-8601 time such as 2024-05-01T12:00:00Z (no offset means UTC) or epoch milliseconds, in years 1 to 9999; got ${JSON.stringify(raw)}`;

/** The schema format of a time in a query string (see instantParam). */
export const INSTANT_FORMAT = "instant";
registerFormat(INSTANT_FORMAT, (raw) => readInstant(raw) !== undefined, instantMessage);

/** Reads an instant the schema has checked; a 422 names `field` should one get through unchecked. */
export function parseInstant(raw: string, field: string): Date {
  const instant = readInstant(raw);
  if (instant === undefined) throw invalidQuery(field, instantMessage(raw));
  return instant;
}

function parseIso(raw: string): Date | undefined {
  const match = ISO_8601.exec(raw);
  if (!match) return undefined;
  const [, year, month, day, hour = "00", minute = "00", second = "00", fraction = "", offset = "Z"] = match;
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > daysInMonth) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  const zone = offset.toUpperCase() === "Z" ? "Z" : `${offset.slice(0, 3).replace(" ", "+")}:${offset.slice(-2)}`;
  return new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${(fraction || ".0").slice(0, 4).padEnd(4, "0")}${zone}`);
}

/** A 422 in the shape of a schema violation, for query checks the schema cannot express. */
export function invalidQuery(field: string, message: string, code = "validation_failed"): HttpError {
  return new HttpError(422, code, `The request is invalid: check /${field}.`, [{ path: `/${field}`, message }]);
}
