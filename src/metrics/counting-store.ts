import type { EventStore } from "../db/interfaces";
import type { Metrics } from "./metrics";

/**
 * The same store, counting events once their append has succeeded: every event acknowledged
 * is accepted (a duplicate event_id is acknowledged too, idempotently), and duplicates are
 * counted on their own, since they were not stored again.
 */
export function countingAcceptedEvents(store: EventStore, metrics: Metrics): EventStore {
  return {
    async append(events) {
      const result = await store.append(events);
      // One increment per event type, not per event: prom-client hashes the labels on each call,
      // and a batch of 50 would pay it 50 times.
      const byType = new Map<string, number>();
      for (const event of events) byType.set(event.eventType, (byType.get(event.eventType) ?? 0) + 1);
      for (const [eventType, count] of byType) metrics.eventsAccepted.inc({ event_type: eventType }, count);
      if (result.duplicates > 0) metrics.eventsDuplicate.inc(result.duplicates);
      return result;
    },
    health: () => store.health(),
    close: () => store.close(),
  };
}
