/**
 * SQLite vs PostgreSQL under the same load: one node on SQLite, one node on PostgreSQL, and two
 * nodes on PostgreSQL behind nginx (deploy/nginx.conf). wrk, 64 connections, ~150-byte events
 * with random session ids; rounds alternate the set-ups (A B C A B C) so drift on a shared
 * machine hits them alike; medians are printed and written to bench/POSTGRES.md.
 *
 *   bun bench/postgres.ts                # starts a throw-away PostgreSQL unless TEST_DATABASE_URL is set
 *   ROUNDS=3 SECONDS=15 bun bench/postgres.ts
 *
 * Needs wrk and nginx (apt-get install -y wrk nginx) and PostgreSQL (apt-get install -y postgresql).
 */
import { SQL } from "bun";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import packageJson from "../package.json";
import type { TestDatabase } from "../test/support/backends";
import { startNginx } from "../test/support/nginx";
import { type RunningServer, startServer } from "../test/support/server";

const ROUNDS = Number(process.env.ROUNDS ?? 2);
const SECONDS = Number(process.env.SECONDS ?? 10);
const CONNECTIONS = 64;
const ROOT = join(import.meta.dir, "..");

// One request per call, each with its own session id, so every insert lands on a different
// index page as real traffic does. done() prints the figures as one JSON line.
const WRK_SCRIPT = `
local counter = 0
local types = { "card_click", "sage_query", "filter_change" }
function request()
  counter = counter + 1
  local body = string.format('{"session_id":"%08x-%04x-bench","event_type":"%s","payload":{"card_id":"c_%d","position":%d,"list":"recommended"}}',
    math.random(0, 0x7fffffff), counter % 65536, types[counter % 3 + 1], counter, counter % 20)
  return wrk.format("POST", "/api/events", { ["Content-Type"] = "application/json" }, body)
end
function done(summary, latency, requests)
  io.write(string.format('{"requests":%d,"non2xx":%d,"socketErrors":%d,"seconds":%f,"p50":%d,"p99":%d,"p999":%d}\\n',
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
`;

interface Measurement {
  requestsPerSecond: number;
  requests: number;
  p50: number;
  p99: number;
  p999: number;
  accepted: number;
  rows: number;
  socketErrors: number;
}

interface Setup {
  name: string;
  run: () => Promise<Measurement>;
}

function which(binary: string, hint: string): string {
  const found = Bun.which(binary) ?? [`/usr/sbin/${binary}`, `/usr/bin/${binary}`].find((path) => Bun.file(path).size > 0);
  if (!found) throw new Error(`${binary} not found: ${hint}`);
  return found;
}

