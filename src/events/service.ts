import type { NewEvent } from "../db/model";
import type { ErrorDetail } from "../http/errors";
import type { EventBody } from "./model";
import { unstorableTextDetails } from "./storable-text";
import { CLIENT_TIME_EXPECTED, type ClientTime, parseClientTime, resolveOccurredAt } from "./time";

/** A schema-valid body either maps to a row or fails the rules the schema cannot express. */
export type PreparedEvent = { event: NewEvent; details?: undefined } | { event?: undefined; details: ErrorDetail[] };

export interface PrepareOptions {
  /** JSON Pointer of the event inside the request body, for error details. */
  path?: string;
  /** The batch envelope's sent_at (epoch ms), for events that carry none. */
  sentAt?: number;
}

/** Maps a schema-valid request body to the row stored for it. */
export function prepareEvent(body: EventBody, receivedAt: Date, { path = "", sentAt }: PrepareOptions = {}): PreparedEvent {
  // Checked before serialising: a payload nested deep enough would overflow JSON.stringify.
  const details = unstorableTextDetails(body.session_id, body.payload, path);
  const timestamp = readClientTime(body.timestamp, `${path}/timestamp`, details);
  const ownSentAt = readClientTime(body.sent_at, `${path}/sent_at`, details);
  if (details.length > 0) return { details };
  return {
    event: {
      sessionId: body.session_id,
      eventType: body.event_type,
      payload: JSON.stringify(body.payload ?? {}),
      createdAt: receivedAt,
      eventId: body.event_id === undefined ? null : canonicalUuid(body.event_id),
      occurredAt: new Date(resolveOccurredAt({ receivedAt: receivedAt.getTime(), timestamp, sentAt: ownSentAt ?? sentAt })),
    },
  };
}

/** Parses an optional client time, recording a detail at `path` when it is not a real time. */
export function readClientTime(value: ClientTime | undefined, path: string, details: ErrorDetail[]): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseClientTime(value);
  if (parsed === undefined) details.push({ path, message: CLIENT_TIME_EXPECTED });
  return parsed;
}

// One UUID has many spellings (upper case, a urn:uuid: prefix); idempotency needs one.
function canonicalUuid(value: string): string {
  return value.toLowerCase().replace(/^urn:uuid:/, "");
}

