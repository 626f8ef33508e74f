import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { UnsafeSchemaChangeError } from "../src/db/errors";
import { pushSchema } from "../src/db/sqlite/push";
import * as schema from "../src/db/sqlite/schema";
import { dump, ROLLUP_TABLES } from "./support/sqlite-dump";

const INDEXES = ["ix_user_events_session_id", "ix_user_events_type_created", "ux_user_events_event_id"];

let db: Database;
beforeEach(() => {
  db = new Database(":memory:", { strict: true });
});
afterEach(() => {
  db.close();
});

function indexNames(database: Database): string[] {
  return database
    .query<{ name: string; origin: string }, []>("PRAGMA index_list(user_events)")
    .all()
    .map((index) => index.name)
    .sort();
}

function indexColumns(database: Database, index: string): string[] {
  return database.query<{ name: string }, []>(`PRAGMA index_info(${index})`).all().map((column) => column.name);
}

/** The DDL a fresh push creates for user_events, in order: table, session index, composite index, event_id index. */
async function freshDdl(): Promise<string[]> {
  const scratch = new Database(":memory:");
  const { statements } = await pushSchema(scratch, schema);
  scratch.close();
  return ofUserEvents(statements);
}

/** The statements about user_events; the rest create the rollup tables (2 tables, 1 index). */
function ofUserEvents(statements: readonly string[]): string[] {
  return statements.filter((statement) => statement.includes("`user_events`"));
}
const ROLLUP_STATEMENTS = 3;

function insertEvents(database: Database, count: number, prefix = "old") {
  const insert = database.query("INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES (?, ?, ?, ?)");
  for (let i = 0; i < count; i++) insert.run(`${prefix}-${i}`, "card_click", JSON.stringify({ i, text: "é ☕" }), 1_700_000_000_000 + i);
}

/** Tables, a view, indexes and a trigger this service does not own, with rows of every kind. */
function addForeignObjects(database: Database) {
  database.run("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT, amount REAL, data BLOB)");
  database.run("CREATE INDEX ix_orders_note ON orders(note)");
  database.run("CREATE TABLE user_events_archive (session_id TEXT, payload TEXT)");
  database.run("CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 10");
  database.run("CREATE TABLE audit (what TEXT)");
  database.run("CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES ('order ' || new.id); END");
  const insert = database.query("INSERT INTO orders (note, amount, data) VALUES (?, ?, ?)");
  insert.run("first", 12.5, new Uint8Array([0, 1, 2, 255]));
  insert.run("ünïcödé ☕", 3, null);
  insert.run(null, 99.99, new Uint8Array(0));
  database.run("INSERT INTO user_events_archive VALUES ('s-archived', '{\"a\":1}')");
}

describe("a fresh database gets the table and its indexes", () => {
  test("user_events with the contract's columns", async () => {
    const { statements } = await pushSchema(db, schema);
    expect(ofUserEvents(statements)).toHaveLength(4);
    expect(statements).toHaveLength(4 + ROLLUP_STATEMENTS);

    const columns = db.query<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }, []>("PRAGMA table_info(user_events)").all();
    expect(columns.map(({ name, type, notnull, dflt_value, pk }) => ({ name, type: type.toLowerCase(), notnull, dflt_value, pk }))).toEqual([
      { name: "id", type: "integer", notnull: 1, dflt_value: null, pk: 1 },
      { name: "session_id", type: "text(64)", notnull: 1, dflt_value: null, pk: 0 },
      { name: "event_type", type: "text(50)", notnull: 1, dflt_value: null, pk: 0 },
      { name: "payload", type: "text", notnull: 1, dflt_value: "'{}'", pk: 0 },
      { name: "created_at", type: "integer", notnull: 1, dflt_value: null, pk: 0 },
      { name: "event_id", type: "text(36)", notnull: 0, dflt_value: null, pk: 0 },
      { name: "occurred_at", type: "integer", notnull: 0, dflt_value: null, pk: 0 },
      // The tracking plan's origin columns, all nullable.
      ...[
        ["path", "text(1024)"],
        ["referrer", "text(2048)"],
        ["utm_source", "text(256)"],
        ["utm_medium", "text(256)"],
        ["utm_campaign", "text(256)"],
        ["utm_term", "text(256)"],
        ["utm_content", "text(256)"],
        ["screen_width", "integer"],
        ["browser", "text(64)"],
        ["os", "text(64)"],
        ["device", "text(64)"],
        ["is_bot", "integer"],
        ["violations", "text"],
        ["user_agent", "text(512)"],
      ].map(([name, type]) => ({ name: name!, type: type!, notnull: 0, dflt_value: null as string | null, pk: 0 })),
    ]);
    const ddl = db.query<{ sql: string }, []>("SELECT sql FROM sqlite_master WHERE name = 'user_events'").get()!.sql;
    expect(ddl).toContain("AUTOINCREMENT");
  });

  test("the session_id index, the composite (event_type, created_at) index and the unique event_id index", async () => {
    await pushSchema(db, schema);
    expect(indexNames(db)).toEqual(INDEXES);
    expect(indexColumns(db, "ix_user_events_session_id")).toEqual(["session_id"]);
    expect(indexColumns(db, "ix_user_events_type_created")).toEqual(["event_type", "created_at"]);
    expect(indexColumns(db, "ux_user_events_event_id")).toEqual(["event_id"]);
    const unique = db.query<{ name: string; unique: number }, []>("PRAGMA index_list(user_events)").all();
    expect(unique.filter((index) => index.unique === 1).map((index) => index.name)).toEqual(["ux_user_events_event_id"]);
    const inMaster = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'user_events' ORDER BY name").all();
    expect(inMaster.map((index) => index.name)).toEqual(INDEXES);
  });

  test("the push writes nothing to stdout (no spinner in the logs)", async () => {
    const write = spyOn(process.stdout, "write");
    try {
      await pushSchema(db, schema);
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });
});

