import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../src/config";
import { openStore } from "./support/store";
import { connectionOptions, open as openSqlite } from "../src/db/sqlite";
import { openConnection } from "../src/db/sqlite/connection";
import { StoreUnavailableError } from "../src/db/errors";
import type { NewEvent } from "../src/db/model";
import { backends, type TestDatabase } from "./support/backends";
import { tempDir } from "./support/server";

const event = (sessionId: string): NewEvent => ({ sessionId, eventType: "card_click", payload: "{}", createdAt: new Date(1_700_000_000_123) });

for (const backend of backends) {
  describe(`${backend.name} store`, () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await backend.database();
    });
    afterEach(async () => {
      await db.drop();
    });

    // Lock waits give up fast: SQLite's busy timeout, PostgreSQL's statement timeout.
    const open = (env: Record<string, string> = {}) => openStore(parseConfig({ ...db.env, SQLITE_BUSY_TIMEOUT_MS: "0", DATABASE_STATEMENT_TIMEOUT_MS: "300", ...env }));
    const sessions = async () => (await db.rows()).map((row) => row.session_id);

    describe("appending events", () => {
      test("stores the row exactly: payload as the JSON object, times to the millisecond", async () => {
        const store = await open();
        const eventId = crypto.randomUUID();
        await store.append([
          { sessionId: "s1", eventType: "sage_query", payload: '{"q":"x","n":[1,2.5,null]}', createdAt: new Date(1_700_000_000_123), eventId, occurredAt: new Date(1_699_999_990_001) },
          { sessionId: "s2", eventType: "card_click", payload: "{}", createdAt: new Date(1_700_000_000_456) },
        ]);
        await store.close();
        expect(await db.rows()).toEqual([
          { id: expect.any(Number), session_id: "s1", event_type: "sage_query", payload: { q: "x", n: [1, 2.5, null] }, created_at: 1_700_000_000_123, event_id: eventId, occurred_at: 1_699_999_990_001 },
          // Without a client time, the event happened when it was received.
          { id: expect.any(Number), session_id: "s2", event_type: "card_click", payload: {}, created_at: 1_700_000_000_456, event_id: null, occurred_at: 1_700_000_000_456 },
        ]);
      });

      test("one append of several events commits them together, in order", async () => {
        const store = await open();
        await store.append(["m1", "m2", "m3"].map(event));
        await store.close();
        expect(await sessions()).toEqual(["m1", "m2", "m3"]);
      });

      test("concurrent appends are all committed, each resolved only once its row is readable", async () => {
        const store = await open();
        const ids = Array.from({ length: 200 }, (_, i) => `c-${i}`);
        await Promise.all(
          ids.map(async (session) => {
            await store.append([event(session)]);
            // Another connection sees it: it is committed, not just queued.
            expect(await db.exec(`SELECT 1 AS ok FROM user_events WHERE session_id = '${session}'`)).toEqual([{ ok: 1 }]);
          }),
        );
        await store.close();
        expect((await sessions()).sort()).toEqual([...ids].sort());
      });

      test("a batch that fails to commit rejects every caller in it and stores none of it", async () => {
        const store = await open();
        const lock = await db.holdWriteLock();
        const results = await Promise.allSettled(["x", "y", "z"].map((id) => store.append([event(id)])));
        await lock.release();
        for (const result of results) {
          expect(result.status).toBe("rejected");
          expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
        }
        expect(await db.count()).toBe(0);
        await store.close();
      });
    });

    describe("closing the store", () => {
      test("commits what is queued before releasing the database", async () => {
        const store = await open();
        const pending = ["q1", "q2", "q3"].map((id) => store.append([event(id)]));
        await store.close();
        await Promise.all(pending);
        expect(await sessions()).toEqual(["q1", "q2", "q3"]);
      });

      test("refuses appends afterwards with StoreUnavailableError", async () => {
        const store = await open();
        await store.close();
        await expect(store.append([event("late")])).rejects.toBeInstanceOf(StoreUnavailableError);
        expect(await store.health()).toEqual({ status: "unavailable", reason: "closed" });
      });

      test("rows survive reopening the database", async () => {
        const first = await open();
        await first.append(["r1", "r2"].map(event));
        await first.close();
        const second = await open();
        expect(second.pushed.statements).toEqual([]);
        await second.close();
        expect(await sessions()).toEqual(["r1", "r2"]);
      });
    });
  });
}

