/**
 * `bun bench/batch.ts` (part of `bun run bench`): what the SDK sends, POST /api/events/batch
 * with 50 events per request, in events/s against the storage ceiling measured in the same run.
 *
 * A: the real service (`bun src/index.ts`) on a fresh SQLite file with the defaults (but a write
 *    queue for 3,200 events), wrk at
 *    CONNECTIONS connections for a few seconds after a 1 s warm-up, each request shaped as the SDK
 *    sends it (bench/sdk-batch.lua): 50 events of one session, each with an event_id, a client
 *    timestamp and a full context, sent_at on the envelope, a browser User-Agent.
 * B: the storage ceiling: rows bulk-inserted in 1000-row transactions into a fresh file
 *    (bench/storage.ts ceiling), no HTTP, no validation, five columns and no event_id;
 *    B': the same with an event_id per row, a UUID v7 as the SDK makes (its unique index too).
 * C: the service's own writer alone (bench/storage.ts writer): the same SDK-shaped events through
 *    SqliteBatchWriter in 512-event transactions, every column, the event_id index and the
 *    rollups, no HTTP: what storing an event costs the service, which B does not do.
 * Rounds A B B' C A B B' C; each ratio is the median of the per-round ratios. Goal: A at least 80 % of B.
 * Every 202 is checked against the rows stored. Writes bench/BATCH.md.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startService } from "./service";
import { runWrk } from "./wrk";

const ROOT = join(import.meta.dir, "..");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const BATCH = 50;
// 16 connections × 50 events: 800 in flight saturate the writer (more only lengthen the wait).
const CONNECTIONS = 16;
// The write queue holds those twice over: the warm-up's last requests, abandoned by wrk, are still
// being stored when the measured run starts; past the queue a batch is refused with 503 by design,
// which would measure refusals, not storage. The default (1000) is sized for single events.
const MAX_PENDING_EVENTS = 4 * 16 * 50;
const CEILING_ROWS = 100_000;
const GOAL = 0.8;
const log = (line: string) => process.stderr.write(`[batch bench] ${line}\n`);

async function output(command: string[]): Promise<string> {
  const child = Bun.spawn(command, { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
  const [text, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (code !== 0) throw new Error(`${command.join(" ")} exited with ${code}: ${text}`);
  return text;
}

async function wrk(url: string, seconds: number): Promise<{ events: number; seconds: number; p99Ms: number }> {
  const result = await runWrk<{ duration_us: number; accepted: number; other: number; refusal: number; p99: number }>({ url, script: "bench/sdk-batch.lua", connections: CONNECTIONS, seconds });
  if (result.other > 0) throw new Error(`${result.other} batches were not answered 202 (one got ${result.refusal})`);
  return { events: result.accepted * BATCH, seconds: result.duration_us / 1e6, p99Ms: result.p99 / 1000 };
}

async function service(folder: string): Promise<{ perSecond: number; p99Ms: number }> {
  const database = join(folder, `service-${Date.now()}.db`);
  const server = await startService({ DATABASE_URL: database, LOG_LEVEL: "warn", MAX_PENDING_EVENTS: String(MAX_PENDING_EVENTS) });
  let measured: Awaited<ReturnType<typeof wrk>>;
  let warm: Awaited<ReturnType<typeof wrk>>;
  try {
    warm = await wrk(server.url, 1);
    measured = await wrk(server.url, SECONDS);
  } finally {
    await server.stop();
  }
  const sqlite = new Database(database, { readonly: true });
  const rows = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM user_events").get()!.n;
  sqlite.close();
  // A batch the bot filter drops is answered 202 without rows; these User-Agents are browsers'.
  if (rows < warm.events + measured.events) throw new Error(`${rows} rows for ${warm.events + measured.events} events answered 202`);
  return { perSecond: measured.events / measured.seconds, p99Ms: measured.p99Ms };
}

/** rows/s of `bench/storage.ts ceiling` (bulk insert, optionally with event ids) or `writer` (the service's writer) on a fresh file. */
async function storage(folder: string, command: "ceiling" | "ceiling-with-ids" | "writer"): Promise<number> {
  const database = join(folder, `${command}-${Date.now()}.db`);
  await output(["bun", "bench/storage.ts", "prefill", database, "0"]);
  const args = command === "ceiling-with-ids" ? ["ceiling", database, String(CEILING_ROWS), "NORMAL", "event-ids"] : [command, database, String(CEILING_ROWS), "NORMAL"];
  const result = JSON.parse(await output(["bun", "bench/storage.ts", ...args])) as { rowsPerSecond: number };
  return result.rowsPerSecond;
}

