/**
 * `bun run bench`: the write path measured side by side with its ceilings, in one run.
 *
 * A: bare Bun.serve (bench/ceiling.ts): parses JSON, answers 202, no database.
 * B: the real service (`bun run start`) on a temp database: empty, and a copy of one holding
 *    1,000,000 events; with the default synchronous=NORMAL and with FULL.
 * C: the service on PostgreSQL (bench/postgres.ts), one node and two nodes behind nginx
 *    (deploy/nginx.conf), each on an empty schema; skipped when PostgreSQL or nginx is missing.
 * Rounds run A B A B with the same load: wrk at 64 connections until saturation, then a fixed
 * 200 requests/s (bench/fixed-rate.ts). Storage ceiling: bulk inserts of the same rows into a
 * copy of the same database (bench/storage.ts). Every figure that has a target is a median over
 * rounds and, where it can be, a ratio to a ceiling measured in this run: the machine is shared.
 * Prints one table and writes it to bench/RESULTS.md.
 */
import { Database } from "bun:sqlite";
import type { Subprocess } from "bun";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startNginx } from "../test/support/nginx";
import { type BenchPostgres, benchPostgres } from "./postgres";
import { runWrk } from "./wrk";

const ROOT = join(import.meta.dir, "..");
const ROUNDS = 2;
const CONNECTIONS = 64;
const WARMUP_SECONDS = 1;
const SATURATION_SECONDS = 5;
const FIXED_RATE = 200;
const FIXED_SECONDS = 10;
const PREFILL_ROWS = 1_000_000;
const CEILING_ROWS = 100_000;
// Overload: three times more concurrent requests than the write queue admits.
const OVERLOAD_QUEUE = 64;
const OVERLOAD_CONNECTIONS = 3 * OVERLOAD_QUEUE;
const OVERLOAD_SECONDS = 10;
// The checkpointer empties the WAL once commits stopped for a second (src/db/sqlite-checkpointer.worker.ts).
const IDLE_WAL_MS = 2500;
// The documented bound (docs/operations.md): the writer checkpoints itself once the WAL reaches
// 64 MiB (the checkpointer's RESTART at 16 MiB usually comes first; measured peaks ~33 MB).
const WAL_PEAK_BOUND_BYTES = 64 * 1024 * 1024;

const work = mkdtempSync(join(tmpdir(), "event-ingest-bench-"));
const startedAt = Date.now();
const log = (line: string) => process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);

// ---------------------------------------------------------------- tools

