import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import { openStore, type TestStore } from "./support/store";
import { UnsafeSchemaChangeError } from "../src/db/errors";
import { postgresBackend, type TestDatabase } from "./support/backends";
import { runToExit, startServer } from "./support/server";

// The tracking plan's origin columns, in the order the schema declares them.
const ORIGIN_COLUMNS = ["path", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "screen_width", "browser", "os", "device", "is_bot", "violations", "user_agent"];

// PostgreSQL only: runs when TEST_DATABASE_URL is set (.ci/run starts a throw-away server).

/** The statements about user_events; the rest create the rollup tables (2 tables, 1 index). */
function ofUserEvents(statements: readonly string[]): string[] {
  return statements.filter((statement) => statement.includes('"user_events"'));
}
const ROLLUP_STATEMENTS = 3;

describe.if(postgresBackend !== undefined)("PostgreSQL push-on-boot", () => {
  let db: TestDatabase;
  const open = (env: Record<string, string> = {}) => openStore(parseConfig({ ...db.env, ...env }));
  const indexes = async () =>
    (await db.exec(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'user_events' ORDER BY 1`)).map(
      (row) => row.indexname,
    );

  beforeEach(async () => {
    db = await postgresBackend!.database();
  });
  afterEach(async () => {
    await db.drop();
  });

  describe("a fresh schema gets the table and its indexes; a second boot changes nothing", () => {
    test("creates user_events with every index, then is a no-op", async () => {
      const first = await open();
      expect(ofUserEvents(first.pushed.statements)).toHaveLength(4);
      expect(first.pushed.statements).toHaveLength(4 + ROLLUP_STATEMENTS);
      expect(ofUserEvents(first.pushed.statements)[0]).toStartWith(`CREATE TABLE "${db.env.DATABASE_SCHEMA}"."user_events"`);
      await first.close();
      expect(await indexes()).toEqual(["ix_user_events_session_id", "ix_user_events_type_created", "user_events_pkey", "ux_user_events_event_id"]);

      const second = await open();
      expect(second.pushed.statements).toEqual([]);
      await second.close();
    });

    test("a schema that does not exist yet is created", async () => {
      const schema = `${db.env.DATABASE_SCHEMA}_new`;
      const store = await open({ DATABASE_SCHEMA: schema });
      try {
        expect(store.pushed.statements[0]).toBe(`CREATE SCHEMA "${schema}";`);
        const [row] = await db.exec(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = '${schema}'`);
        expect(row!.n).toBe(3); // user_events and the two rollup tables
      } finally {
        await store.close();
        await db.exec(`DROP SCHEMA ${schema} CASCADE`);
      }
    });
  });

  describe("objects it does not own are never touched", () => {
    test("other tables, enums, sequences and views in the same schema, and other schemas, keep their data", async () => {
      const other = `${db.env.DATABASE_SCHEMA}_other`;
      await db.exec(`
        CREATE TYPE mood AS ENUM ('calm', 'busy');
        CREATE SEQUENCE invoice_numbers;
        CREATE TABLE orders (id serial PRIMARY KEY, mood mood, note text UNIQUE);
        INSERT INTO orders (mood, note) VALUES ('calm', 'kept');
        CREATE VIEW calm_orders AS SELECT * FROM orders WHERE mood = 'calm';
        CREATE TABLE user_events_archive (id bigint);
        CREATE SCHEMA ${other};
        CREATE TABLE ${other}.user_events (legacy text);
        INSERT INTO ${other}.user_events VALUES ('untouched');
      `);
      const store = await open();
      try {
        expect(store.pushed.statements.every((statement) => /"(user_events|rollup_counts|rollup_backfill)"/.test(statement))).toBe(true);
        expect(await db.exec("SELECT note FROM calm_orders")).toEqual([{ note: "kept" }]);
        expect(await db.exec("SELECT nextval('invoice_numbers')::int AS n")).toEqual([{ n: 1 }]);
        expect(await db.exec(`SELECT legacy FROM ${other}.user_events`)).toEqual([{ legacy: "untouched" }]);
        expect(await db.exec("SELECT count(*)::int AS n FROM user_events_archive")).toEqual([{ n: 0 }]);
      } finally {
        await store.close();
        await db.exec(`DROP SCHEMA ${other} CASCADE`);
      }
    });
  });

  describe("an index an operator added to user_events is theirs", () => {
    test("it stays, and the boot goes on", async () => {
      const seeded = await open();
      await seeded.close();
      await db.exec("CREATE INDEX ix_ops_recent_clicks ON user_events (created_at) WHERE event_type = 'card_click'");
      const store = await open();
      await store.close();
      expect(store.pushed.statements).toEqual([]);
      expect(await indexes()).toContain("ix_ops_recent_clicks");
    });

    test("but one of ours redefined by hand is a change the boot refuses", async () => {
      const seeded = await open();
      await seeded.close();
      await db.exec("DROP INDEX ix_user_events_type_created; CREATE INDEX ix_user_events_type_created ON user_events (event_type)");
      const error = await open().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnsafeSchemaChangeError);
      expect((error as UnsafeSchemaChangeError).statement).toMatch(/^DROP INDEX .*"ix_user_events_type_created"/);
    });
  });

  describe("an additive change is applied and keeps every row", () => {
    test("a table from an earlier version gains the new columns and indexes, keeping every row", async () => {
      // As the first release created it (no event_id, occurred_at or their index), and without
      // the composite index, as if an operator had dropped it.
      await db.exec(`
        CREATE TABLE user_events (
          id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
          session_id varchar(64) NOT NULL,
          event_type varchar(50) NOT NULL,
          payload jsonb DEFAULT '{}'::jsonb NOT NULL,
          created_at timestamp(3) with time zone NOT NULL
        );
        CREATE INDEX ix_user_events_session_id ON user_events (session_id);
        INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES ('old', 'card_click', '{"kept":true}', '2024-05-01T12:00:00.123Z');
      `);
      const store = await open();
      await store.close();
      const mine = ofUserEvents(store.pushed.statements);
      const added = mine.flatMap((statement) => /ADD COLUMN "([a-z_]+)"/.exec(statement)?.[1] ?? []);
      expect(added).toEqual(["event_id", "occurred_at", ...ORIGIN_COLUMNS]);
      expect(mine).toHaveLength(added.length + 2);
      expect(store.pushed.statements).toHaveLength(mine.length + ROLLUP_STATEMENTS);
      expect(store.pushed.statements.some((statement) => statement.startsWith('CREATE INDEX "ix_user_events_type_created"'))).toBe(true);
      expect(store.pushed.statements.some((statement) => statement.startsWith('CREATE UNIQUE INDEX "ux_user_events_event_id"'))).toBe(true);
      expect(await db.rows()).toEqual([
        expect.objectContaining({ session_id: "old", payload: { kept: true }, created_at: Date.parse("2024-05-01T12:00:00.123Z") }),
      ]);
      expect(await db.exec(`SELECT ${["event_id", "occurred_at", ...ORIGIN_COLUMNS].join(", ")} FROM user_events`)).toEqual([
        Object.fromEntries(["event_id", "occurred_at", ...ORIGIN_COLUMNS].map((column) => [column, null])),
      ]);
      expect(await indexes()).toEqual(["ix_user_events_session_id", "ix_user_events_type_created", "user_events_pkey", "ux_user_events_event_id"]);
    });
  });

  describe("a change that could lose or rewrite data stops the boot, naming the statement", () => {
    test("a column the schema does not have (it would be dropped)", async () => {
      const seeded = await open();
      await seeded.close();
      await db.exec(`ALTER TABLE user_events ADD COLUMN extra text; INSERT INTO user_events (session_id, event_type, created_at, extra) VALUES ('s', 'card_click', now(), 'keep me')`);

      const error = await open().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnsafeSchemaChangeError);
      expect((error as UnsafeSchemaChangeError).statement).toBe(`ALTER TABLE "${db.env.DATABASE_SCHEMA}"."user_events" DROP COLUMN "extra";`);
      expect(await db.exec("SELECT extra FROM user_events")).toEqual([{ extra: "keep me" }]);
    });

    test("a renamed column (one missing, one unknown) is refused, never asked about", async () => {
      await db.exec(`
        CREATE TABLE user_events (
          id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
          session_id varchar(64) NOT NULL,
          event_type varchar(50) NOT NULL,
          body jsonb NOT NULL DEFAULT '{}',
          created_at timestamp(3) with time zone NOT NULL
        )`);
      const error = await open().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnsafeSchemaChangeError);
      expect((error as Error).message).toContain('DROP COLUMN "body"');
    });

    test("a column type that would be rewritten", async () => {
      const seeded = await open();
      await seeded.close();
      await db.exec(`DROP INDEX ix_user_events_session_id; ALTER TABLE user_events ALTER COLUMN session_id TYPE text`);

      const error = await open().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnsafeSchemaChangeError);
      expect((error as UnsafeSchemaChangeError).statement).toMatch(/ALTER TABLE .*"user_events" ALTER COLUMN "session_id" SET DATA TYPE varchar\(64\)/);
      // Nothing of the refused push was applied, not even the additive part (the dropped index).
      expect(await indexes()).not.toContain("ix_user_events_session_id");
    });
  });

  describe("several nodes booting at once against an empty database", () => {
    test("apply the schema exactly once and all start", async () => {
      const stores = await Promise.all(Array.from({ length: 6 }, () => open()));
      try {
        const applied = stores.filter((store) => store.pushed.statements.length > 0);
        expect(applied).toHaveLength(1);
        expect(await indexes()).toEqual(["ix_user_events_session_id", "ix_user_events_type_created", "user_events_pkey", "ux_user_events_event_id"]);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });
  });

  describe("through the real server", () => {
    test("a data-losing change stops the boot with one line naming the statement, and touches nothing", async () => {
      const seeded = await open();
      await seeded.close();
      await db.exec("ALTER TABLE user_events ADD COLUMN legacy_note text");
      const { code, stdout, stderr } = await runToExit(db.env);
      expect(code).not.toBe(0);
      expect(stderr).toContain(`refusing to apply schema change that could lose or rewrite data: ALTER TABLE "${db.env.DATABASE_SCHEMA}"."user_events" DROP COLUMN "legacy_note";`);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stdout).not.toContain("listening");
      expect(await db.exec("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'legacy_note'")).toEqual([{ n: 1 }]);
    });

    test("the database password never reaches the logs or the boot error", async () => {
      const withPassword = new URL(db.env.DATABASE_URL!);
      withPassword.password = "s3cret-pw";
      const server = await startServer({ ...db.env, DATABASE_URL: withPassword.toString() });
      expect(await server.stop()).toBe(0);
      expect(server.output()).not.toContain("s3cret-pw");
      expect(server.stdout()).toContain(`postgres:***@`);

      withPassword.port = "1";
      const { code, stderr } = await runToExit({ ...db.env, DATABASE_URL: withPassword.toString(), DATABASE_CONNECT_TIMEOUT_MS: "500" });
      expect(code).not.toBe(0);
      expect(stderr).toContain("cannot open database postgres://postgres:***@127.0.0.1:1/");
      expect(stderr).not.toContain("s3cret-pw");
    });
  });
});
