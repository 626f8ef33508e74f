import type { EventOrigin, NewEvent } from "../db/model";
import type { ErrorDetail } from "../http/errors";
import type { EventContext } from "./context";
import type { EventBody } from "./model";
import { unstorableTextDetails } from "./storable-text";
import { type PayloadPolicy, payloadViolations, type Violation } from "./violations";
import { CLIENT_TIME_EXPECTED, type ClientTime, parseClientTime, resolveOccurredAt } from "./time";

/**
 * A schema-valid body either maps to a row or fails the rules the schema cannot express. Either
 * way `violations` lists where its payload breaks the tracking plan (empty under policy off).
 */
export type PreparedEvent =
  | { event: NewEvent; violations: Violation[]; details?: undefined }
  | { event?: undefined; violations: Violation[]; details: ErrorDetail[] };

/** What the server derives about the client of one ingest request; every event of a batch shares it. */
export type RequestOrigin = Pick<EventOrigin, "browser" | "os" | "device" | "isBot" | "userAgent">;

const UNKNOWN_ORIGIN: RequestOrigin = { browser: null, os: null, device: null, isBot: null, userAgent: null };

export interface PrepareOptions {
  /** JSON Pointer of the event inside the request body, for error details. */
  path?: string;
  /** The batch envelope's sent_at (epoch ms), for events that carry none. */
  sentAt?: number;
  /** PAYLOAD_SCHEMA; `off` unless given. */
  policy?: PayloadPolicy;
  origin?: RequestOrigin;
}

/** Maps a schema-valid request body to the row stored for it. */
export function prepareEvent(body: EventBody, receivedAt: Date, { path = "", sentAt, policy = "off", origin = UNKNOWN_ORIGIN }: PrepareOptions = {}): PreparedEvent {
  // Checked before serialising: a payload nested deep enough would overflow JSON.stringify.
  const details = unstorableTextDetails(body.session_id, body.payload, path, body.context);
  const timestamp = readClientTime(body.timestamp, `${path}/timestamp`, details);
  const ownSentAt = readClientTime(body.sent_at, `${path}/sent_at`, details);
  const violations = policy === "off" || details.length > 0 ? [] : payloadViolations(body.event_type, body.payload ?? {});
  if (policy === "enforce") {
    for (const violation of violations) details.push({ path: path + violation.path, message: violation.message });
  }
  if (details.length > 0) return { details, violations };
  return {
    violations,
    event: {
      sessionId: body.session_id,
      eventType: body.event_type,
      payload: JSON.stringify(body.payload ?? {}),
      createdAt: receivedAt,
      eventId: body.event_id === undefined ? null : canonicalUuid(body.event_id),
      occurredAt: new Date(resolveOccurredAt({ receivedAt: receivedAt.getTime(), timestamp, sentAt: ownSentAt ?? sentAt })),
      ...originColumns(body.context, origin),
      // Only flag keeps a violating event (enforce refused it above, off never checks).
      violations: violations.length > 0 ? JSON.stringify(violations) : null,
    },
  };
}

/** The origin columns of an event: what the client sent in `context`, and what the server derived. */
function originColumns(context: EventContext | undefined, origin: RequestOrigin): Omit<EventOrigin, "violations"> {
  return {
    path: context?.path ?? null,
    referrer: context?.referrer ?? null,
    utmSource: context?.utm_source ?? null,
    utmMedium: context?.utm_medium ?? null,
    utmCampaign: context?.utm_campaign ?? null,
    utmTerm: context?.utm_term ?? null,
    utmContent: context?.utm_content ?? null,
    screenWidth: context?.screen_width ?? null,
    ...origin,
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

