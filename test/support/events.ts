import type { EventStore } from "../../src/db/interfaces";
import type { EventOrigin, NewEvent } from "../../src/db/model";
import { EVENT_TYPES, type EventType } from "../../src/events/model";

export interface SeedEvent {
  sessionId?: string;
  eventType?: EventType;
  payload?: Record<string, unknown>;
  eventId?: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds; the write path stores created_at when absent. */
  occurredAt?: number;
  /** Context and client columns, as ingest would store them. */
  origin?: Partial<EventOrigin>;
}

/** Stores events with chosen timestamps straight through the write path (ingest always stamps "now"). */
export async function seedEvents(store: EventStore, events: readonly SeedEvent[]): Promise<void> {
  const rows: NewEvent[] = events.map((event, index) => ({
    ...event.origin,
    sessionId: event.sessionId ?? `session-${index % 7}`,
    eventType: event.eventType ?? EVENT_TYPES[index % EVENT_TYPES.length]!,
    payload: JSON.stringify(event.payload ?? { index }),
    createdAt: new Date(event.createdAt),
    eventId: event.eventId,
    occurredAt: event.occurredAt === undefined ? undefined : new Date(event.occurredAt),
  }));
  await store.append(rows);
}

/** Lets Elysia's after-response hooks (run on a later macrotask) finish before asserting on what they record. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
