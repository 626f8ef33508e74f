/**
 * Storage-side helpers for bench/run.ts, run as child processes so their memory and GC stay
 * out of the measurements:
 *   bun bench/storage.ts prefill <db> <rows>            a database holding <rows> events
 *   bun bench/storage.ts ceiling <db> <rows> <sync> [event-ids]
 *       bulk-insert <rows> more; prints rows/s; with event-ids each row has an event_id (UUID v7, as the SDK's)
 *   bun bench/storage.ts writer <db> <rows>             the service's own writer (SqliteBatchWriter:
 *       every column, the event_id index, the rollups) committing <rows> SDK-shaped events (50 per
 *       session, each with an event_id, a client time and a context) in 512-event transactions,
 *       as the write queue hands them over; prints rows/s (bench/batch.ts)
 */
import { Database } from "bun:sqlite";
import { pushSchema } from "../src/db/sqlite/push";
import * as schema from "../src/db/sqlite/schema";
import { timeOrderedId } from "../src/client/ids";
import { SqliteBatchWriter } from "../src/db/sqlite/batch-writer";
import type { NewEvent } from "../src/db/model";
import { randomRow } from "./rows";

// What the service writes for an event sent without event_id or client time.
const INSERT = "INSERT INTO user_events (session_id, event_type, payload, created_at, event_id, occurred_at) VALUES (?, ?, ?, ?, ?, ?)";
const TRANSACTION_ROWS = 1000;

function open(path: string, synchronous: string): Database {
  const sqlite = new Database(path, { create: true });
  sqlite.run("PRAGMA journal_mode = WAL");
  sqlite.run(`PRAGMA synchronous = ${synchronous}`);
  return sqlite;
}

/** `eventIds`: each row gets an event_id, a UUID v7 as the SDK makes (its unique index is then written too). */
function insertAll(sqlite: Database, rows: ReturnType<typeof randomRow>[], eventIds = false): void {
  const insert = sqlite.prepare(INSERT);
  const batch = sqlite.transaction((slice: typeof rows) => {
    for (const row of slice) insert.run(row.session_id, row.event_type, row.payload, row.created_at, eventIds ? timeOrderedId(row.created_at) : null, row.created_at);
  });
  for (let start = 0; start < rows.length; start += TRANSACTION_ROWS) batch(rows.slice(start, start + TRANSACTION_ROWS));
}

function generate(count: number, from: number): ReturnType<typeof randomRow>[] {
  return Array.from({ length: count }, (_, i) => randomRow(from + i));
}

// The same file the service would create: the schema comes from its own push. Indexes are
// dropped for the load and rebuilt by a second push, which is much faster than writing them row by row.
async function prefill(path: string, count: number): Promise<void> {
  const sqlite = open(path, "OFF");
  await pushSchema(sqlite, schema);
  for (const { name } of sqlite.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'user_events' AND sql IS NOT NULL").all()) {
    sqlite.run(`DROP INDEX ${name}`);
  }
  const start = Date.now() - count;
  for (let done = 0; done < count; done += 100_000) insertAll(sqlite, generate(Math.min(100_000, count - done), start + done));
  await pushSchema(sqlite, schema);
  sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite.close();
}

function ceiling(path: string, count: number, synchronous: string, eventIds: boolean): void {
  const sqlite = open(path, synchronous);
  const rows = generate(count, Date.now());
  const started = performance.now();
  insertAll(sqlite, rows, eventIds);
  const seconds = (performance.now() - started) / 1000;
  sqlite.close();
  process.stdout.write(`${JSON.stringify({ rows: count, seconds, rowsPerSecond: count / seconds })}\n`);
}

/** What the service stores for one event of bench/sdk-batch.lua: 50 per session, as one batch. */
function sdkEvents(count: number, from: number): NewEvent[] {
  const events: NewEvent[] = [];
  let sessionId = "";
  for (let i = 0; i < count; i++) {
    const row = randomRow(from + i);
    if (i % 50 === 0) sessionId = timeOrderedId(row.created_at);
    events.push({
      sessionId,
      eventType: row.event_type,
      payload: row.payload,
      createdAt: new Date(row.created_at),
      eventId: timeOrderedId(row.created_at),
      occurredAt: new Date(row.created_at - 1000),
      path: `/search/${i % 50}`,
      referrer: `https://www.example.org/blog/post-${i % 20}`,
      utmSource: "newsletter",
      utmMedium: "email",
      utmCampaign: `spring-${i % 5}`,
      screenWidth: 1440,
      browser: "Firefox 128",
      os: "Linux",
      device: "desktop",
      isBot: false,
    });
  }
  return events;
}

const COMMIT_EVENTS = 512;

function writer(path: string, count: number): void {
  const sqlite = open(path, "NORMAL");
  const batches = new SqliteBatchWriter(sqlite, 5000);
  const events = sdkEvents(count, Date.now());
  const started = performance.now();
  for (let start = 0; start < events.length; start += COMMIT_EVENTS) batches.commit(events.slice(start, start + COMMIT_EVENTS));
  const seconds = (performance.now() - started) / 1000;
  sqlite.close();
  process.stdout.write(`${JSON.stringify({ rows: count, seconds, rowsPerSecond: count / seconds })}\n`);
}

const [command, path, rows, synchronous = "NORMAL", ids] = process.argv.slice(2);
if (command === "prefill" && path && rows) await prefill(path, Number(rows));
else if (command === "ceiling" && path && rows) ceiling(path, Number(rows), synchronous, ids === "event-ids");
else if (command === "writer" && path && rows) writer(path, Number(rows));
else {
  process.stderr.write("usage: bun bench/storage.ts prefill <db> <rows> | ceiling <db> <rows> [sync] [event-ids] | writer <db> <rows>\n");
  process.exit(2);
}
