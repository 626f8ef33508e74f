import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../src/config";
import { SqliteEventStore } from "../src/db/sqlite";
import { type NewEvent, StoreUnavailableError } from "../src/db/store";
import { tempDir } from "./support/server";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  dir.cleanup();
});

const event = (sessionId: string): NewEvent => ({ sessionId, eventType: "card_click", payload: "{}", createdAt: new Date(1_700_000_000_123) });

function open(env: Record<string, string> = {}) {
  return SqliteEventStore.open(parseConfig({ DATABASE_URL: join(dir.path, "events.db"), ...env }));
}

function pragma(store: SqliteEventStore, name: string): unknown {
  return Object.values(store.sqlite.query(`PRAGMA ${name}`).get() as Record<string, unknown>)[0];
}

describe("opening the database", () => {
  test("creates the database's folder when missing", async () => {
    const file = join(dir.path, "nested", "deeper", "events.db");
    const store = await SqliteEventStore.open(parseConfig({ DATABASE_URL: file }));
    await store.append([event("a")]);
    await store.close();
    expect(existsSync(file)).toBe(true);
  });

  test(":memory: is allowed and creates no file", async () => {
    const store = await SqliteEventStore.open(parseConfig({ DATABASE_URL: ":memory:" }));
    await store.append([event("a")]);
    expect(store.sqlite.query("SELECT count(*) AS n FROM user_events").get()).toEqual({ n: 1 });
    await store.close();
  });

  test("uses WAL, the configured busy timeout and the configured synchronous level", async () => {
    const defaults = await open();
    expect(pragma(defaults, "journal_mode")).toBe("wal");
    expect(pragma(defaults, "synchronous")).toBe(1); // NORMAL
    expect(pragma(defaults, "busy_timeout")).toBe(5000);
    await defaults.close();

    const durable = await open({ SQLITE_SYNCHRONOUS: "FULL", SQLITE_BUSY_TIMEOUT_MS: "1234" });
    expect(pragma(durable, "synchronous")).toBe(2); // FULL
    expect(pragma(durable, "busy_timeout")).toBe(1234);
    await durable.close();
  });
});

describe("appending events", () => {
  test("stores the row exactly, created_at as epoch milliseconds", async () => {
    const store = await open();
    await store.append([{ sessionId: "s1", eventType: "sage_query", payload: '{"q":"x"}', createdAt: new Date(1_700_000_000_123) }]);
    expect(store.sqlite.query("SELECT session_id, event_type, payload, created_at, typeof(created_at) AS t FROM user_events").all()).toEqual([
      { session_id: "s1", event_type: "sage_query", payload: '{"q":"x"}', created_at: 1_700_000_000_123, t: "integer" },
    ]);
    await store.close();
  });

  test("concurrent appends are all committed, each resolved only once its row is readable", async () => {
    const store = await open();
    const reader = new Database(join(dir.path, "events.db"), { readonly: true });
    const sessions = Array.from({ length: 200 }, (_, i) => `c-${i}`);
    await Promise.all(
      sessions.map(async (session) => {
        await store.append([event(session)]);
        // Another connection sees it: it is committed, not just queued.
        expect(reader.query("SELECT 1 AS ok FROM user_events WHERE session_id = ?").get(session)).toEqual({ ok: 1 });
      }),
    );
    reader.close();
    await store.close();
  });

  test("a batch that fails to commit rejects every caller in it and stores none of it", async () => {
    const store = await open({ SQLITE_BUSY_TIMEOUT_MS: "0" });
    const blocker = new Database(join(dir.path, "events.db"));
    blocker.run("BEGIN IMMEDIATE");
    const results = await Promise.allSettled(["x", "y", "z"].map((id) => store.append([event(id)])));
    blocker.run("ROLLBACK");
    blocker.close();
    for (const result of results) {
      expect(result.status).toBe("rejected");
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    }
    expect(store.sqlite.query("SELECT count(*) AS n FROM user_events").get()).toEqual({ n: 0 });
    await store.close();
  });
});

describe("closing the store", () => {
  test("commits what is queued before releasing the database", async () => {
    const store = await open();
    const pending = ["q1", "q2", "q3"].map((id) => store.append([event(id)]));
    await store.close();
    await Promise.all(pending);
    const check = new Database(join(dir.path, "events.db"), { readonly: true });
    expect(check.query("SELECT session_id FROM user_events ORDER BY id").all()).toEqual([{ session_id: "q1" }, { session_id: "q2" }, { session_id: "q3" }]);
    check.close();
  });

  test("refuses appends afterwards with StoreUnavailableError", async () => {
    const store = await open();
    await store.close();
    await expect(store.append([event("late")])).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.ping()).toBe(false);
  });

  test("rows survive reopening the file", async () => {
    const first = await open();
    await first.append(["r1", "r2"].map(event));
    await first.close();
    const second = await open();
    expect(second.pushed.statements).toEqual([]);
    expect(second.sqlite.query("SELECT session_id FROM user_events ORDER BY id").all()).toEqual([{ session_id: "r1" }, { session_id: "r2" }]);
    await second.close();
  });
});
