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
      for (const event of events) metrics.eventsAccepted.inc({ event_type: event.eventType });
      if (result.duplicates > 0) metrics.eventsDuplicate.inc(result.duplicates);
      return result;
    },
    health: () => store.health(),
    close: () => store.close(),
  };
}
