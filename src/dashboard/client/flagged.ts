import { apiJson, type ListedEvent } from "./api";
import { element } from "./dom";
import { type Range, rangeQuery } from "./range";
import { eventRow } from "./tail";

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
  const broken = (event.violations ?? []).map((violation) => `${violation.path} ${violation.message}`).join("; ");
  return eventRow(event, element("td", broken, "mono"));
}
