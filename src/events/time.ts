import { isStorableTime } from "../db/model";

/** A client time that lies further ahead of the server clock than this is not believed. */
export const MAX_FUTURE_MS = 23 * 60 * 60 * 1000;

// RFC 3339 profile of ISO-8601: a full date and time with an explicit zone. A zone-less time
// would be read in the server's zone, which says nothing about the client's.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/i;

/** A client time as sent: an ISO-8601 date-time string or epoch milliseconds. */
export type ClientTime = string | number;

export const CLIENT_TIME_EXPECTED =
  "must be an ISO-8601 date-time with a time zone (e.g. 2024-05-01T12:34:56.789Z) or whole epoch milliseconds, in years 1 to 9999";

/** Epoch milliseconds for a client time, or undefined when it is not a real point in time. */
export function parseClientTime(value: ClientTime): number | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) && isStorableTime(value) ? value : undefined;
  }
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = "", zone, sign, zoneHours, zoneMinutes] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = fields;
  // Second 60 is a leap second (RFC 3339); the Date arithmetic carries it into the next minute.
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0..99 as 1900..1999.
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCDate() !== d) return undefined; // 2023-02-30 rolled over into March
  date.setUTCHours(h, mi, s, Number(fraction.padEnd(3, "0").slice(0, 3)));
  let ms = date.getTime();
  if (zone?.toUpperCase() !== "Z") {
    const offsetHours = Number(zoneHours);
    const offsetMinutes = Number(zoneMinutes);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    ms -= (sign === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  return isStorableTime(ms) ? ms : undefined;
}

export interface ClientTimes {
  /** When the server received the request, epoch ms. */
  receivedAt: number;
  /** When the event happened, by the client's clock. */
  timestamp?: number;
  /** When the request left the client, by the same clock. */
  sentAt?: number;
}

/**
 * When the event happened, in server time. With both client times the client clock's offset
 * cancels out: the event happened `sentAt - timestamp` before the request left, and the request
 * left about when it arrived (network latency is the error left over), as Segment and PostHog do.
 * With `timestamp` alone it is trusted as is; without it the receive time is the best guess.
 * A result more than 23 h ahead of the server is a broken clock, and falls back to receive time.
 */
export function resolveOccurredAt({ receivedAt, timestamp, sentAt }: ClientTimes): number {
  if (timestamp === undefined) return receivedAt;
  const occurredAt = sentAt === undefined ? timestamp : receivedAt - (sentAt - timestamp);
  if (occurredAt - receivedAt > MAX_FUTURE_MS || !isStorableTime(occurredAt)) return receivedAt;
  return occurredAt;
}
