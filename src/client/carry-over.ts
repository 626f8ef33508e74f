import { type QueuedEvent, queuedEvent } from "./transport";

// Events whose beacon the browser refused at unload (64 KiB already in flight) are also kept
// here: sessionStorage outlives a navigation in the same tab, and the next page sends them.
// If the keepalive fallback got them through after all, event_id makes the resend a no-op.
const KEY = "event-ingest:unsent:";

export function keepForNextPage(url: string, events: readonly QueuedEvent[]): void {
  if (events.length === 0) return;
  try {
    const kept = [...takeFromLastPage(url), ...events].map((event) => event.json);
    sessionStorage.setItem(KEY + url, JSON.stringify(kept));
  } catch {
    // No storage, or over its quota: the keepalive fetch was the last chance.
  }
}

export function takeFromLastPage(url: string): QueuedEvent[] {
  try {
    const raw = sessionStorage.getItem(KEY + url);
    if (raw === null) return [];
    sessionStorage.removeItem(KEY + url);
    return (JSON.parse(raw) as string[]).map(queuedEvent);
  } catch {
    return [];
  }
}