describe("an up-to-date database is a no-op", () => {
  test("the second push plans zero statements and changes nothing", async () => {
    await pushSchema(db, schema);
    insertEvents(db, 5);
    const before = dump(db);
    expect((await pushSchema(db, schema)).statements).toEqual([]);
    expect(dump(db)).toBe(before);
  });
});

describe("objects and rows the service does not own are kept, byte for byte", () => {
  test("foreign tables, a view, an index and a trigger beside a fresh user_events", async () => {
    addForeignObjects(db);
    const before = dump(db);
    const { statements } = await pushSchema(db, schema);
    expect(ofUserEvents(statements)).toHaveLength(4);
    expect(statements).toHaveLength(4 + ROLLUP_STATEMENTS);
    expect(statements.join("\n")).not.toMatch(/DROP|orders|audit|archive|big_orders/i);
    expect(dump(db, { except: ["user_events", "sqlite_sequence", ...ROLLUP_TABLES] })).toBe(before);
  });

  test("foreign objects and existing user_events rows survive a later push", async () => {
    await pushSchema(db, schema);
    addForeignObjects(db);
    insertEvents(db, 20);
    const before = dump(db);
    expect((await pushSchema(db, schema)).statements).toEqual([]);
    expect(dump(db)).toBe(before);
  });
});

describe("an additive change is applied", () => {
  test("a table created from an older DDL without the composite index gets it; rows kept", async () => {
    const [table, sessionIndex, , eventIdIndex] = await freshDdl();
    db.run(table!);
    db.run(sessionIndex!);
    db.run(eventIdIndex!);
    insertEvents(db, 10);
    const rowsBefore = db.query("SELECT * FROM user_events ORDER BY id").all();

    const { statements } = await pushSchema(db, schema);
    expect(ofUserEvents(statements)).toHaveLength(1);
    expect(ofUserEvents(statements)[0]).toContain("ix_user_events_type_created");
    expect(indexNames(db)).toEqual(INDEXES);
    expect(db.query("SELECT * FROM user_events ORDER BY id").all()).toEqual(rowsBefore);
  });

  test("a table without the payload column gets it with its default; rows kept", async () => {
    db.run("CREATE TABLE `user_events` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `session_id` text(64) NOT NULL, `event_type` text(50) NOT NULL, `created_at` integer NOT NULL)");
    db.run("INSERT INTO user_events (session_id, event_type, created_at) VALUES ('legacy', 'card_click', 1)");

    const { statements } = await pushSchema(db, schema);
    expect(ofUserEvents(statements)[0]).toMatch(/^ALTER TABLE `user_events` ADD `payload`/);
    expect(db.query("SELECT id, session_id, event_type, payload, created_at FROM user_events").all()).toEqual([
      { id: 1, session_id: "legacy", event_type: "card_click", payload: "{}", created_at: 1 },
    ]);
  });
});

