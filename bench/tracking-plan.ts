/**
 * `bun bench/tracking-plan.ts` (part of `bun run bench`): what the tracking plan, the event
 * context and the User-Agent parse cost on the write path. The real service (`bun run start`,
 * empty SQLite file) runs in two configurations, alternating A B A B in the same run:
 *
 * - off: PAYLOAD_SCHEMA=off, BOT_FILTER=off, events without context, requests without a User-Agent;
 * - on:  the defaults (PAYLOAD_SCHEMA=flag, BOT_FILTER=drop), every event with a full context and
 *        every request with one of 200 distinct browser User-Agents (bench/tracking-plan.lua).
 *
 * Rows: single events (POST /api/events) and batches of 50 (POST /api/events/batch), wrk at 64
 * connections for a few seconds each. Budget: "on" keeps at least 85 % of single-event requests/s
 * and 90 % of batch events/s. Every 202 is checked against the rows stored.
 */
import { Database } from "bun:sqlite";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startServer, tempDir } from "../test/support/server";
import { runWrk } from "./wrk";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = 64;
const BATCH = 50;
const MODES = {
  off: { PAYLOAD_SCHEMA: "off", BOT_FILTER: "off" },
  on: { PAYLOAD_SCHEMA: "flag", BOT_FILTER: "drop" },
} as const;
type Mode = keyof typeof MODES;
const BUDGET = { single: 0.85, batch: 0.9 };

const log = (line: string) => process.stderr.write(`[tracking-plan bench] ${line}\n`);

async function wrk(url: string, mode: Mode, size: number, seconds: number) {
  const result = await runWrk<{ duration_us: number; accepted: number; other: number; p50: number; p99: number }>({
    url,
    script: "bench/tracking-plan.lua",
    connections: CONNECTIONS,
    seconds,
    args: [mode, String(size)],
  });
  if (result.other > 0) throw new Error(`${result.other} answers were not 202 (${mode}, ${size} per request)`);
  return { ...result, eventsPerSecond: (result.accepted * size) / (result.duration_us / 1e6), accepted: result.accepted * size };
}

async function measure(mode: Mode, size: number) {
  const folder = tempDir("event-ingest-plan-bench-");
  const database = join(folder.path, "events.db");
  // 64 connections × 50 events must fit the write queue, else batches are refused (503) by design.
  const server = await startServer({ DATABASE_URL: database, LOG_LEVEL: "warn", MAX_PENDING_EVENTS: String(CONNECTIONS * BATCH * 2), ...MODES[mode] }, 30_000);
  try {
    await wrk(server.url, mode, size, 1); // warm-up: JIT, caches, first pages of the file
    const result = await wrk(server.url, mode, size, SECONDS);
    await server.stop();
    const sqlite = new Database(database, { readonly: true });
    const rows = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM user_events").get()!.n;
    sqlite.close();
    // Warm-up and measured 202s together; a 202 without its row would be a lie.
    if (rows < result.accepted) throw new Error(`${mode}: ${rows} rows for at least ${result.accepted} events answered 202`);
    return result;
  } finally {
    folder.cleanup();
  }
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const results: Record<string, Record<Mode, number[]>> = { single: { off: [], on: [] }, batch: { off: [], on: [] } };
for (let round = 1; round <= ROUNDS; round++) {
  for (const [row, size] of [["single", 1], ["batch", BATCH]] as const) {
    for (const mode of ["off", "on"] as const) {
      const { eventsPerSecond, p50, p99 } = await measure(mode, size);
      results[row]![mode].push(eventsPerSecond);
      log(`round ${round} ${row} ${mode}: ${Math.round(eventsPerSecond).toLocaleString("en")} events/s, p50 ${(p50 / 1000).toFixed(2)} ms, p99 ${(p99 / 1000).toFixed(2)} ms`);
    }
  }
}

const lines = [
  `Tracking plan + context + User-Agent parse, ${ROUNDS} rounds A B A B, ${CONNECTIONS} connections, ${SECONDS} s each, load average ${loadavg()[0]!.toFixed(1)} (shared 2-core machine):`,
  "",
  "| row | off events/s (median) | on events/s (median) | on / off | per round | budget | within |",
  "|---|---|---|---|---|---|---|",
];
let within = true;
for (const [row, label] of [["single", "single event per request"], ["batch", `batches of ${BATCH}`]] as const) {
  const off = median(results[row]!.off);
  const on = median(results[row]!.on);
  const ratio = on / off;
  const ok = ratio >= BUDGET[row];
  within &&= ok;
  const rounds = results[row]!.on.map((value, i) => `${((value / results[row]!.off[i]!) * 100).toFixed(0)} %`).join(", ");
  lines.push(
    `| ${label} | ${Math.round(off).toLocaleString("en")} | ${Math.round(on).toLocaleString("en")} | ${(ratio * 100).toFixed(0)} % | ${rounds} | ≥ ${BUDGET[row] * 100} % | ${ok ? "yes" : `no, ${((BUDGET[row] - ratio) * 100).toFixed(0)} points short`} |`,
  );
}
console.log(lines.join("\n"));
if (!within) process.exitCode = 1;
