import { ApiError, apiJson, type Stats, token } from "./api";
import { BucketChart, colourOf } from "./chart";
import { byId, element, setStatus } from "./dom";
import { exportRange } from "./export";
import { showFlagged } from "./flagged";
import { customRange, presetRange, type Range, rangeQuery, toLocalInput } from "./range";
import { LiveTail } from "./tail";
import { showTopValues } from "./top";

const STATS_EVERY_MS = 10_000;
const TAIL_EVERY_MS = 2_000;

const signin = byId<HTMLFormElement>("signin");
const dashboard = byId("dashboard");
const toolbar = byId("toolbar");
const rangeSelect = byId<HTMLSelectElement>("range");
const chart = new BucketChart(byId("chart"), "count");
const sessionsChart = new BucketChart(byId("sessions-chart"), "sessions");
const tail = new LiveTail(byId<HTMLTableElement>("tail").tBodies[0]!);

let range: Range = presetRange(rangeSelect.value, Date.now());
let timers: ReturnType<typeof setInterval>[] = [];

function showSignin(message = ""): void {
  for (const timer of timers) clearInterval(timer);
  timers = [];
  dashboard.hidden = true;
  toolbar.hidden = true;
  signin.hidden = false;
  const error = byId("signin-error");
  error.textContent = message;
  error.hidden = message === "";
  byId<HTMLInputElement>("token").focus();
}

/** A 401 anywhere means the token is wrong or was rotated: back to the form, token dropped. */
function failed(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) {
    token.clear();
    showSignin("The server did not accept that token.");
  } else if (error instanceof ApiError && error.status === 403) {
    showSignin(error.message);
  } else {
    setStatus(`Could not load: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function refreshStats(): Promise<void> {
  if (range.rolling) range = presetRange(rangeSelect.value, Date.now());
  const stats = await apiJson<Stats>("/api/stats/events", { ...rangeQuery(range), bucket: range.bucket });
  const types = Object.keys(stats.totals);
  byId("range-label").textContent = `${range.from.toLocaleString()} – ${range.to.toLocaleString()}`;
  for (const name of document.querySelectorAll(".bucket-name")) name.textContent = range.bucket;
  byId("totals").replaceChildren(
    ...types.map((type, i) => {
      const card = element("div", "", "card");
      card.dataset.type = type;
      const label = element("span", type, "label");
      label.style.borderColor = colourOf(i);
      const count = element("strong", stats.totals[type]!.toLocaleString("en"), "count");
      count.dataset.count = String(stats.totals[type]);
      card.append(label, count);
      return card;
    }),
  );
  chart.show(stats, range, types);
  sessionsChart.show(stats, range, types);
  await showTopValues(byId("top"), range, types);
  await showFlagged(byId<HTMLTableElement>("flagged").tBodies[0]!, range);
  setStatus(`Updated ${new Date().toLocaleTimeString()}`);
}

function guarded(task: () => Promise<unknown>): () => void {
  let running = false;
  return () => {
    if (running) return; // a slow answer is never overtaken by the next poll
    running = true;
    task()
      .catch(failed)
      .finally(() => {
        running = false;
      });
  };
}

const statsTick = guarded(refreshStats);
const tailTick = guarded(() => tail.refresh());

async function showDashboard(): Promise<void> {
  signin.hidden = true;
  await refreshStats(); // throws 401 for a bad token before anything is shown
  dashboard.hidden = false;
  toolbar.hidden = false;
  tailTick();
  timers = [setInterval(statsTick, STATS_EVERY_MS), setInterval(tailTick, TAIL_EVERY_MS)];
}

signin.addEventListener("submit", (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>("token");
  token.set(input.value.trim());
  input.value = "";
  showDashboard().catch(failed);
});

byId("sign-out").addEventListener("click", () => {
  token.clear();
  showSignin();
});

rangeSelect.addEventListener("change", () => {
  const custom = rangeSelect.value === "custom";
  byId("custom-range").hidden = !custom;
  if (custom) {
    byId<HTMLInputElement>("custom-from").value ||= toLocalInput(range.from);
    byId<HTMLInputElement>("custom-to").value ||= toLocalInput(range.to);
    return;
  }
  range = presetRange(rangeSelect.value, Date.now());
  statsTick();
});

byId("custom-apply").addEventListener("click", () => {
  const chosen = customRange(byId<HTMLInputElement>("custom-from").value, byId<HTMLInputElement>("custom-to").value);
  if (!chosen) {
    setStatus("Choose a start before the end.");
    return;
  }
  range = chosen;
  statsTick();
});

for (const format of ["ndjson", "csv"] as const) {
  byId(`export-${format}`).addEventListener("click", () => {
    setStatus(`Exporting ${format.toUpperCase()}…`);
    exportRange(range, format)
      .then(() => setStatus(`Exported ${format.toUpperCase()}.`))
      .catch(failed);
  });
}

if (token.get()) showDashboard().catch(failed);
else showSignin();