async function ensureWrk(): Promise<string> {
  const found = Bun.which("wrk");
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error("wrk is not installed: apt-get install -y wrk");
  log("installing wrk (Debian package)");
  for (const command of [["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]]) {
    const child = Bun.spawn(command, { stdout: "ignore", stderr: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if ((await child.exited) !== 0) throw new Error(`${command.join(" ")} failed`);
  }
  return Bun.which("wrk") ?? "wrk";
}

async function output(command: string[], env: Record<string, string> = {}): Promise<string> {
  const child = Bun.spawn(command, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "inherit" });
  const [text, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (code !== 0) throw new Error(`${command.join(" ")} exited with ${code}`);
  return text;
}

async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  return port;
}

// ---------------------------------------------------------------- servers

interface Running {
  url: string;
  /** The process that serves: `bun run start` runs the server as its child. */
  pid: number;
  process: Subprocess<"ignore", "pipe", "pipe">;
  output: () => string;
}

async function start(command: string[], env: Record<string, string>, ready: string): Promise<Running> {
  const port = await freePort();
  const child = Bun.spawn(command, {
    cwd: ROOT,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "info", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  for (const stream of [child.stdout, child.stderr]) {
    void (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text += chunk;
    })();
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command.join(" ")} exited with ${child.exitCode}: ${text}`);
    if (Date.now() > deadline) throw new Error(`${command.join(" ")} did not start: ${text}`);
    if (text.includes(ready)) break;
    await Bun.sleep(50);
  }
  const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim();
  const pid = children === "" ? child.pid : Number(children.split(" ")[0]);
  return { url, pid, process: child, output: () => text };
}

async function stop(server: Running): Promise<void> {
  server.process.kill("SIGTERM");
  const code = await server.process.exited;
  if (code !== 0) throw new Error(`server exited with ${code}: ${server.output().slice(-2000)}`);
}

// ---------------------------------------------------------------- probes

/** Samples the server's resident memory (MB) while load runs. */
function sampleRss(pid: number, everyMs = 100): { samples: number[]; stop: () => number } {
  const samples: number[] = [];
  const read = () => {
    const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (match) samples.push(Number(match[1]) / 1024);
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    samples,
    stop: () => {
      clearInterval(timer);
      read();
      return Math.max(...samples);
    },
  };
}

const fileBytes = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;

/** The SQLite file's WAL, sampled while a run lasts: its largest size, and both files' sizes at the end. */
function sampleWal(database: string, everyMs = 100): { stop: () => WalSizes } {
  let peak = 0;
  const read = () => (peak = Math.max(peak, fileBytes(`${database}-wal`)));
  const timer = setInterval(read, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      read();
      return { walPeak: peak, walAtEnd: fileBytes(`${database}-wal`), databaseAtEnd: fileBytes(database), walIdle: Number.NaN };
    },
  };
}

/** CPU ticks per thread name of a process: where the server's time goes. */
function threadCpu(pid: number): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const group = /^(HeapHelper|JSC Heap|Heap Helper)/i.test(name) ? "gc" : name;
      ticks.set(group, (ticks.get(group) ?? 0) + Number(fields[11]) + Number(fields[12]));
    } catch {
      // A thread that exited between listing and reading.
    }
  }
  return ticks;
}

function cpuSince(pid: number, before: Map<string, number>): Record<string, number> {
  const after = threadCpu(pid);
  const seconds: Record<string, number> = {};
  for (const [name, ticks] of after) {
    const used = (ticks - (before.get(name) ?? 0)) / 100;
    if (used > 0) seconds[name] = used;
  }
  return seconds;
}

interface WrkResult {
  duration_us: number;
  requests: number;
  sent: number;
  answered: number;
  accepted: number;
  unavailable: number;
  other: number;
  errors: { connect: number; read: number; write: number; timeout: number };
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

function wrk(url: string, seconds: number, connections = CONNECTIONS): Promise<WrkResult> {
  return runWrk<WrkResult>({ url: `${url}/api/events`, script: "bench/events.lua", connections, seconds });
}

interface FixedRateResult {
  sent: number;
  answered: number;
  accepted: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

async function fixedRate(url: string): Promise<FixedRateResult> {
  return JSON.parse(await output(["bun", "bench/fixed-rate.ts", `${url}/api/events`, String(FIXED_RATE), String(FIXED_SECONDS)])) as FixedRateResult;
}

function rowCount(path: string): number {
  const sqlite = new Database(path, { readonly: true });
  try {
    return sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM user_events").get()!.n;
  } finally {
    sqlite.close();
  }
}

/** The write-path summary the service logs when it stops (see SqliteEventStore.stats). */
function writeStats(serverOutput: string): WriteStats | undefined {
  for (const line of serverOutput.split("\n").reverse()) {
    if (!line.includes('"writePath"')) continue;
    return (JSON.parse(line) as { writePath: WriteStats }).writePath;
  }
  return undefined;
}

interface WriteStats {
  commits: number;
  committedEvents: number;
  batchSizes: Record<string, number>;
}

// ---------------------------------------------------------------- scenarios

/** Bytes: the WAL's peak during the saturation run, WAL and database at its end, and the WAL once the load stopped (IDLE_WAL_MS later). */
interface WalSizes {
  walPeak: number;
  walAtEnd: number;
  databaseAtEnd: number;
  walIdle: number;
}

interface Measurement {
  saturation: WrkResult;
  wal?: WalSizes;
  fixed: FixedRateResult;
  rssMb: number;
  cpu: Record<string, number>;
  rowsCheck: { rows: number; accepted: number; unanswered: number; ok: boolean };
  stats?: WriteStats;
}

async function load(server: Running, database?: string): Promise<Omit<Measurement, "rowsCheck" | "stats"> & { warmup: WrkResult }> {
  const rss = sampleRss(server.pid);
  const warmup = await wrk(server.url, WARMUP_SECONDS);
  const cpuBefore = threadCpu(server.pid);
  const walSampler = database ? sampleWal(database) : undefined;
  const saturation = await wrk(server.url, SATURATION_SECONDS);
  const wal = walSampler?.stop();
  const cpu = cpuSince(server.pid, cpuBefore);
  const fixed = await fixedRate(server.url);
  if (wal && database) {
    await Bun.sleep(IDLE_WAL_MS);
    wal.walIdle = fileBytes(`${database}-wal`);
  }
  return { warmup, saturation, wal, fixed, cpu, rssMb: rss.stop() };
}

async function measureWithoutStorage(script: string): Promise<Measurement> {
  const server = await start(["bun", script], {}, "listening");
  const result = await load(server);
  await stop(server);
  return { ...result, rowsCheck: { rows: 0, accepted: 0, unanswered: 0, ok: true } };
}

interface Overload {
  result: WrkResult;
  rss: number[];
  rowsOk: boolean;
}

/** 3× more concurrent requests than the queue admits, on the 1M-event database: memory must stay flat, the excess get 503s. */
async function measureOverload(database: string): Promise<Overload> {
  const rowsBefore = rowCount(database);
  const server = await start(["bun", "run", "start"], { DATABASE_URL: database, MAX_PENDING_EVENTS: String(OVERLOAD_QUEUE), MAX_BATCH_EVENTS: String(OVERLOAD_QUEUE) }, "listening on");
  await wrk(server.url, WARMUP_SECONDS);
  const warmRows = rowCount(database) - rowsBefore;
  const rss = sampleRss(server.pid, 500);
  const result = await wrk(server.url, OVERLOAD_SECONDS, OVERLOAD_CONNECTIONS);
  rss.stop();
  await stop(server);
  const rows = rowCount(database) - rowsBefore - warmRows;
  removeDatabase(database);
  return { result, rss: rss.samples, rowsOk: rows >= result.accepted && rows <= result.accepted + result.sent - result.answered + CONNECTIONS };
}

async function measureService(database: string, synchronous: string): Promise<Measurement> {
  const rowsBefore = database === "" ? 0 : rowCount(database);
  const path = database === "" ? join(work, `empty-${Date.now()}.db`) : database;
  const server = await start(["bun", "run", "start"], { DATABASE_URL: path, SQLITE_SYNCHRONOUS: synchronous }, "listening on");
  const result = await load(server, path);
  await stop(server);
  const rows = rowCount(path) - rowsBefore;
  const accepted = result.warmup.accepted + result.saturation.accepted + result.fixed.accepted;
  // wrk stops with up to one request per connection unanswered: those may be committed.
  const unanswered = result.warmup.sent - result.warmup.answered + result.saturation.sent - result.saturation.answered;
  removeDatabase(path);
  const { warmup: _, ...measured } = result;
  return { ...measured, rowsCheck: { rows, accepted, unanswered, ok: rows >= accepted && rows <= accepted + unanswered }, stats: writeStats(server.output()) };
}

/** The service on PostgreSQL: `nodes` nodes on one fresh schema, behind nginx when more than one. RSS and CPU are the first node's. */
async function measurePostgres(postgres: BenchPostgres, nodes: number): Promise<Measurement> {
  const database = await postgres.freshDatabase();
  const servers: Running[] = [];
  for (let i = 0; i < nodes; i++) servers.push(await start(["bun", "run", "start"], database.env, "listening on"));
  const nginx = nodes > 1 ? await startNginx(servers.map((server) => Number(new URL(server.url).port))) : undefined;
  const result = await load({ ...servers[0]!, url: nginx?.url ?? servers[0]!.url });
  await nginx?.stop();
  for (const server of servers) await stop(server);
  const rows = await database.count();
  await database.drop();
  const accepted = result.warmup.accepted + result.saturation.accepted + result.fixed.accepted;
  const unanswered = result.warmup.sent - result.warmup.answered + result.saturation.sent - result.saturation.answered;
  const perNode = servers.map((server) => writeStats(server.output())).filter((stats): stats is WriteStats => stats !== undefined);
  const stats = perNode.length === 0 ? undefined : perNode.reduce((sum, node) => ({
    commits: sum.commits + node.commits,
    committedEvents: sum.committedEvents + node.committedEvents,
    batchSizes: Object.fromEntries(
      [...new Set([...Object.keys(sum.batchSizes), ...Object.keys(node.batchSizes)])].map((bucket) => [bucket, (sum.batchSizes[bucket] ?? 0) + (node.batchSizes[bucket] ?? 0)]),
    ),
  }));
  const { warmup: _, ...measured } = result;
  return { ...measured, rowsCheck: { rows, accepted, unanswered, ok: rows >= accepted && rows <= accepted + unanswered }, stats };
}

function removeDatabase(path: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
}

function copyDatabase(source: string, name: string): string {
  const target = join(work, name);
  copyFileSync(source, target);
  return target;
}

async function storageCeiling(source: string | undefined, synchronous: string): Promise<number> {
  const path = source ? copyDatabase(source, `ceiling-${Date.now()}.db`) : join(work, `ceiling-${Date.now()}.db`);
  if (!source) await output(["bun", "bench/storage.ts", "prefill", path, "0"]);
  const result = JSON.parse(await output(["bun", "bench/storage.ts", "ceiling", path, String(CEILING_ROWS), synchronous])) as { rowsPerSecond: number };
  removeDatabase(path);
  return result.rowsPerSecond;
}

// ---------------------------------------------------------------- report

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const rps = (result: WrkResult) => result.requests / (result.duration_us / 1e6);
const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const pct = (value: number) => `${(value * 100).toFixed(0)} %`;
const int = (value: number) => Math.round(value).toLocaleString("en-US");

function versions(): string {
  const pkg = (name: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  const sqlite = new Database(":memory:");
  const sqliteVersion = sqlite.query<{ v: string }, []>("SELECT sqlite_version() AS v").get()!.v;
  sqlite.close();
  const postgresVersion = typeof postgres === "string" ? "" : `, ${postgres.version}`;
  return `Bun ${Bun.version}, Elysia ${pkg("elysia")}, drizzle-orm ${pkg("drizzle-orm")}, SQLite ${sqliteVersion}${postgresVersion}, ${wrkVersion}`;
}

// ---------------------------------------------------------------- run

const wrkPath = await ensureWrk();
const wrkVersion = (await output([wrkPath, "-v"]).catch(() => "wrk")).split("\n")[0]!.split(" [")[0]!.trim();
const loadBefore = loadavg()[0]!;
log(`work folder ${work}; building a database with ${int(PREFILL_ROWS)} events`);
const prefilled = join(work, "prefilled.db");
await output(["bun", "bench/storage.ts", "prefill", prefilled, String(PREFILL_ROWS)]);

type Scenario = { name: string; server: string; database: string; synchronous: string; run: () => Promise<Measurement> };
const scenarios: Scenario[] = [
  { name: "ceiling", server: "bare Bun.serve (ceiling)", database: "none", synchronous: "", run: () => measureWithoutStorage("bench/ceiling.ts") },
  { name: "app-only", server: "service's HTTP layer, storage discarded", database: "none", synchronous: "", run: () => measureWithoutStorage("bench/app-only.ts") },
  { name: "empty", server: "service", database: "empty", synchronous: "NORMAL", run: () => measureService("", "NORMAL") },
  { name: "1M", server: "service", database: "1M events", synchronous: "NORMAL", run: () => measureService(copyDatabase(prefilled, "service.db"), "NORMAL") },
  { name: "1M-full", server: "service", database: "1M events", synchronous: "FULL", run: () => measureService(copyDatabase(prefilled, "service.db"), "FULL") },
];
const postgres = await benchPostgres();
if (typeof postgres === "string") log(`no PostgreSQL rows: ${postgres}`);
else {
  scenarios.push(
    { name: "pg", server: "service on PostgreSQL", database: "empty", synchronous: "commit on", run: () => measurePostgres(postgres, 1) },
    { name: "pg-2", server: "2 nodes on PostgreSQL behind nginx", database: "empty", synchronous: "commit on", run: () => measurePostgres(postgres, 2) },
  );
}
const results = new Map<string, Measurement[]>(scenarios.map((scenario) => [scenario.name, []]));
const storage = { empty: [] as number[], "1M": [] as number[], "1M-full": [] as number[] };

for (let round = 1; round <= ROUNDS; round++) {
  for (const scenario of scenarios) {
    log(`round ${round}: ${scenario.server}, ${scenario.database} ${scenario.synchronous}`);
    results.get(scenario.name)!.push(await scenario.run());
  }
  log(`round ${round}: storage ceilings`);
  storage.empty.push(await storageCeiling(undefined, "NORMAL"));
  storage["1M"].push(await storageCeiling(prefilled, "NORMAL"));
  storage["1M-full"].push(await storageCeiling(prefilled, "FULL"));
}
log(`overload: ${OVERLOAD_CONNECTIONS} connections, MAX_PENDING_EVENTS=${OVERLOAD_QUEUE}, 1M events`);
const overload = await measureOverload(copyDatabase(prefilled, "overload.db"));
rmSync(work, { recursive: true, force: true });
if (typeof postgres !== "string") await postgres.stop();

// Ratios are taken within each round (same minutes, same machine load), then the median of those.
const ceilingRuns = results.get("ceiling")!.map((m) => rps(m.saturation));
const storageRuns = (name: string): number[] => (name in storage ? storage[name as keyof typeof storage] : []);
const summary = scenarios.map((scenario) => {
  const runs = results.get(scenario.name)!;
  const pick = (f: (m: Measurement) => number) => median(runs.map(f));
  return {
    scenario,
    rps: pick((m) => rps(m.saturation)),
    ofCeiling: median(runs.map((m, round) => rps(m.saturation) / ceilingRuns[round]!)),
    ofStorage: median(runs.map((m, round) => rps(m.saturation) / (storageRuns(scenario.name)[round] ?? Number.NaN))),
    p50: pick((m) => m.saturation.p50 / 1000),
    p99: pick((m) => m.saturation.p99 / 1000),
    p999: pick((m) => m.saturation.p999 / 1000),
    fixedP50: pick((m) => m.fixed.p50),
    fixedP99: pick((m) => m.fixed.p99),
    fixedP999: pick((m) => m.fixed.p999),
    rssMb: Math.max(...runs.map((m) => m.rssMb)),
    cpuUs: pick((m) => (Object.values(m.cpu).reduce((a, b) => a + b, 0) * 1e6) / m.saturation.requests),
    cpu: runs.at(-1)!.cpu,
    errors: runs.reduce((n, m) => n + m.saturation.errors.timeout + m.saturation.other + m.saturation.unavailable, 0),
    rowsOk: runs.every((m) => m.rowsCheck.ok),
    rows: runs.map((m) => m.rowsCheck),
    stats: runs.map((m) => m.stats).filter((s): s is WriteStats => s !== undefined),
    wal: runs.map((m) => m.wal).filter((w): w is WalSizes => w !== undefined),
  };
});

const lines: string[] = [];
lines.push(
  `| server | database | synchronous | req/s | of ceiling | p50 ms | p99 ms | p99.9 ms | @${FIXED_RATE}/s p50 | p99 | p99.9 | peak RSS MB | CPU µs/req | rows == 202s |`,
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
);
for (const row of summary) {
  const { scenario } = row;
  const rowsCell = scenario.database === "none" ? "–" : row.rowsOk ? `yes (${row.rows.map((r) => int(r.rows)).join(", ")})` : `NO ${JSON.stringify(row.rows)}`;
  lines.push(
    `| ${scenario.server} | ${scenario.database} | ${scenario.synchronous || "–"} | ${int(row.rps)} | ${pct(row.ofCeiling)} | ${ms(row.p50)} | ${ms(row.p99)} | ${ms(row.p999)} | ${ms(row.fixedP50)} | ${ms(row.fixedP99)} | ${ms(row.fixedP999)} | ${row.rssMb.toFixed(0)} | ${row.cpuUs.toFixed(1)} | ${rowsCell} |`,
  );
}

lines.push("", "| database | storage ceiling (bulk, 1000-row transactions) rows/s | service req/s | service / storage ceiling |", "|---|---|---|---|");
for (const [key, label] of [["empty", "empty, NORMAL"], ["1M", "1M events, NORMAL"], ["1M-full", "1M events, FULL"]] as const) {
  const service = summary.find((row) => row.scenario.name === key)!;
  lines.push(`| ${label} | ${int(median(storage[key]))} | ${int(service.rps)} | ${pct(service.ofStorage)} |`);
}

lines.push("", "Write-queue batch sizes at saturation and fixed rate (events per commit, all rounds):", "", "| scenario | commits | events | mean | distribution |", "|---|---|---|---|---|");
for (const row of summary.filter((r) => r.scenario.database !== "none")) {
  if (row.stats.length === 0) {
    lines.push(`| ${row.scenario.name} | – | – | – | the service logged no write-path stats |`);
    continue;
  }
  const commits = row.stats.reduce((n, s) => n + s.commits, 0);
  const events = row.stats.reduce((n, s) => n + s.committedEvents, 0);
  const buckets = new Map<string, number>();
  for (const stats of row.stats) for (const [bucket, count] of Object.entries(stats.batchSizes)) buckets.set(bucket, (buckets.get(bucket) ?? 0) + count);
  const distribution = [...buckets].map(([bucket, count]) => `${bucket}: ${pct(count / commits)}`).join(", ");
  lines.push(`| ${row.scenario.name} | ${int(commits)} | ${int(events)} | ${(events / commits).toFixed(1)} | ${distribution} |`);
}

{
  const { result, rss } = overload;
  const settled = rss.slice(2);
  lines.push(
    "",
    `Overload: ${OVERLOAD_CONNECTIONS} connections against MAX_PENDING_EVENTS=${OVERLOAD_QUEUE} (3× what the queue admits), 1M-event database, ${OVERLOAD_SECONDS} s:`,
    "",
    "| answered/s | 202 | 503 | other | timeouts | p50 ms | p99 ms | p99.9 ms | RSS MB first → last (max) | rows == 202s |",
    "|---|---|---|---|---|---|---|---|---|---|",
    `| ${int(rps(result))} | ${int(result.accepted)} | ${int(result.unavailable)} | ${result.other} | ${result.errors.timeout} | ${ms(result.p50 / 1000)} | ${ms(result.p99 / 1000)} | ${ms(result.p999 / 1000)} | ${settled[0]?.toFixed(0)} → ${settled.at(-1)?.toFixed(0)} (${Math.max(...rss).toFixed(0)}) | ${overload.rowsOk ? "yes" : "NO"} |`,
  );
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const walRows = summary.filter((row) => row.wal.length > 0);
lines.push(
  "",
  `SQLite WAL against the database file (MB; each round): peak during the saturation run, both at its end, and the WAL ${IDLE_WAL_MS / 1000} s after the fixed-rate run:`,
  "",
  "| scenario | database at end | WAL at end | WAL / database | WAL peak | WAL once idle |",
  "|---|---|---|---|---|---|",
);
for (const row of walRows) {
  const each = (f: (w: WalSizes) => string) => row.wal.map(f).join(", ");
  lines.push(
    `| ${row.scenario.name} | ${each((w) => mb(w.databaseAtEnd))} | ${each((w) => mb(w.walAtEnd))} | ${each((w) => (w.walAtEnd / w.databaseAtEnd).toFixed(2))} | ${each((w) => mb(w.walPeak))} | ${each((w) => mb(w.walIdle))} |`,
  );
}

lines.push("", "Server CPU seconds by thread during the last saturation run:", "");
for (const row of summary) {
  const parts = Object.entries(row.cpu).sort((a, b) => b[1] - a[1]).map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`);
  lines.push(`- ${row.scenario.name}: ${parts.join(", ")}`);
}

const empty = summary.find((r) => r.scenario.name === "empty")!;
const sqliteRows = summary.filter((r) => r.scenario.database !== "none" && !r.scenario.name.startsWith("pg"));
const million = summary.find((r) => r.scenario.name === "1M")!;
const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
// Flat memory: the least-squares slope of RSS over the settled samples (the first second is the
// ramp-up), in MB/s. Unbounded queueing at these rates would grow by tens of MB a second.
const overloadRss = (() => {
  const samples = overload.rss.slice(2);
  const n = samples.length;
  const meanX = (n - 1) / 2;
  const meanY = samples.reduce((a, b) => a + b, 0) / n;
  const slope = samples.reduce((sum, y, x) => sum + (x - meanX) * (y - meanY), 0) / samples.reduce((sum, _, x) => sum + (x - meanX) ** 2, 0);
  return { first: samples[0] ?? 0, last: samples.at(-1) ?? 0, max: Math.max(...samples), mbPerSecond: slope * 2 };
})();
lines.push(
  "",
  "Targets (medians over rounds):",
  "",
  `- saturation ≥ 50 % of ceiling: empty ${pct(empty.ofCeiling)}, 1M ${pct(million.ofCeiling)}: ${verdict(empty.ofCeiling >= 0.5)}`,
  `- p99 at ${CONNECTIONS} connections ≤ 5 ms: empty ${ms(empty.p99)}, 1M ${ms(million.p99)}: ${verdict(empty.p99 <= 5 && million.p99 <= 5)}`,
  `- p99.9 at ${FIXED_RATE} req/s ≤ 2 ms: empty ${ms(empty.fixedP999)}, 1M ${ms(million.fixedP999)}: ${verdict(empty.fixedP999 <= 2 && million.fixedP999 <= 2)}`,
  `- 1M-event database ≥ 60 % of storage ceiling: ${pct(million.ofStorage)}: ${verdict(million.ofStorage >= 0.6)}`,
  `- peak RSS ≤ 100 MB (SQLite): ${Math.max(...sqliteRows.map((r) => r.rssMb)).toFixed(0)} MB: ${verdict(sqliteRows.every((r) => r.rssMb <= 100))}`,
  `- rows == 202s: ${verdict(summary.every((r) => r.rowsOk) && overload.rowsOk)}`,
  `- WAL bounded (peak ≤ ${mb(WAL_PEAK_BOUND_BYTES)} MB, empty once idle): peak ${mb(Math.max(...walRows.flatMap((r) => r.wal.map((w) => w.walPeak))))} MB, idle ${mb(Math.max(...walRows.flatMap((r) => r.wal.map((w) => w.walIdle))))} MB: ${verdict(walRows.every((r) => r.wal.every((w) => w.walPeak <= WAL_PEAK_BOUND_BYTES && w.walIdle === 0)))}`,
  `- 3× overload, memory flat and the excess refused fast: RSS ${overloadRss.first.toFixed(0)} → ${overloadRss.last.toFixed(0)} MB (max ${overloadRss.max.toFixed(0)}, trend ${overloadRss.mbPerSecond.toFixed(2)} MB/s), ${int(overload.result.unavailable)} 503s, p99 ${ms(overload.result.p99 / 1000)} ms, ${overload.result.errors.timeout} timeouts: ${verdict(Math.abs(overloadRss.mbPerSecond) < 1 && overload.result.errors.timeout === 0 && overload.result.unavailable > 0)}`,
);

const header = [
  `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}; ${versions()}.`,
  `${ROUNDS} rounds (A B A B), ${CONNECTIONS} connections for ${SATURATION_SECONDS} s after ${WARMUP_SECONDS} s warm-up; then ${FIXED_RATE} req/s for ${FIXED_SECONDS} s; ~150-byte events with random session ids; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after; ${((Date.now() - startedAt) / 1000).toFixed(0)} s in all.`,
];
const table = [...header, "", ...lines].join("\n");
process.stdout.write(`${table}\n`);
writeFileSync(join(import.meta.dir, "RESULTS.md"), `# Benchmark results\n\nWritten by \`bun run bench\` (bench/run.ts).\n\n${table}\n`);
