import { apiJson, type ListedEvent } from "./api";
import { element } from "./dom";
import { type Range, rangeQuery } from "./range";

export const FLAGGED_ROWS = 20;

/**
 * The newest events of the range whose payload broke its tracking plan (PAYLOAD_SCHEMA=flag
 * stores them with their violations), read with the listing's `flagged=true` filter, so a
 * frontend that stopped sending a required field shows up here, not only once a chart looks odd.
 */
export async function showFlagged(body: HTMLTableSectionElement, range: Range): Promise<void> {
  const { events } = await apiJson<{ events: ListedEvent[] }>("/api/events", { ...rangeQuery(range), flagged: "true", limit: String(FLAGGED_ROWS) });
  if (events.length === 0) {
    const cell = element("td", "None in this range.", "muted");
    cell.colSpan = 4;
    const row = element("tr");
    row.append(cell);
    body.replaceChildren(row);
    return;
  }
  body.replaceChildren(...events.map(flaggedRow));
}

function flaggedRow(event: ListedEvent): HTMLTableRowElement {
  const row = element("tr");
  row.dataset.eventId = String(event.id);
  const received = element("td", new Date(event.created_at).toLocaleTimeString());
  received.title = event.created_at;
  const broken = (event.violations ?? []).map((violation) => `${violation.path} ${violation.message}`).join("; ");
  row.append(received, element("td", event.event_type), element("td", event.session_id, "mono"), element("td", broken, "mono"));
  return row;
}
