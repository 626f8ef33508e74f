/**
 * `bun bench/hooks.ts` (part of `bun run bench`): what each per-request hook costs a valid
 * event on the HTTP layer alone (bench/app-only.ts, storage discarded). One server per
 * configuration, all started first and kept running, rows interleaved A B A B:
 *
 * - every hook, as the service runs (the rate limit is off by default: RATE_LIMIT_PER_MINUTE=0);
 * - the rate limit on (a limit no client reaches, so every request pays the bucket and none is refused);
 * - each of metrics, CORS, request id and error handling left out, one at a time (createApp's
 *   withoutHooks, reached only through BENCH_WITHOUT in bench/app-only.ts);
 * - all four left out.
 *
 * wrk POSTs one fixed event (bench/fixed-body.lua, with an Origin header as a frontend sends).
 * A hook's cost is the server's CPU per request with it minus without it (CPU from
 * /proc/<pid>/stat over the run, so it is less sensitive than req/s to the other processes on
 * the machine), and the throughput ratio. Medians over rounds. Writes bench/HOOKS.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { wrkFixedBody } from "./fixed-body";
import { type BenchService, startService } from "./service";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 64;
const NO_LIMIT_REACHED = { RATE_LIMIT_PER_MINUTE: "1000000", RATE_LIMIT_BURST: "1000000" };

const CONFIGURATIONS: { name: string; env: Record<string, string> }[] = [
  { name: "every hook (as the service runs)", env: {} },
  { name: "+ rate limit on", env: NO_LIMIT_REACHED },
  { name: "without metrics", env: { BENCH_WITHOUT: "metrics" } },
  { name: "without CORS", env: { BENCH_WITHOUT: "cors" } },
  { name: "without request id", env: { BENCH_WITHOUT: "request-id" } },
  { name: "without error handling", env: { BENCH_WITHOUT: "error-handling" } },
  { name: "without all four", env: { BENCH_WITHOUT: "metrics,cors,request-id,error-handling" } },
];
const event = JSON.stringify({ session_id: "3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10", event_type: "card_click", payload: { card_id: "c_123", position: 4, list: "recommended" } });
const request = { path: "/api/events", type: "application/json", body: event, status: 202 };
const log = (line: string) => process.stderr.write(`[hooks bench] ${line}\n`);

/** CPU seconds the process has used (user + system). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const folder = mkdtempSync(join(tmpdir(), "event-ingest-hooks-"));
const loadBefore = loadavg()[0]!;
const servers: BenchService[] = [];
const runs = CONFIGURATIONS.map(() => ({ perSecond: [] as number[], cpuUs: [] as number[] }));
try {
  for (const [i, configuration] of CONFIGURATIONS.entries()) {
    servers.push(await startService({ LOG_LEVEL: "warn", DATABASE_URL: join(folder, `read-side-${i}.db`), ...configuration.env }, "bench/app-only.ts"));
  }
  for (const server of servers) await wrkFixedBody(server.url, request, CONNECTIONS, 1); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, configuration] of CONFIGURATIONS.entries()) {
      const server = servers[i]!;
      const before = cpuSeconds(server.pid);
      const { perSecond } = await wrkFixedBody(server.url, request, CONNECTIONS, SECONDS);
      const cpuUs = ((cpuSeconds(server.pid) - before) * 1e6) / (perSecond * SECONDS);
      runs[i]!.perSecond.push(perSecond);
      runs[i]!.cpuUs.push(cpuUs);
      log(`round ${round} ${configuration.name}: ${Math.round(perSecond).toLocaleString("en")} req/s, ${cpuUs.toFixed(1)} µs CPU/req`);
    }
  }
} finally {
  for (const server of servers) await server.stop();
  rmSync(folder, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const base = runs[0]!;
const lines = [
  `Per-request hooks on the HTTP layer alone (storage discarded): ${ROUNDS} rounds A B A B, ${CONNECTIONS} connections, ${SECONDS} s per row; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (2-core machine):`,
  "",
  "| configuration | req/s (median) | × every hook | CPU µs/req | the hook's cost, µs CPU/req (per round) |",
  "|---|---:|---:|---:|---|",
];
for (const [i, configuration] of CONFIGURATIONS.entries()) {
  const run = runs[i]!;
  const ratio = median(run.perSecond.map((rate, round) => rate / base.perSecond[round]!));
  // A hook left out saves its cost; the rate limit switched on adds it.
  const sign = i === 1 ? 1 : -1;
  const costs = run.cpuUs.map((cpu, round) => sign * (cpu - base.cpuUs[round]!));
  const cost = i === 0 ? "" : `${median(costs).toFixed(1)} (${costs.map((c) => c.toFixed(1)).join(", ")})`;
  lines.push(`| ${configuration.name} | ${Math.round(median(run.perSecond)).toLocaleString("en")} | ${ratio.toFixed(2)} | ${median(run.cpuUs).toFixed(1)} | ${cost} |`);
}
console.log(lines.join("\n"));
const stamp = `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`;
writeFileSync(join(import.meta.dir, "HOOKS.md"), `# Per-request hooks\n\nWritten by \`bun bench/hooks.ts\` (part of \`bun run bench\`). ${stamp}\n\n${lines.join("\n")}\n`);