const folder = mkdtempSync(join(tmpdir(), "event-ingest-batch-"));
const loadBefore = loadavg()[0]!;
const runs: { service: number; p99Ms: number; ceiling: number; withIds: number; writer: number }[] = [];
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const { perSecond, p99Ms } = await service(folder);
    const ceiling = await storage(folder, "ceiling");
    const withIds = await storage(folder, "ceiling-with-ids");
    const writer = await storage(folder, "writer");
    runs.push({ service: perSecond, p99Ms, ceiling, withIds, writer });
    log(`round ${round}: batches of ${BATCH} ${Math.round(perSecond).toLocaleString("en")} events/s (p99 ${p99Ms.toFixed(1)} ms), storage ceiling ${Math.round(ceiling).toLocaleString("en")} rows/s (${((perSecond / ceiling) * 100).toFixed(0)} %), writer alone ${Math.round(writer).toLocaleString("en")} events/s`);
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const ratios = runs.map((run) => run.service / run.ceiling);
const ratio = median(ratios);
const percent = (values: number[]) => `${(median(values) * 100).toFixed(0)} % (${values.map((value) => `${(value * 100).toFixed(0)} %`).join(", ")})`;
const rate = (values: number[]) => Math.round(median(values)).toLocaleString("en");
const lines = [
  `Batches of ${BATCH} (what the SDK sends) against the storage ceiling: ${ROUNDS} rounds A B B' C A B B' C, ${CONNECTIONS} connections for ${SECONDS} s, empty SQLite file, synchronous=NORMAL, MAX_PENDING_EVENTS=${MAX_PENDING_EVENTS}; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (2-core machine):`,
  "",
  "| row | events/s (median) | × storage ceiling (per round) | × the writer alone (per round) | p99 ms |",
  "|---|---:|---|---|---:|",
  `| A: POST /api/events/batch, ${BATCH} events, the service | ${rate(runs.map((r) => r.service))} | ${percent(ratios)} | ${percent(runs.map((r) => r.service / r.writer))} | ${median(runs.map((r) => r.p99Ms)).toFixed(1)} |`,
  `| B: storage ceiling (bulk insert, 5 columns) | ${rate(runs.map((r) => r.ceiling))} | 100 % | | |`,
  `| B': the same bulk insert with an event_id per row (UUID v7, as the SDK's) | ${rate(runs.map((r) => r.withIds))} | ${percent(runs.map((r) => r.withIds / r.ceiling))} | | |`,
  `| C: the service's writer alone (every column, event_id index, rollups) | ${rate(runs.map((r) => r.writer))} | ${percent(runs.map((r) => r.writer / r.ceiling))} | 100 % | |`,
  "",
  `Goal: A at least 80 % of B: ${ratio >= GOAL ? "met" : `MISSED by ${((GOAL - ratio) * 100).toFixed(0)} points`}. A against B', the ceiling with the event ids the SDK sends: ${percent(runs.map((r) => r.service / r.withIds))}.`,
];
console.log(lines.join("\n"));
const stamp = `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`;
writeFileSync(join(import.meta.dir, "BATCH.md"), `# Batch row\n\nWritten by \`bun bench/batch.ts\` (part of \`bun run bench\`). ${stamp}\n\n${lines.join("\n")}\n`);