describe("a change that would drop or rewrite data is refused, and nothing is touched", () => {
  function expectRefused(error: unknown, statement: RegExp) {
    expect(error).toBeInstanceOf(UnsafeSchemaChangeError);
    expect((error as UnsafeSchemaChangeError).statement).toMatch(statement);
    expect((error as Error).message).toContain((error as UnsafeSchemaChangeError).statement);
  }

  test("a column added by hand to user_events: refused, naming the DROP COLUMN", async () => {
    await pushSchema(db, schema);
    db.run("ALTER TABLE user_events ADD COLUMN legacy_note TEXT");
    insertEvents(db, 10);
    db.run("UPDATE user_events SET legacy_note = 'note' WHERE id % 2 = 0");
    addForeignObjects(db);
    const before = dump(db);

    const error = await pushSchema(db, schema).catch((caught: unknown) => caught);
    expectRefused(error, /DROP COLUMN `legacy_note`/);
    expect(dump(db)).toBe(before);
    expect(db.inTransaction).toBe(false);
  });

  test("an unknown column beside a column the schema adds (drizzle-kit's rename question): refused, never prompted", async () => {
    db.run(
      "CREATE TABLE `user_events` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `session_id` text(64) NOT NULL, `event_type` text(50) NOT NULL, `payload` text DEFAULT '{}' NOT NULL, `created_at` integer NOT NULL, `event_id` text(36), `legacy_note` text)",
    );
    const before = dump(db);

    const error = await pushSchema(db, schema).catch((caught: unknown) => caught);
    expectRefused(error, /DROP COLUMN `legacy_note`/);
    expect(dump(db)).toBe(before);
    expect(db.inTransaction).toBe(false);
  });

  test("a column whose type differs (a table rebuild): refused, naming a rebuild statement", async () => {
    db.run("CREATE TABLE `user_events` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `session_id` integer NOT NULL, `event_type` text(50) NOT NULL, `payload` text DEFAULT '{}' NOT NULL, `created_at` integer NOT NULL)");
    insertEvents(db, 3);
    const before = dump(db);

    const error = await pushSchema(db, schema).catch((caught: unknown) => caught);
    expectRefused(error, /__new_user_events|DROP TABLE|PRAGMA/);
    expect(dump(db)).toBe(before);
  });

  test("all or nothing: an additive statement planned beside an unsafe one is not applied either", async () => {
    const [table, sessionIndex] = await freshDdl();
    db.run(table!);
    db.run(sessionIndex!);
    db.run("ALTER TABLE user_events ADD COLUMN legacy_note TEXT");
    insertEvents(db, 3);
    const before = dump(db);

    const error = await pushSchema(db, schema).catch((caught: unknown) => caught);
    expectRefused(error, /DROP COLUMN/);
    expect(indexNames(db)).not.toContain("ix_user_events_type_created");
    expect(dump(db)).toBe(before);
  });

  test("an index added by hand on user_events is left alone: no statement, the service boots", async () => {
    await pushSchema(db, schema);
    db.run("CREATE INDEX ix_ops_payload ON user_events(payload)");
    const before = dump(db);

    const result = await pushSchema(db, schema);
    expect(result.statements).toEqual([]);
    expect(indexNames(db)).toContain("ix_ops_payload");
    expect(dump(db)).toBe(before);
  });

  test("an index of the schema's name but other columns is refused, not silently rebuilt", async () => {
    await pushSchema(db, schema);
    db.run("DROP INDEX ix_user_events_session_id");
    db.run("CREATE INDEX ix_user_events_session_id ON user_events(payload)");
    const before = dump(db);

    const error = await pushSchema(db, schema).catch((caught: unknown) => caught);
    expectRefused(error, /DROP INDEX `ix_user_events_session_id`/);
    expect(dump(db)).toBe(before);
  });

  test("after a refusal the connection is usable and not left in a transaction", async () => {
    await pushSchema(db, schema);
    db.run("ALTER TABLE user_events ADD COLUMN legacy_note TEXT");
    await pushSchema(db, schema).catch(() => {});
    expect(db.inTransaction).toBe(false);
    insertEvents(db, 1, "after");
    expect(db.query("SELECT count(*) AS n FROM user_events").get()).toEqual({ n: 1 });
  });
});
