/**
 * Isolation benchmark: does reading slow down ingest?
 *
 *   bun bench/isolation.ts [rows] [seconds per row]     (also part of `bun run bench`)
 *
 * The real server (`bun src/index.ts`) on a SQLite file seeded with `rows` events (300,000 by
 * default) over the last day takes ingest at a fixed 200 requests/s (bench/fixed-rate.ts) for a
 * few seconds per row:
 * - idle: nothing else runs;
 * - export loop: one client downloads GET /api/events/export (every row, NDJSON) again and again;
 * - stats loop: one client polls GET /api/stats/events?bucket=minute (the whole day) back to back.
 * The same rows run on PostgreSQL when it is available (bench/postgres.ts; SKIP_POSTGRES=1 skips).
 * Rows run A B C A B C; each figure is the median over rounds. Target (issue 9): ingest p99
 * during either loop ≤ max(3 × idle p99, 30 ms), and no ingest request over 500 ms.
 * Prints one table (with the ratios and whether the target is met) and writes bench/ISOLATION.md.
 */
import { SQL } from "bun";
import { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config";
import { openDatabase } from "../src/db/open";
import { open as openSqlite } from "../src/db/sqlite";
import { tempDir } from "../test/support/server";
import { randomRow } from "./rows";
import { benchPostgres } from "./postgres";
import { startService } from "./service";

const ROWS = Number(process.argv[2] ?? 300_000);
const SECONDS = Number(process.argv[3] ?? 5);
const ROUNDS = 2;
const RATE = 200;
const TOKEN = "bench-admin-token-0123456789abcdef0123456789";
const DAY_MS = 86_400_000;
const ROOT = join(import.meta.dir, "..");

const dir = tempDir("isolation-bench-");
const databaseUrl = join(dir.path, "events.db");
const startedAt = Date.now();
const log = (line: string) => process.stderr.write(`[isolation ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);

/** The service creates the table; the rows go in through a connection of the bench's own, in large transactions. */
async function seed(): Promise<void> {
  await (await openSqlite(parseConfig({ DATABASE_URL: databaseUrl }))).close();
  const sqlite = new Database(databaseUrl);
  const insert = sqlite.prepare("INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES (?, ?, ?, ?)");
  const dayStart = Date.now() - DAY_MS;
  sqlite.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const row = randomRow(dayStart + Math.floor((i * DAY_MS) / ROWS));
      insert.run(row.session_id, row.event_type, row.payload, row.created_at);
    }
  })();
  sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite.close();
}

interface FixedRate {
  sent: number;
  unanswered: number;
  accepted: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
}

async function ingestAtFixedRate(url: string): Promise<FixedRate> {
  const child = Bun.spawn(["bun", "bench/fixed-rate.ts", `${url}/api/events`, String(RATE), String(SECONDS), "16", "5"], { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
  const [text, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (code !== 0) throw new Error(`fixed-rate exited with ${code}`);
  return JSON.parse(text) as FixedRate;
}

/** Runs `once` back to back until stopped; counts completions and the statuses seen. */
function loop(once: () => Promise<number>): { stop: () => Promise<{ runs: number; statuses: Record<number, number> }> } {
  let running = true;
  let runs = 0;
  const statuses: Record<number, number> = {};
  const done = (async () => {
    while (running) {
      const status = await once();
      statuses[status] = (statuses[status] ?? 0) + 1;
      runs++;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return { runs, statuses };
    },
  };
}

const headers = { authorization: `Bearer ${TOKEN}` };
const loads = {
  idle: undefined,
  "export loop": (url: string) => async () => {
    const response = await fetch(`${url}/api/events/export`, { headers });
    // Read as a client would, chunk by chunk, without keeping it.
    for await (const _ of response.body!);
    return response.status;
  },
  "stats loop": (url: string) => async () => {
    const from = new Date(Date.now() - DAY_MS).toISOString();
    const response = await fetch(`${url}/api/stats/events?bucket=minute&from=${from}`, { headers });
    await response.arrayBuffer();
    return response.status;
  },
} as const;
type Load = keyof typeof loads;

interface Row {
  load: Load;
  ingest: FixedRate;
  reads?: { runs: number; statuses: Record<number, number> };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));

/** The rows for one backend, already seeded: A B C A B C against one server. */
async function measure(env: Record<string, string>): Promise<Row[]> {
  const server = await startService({ ...env, ADMIN_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: "0" });
  const results: Row[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const load of Object.keys(loads) as Load[]) {
        const make = loads[load];
        const reads = make ? loop(make(server.url)) : undefined;
        // Let the read loop get going before the measured ingest starts.
        if (reads) await Bun.sleep(300);
        const ingest = await ingestAtFixedRate(server.url);
        results.push({ load, ingest, reads: await reads?.stop() });
        log(`round ${round + 1} ${load}: p50 ${ms(ingest.p50)} ms, p99 ${ms(ingest.p99)} ms, max ${ms(ingest.max)} ms, statuses ${JSON.stringify(ingest.statuses)}`);
      }
    }
  } finally {
    await server.stop();
  }
  return results;
}

/** The table and verdicts of one backend's rows. */
function report(title: string, results: Row[]): string[] {
  const of = (load: Load) => results.filter((row) => row.load === load);
  const idleP99 = median(of("idle").map((row) => row.ingest.p99));
  const bound = Math.max(3 * idleP99, 30);
  const lines = [
    `${title}: ingest at ${RATE} req/s for ${SECONDS} s per row (after 1 s warm-up), ${ROWS.toLocaleString("en")} events over one day; medians of ${ROUNDS} rounds (A B C A B C).`,
    "",
    "| while | ingest p50 ms | p99 ms | max ms | p99 / idle p99 | non-202 | reads done (statuses) |",
    "|---|---|---|---|---|---|---|",
  ];
  const verdicts: string[] = [];
  for (const load of Object.keys(loads) as Load[]) {
    const rows = of(load);
    const p50 = median(rows.map((row) => row.ingest.p50));
    const p99 = median(rows.map((row) => row.ingest.p99));
    const max = Math.max(...rows.map((row) => row.ingest.max));
    // Requests never sent (every connection stuck) or never answered count as not accepted too.
    const non202 = rows.reduce((n, row) => n + (1 + SECONDS) * RATE - row.ingest.accepted, 0);
    const reads = rows.map((row) => (row.reads ? `${row.reads.runs} ${JSON.stringify(row.reads.statuses)}` : "–")).join(", ");
    lines.push(`| ${load} | ${ms(p50)} | ${ms(p99)} | ${ms(max)} | ${(p99 / idleP99).toFixed(1)}× | ${non202} | ${reads} |`);
    if (load !== "idle") {
      const met = p99 <= bound && max <= 500 && non202 === 0;
      verdicts.push(`- during the ${load}: p99 ${ms(p99)} ms ≤ ${ms(bound)} ms, max ${ms(max)} ms ≤ 500 ms, every ingest 202: ${met ? "met" : "MISSED"}`);
    }
  }
  return [...lines, "", `Target: p99 ≤ max(3 × idle p99 = ${ms(3 * idleP99)} ms, 30 ms) = ${ms(bound)} ms, no ingest over 500 ms:`, "", ...verdicts, ""];
}

/** The same rows on PostgreSQL (bench/postgres.ts), seeded server-side with generate_series. */
async function postgresRows(): Promise<string[]> {
  const postgres = await benchPostgres();
  if (typeof postgres === "string") return [`PostgreSQL rows skipped: ${postgres}.`];
  try {
    const database = await postgres.freshDatabase();
    try {
      await (await openDatabase(parseConfig(database.env))).close();
      const { DATABASE_URL: url, DATABASE_SCHEMA: schema } = database.env;
      const admin = new SQL(url!, { max: 1 });
      log(`seeding ${ROWS.toLocaleString("en")} events (PostgreSQL)`);
      await admin.unsafe(`
        INSERT INTO ${schema}.user_events (session_id, event_type, payload, created_at)
        SELECT md5(i::text), (ARRAY['card_click', 'sage_query', 'filter_change'])[1 + i % 3],
               jsonb_build_object('card_id', 'c_' || (i % 5000), 'position', i % 20, 'list', 'recommended'),
               now() - interval '1 day' + i * interval '1 day' / ${ROWS}
        FROM generate_series(1, ${ROWS}) AS i`);
      await admin.unsafe(`VACUUM ANALYZE ${schema}.user_events`);
      await admin.close();
      return report(`PostgreSQL (${postgres.version}, read pool of DATABASE_READ_POOL_SIZE=2 beside the write pool)`, await measure(database.env));
    } finally {
      await database.drop();
    }
  } finally {
    await postgres.stop();
  }
}

try {
  const loadBefore = loadavg()[0]!;
  log(`seeding ${ROWS.toLocaleString("en")} events (SQLite)`);
  await seed();
  const lines = [...report("SQLite file", await measure({ DATABASE_URL: databaseUrl })), ...(process.env.SKIP_POSTGRES === "1" ? [] : await postgresRows())];
  const header = `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Bun ${Bun.version}, a machine shared with other work; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after; ${((Date.now() - startedAt) / 1000).toFixed(0)} s in all.`;
  const table = [header, "", ...lines].join("\n");
  process.stdout.write(`${table}\n`);
  writeFileSync(join(import.meta.dir, "ISOLATION.md"), `# Isolation benchmark results\n\nWritten by \`bun bench/isolation.ts\` (part of \`bun run bench\`).\n\n${table}\n`);
} finally {
  dir.cleanup();
}
