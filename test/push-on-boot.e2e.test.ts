import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { pushSchema } from "../src/db/sqlite/push";
import * as schema from "../src/db/sqlite/schema";
import { EVENT_TYPES } from "../src/events/model";
import { runToExit, startServer, tempDir } from "./support/server";
import { dump, ROLLUP_TABLES } from "./support/sqlite-dump";

let dir: ReturnType<typeof tempDir>;
let dbFile: string;
beforeEach(() => {
  dir = tempDir();
  dbFile = join(dir.path, "shared.db");
});
afterEach(() => {
  dir.cleanup();
});

/** Runs `prepare` on the file in rollback-journal mode, as another tool would have left it. */
async function prepareDatabase(prepare: (db: Database) => void | Promise<void>) {
  const db = new Database(dbFile, { create: true, strict: true });
  await prepare(db);
  db.close();
}

function readDump(options?: Parameters<typeof dump>[1]): string {
  const db = new Database(dbFile, { readonly: true });
  try {
    return dump(db, options);
  } finally {
    db.close();
  }
}

function addForeignObjects(db: Database) {
  db.run("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, avatar BLOB)");
  db.run("CREATE INDEX ix_customers_name ON customers(name)");
  db.run("CREATE VIEW named_customers AS SELECT id, name FROM customers WHERE name <> ''");
  db.run("CREATE TABLE user_events_backup (session_id TEXT, payload TEXT)");
  const insert = db.query("INSERT INTO customers (name, avatar) VALUES (?, ?)");
  insert.run("Ada", new Uint8Array([1, 2, 3, 0, 255]));
  insert.run("Grâce ☕", null);
  db.run("INSERT INTO user_events_backup VALUES ('s-old', '{\"kept\":true}')");
}

function insertEvents(db: Database, count: number) {
  const insert = db.query("INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES (?, ?, ?, ?)");
  for (let i = 0; i < count; i++) insert.run(`existing-${i}`, EVENT_TYPES[i % EVENT_TYPES.length]!, JSON.stringify({ i }), 1_700_000_000_000 + i);
}

describe("push-on-boot on a database that already holds other tables and rows", () => {
  test("the server starts, adds its table, and keeps every foreign object and row byte for byte", async () => {
    await prepareDatabase(addForeignObjects);
    const before = readDump();

    const server = await startServer({ DATABASE_URL: dbFile });
    try {
      const response = await fetch(`${server.url}/api/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ session_id: "new", event_type: EVENT_TYPES[0] }),
      });
      expect(response.status).toBe(202);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(readDump({ except: ["user_events", "sqlite_sequence", ...ROLLUP_TABLES] })).toBe(before);
  });

  test("existing user_events rows are kept, and a missing index is added", async () => {
    // An older version of the service: the table and session index, no composite index.
    await prepareDatabase(async (db) => {
      addForeignObjects(db);
      await pushSchema(db, schema);
      db.run("DROP INDEX ix_user_events_type_created");
      insertEvents(db, 25);
    });
    const foreignBefore = readDump({ except: ["user_events", ...ROLLUP_TABLES] });
    const rowsBefore = JSON.parse(readDump()).rows.user_events;

    const server = await startServer({ DATABASE_URL: dbFile, LOG_LEVEL: "debug" });
    expect(await server.stop()).toBe(0);

    const startup = server.stdout().split("\n").filter(Boolean).map((line) => JSON.parse(line)).find((line) => "config" in line);
    expect(startup.schemaChanges).toHaveLength(1);
    expect(startup.schemaChanges[0]).toContain("ix_user_events_type_created");

    expect(JSON.parse(readDump()).rows.user_events).toEqual(rowsBefore);
    expect(readDump({ except: ["user_events", ...ROLLUP_TABLES] })).toBe(foreignBefore);
    const db = new Database(dbFile, { readonly: true });
    const indexes = db.query<{ name: string }, []>("PRAGMA index_list(user_events)").all().map((index) => index.name).sort();
    db.close();
    expect(indexes).toEqual(["ix_user_events_session_id", "ix_user_events_type_created", "ux_user_events_event_id"]);
  });
});

describe("push-on-boot refuses a change that would drop or rewrite data", () => {
  test("a column added by hand: the server does not start, names the statement, and touches nothing", async () => {
    await prepareDatabase(async (db) => {
      addForeignObjects(db);
      await pushSchema(db, schema);
      insertEvents(db, 10);
      db.run("ALTER TABLE user_events ADD COLUMN legacy_note TEXT");
      db.run("UPDATE user_events SET legacy_note = 'note ' || id");
    });
    const before = readDump();

    const { code, stdout, stderr } = await runToExit({ DATABASE_URL: dbFile });
    expect(code).not.toBe(0);
    expect(stderr).toContain("ALTER TABLE `user_events` DROP COLUMN `legacy_note`");
    expect(stderr).toMatch(/refusing/i);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain("listening");
    expect(readDump()).toBe(before);
  });
});
