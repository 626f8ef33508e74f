import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseConfig } from "../src/config";
import { openStore } from "./support/store";
import { EVENT_TYPES } from "../src/events/model";
import { startServer, tempDir } from "./support/server";

// The DDL the previous release (before event_id and occurred_at) pushed, verbatim.
const PREVIOUS_DDL = [
  `CREATE TABLE \`user_events\` (
	\`id\` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	\`session_id\` text(64) NOT NULL,
	\`event_type\` text(50) NOT NULL,
	\`payload\` text DEFAULT '{}' NOT NULL,
	\`created_at\` integer NOT NULL
);`,
  "CREATE INDEX `ix_user_events_session_id` ON `user_events` (`session_id`);",
  "CREATE INDEX `ix_user_events_type_created` ON `user_events` (`event_type`,`created_at`);",
];

const OLD_ROWS = 300;

// Every column added since, NULL on the rows stored before it existed.
const NEW_COLUMNS_NULL = Object.fromEntries(
  ["path", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "screen_width", "browser", "os", "device", "is_bot", "violations", "user_agent"].map(
    (column) => [column, null],
  ),
);

interface OldRow {
  id: number;
  session_id: string;
  event_type: string;
  payload: string;
  created_at: number;
}

/** A database file as the previous release left it: its table, rows (with gaps in the ids) and a table of someone else's. */
function writePreviousDatabase(path: string): OldRow[] {
  const db = new Database(path, { create: true, strict: true });
  db.run("PRAGMA journal_mode = WAL");
  for (const statement of PREVIOUS_DDL) db.run(statement);
  db.run("CREATE TABLE reports (id integer PRIMARY KEY, title text)");
  db.run("INSERT INTO reports (title) VALUES ('weekly')");
  const insert = db.prepare("INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES (?, ?, ?, ?)");
  db.transaction(() => {
    for (let i = 0; i < OLD_ROWS; i++) {
      insert.run(`old-${i % 7}`, EVENT_TYPES[i % EVENT_TYPES.length]!, JSON.stringify({ i, note: "ünïcode ✓" }), 1_700_000_000_000 + i * 1000);
    }
  })();
  db.run("DELETE FROM user_events WHERE id % 50 = 0");
  const rows = db.query<OldRow, []>("SELECT * FROM user_events ORDER BY id").all();
  db.close();
  return rows;
}

let dir: ReturnType<typeof tempDir>;
let path: string;
let oldRows: OldRow[];
beforeEach(() => {
  dir = tempDir();
  path = join(dir.path, "events.db");
  oldRows = writePreviousDatabase(path);
});
afterEach(() => dir.cleanup());

describe("a database written by the previous release is upgraded additively on boot", () => {
  test("the push adds nullable columns (client time, then the tracking plan's origin columns) and a unique index to user_events, and the rollup tables", async () => {
    const store = await openStore(parseConfig({ DATABASE_URL: path }));
    const [ofUserEvents, others] = [true, false].map((mine) => store.pushed.statements.filter((statement) => statement.includes("`user_events`") === mine));
    expect(ofUserEvents).toEqual([
      "ALTER TABLE `user_events` ADD `event_id` text(36);",
      "ALTER TABLE `user_events` ADD `occurred_at` integer;",
      "ALTER TABLE `user_events` ADD `path` text(1024);",
      "ALTER TABLE `user_events` ADD `referrer` text(2048);",
      "ALTER TABLE `user_events` ADD `utm_source` text(256);",
      "ALTER TABLE `user_events` ADD `utm_medium` text(256);",
      "ALTER TABLE `user_events` ADD `utm_campaign` text(256);",
      "ALTER TABLE `user_events` ADD `utm_term` text(256);",
      "ALTER TABLE `user_events` ADD `utm_content` text(256);",
      "ALTER TABLE `user_events` ADD `screen_width` integer;",
      "ALTER TABLE `user_events` ADD `browser` text(64);",
      "ALTER TABLE `user_events` ADD `os` text(64);",
      "ALTER TABLE `user_events` ADD `device` text(64);",
      "ALTER TABLE `user_events` ADD `is_bot` integer;",
      "ALTER TABLE `user_events` ADD `violations` text;",
      "ALTER TABLE `user_events` ADD `user_agent` text(512);",
      "CREATE UNIQUE INDEX `ux_user_events_event_id` ON `user_events` (`event_id`);",
    ]);
    expect(others!.map((statement) => statement.split("(")[0]!.trim())).toEqual([
      "CREATE TABLE `rollup_backfill`",
      "CREATE TABLE `rollup_counts`",
      "CREATE UNIQUE INDEX `ux_rollup_counts_bucket` ON `rollup_counts`",
    ]);
    await store.close();
  });

  test("every old row survives unchanged, with the new columns NULL; other tables are untouched", async () => {
    const store = await openStore(parseConfig({ DATABASE_URL: path }));
    await store.close();
    const check = new Database(path, { readonly: true });
    const after = check.query<OldRow & Record<string, unknown>, []>("SELECT * FROM user_events ORDER BY id").all();
    expect(after).toEqual(oldRows.map((row) => ({ ...row, event_id: null, occurred_at: null, ...NEW_COLUMNS_NULL })));
    expect(check.query("SELECT title FROM reports").all()).toEqual([{ title: "weekly" }]);
    expect(check.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    check.close();
  });

  test("new events land next to the old ones with fresh ids, event_id dedupe works, and a second boot is a no-op", async () => {
    const first = await openStore(parseConfig({ DATABASE_URL: path }));
    const eventId = crypto.randomUUID();
    const row = { sessionId: "new", eventType: EVENT_TYPES[0], payload: "{}", createdAt: new Date(), eventId };
    expect(await first.append([row, row])).toEqual({ inserted: 1, duplicates: 1 });
    await first.close();

    const second = await openStore(parseConfig({ DATABASE_URL: path }));
    expect(second.pushed.statements).toEqual([]);
    await second.close();
    const check = new Database(path, { readonly: true });
    const newest = check.query<{ id: number; event_id: string }, []>("SELECT id, event_id FROM user_events ORDER BY id DESC LIMIT 1").get();
    expect(newest).toEqual({ id: OLD_ROWS + 1, event_id: eventId });
    expect(check.query("SELECT count(*) AS n FROM user_events").get()).toEqual({ n: oldRows.length + 1 });
    check.close();
  });

  test("the real server boots on the old file, takes events, and keeps every old row", async () => {
    const server = await startServer({ DATABASE_URL: path, LOG_LEVEL: "debug" });
    try {
      const response = await fetch(`${server.url}/api/events/batch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ batch: [{ session_id: "after-upgrade", event_type: EVENT_TYPES[1], event_id: crypto.randomUUID(), timestamp: Date.now() }] }),
      });
      expect(response.status).toBe(202);
      expect(server.output()).toContain("ux_user_events_event_id");
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const db = new Database(path, { readonly: true, strict: true });
    const old = db.query<OldRow, []>("SELECT id, session_id, event_type, payload, created_at FROM user_events WHERE event_id IS NULL ORDER BY id").all();
    expect(old).toEqual(oldRows);
    expect(db.query("SELECT session_id FROM user_events WHERE event_id IS NOT NULL").all()).toEqual([{ session_id: "after-upgrade" }]);
    db.close();
  });
});
