import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseConfig } from "../src/config";
import { SqliteEventStore } from "../src/db/sqlite";
import type { NewEvent } from "../src/db/store";
import { buildApp, postJson } from "./support/app";
import { tempDir } from "./support/server";

// The write path on a real file, with the writer and checkpointer threads as in production.
// A second connection holding the write lock stands in for a slow disk: it blocks the writer
// thread deterministically, so the queue fills, or a batch forms, exactly when a test says.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(env: Record<string, string> = {}) {
  const dir = tempDir();
  cleanups.push(dir.cleanup);
  const file = join(dir.path, "events.db");
  const { app, store, reader, pruner } = await buildApp({ DATABASE_URL: file, SQLITE_BUSY_TIMEOUT_MS: "60000", ...env });
  cleanups.push(async () => {
    await store.close();
    await reader.close();
    pruner.close();
  });
  const blocker = new Database(file);
  cleanups.push(() => {
    if (blocker.inTransaction) blocker.run("ROLLBACK");
    blocker.close();
  });
  return {
    file,
    store,
    blocker,
    post: (sessionId: string) => postJson(app, "/api/events", { session_id: sessionId, event_type: "card_click", payload: { n: 1 } }),
    stored: () => store.sqlite.query<{ session_id: string }, []>("SELECT session_id FROM user_events ORDER BY id").all().map((row) => row.session_id),
    /** Waits until the store holds `depth` events accepted and not yet committed. */
    untilQueued: async (depth: number) => {
      while (store.queuedEvents() !== depth) await Bun.sleep(1);
    },
  };
}

async function expectRetryLater(response: Response, error: string): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("1");
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ error, details: [] });
  expect(Object.keys(body).sort()).toEqual(["details", "error", "message", "request_id"]);
  expect(response.headers.get("x-request-id")).toBe(body.request_id as string);
}

describe("backpressure: a full write queue answers 503 at once", () => {
  test("beyond MAX_PENDING_EVENTS a request gets 503 + Retry-After without waiting; accepted ones still commit", async () => {
    const { store, blocker, post, stored, untilQueued } = await setup({ MAX_PENDING_EVENTS: "2", MAX_BATCH_EVENTS: "2" });
    blocker.run("BEGIN IMMEDIATE");
    const first = post("first");
    const second = post("second");
    await untilQueued(2);

    // Answered while the writer is still blocked: the refusal does not wait for storage.
    await expectRetryLater(await post("refused"), "overloaded");
    expect(store.stats()).toMatchObject({ queueDepth: 2, refusedEvents: 1, commits: 0 });

    blocker.run("COMMIT");
    expect((await first).status).toBe(202);
    expect((await second).status).toBe(202);
    expect(stored()).toEqual(["first", "second"]);
    expect(store.queuedEvents()).toBe(0);
    expect((await post("later")).status).toBe(202);
  });
});

describe("a failed commit: every request in its batch gets 503, none of it is stored", () => {
  test("the failing batch is rolled back as a whole; the batches around it are unaffected", async () => {
    const { store, blocker, post, stored, untilQueued } = await setup();
    // Stands in for a disk failing mid-transaction: the third insert of the batch aborts.
    store.sqlite.run(
      "CREATE TRIGGER fail_poison BEFORE INSERT ON user_events WHEN NEW.session_id = 'poison' BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END",
    );
    blocker.run("BEGIN IMMEDIATE");
    const before = post("before");
    await untilQueued(1); // "before" is being committed alone; the next four queue behind it
    const batch = ["b1", "b2", "poison", "b3"].map(post);
    await untilQueued(5);
    blocker.run("COMMIT");

    expect((await before).status).toBe(202);
    for (const response of await Promise.all(batch)) await expectRetryLater(response, "storage_unavailable");
    expect(stored()).toEqual(["before"]);
    expect(store.stats()).toMatchObject({ commits: 1, committedEvents: 1, failedCommits: 1, queueDepth: 0 });

    expect((await post("after")).status).toBe(202);
    expect(stored()).toEqual(["before", "after"]);
  });

  test("a database refusing every write: 503 for all, and the store recovers once it is fixed", async () => {
    const { store, post, stored } = await setup();
    store.sqlite.run("CREATE TRIGGER disk_full BEFORE INSERT ON user_events BEGIN SELECT RAISE(FAIL, 'database or disk is full (simulated)'); END");
    for (const response of await Promise.all(["x", "y", "z"].map(post))) await expectRetryLater(response, "storage_unavailable");
    expect(stored()).toEqual([]);

    store.sqlite.run("DROP TRIGGER disk_full");
    expect((await post("fixed")).status).toBe(202);
    expect(stored()).toEqual(["fixed"]);
  });
});

describe("shutdown drains the queue before closing the database", () => {
  test("close() waits until every accepted event is committed and refuses new ones meanwhile", async () => {
    const { file, store, blocker, post, untilQueued } = await setup();
    blocker.run("BEGIN IMMEDIATE");
    const accepted = ["q1", "q2", "q3"].map(post);
    await untilQueued(3);
    const closed = store.close();
    await expectRetryLater(await post("too-late"), "storage_unavailable");

    blocker.run("COMMIT");
    await closed;
    for (const response of await Promise.all(accepted)) expect(response.status).toBe(202);
    const check = new Database(file, { readonly: true });
    expect(check.query("SELECT session_id FROM user_events ORDER BY id").all()).toEqual([{ session_id: "q1" }, { session_id: "q2" }, { session_id: "q3" }]);
    check.close();
    expect(await store.ping()).toBe(false);
  });
});

describe("what the write path exposes for metrics", () => {
  test("queue depth, cumulative stats, and one onCommit observation per transaction", async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const observed: number[] = [];
    const store = await SqliteEventStore.open(parseConfig({ DATABASE_URL: join(dir.path, "events.db") }));
    cleanups.push(() => store.close());
    store.onCommit((events, durationMs) => {
      expect(durationMs).toBeGreaterThanOrEqual(0);
      observed.push(events);
    });
    const row = (sessionId: string): NewEvent => ({ sessionId, eventType: "card_click", payload: "{}", createdAt: new Date() });

    // Appends made in one event-loop turn share a transaction; a multi-event append is never split.
    const turn = [store.append([row("a")]), store.append([row("b"), row("c")]), store.append([row("d")])];
    expect(store.queuedEvents()).toBe(4);
    await Promise.all(turn);
    await store.append([row("e")]);

    expect(observed).toEqual([4, 1]);
    expect(store.stats()).toEqual({
      queueDepth: 0,
      commits: 2,
      committedEvents: 5,
      failedCommits: 0,
      refusedEvents: 0,
      batchSizes: { "1": 1, "4-7": 1 },
    });
  });
});