async function wrk(url: string): Promise<Omit<Measurement, "rows">> {
  const script = join(ROOT, "bench", ".postgres-wrk.lua");
  writeFileSync(script, WRK_SCRIPT);
  const child = Bun.spawn([which("wrk", "apt-get install -y wrk"), "-t2", `-c${CONNECTIONS}`, `-d${SECONDS}s`, "--timeout", "10s", "-s", script, url], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const output = await new Response(child.stdout).text();
  await child.exited;
  const line = output.split("\n").find((candidate) => candidate.startsWith('{"requests"'));
  if (!line) throw new Error(`wrk printed no summary: ${output}${await new Response(child.stderr).text()}`);
  const figures = JSON.parse(line) as { requests: number; non2xx: number; socketErrors: number; seconds: number; p50: number; p99: number; p999: number };
  return {
    requestsPerSecond: figures.requests / figures.seconds,
    requests: figures.requests,
    p50: figures.p50 / 1000,
    p99: figures.p99 / 1000,
    p999: figures.p999 / 1000,
    accepted: figures.requests - figures.non2xx,
    socketErrors: figures.socketErrors,
  };
}

/** Starts `nodes` servers on a fresh database of `backend` (behind nginx when more than one), loads them, checks rows. */
async function measure(backendName: "sqlite" | "postgres", nodes: number): Promise<Measurement> {
  // Imported late: it reads TEST_DATABASE_URL, which this script may have just set.
  const { backends } = await import("../test/support/backends");
  const backend = backends.find((candidate) => candidate.name === backendName)!;
  const db: TestDatabase = await backend.database();
  const servers: RunningServer[] = [];
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  try {
    for (let i = 0; i < nodes; i++) servers.push(await startServer({ ...db.env, LOG_LEVEL: "warn" }, 30_000));
    nginx = nodes > 1 ? await startNginx(servers.map((server) => Number(new URL(server.url).port))) : undefined;
    const result = await wrk(nginx?.url ?? servers[0]!.url);
    for (const server of servers) await server.stop("SIGTERM");
    return { ...result, rows: await db.count() };
  } finally {
    await nginx?.stop();
    for (const server of servers) if (server.process.exitCode === null) await server.stop("SIGKILL");
    await db.drop();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function withPostgres<T>(work: () => Promise<T>): Promise<T> {
  if (process.env.TEST_DATABASE_URL) return work();
  const started = Bun.spawnSync(["bash", join(ROOT, ".ci", "postgres"), "start"], { stderr: "inherit" });
  if (started.exitCode !== 0) throw new Error("could not start a throw-away PostgreSQL (apt-get install -y postgresql)");
  const exports = Object.fromEntries(
    started.stdout
      .toString()
      .trim()
      .split("\n")
      .map((line) => line.replace(/^export /, "").split("=", 2) as [string, string]),
  );
  try {
    process.env.TEST_DATABASE_URL = exports.TEST_DATABASE_URL;
    return await work();
  } finally {
    Bun.spawnSync(["bash", join(ROOT, ".ci", "postgres"), "stop", exports.PG_THROWAWAY_DIR!]);
  }
}

async function main() {
  which("nginx", "apt-get install -y nginx");
  const setups: Setup[] = [
    { name: "SQLite, 1 node", run: () => measure("sqlite", 1) },
    { name: "PostgreSQL, 1 node", run: () => measure("postgres", 1) },
    { name: "PostgreSQL, 2 nodes + nginx", run: () => measure("postgres", 2) },
  ];
  const results = new Map<string, Measurement[]>(setups.map((setup) => [setup.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const setup of setups) {
      const result = await setup.run();
      results.get(setup.name)!.push(result);
      console.error(`round ${round} ${setup.name}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99.toFixed(1)} ms, rows ${result.rows} / 202s ${result.accepted}`);
    }
  }

  const server = new SQL(process.env.TEST_DATABASE_URL!, { max: 1 });
  const [{ version }] = await server`SELECT current_setting('server_version') AS version`;
  await server.close();
  const rows = setups.map(({ name }) => {
    const runs = results.get(name)!;
    // wrk stops counting at its deadline while up to one request per connection is still in
    // flight: those are committed too. Anything outside that window is a lost or phantom row.
    const consistent = runs.every((run) => run.rows >= run.accepted && run.rows - run.accepted <= CONNECTIONS && run.requests === run.accepted);
    const rowsMatch = consistent ? "yes" : `NO (${runs.map((run) => `${run.rows} rows / ${run.accepted} of ${run.requests}`).join(", ")})`;
    return `| ${name} | ${Math.round(median(runs.map((run) => run.requestsPerSecond)))} | ${median(runs.map((run) => run.p50)).toFixed(1)} | ${median(runs.map((run) => run.p99)).toFixed(1)} | ${median(runs.map((run) => run.p999)).toFixed(1)} | ${rowsMatch} |`;
  });
  const table = [
    `${new Date().toISOString().slice(0, 10)}, ${packageJson.name} ${packageJson.version}, Bun ${Bun.version}, PostgreSQL ${version}, ${ROUNDS} rounds × ${SECONDS} s, wrk -c${CONNECTIONS} -t2, medians:`,
    "",
    "| set-up | requests/s | p50 ms | p99 ms | p99.9 ms | every request 202, rows == 202s |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
  console.log(table);
  writeFileSync(join(ROOT, "bench", "POSTGRES.md"), `# SQLite vs PostgreSQL (bun bench/postgres.ts)\n\n${table}\n`);
}

await withPostgres(main);
