import type { EventStore, NewEvent } from "../db/store";
import type { EventBody } from "./model";

/** Maps a validated request body to the row stored for it. */
export function toNewEvent(body: EventBody, receivedAt: Date): NewEvent {
  return {
    sessionId: body.session_id,
    eventType: body.event_type,
    payload: JSON.stringify(body.payload ?? {}),
    createdAt: receivedAt,
  };
}

/** Stores one event; resolves once it is committed. */
export function recordEvent(store: EventStore, body: EventBody): Promise<void> {
  return store.append([toNewEvent(body, new Date())]);
}
