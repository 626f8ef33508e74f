import uPlot from "uplot";
import type { Stats } from "./api";
import { type Range, bucketStarts } from "./range";

/** One colour per event type, in the order the totals list them; readable on white and in print. */
const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];

export function colourOf(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/** What a chart draws per bucket and type: events, or distinct sessions. */
export type Metric = "count" | "sessions";

/**
 * Columns for uPlot: x is every bucket start in the range (seconds), then one column per type.
 * The endpoint leaves out empty buckets; here they are zeros, so a quiet hour is drawn as one.
 */
export function chartColumns(stats: Stats, range: Range, types: readonly string[], metric: Metric = "count"): number[][] {
  const starts = bucketStarts(range);
  const index = new Map(starts.map((start, i) => [start, i]));
  const columns = types.map(() => starts.map(() => 0));
  for (const entry of stats.series) {
    const row = index.get(Date.parse(entry.bucket_start));
    const column = types.indexOf(entry.event_type);
    if (row !== undefined && column >= 0) columns[column]![row] = entry[metric];
  }
  return [starts.map((start) => start / 1000), ...columns];
}

/** A per-bucket chart by type; rebuilt when the set of types changes, otherwise fed new data. */
export class BucketChart {
  private plot: uPlot | undefined;
  private types: string[] = [];
  private readonly resize = new ResizeObserver(() => this.plot?.setSize(this.size()));

  constructor(
    private readonly host: HTMLElement,
    private readonly metric: Metric,
  ) {
    this.resize.observe(host);
  }

  show(stats: Stats, range: Range, types: string[]): void {
    const data = chartColumns(stats, range, types, this.metric) as uPlot.AlignedData;
    this.host.dataset.points = String(data[0].length);
    // What the chart holds, summed over every bucket and type: lets a test check it without reading pixels.
    this.host.dataset.total = String(stats.series.reduce((sum, entry) => sum + entry[this.metric], 0));
    if (this.plot && types.join() === this.types.join()) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.types = types;
    this.plot = new uPlot(
      {
        ...this.size(),
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{}, { label: this.metric === "count" ? "events" : "sessions", size: 50 }],
        series: [{}, ...types.map((type, i) => ({ label: type, stroke: colourOf(i), width: 2, points: { show: false } }))],
        legend: { live: false },
      },
      data,
      this.host,
    );
  }

  private size(): { width: number; height: number } {
    const width = Math.max(240, this.host.clientWidth);
    return { width, height: Math.round(Math.min(320, Math.max(200, width * 0.45))) };
  }
}
