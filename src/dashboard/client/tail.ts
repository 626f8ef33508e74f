import { apiJson, type ListedEvent } from "./api";
import { element } from "./dom";

export const TAIL_ROWS = 20;

/**
 * The newest events, re-read from the listing endpoint on every poll (newest first, no range:
 * a tail shows what arrives now, whatever range the charts show). Rows not seen before are
 * marked, so a new event stands out.
 */
export class LiveTail {
  private seen = new Set<number>();

  constructor(private readonly body: HTMLTableSectionElement) {}

  async refresh(): Promise<ListedEvent[]> {
    const { events } = await apiJson<{ events: ListedEvent[] }>("/api/events", { limit: String(TAIL_ROWS) });
    const first = this.seen.size === 0;
    this.body.replaceChildren(...events.map((event) => this.row(event, !first && !this.seen.has(event.id))));
    this.seen = new Set(events.map((event) => event.id));
    return events;
  }

  private row(event: ListedEvent, fresh: boolean): HTMLTableRowElement {
    const row = eventRow(event, element("td", JSON.stringify(event.payload), "mono payload"));
    if (fresh) row.className = "new";
    return row;
  }
}

/** A table row for one listed event: when it was received, its type, its session, then `detail`. */
export function eventRow(event: ListedEvent, detail: HTMLTableCellElement): HTMLTableRowElement {
  const row = element("tr");
  row.dataset.eventId = String(event.id);
  const received = element("td", new Date(event.created_at).toLocaleTimeString());
  received.title = event.created_at;
  row.append(received, element("td", event.event_type), element("td", event.session_id, "mono"), detail);
  return row;
}
