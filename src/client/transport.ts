import type { batchAcceptedResponse } from "../events/batch";

/** What the server answers to a batch. */
export type BatchAnswer = typeof batchAcceptedResponse.static;

/**
 * Chromium and Firefox refuse a beacon (and a keepalive fetch) once the bytes in flight pass
 * 64 KiB, so every request is cut to fit: the unload path can then always use a beacon.
 */
export const MAX_REQUEST_BYTES = 64 * 1024;

// `{"sent_at":` + 13 digits + `,"batch":[` + `]}`, with room to spare.
const ENVELOPE_BYTES = 48;

/** One tracked event, serialised once when tracked: later changes to the payload object do not leak in. */
export interface QueuedEvent {
  readonly json: string;
  readonly bytes: number;
}

const encoder = new TextEncoder();

export function queuedEvent(json: string): QueuedEvent {
  return { json, bytes: encoder.encode(json).byteLength };
}

/** True when one event alone cannot fit in a request. */
export function tooLargeToSend(event: QueuedEvent): boolean {
  return event.bytes + ENVELOPE_BYTES > MAX_REQUEST_BYTES;
}

/** How many events from the front of `events` fit in one request (at least one, so the queue always moves). */
export function chunkLength(events: readonly QueuedEvent[], maxEvents: number): number {
  let bytes = ENVELOPE_BYTES;
  let count = 0;
  for (const event of events) {
    const next = bytes + event.bytes + (count > 0 ? 1 : 0);
    if (count === maxEvents || (count > 0 && next > MAX_REQUEST_BYTES)) break;
    bytes = next;
    count += 1;
  }
  return count;
}

/** The request body. sent_at is stamped now, so a retry carries the time it was really sent. */
export function batchBody(events: readonly QueuedEvent[]): string {
  return `{"sent_at":${Date.now()},"batch":[${events.map((event) => event.json).join(",")}]}`;
}

export type SendOutcome =
  | { kind: "delivered"; answer: BatchAnswer }
  | { kind: "retry"; reason: string; retryAfterMs?: number }
  | { kind: "rejected"; reason: string };

// Worth retrying: the request may succeed later. Any other 4xx (validation, size, type) will not.
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

// text/plain is a CORS-safelisted type: no preflight, and the server reads it as JSON.
const HEADERS = { "content-type": "text/plain;charset=UTF-8" };

/** Sends one batch with fetch and says what to do next. */
export async function postBatch(url: string, body: string): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", body, headers: HEADERS, credentials: "omit" });
  } catch (error) {
    return { kind: "retry", reason: `network error: ${error instanceof Error ? error.message : String(error)}` };
  }
  const reason = `HTTP ${response.status}`;
  if (response.ok) {
    // Only the service's own answer acknowledges the events; any other 2xx (a captive portal,
    // a misrouted proxy) may not have stored them, and a resend is harmless thanks to event_id.
    const answer = (await response.json().catch(() => undefined)) as BatchAnswer | undefined;
    if (response.status === 202 && typeof answer?.accepted === "number") return { kind: "delivered", answer };
    return { kind: "retry", reason: `${reason} without the service's answer` };
  }
  if (TRANSIENT.has(response.status)) {
    return { kind: "retry", reason, retryAfterMs: retryAfterMs(response.headers.get("retry-after")) };
  }
  const error = (await response.json().catch(() => undefined)) as { error?: string } | undefined;
  return { kind: "rejected", reason: error?.error ? `${reason} ${error.error}` : reason };
}

/** Retry-After as delay-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with jitter: between half and all of base * 2^(attempt-1), capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random()): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

/**
 * Hands a batch to the browser so it outlives the page: a beacon (text/plain, no preflight),
 * else a keepalive fetch. Returns false when the beacon was refused, so the events are kept.
 */
export function sendOnUnload(url: string, body: string): boolean {
  try {
    if (typeof navigator.sendBeacon === "function" && navigator.sendBeacon(url, body)) return true;
  } catch {
    // Some browsers throw instead of returning false for a blocked beacon.
  }
  fetch(url, { method: "POST", body, headers: HEADERS, credentials: "omit", keepalive: true }).catch(() => undefined);
  return false;
}
