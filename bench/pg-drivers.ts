/**
 * Which PostgreSQL driver and insert shape the write path uses, measured: Bun's built-in SQL
 * client vs postgres.js (both through Drizzle), each with a multi-row INSERT ... VALUES built by
 * Drizzle and with the INSERT ... SELECT FROM unnest(<column arrays>) the store sends. The store's
 * own WriteQueue (one insert at a time, up to 1,000 events) with 64 concurrent appenders drives
 * each, in alternating rounds; client CPU per event matters as much as events/s on a machine whose
 * cores the HTTP server needs too.
 *
 *   TEST_DATABASE_URL=postgres://... bun bench/pg-drivers.ts      (ROUNDS=3 EVENTS=40000 by default)
 */
import { SQL } from "bun";
import { sql } from "drizzle-orm";
import { drizzle as drizzleBun } from "drizzle-orm/bun-sql";
import { drizzle as drizzlePostgresJs } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { pushPgSchema } from "../src/db/pg/push";
import { userEventsIn } from "../src/db/pg/schema";
import { WriteQueue } from "../src/db/write-queue";

const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error("set TEST_DATABASE_URL (eval \"$(bash .ci/postgres start)\" starts a throw-away server)");
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const EVENTS = Number(process.env.EVENTS ?? 40_000);
const APPENDERS = 64;
const POOL = 4;
const SCHEMA = `bench_drivers_${process.pid}`;

interface Row {
  sessionId: string;
  eventType: string;
  payload: string;
  createdAt: Date;
}
type Insert = (rows: Row[]) => Promise<unknown>;

const bun = new SQL(url, { max: POOL });
const postgresJs = postgres(url, { max: POOL, onnotice: () => {} });
const table = userEventsIn(SCHEMA);

const UNNEST = `INSERT INTO ${SCHEMA}.user_events (session_id, event_type, payload, created_at)
  SELECT session_id, event_type, payload::jsonb, created_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS batch (session_id, event_type, payload, created_at)`;
const arrays = (rows: Row[]) => [rows.map((r) => r.sessionId), rows.map((r) => r.eventType), rows.map((r) => r.payload), rows.map((r) => r.createdAt.toISOString())];

const values = (db: ReturnType<typeof drizzleBun> | ReturnType<typeof drizzlePostgresJs>): Insert => (rows) =>
  db.insert(table).values(rows.map((row) => ({ ...row, payload: sql`${row.payload}::text::jsonb` })));

const candidates: [string, Insert][] = [
  ["Bun SQL + unnest (the store)", (rows) => bun.unsafe(UNNEST, arrays(rows))],
  [
    "postgres.js + unnest",
    (rows) => {
      const [sessionIds, eventTypes, payloads, createdAt] = arrays(rows).map((column) => postgresJs.array(column));
      return postgresJs`INSERT INTO ${postgresJs(SCHEMA)}.user_events (session_id, event_type, payload, created_at)
        SELECT session_id, event_type, payload::jsonb, created_at
        FROM unnest(${sessionIds!}::text[], ${eventTypes!}::text[], ${payloads!}::text[], ${createdAt!}::timestamptz[]) AS batch (session_id, event_type, payload, created_at)`;
    },
  ],
  ["Bun SQL + Drizzle VALUES", values(drizzleBun({ client: bun }))],
  ["postgres.js + Drizzle VALUES", values(drizzlePostgresJs({ client: postgresJs }))],
];

/** The store's own write queue in front of each candidate insert. */
async function run(insert: Insert): Promise<{ perSecond: number; cpuMicros: number; p99: number }> {
  const queue = new WriteQueue<Row>({
    maxPending: EVENTS,
    maxBatch: 1000,
    commit: async (rows) => {
      const started = performance.now();
      await insert(rows);
      return { durationMs: performance.now() - started, duplicates: [] };
    },
  });
  const append = (row: Row) => queue.enqueue([row]);

  let next = 0;
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: APPENDERS }, async () => {
      while (next < EVENTS) {
        const i = next++;
        const sent = performance.now();
        await append({
          sessionId: `${crypto.randomUUID().slice(0, 8)}-${i}`,
          eventType: "card_click",
          payload: JSON.stringify({ card_id: `c_${i}`, position: i % 20, list: "recommended" }),
          createdAt: new Date(),
        });
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return { perSecond: EVENTS / seconds, cpuMicros: (used.user + used.system) / EVENTS, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  // The service's own table and indexes, in a schema of this run's own.
  await pushPgSchema(drizzleBun({ client: bun }), SCHEMA, [table]);

  // Connect both pools before measuring; postgres.js also learns the array types it serialises
  // (a query with arrays sent before that fails with "malformed array literal").
  await Promise.all(Array.from({ length: POOL }, () => Promise.all([bun`SELECT 1`, postgresJs`SELECT 1`])));

  const results = new Map(candidates.map(([name]) => [name, [] as Awaited<ReturnType<typeof run>>[]]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, insert] of candidates) {
      await bun.unsafe(`TRUNCATE ${SCHEMA}.user_events`);
      const result = await run(insert);
      const [{ n }] = await bun.unsafe(`SELECT count(*)::int AS n FROM ${SCHEMA}.user_events WHERE jsonb_typeof(payload) = 'object'`);
      if (n !== EVENTS) throw new Error(`${name}: ${n} object payloads stored, expected ${EVENTS}`);
      results.get(name)!.push(result);
      console.error(`round ${round} ${name}: ${Math.round(result.perSecond)} events/s, ${result.cpuMicros.toFixed(1)} µs CPU/event`);
    }
  }
  console.log(`${ROUNDS} rounds × ${EVENTS} events, ${APPENDERS} appenders, the store's write queue, medians:\n`);
  console.log("| driver + insert | events/s | client CPU µs/event | p99 append ms |");
  console.log("|---|---|---|---|");
  for (const [name, runs] of results) {
    console.log(`| ${name} | ${Math.round(median(runs.map((r) => r.perSecond)))} | ${median(runs.map((r) => r.cpuMicros)).toFixed(1)} | ${median(runs.map((r) => r.p99)).toFixed(1)} |`);
  }
} finally {
  await bun.unsafe(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await bun.close();
  await postgresJs.end();
}
