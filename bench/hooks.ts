/**
 * `bun bench/hooks.ts` (part of `bun run bench`): what each per-request hook costs a valid
 * event on the HTTP layer. The app is built as bench/app-only.ts builds it (the real createApp,
 * storage discarded), once per configuration:
 *
 * - every hook, as the service runs (the rate limit is off by default: RATE_LIMIT_PER_MINUTE=0);
 * - the rate limit on (a limit no client reaches: every request pays the bucket, none is refused);
 * - each of metrics, CORS, request id and error handling left out, one at a time (createApp's
 *   bench-only withoutHooks), and all four left out.
 *
 * Measured in process, as CPU µs per request through `app.handle` (a POST of one event with an
 * Origin and a browser User-Agent, as a frontend sends): the hooks are JavaScript on the event
 * loop, and wrk against a server cannot resolve 1 µs on a shared 2-core machine (its rounds
 * spread by ±10 µs of CPU per request). Many short rounds (1,000 requests), the configurations
 * in a fresh random order each round, so all of them see the same machine; a hook's cost is the
 * median over rounds of the difference with and without it. Writes bench/HOOKS.md.
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createApp, type PerRequestHook } from "../src/app";
import { parseConfig } from "../src/config";
import type { EventStore } from "../src/db/interfaces";
import { openDatabase } from "../src/db/open";
import { createLogger } from "../src/logger";
import { Metrics } from "../src/metrics/metrics";
import { RetentionJob } from "../src/retention/job";
import { buildDashboard } from "../src/dashboard/bundle";
import { buildSdk } from "../src/sdk/bundle";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const WARMUP = 3000;

const CONFIGURATIONS: { name: string; env: Record<string, string>; without: PerRequestHook[] }[] = [
  { name: "every hook (as the service runs)", env: {}, without: [] },
  { name: "+ rate limit on", env: { RATE_LIMIT_PER_MINUTE: "1000000", RATE_LIMIT_BURST: "1000000" }, without: [] },
  { name: "without metrics", env: {}, without: ["metrics"] },
  { name: "without CORS", env: {}, without: ["cors"] },
  { name: "without request id", env: {}, without: ["request-id"] },
  { name: "without error handling", env: {}, without: ["error-handling"] },
  { name: "without all four", env: {}, without: ["metrics", "cors", "request-id", "error-handling"] },
];

const logger = createLogger("silent");
const discard: EventStore = {
  append: async (events) => ({ inserted: events.length, duplicates: 0 }),
  health: async () => ({ status: "ok" }),
  close: async () => undefined,
};
const [sdk, dashboard] = await Promise.all([buildSdk(), buildDashboard()]);
const apps: ReturnType<typeof createApp>[] = [];
for (const configuration of CONFIGURATIONS) {
  const config = parseConfig({ DATABASE_URL: ":memory:", ...configuration.env });
  const readSide = await openDatabase(config);
  const retention = new RetentionJob({ pruner: readSide.pruner, retentionDays: undefined, intervalMs: 3_600_000, logger });
  const metrics = new Metrics({});
  apps.push(createApp({ config, store: discard, reader: readSide.reader, retention, metrics, logger, sdk, dashboard, withoutHooks: configuration.without }));
}

const body = JSON.stringify({ session_id: "3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10", event_type: "card_click", payload: { card_id: "c_123", position: 4, list: "recommended" } });
const headers = {
  "content-type": "application/json",
  "content-length": String(Buffer.byteLength(body)),
  origin: "https://www.example.org",
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
};

async function post(app: (typeof apps)[number]): Promise<void> {
  const response = await app.handle(new Request("http://localhost/api/events", { method: "POST", headers, body }));
  if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${await response.text()}`);
  await response.text();
}

/** CPU µs per request of `count` requests, one after another. */
async function cpuPerRequest(app: (typeof apps)[number], count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await post(app);
  // Elysia runs onAfterResponse hooks in a setImmediate: let the ones these requests queued run
  // inside the measurement (setImmediate callbacks run in the order they were queued).
  await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

const loadBefore = loadavg()[0]!;
const cpu = CONFIGURATIONS.map(() => [] as number[]);
for (const app of apps) await cpuPerRequest(app, WARMUP);
for (let round = 0; round < ROUNDS; round++) {
  const order = CONFIGURATIONS.map((_, i) => i).sort(() => Math.random() - 0.5);
  for (const i of order) cpu[i]!.push(await cpuPerRequest(apps[i]!, REQUESTS));
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const quartiles = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  return `${sorted[Math.floor(sorted.length / 4)]!.toFixed(1)} to ${sorted[Math.floor((3 * sorted.length) / 4)]!.toFixed(1)}`;
};
const base = cpu[0]!;
const lines = [
  `Per-request hooks, CPU per valid event through app.handle (storage discarded): ${ROUNDS} rounds of ${REQUESTS} requests per configuration, random order each round; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (2-core machine):`,
  "",
  "| configuration | CPU µs/req (median) | the hook's cost, µs/req (median) | its middle half over rounds |",
  "|---|---:|---:|---|",
];
for (const [i, configuration] of CONFIGURATIONS.entries()) {
  // A hook left out saves its cost; the rate limit switched on adds it.
  const costs = cpu[i]!.map((value, round) => (i === 1 ? value - base[round]! : base[round]! - value));
  const cost = i === 0 ? ["", ""] : [median(costs).toFixed(1), quartiles(costs)];
  lines.push(`| ${configuration.name} | ${median(cpu[i]!).toFixed(1)} | ${cost[0]} | ${cost[1]} |`);
}
console.log(lines.join("\n"));
const stamp = `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`;
writeFileSync(join(import.meta.dir, "HOOKS.md"), `# Per-request hooks\n\nWritten by \`bun bench/hooks.ts\` (part of \`bun run bench\`). ${stamp}\n\n${lines.join("\n")}\n`);
process.exit(0);