describe("SQLite specifics", () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    dir.cleanup();
  });

  function open(env: Record<string, string> = {}) {
    return openStore(parseConfig({ DATABASE_URL: join(dir.path, "events.db"), ...env }));
  }

  function pragma(sqlite: Database, name: string): unknown {
    return Object.values(sqlite.query(`PRAGMA ${name}`).get() as Record<string, unknown>)[0];
  }

  test("creates the database's folder when missing", async () => {
    const file = join(dir.path, "nested", "deeper", "events.db");
    const store = await openStore(parseConfig({ DATABASE_URL: file }));
    await store.append([event("a")]);
    await store.close();
    expect(existsSync(file)).toBe(true);
  });

  test("close() resolves only once every connection has let go of the file: no handle left open, the WAL checkpointed and removed", async () => {
    const file = join(dir.path, "events.db");
    // Handles this process holds on the database, its WAL or its shared memory (threads share the table).
    const handles = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(file);
        } catch {
          return false; // the fd of readdirSync itself, already closed
        }
      });
    // Each round writes and reads on every thread (writer, checkpointer, readers), then closes.
    for (let round = 0; round < 3; round++) {
      const database = await openSqlite(parseConfig({ DATABASE_URL: file }));
      await database.store.append([event(`a${round}`), event(`b${round}`)]);
      expect(await database.reader.listNewestFirst({}, undefined, 10)).toHaveLength(2 * (round + 1));
      expect(handles().length).toBeGreaterThan(0);
      await database.close();
      expect({ round, handles: handles(), wal: existsSync(`${file}-wal`) }).toEqual({ round, handles: [], wal: false });
    }
  });

  test(":memory: is allowed and creates no file", async () => {
    const database = await openSqlite(parseConfig({ DATABASE_URL: ":memory:" }));
    await database.store.append([event("a")]);
    expect(await database.reader.listNewestFirst({}, undefined, 10)).toMatchObject([{ sessionId: "a" }]);
    expect(readdirSync(dir.path)).toEqual([]);
    await database.close();
  });

  test("connections use WAL, the configured busy timeout and the configured synchronous level", async () => {
    const connection = (env: Record<string, string> = {}) => openConnection(connectionOptions(parseConfig({ DATABASE_URL: join(dir.path, "events.db"), ...env })));
    const defaults = connection();
    expect(pragma(defaults, "journal_mode")).toBe("wal");
    expect(pragma(defaults, "synchronous")).toBe(1); // NORMAL
    expect(pragma(defaults, "busy_timeout")).toBe(5000);
    defaults.close();

    const durable = connection({ SQLITE_SYNCHRONOUS: "FULL", SQLITE_BUSY_TIMEOUT_MS: "1234" });
    expect(pragma(durable, "synchronous")).toBe(2); // FULL
    expect(pragma(durable, "busy_timeout")).toBe(1234);
    durable.close();
  });

  test("payload is the JSON text and created_at an integer of epoch milliseconds", async () => {
    const store = await open();
    await store.append([{ sessionId: "s1", eventType: "sage_query", payload: '{"q":"x"}', createdAt: new Date(1_700_000_000_123) }]);
    await store.close();
    const check = new Database(join(dir.path, "events.db"), { readonly: true });
    expect(check.query("SELECT payload, created_at, typeof(created_at) AS t FROM user_events").all()).toEqual([
      { payload: '{"q":"x"}', created_at: 1_700_000_000_123, t: "integer" },
    ]);
    check.close();
  });
});
