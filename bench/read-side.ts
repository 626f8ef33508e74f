/**
 * Read-side benchmark: stats-query time and export memory over 1,000,000 events in one day.
 *
 *   bun bench/read-side.ts [rows]      (also the second half of `bun run bench`)
 *
 * Figures are printed with a baseline measured in the same run (machines are shared and
 * noisy, so ratios mean more than absolute times):
 * - stats: the bucket-count query against a plain count(*) of the same rows and against the
 *   obvious GROUP BY, in-process on the file, then through HTTP on the real server;
 * - export: peak RSS of the real server streaming every row, against the same server idle
 *   and exporting a tenth of the rows (flat memory means the 1M figure is close to both).
 */
import { Database } from "bun:sqlite";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../src/config";
import { open as openSqlite } from "../src/db/sqlite";
import { bucketCountSql } from "../src/db/sqlite/reader";
import { EVENT_TYPES } from "../src/events/model";
import { tempDir } from "../test/support/server";
import { type BenchService, startService } from "./service";
import { rollUpStoredEvents } from "./support/bulk-events";

const ROWS = Number(process.argv[2] ?? 1_000_000);
const DAY_START = Date.UTC(2024, 4, 1);
const DAY_MS = 86_400_000;
const TOKEN = "bench-admin-token-0123456789abcdef0123456789";
const RUNS = 7;

const dir = tempDir("read-side-bench-");
const databaseUrl = join(dir.path, "events.db");

const report: string[] = [];
/** Prints a line of the report; the whole report is also written to bench/READ-SIDE.md. */
function emit(line: string): void {
  console.log(line);
  report.push(line);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeMedian(task: () => unknown): Promise<number> {
  await task(); // warm the page cache and statement cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await task();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function seed(): Promise<void> {
  // The service creates the table; the rows go in through a connection of the bench's own, in large transactions.
  await (await openSqlite(parseConfig({ DATABASE_URL: databaseUrl }))).close();
  const sqlite = new Database(databaseUrl);
  const insert = sqlite.prepare("INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES (?, ?, ?, ?)");
  const batch = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const payload = JSON.stringify({ card_id: `c_${i % 5000}`, position: i % 20, list: "recommended", note: 'quote " and, comma' });
      insert.run(`session-${i % 20_000}`, EVENT_TYPES[i % EVENT_TYPES.length]!, payload, DAY_START + Math.floor((i * DAY_MS) / ROWS));
    }
  });
  for (let from = 0; from < ROWS; from += 100_000) batch(from, Math.min(ROWS, from + 100_000));
  // Rows written by hand are not in the rollups: recorded for the backfill, which runs now, so
  // the server measured below answers stats as it would after an upgrade.
  sqlite.run("UPDATE rollup_backfill SET upto_id = (SELECT max(id) FROM user_events) WHERE id = 1");
  sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite.close();
  await rollUpStoredEvents(databaseUrl);
}

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(/(\d+) kB/.exec(status.split("\n").find((line) => line.startsWith(field)) ?? "")?.[1] ?? 0) * 1024;
  return { rss: kib("VmRSS:"), peak: kib("VmHWM:") };
}

/** The real server on the seeded file. */
function startBenchServer(): Promise<BenchService> {
  return startService({ DATABASE_URL: databaseUrl, ADMIN_TOKEN: TOKEN });
}

interface ExportFigures {
  rows: number;
  bytes: number;
  seconds: number;
  idleRss: number;
  /** RSS when half the expected rows had arrived, and at the end: equal if memory is flat. */
  halfwayRss: number;
  endRss: number;
  peakRss: number;
}

/** Exports through a fresh server so VmHWM (peak RSS since start) belongs to this export alone. */
async function measureExport(query: string, expectedRows: number): Promise<ExportFigures> {
  const server = await startBenchServer();
  try {
    const headers = { authorization: `Bearer ${TOKEN}` };
    await (await fetch(`${server.url}/api/events?limit=10`, { headers })).text();
    const idleRss = memoryOf(server.pid).rss;
    const start = performance.now();
    const response = await fetch(`${server.url}/api/events/export?${query}`, { headers });
    let bytes = 0;
    let rows = 0;
    let halfwayRss = 0;
    for await (const chunk of response.body!) {
      bytes += chunk.byteLength;
      for (const byte of chunk) if (byte === 10) rows += 1;
      if (halfwayRss === 0 && rows >= expectedRows / 2) halfwayRss = memoryOf(server.pid).rss;
    }
    const seconds = (performance.now() - start) / 1000;
    const { rss: endRss, peak: peakRss } = memoryOf(server.pid);
    return { rows, bytes, seconds, idleRss, halfwayRss, endRss, peakRss };
  } finally {
    await server.stop();
  }
}

const MB = 1024 * 1024;
const fmt = (value: number, digits = 1) => value.toFixed(digits);

