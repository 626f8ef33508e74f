import type { ListedEvent } from "./api";
import { element } from "./dom";

/**
 * Flagged events among the tail's: those whose payload broke the tracking plan, once the listing
 * carries each event's `violations` (PAYLOAD_SCHEMA=flag records them; until the read side shows
 * them the section stays hidden, rather than claiming that nothing was flagged).
 */
export function showFlagged(section: HTMLElement, body: HTMLElement, events: readonly ListedEvent[]): void {
  const available = events.some((event) => Array.isArray(event.violations));
  section.hidden = !available;
  if (!available) return;
  const flagged = events.filter((event) => Array.isArray(event.violations) && event.violations.length > 0);
  if (flagged.length === 0) {
    body.replaceChildren(element("p", "None among the latest events.", "muted"));
    return;
  }
  const list = element("ul");
  for (const event of flagged) {
    list.append(element("li", `${new Date(event.created_at).toLocaleTimeString()} ${event.event_type}: ${JSON.stringify(event.violations)}`, "mono"));
  }
  body.replaceChildren(list);
}
