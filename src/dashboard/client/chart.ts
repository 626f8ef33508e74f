import uPlot from "uplot";
import type { Stats } from "./api";
import { type Range, bucketStarts } from "./range";

/** One colour per event type, in the order the totals list them; readable on white and in print. */
const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];

export function colourOf(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/**
 * Columns for uPlot: x is every bucket start in the range (seconds), then one count column per
 * type. The endpoint leaves out empty buckets; here they are zeros, so a quiet hour is drawn as one.
 */
export function chartColumns(stats: Stats, range: Range, types: readonly string[]): number[][] {
  const starts = bucketStarts(range);
  const index = new Map(starts.map((start, i) => [start, i]));
  const columns = types.map(() => starts.map(() => 0));
  for (const entry of stats.series) {
    const row = index.get(Date.parse(entry.bucket_start));
    const column = types.indexOf(entry.event_type);
    if (row !== undefined && column >= 0) columns[column]![row] = entry.count;
  }
  return [starts.map((start) => start / 1000), ...columns];
}

/** The events-per-bucket chart; rebuilt when the set of types changes, otherwise fed new data. */
export class EventsChart {
  private plot: uPlot | undefined;
  private types: string[] = [];
  private readonly resize = new ResizeObserver(() => this.plot?.setSize(this.size()));

  constructor(private readonly host: HTMLElement) {
    this.resize.observe(host);
  }

  show(stats: Stats, range: Range, types: string[]): void {
    const data = chartColumns(stats, range, types) as uPlot.AlignedData;
    this.host.dataset.points = String(data[0].length);
    this.host.dataset.total = String(Object.values(stats.totals).reduce((sum, count) => sum + count, 0));
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
        axes: [{}, { label: "events", size: 50 }],
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