try {
  const seedStart = performance.now();
  await seed();
  emit(`seeded ${ROWS.toLocaleString("en")} events over one day in ${fmt((performance.now() - seedStart) / 1000)} s\n`);

  // --- stats, in-process on the file
  const database = await openSqlite(parseConfig({ DATABASE_URL: databaseUrl }));
  const { reader } = database;
  const raw = new Database(databaseUrl, { readonly: true });
  const from = new Date(DAY_START);
  const to = new Date(DAY_START + DAY_MS);
  const countAll = await timeMedian(() => raw.query("SELECT count(*) FROM user_events").get());
  const stats: { bucket: string; ms: number; groupByMs: number; series: number }[] = [];
  for (const [bucket, width] of [["minute", 60_000], ["hour", 3_600_000], ["day", DAY_MS]] as const) {
    const series = (await reader.countByBucket({ from, to, bucketMs: width })).length;
    const ms = await timeMedian(() => reader.countByBucket({ from, to, bucketMs: width }));
    const groupBy = raw.query(
      `SELECT event_type, (created_at / ${width}) * ${width} AS bucket, count(*) FROM user_events
       WHERE event_type IN ('card_click', 'sage_query', 'filter_change') AND created_at >= ? AND created_at < ?
       GROUP BY event_type, bucket ORDER BY bucket, event_type`,
    );
    const groupByMs = await timeMedian(() => groupBy.all(from.getTime(), to.getTime()));
    stats.push({ bucket, ms, groupByMs, series });
  }
  const plan = raw
    .query<{ detail: string }, [{ from: number; to: number; types: string }]>(`EXPLAIN QUERY PLAN ${bucketCountSql(60_000)}`)
    .all({ from: from.getTime(), to: to.getTime(), types: JSON.stringify(EVENT_TYPES) })
    .map((row) => row.detail)
    .find((detail) => detail.includes("user_events"));
  raw.close();
  await database.close();

  // --- stats through HTTP on the real server
  const server = await startBenchServer();
  let httpMs: number;
  try {
    const url = `${server.url}/api/stats/events?from=${from.toISOString()}&to=${to.toISOString()}&bucket=minute`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    httpMs = await timeMedian(async () => {
      const response = await fetch(url, { headers });
      if (response.status !== 200) throw new Error(`stats answered ${response.status}`);
      await response.json();
    });
  } finally {
    await server.stop();
  }

  emit(`stats over ${ROWS.toLocaleString("en")} events in one day (median of ${RUNS}, ms)`);
  emit("| bucket | series | bucket-count query | GROUP BY baseline | speed-up | vs count(*) of all rows |");
  emit("|---|---|---|---|---|---|");
  for (const row of stats) {
    emit(`| ${row.bucket} | ${row.series} | ${fmt(row.ms)} | ${fmt(row.groupByMs)} | ${fmt(row.groupByMs / row.ms)}x | ${fmt(row.ms / countAll)}x |`);
  }
  emit(`count(*) baseline: ${fmt(countAll)} ms; GET /api/stats/events?bucket=minute end to end: ${fmt(httpMs)} ms`);
  emit(`plan: ${plan}\n`);

  // --- export memory on the real server
  const tenth = `from=${DAY_START}&to=${DAY_START + DAY_MS / 10}`;
  const small = await measureExport(tenth, ROWS / 10);
  const ndjson = await measureExport("", ROWS);
  const csv = await measureExport("format=csv", ROWS);
  emit("export through the real server (RSS of a fresh `bun src/index.ts` per export; peak = VmHWM)");
  emit("| export | rows | MB sent | seconds | rows/s | idle RSS MB | RSS at 50% | RSS at 100% | peak RSS MB | peak / idle | peak / 1/10 export |");
  emit("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const [name, figures] of [["ndjson, 1/10 of the day", small], ["ndjson, whole day", ndjson], ["csv, whole day", csv]] as const) {
    const cells = [
      name,
      figures.rows.toLocaleString("en"),
      fmt(figures.bytes / MB),
      fmt(figures.seconds, 2),
      Math.round(figures.rows / figures.seconds).toLocaleString("en"),
      fmt(figures.idleRss / MB),
      fmt(figures.halfwayRss / MB),
      fmt(figures.endRss / MB),
      fmt(figures.peakRss / MB),
      fmt(figures.peakRss / figures.idleRss, 2),
      fmt(figures.peakRss / small.peakRss, 2),
    ];
    emit(`| ${cells.join(" | ")} |`);
  }
  if (ndjson.rows !== ROWS) throw new Error(`the NDJSON export returned ${ndjson.rows} rows, expected ${ROWS}`);
  if (csv.rows - 1 !== ROWS) throw new Error(`the CSV export returned ${csv.rows - 1} rows, expected ${ROWS}`);
  const header = `# Read-side benchmark results\n\nWritten by \`bun bench/read-side.ts\` (part of \`bun run bench\`) on ${new Date().toISOString()}, Bun ${Bun.version}.\n`;
  writeFileSync(join(import.meta.dir, "READ-SIDE.md"), `${header}\n${report.join("\n")}\n`);
} finally {
  dir.cleanup();
}
