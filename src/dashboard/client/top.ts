import { apiJson, type TopValues } from "./api";
import { element } from "./dom";
import { type Range, rangeQuery } from "./range";

/** The top lists shown: one payload property of one event type each. */
export const TOP_PANELS = [
  { title: "Top cards", eventType: "card_click", property: "card_id" },
  { title: "Top queries", eventType: "sage_query", property: "query" },
  { title: "Top filters", eventType: "filter_change", property: "filter" },
] as const;

export const TOP_LIMIT = 10;

/** Renders the top lists into `host`, one table per panel whose event type the service accepts. */
export async function showTopValues(host: HTMLElement, range: Range, eventTypes: readonly string[]): Promise<void> {
  const panels = TOP_PANELS.filter((panel) => eventTypes.includes(panel.eventType));
  const answers = await Promise.all(
    panels.map((panel) =>
      apiJson<TopValues>("/api/stats/top", { ...rangeQuery(range), event_type: panel.eventType, property: panel.property, limit: String(TOP_LIMIT) }),
    ),
  );
  host.replaceChildren(...panels.map((panel, i) => table(panel, answers[i]!)));
}

function table(panel: (typeof TOP_PANELS)[number], answer: TopValues): HTMLElement {
  const box = element("div", "", "top");
  box.dataset.eventType = panel.eventType;
  box.dataset.property = panel.property;
  const caption = element("h3", panel.title);
  caption.title = `${panel.eventType}.${panel.property}`;
  const rows = answer.values.map(({ value, count, sessions }) => {
    const row = element("tr");
    row.append(element("td", typeof value === "string" ? value : JSON.stringify(value)), element("td", String(count), "num"), element("td", String(sessions), "num"));
    return row;
  });
  if (rows.length === 0) {
    const empty = element("tr");
    const cell = element("td", "No values in this range", "muted");
    cell.colSpan = 3;
    empty.append(cell);
    rows.push(empty);
  }
  const head = element("thead");
  const headRow = element("tr");
  headRow.append(element("th", panel.property), element("th", "events", "num"), element("th", "sessions", "num"));
  head.append(headRow);
  const body = element("tbody");
  body.append(...rows);
  const grid = element("table");
  grid.append(head, body);
  box.append(caption, grid);
  return box;
}
