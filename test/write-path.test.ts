import { afterEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import { openStore } from "./support/store";
import type { NewEvent } from "../src/db/model";
import { buildApp, closeApps, postJson } from "./support/app";
import { backends } from "./support/backends";

// The write path on a real database, with the writer and checkpointer threads as in production
// on SQLite and the connection pool on PostgreSQL. Another connection holding the write lock
// stands in for a slow disk: it blocks the writer deterministically, so the queue fills, or a
// batch forms, exactly when a test says.

for (const backend of backends) {
  describe(backend.name, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      await closeApps();
    });

    async function setup(env: Record<string, string> = {}) {
      // Lock waits outlast the test: SQLite's busy timeout, PostgreSQL's statement timeout.
      const { app, store, db } = await buildApp(backend, { SQLITE_BUSY_TIMEOUT_MS: "60000", DATABASE_STATEMENT_TIMEOUT_MS: "60000", ...env });
      let lock: { release: () => Promise<void> } | undefined;
      cleanups.push(async () => {
        await lock?.release();
      });
      const blocker = {
        hold: async () => {
          lock = await db.holdWriteLock();
        },
        release: async () => {
          await lock!.release();
          lock = undefined;
        },
      };
      return {
        db,
        store,
        blocker,
        post: (sessionId: string) => postJson(app, "/api/events", { session_id: sessionId, event_type: "card_click", payload: { n: 1 } }),
        stored: async () => (await db.rows()).map((row) => row.session_id),
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
        await blocker.hold();
        const first = post("first");
        const second = post("second");
        await untilQueued(2);

        // Answered while the writer is still blocked: the refusal does not wait for storage.
        await expectRetryLater(await post("refused"), "overloaded");
        expect(store.stats()).toMatchObject({ queueDepth: 2, refusedEvents: 1, commits: 0 });

        await blocker.release();
        expect((await first).status).toBe(202);
        expect((await second).status).toBe(202);
        expect(await stored()).toEqual(["first", "second"]);
        expect(store.queuedEvents()).toBe(0);
        expect((await post("later")).status).toBe(202);
      });
    });

    describe("a failed commit: every request in its batch gets 503, none of it is stored", () => {
      test("the failing batch is rolled back as a whole; the batches around it are unaffected", async () => {
        const { db, store, blocker, post, stored, untilQueued } = await setup();
        // Stands in for a disk failing mid-transaction: the third insert of the batch aborts.
        await db.failInsertsOf("poison");
        await blocker.hold();
        const before = post("before");
        await untilQueued(1);
        // The queue dispatches on the next event-loop turn: after it, "before" is being committed
        // alone (held by the lock) and the next four queue behind it.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = ["b1", "b2", "poison", "b3"].map(post);
        await untilQueued(5);
        await blocker.release();

        expect((await before).status).toBe(202);
        for (const response of await Promise.all(batch)) await expectRetryLater(response, "storage_unavailable");
        expect(await stored()).toEqual(["before"]);
        expect(store.stats()).toMatchObject({ commits: 1, committedEvents: 1, failedCommits: 1, queueDepth: 0 });

        expect((await post("after")).status).toBe(202);
        expect(await stored()).toEqual(["before", "after"]);
      });

      test("a database refusing every write: 503 for all, and the store recovers once it is fixed", async () => {
        const { db, post, stored } = await setup();
        const disk = await db.failAllInserts();
        for (const response of await Promise.all(["x", "y", "z"].map(post))) await expectRetryLater(response, "storage_unavailable");
        expect(await stored()).toEqual([]);

        await disk.repair();
        expect((await post("fixed")).status).toBe(202);
        expect(await stored()).toEqual(["fixed"]);
      });
    });

    describe("shutdown drains the queue before closing the database", () => {
      test("close() waits until every accepted event is committed and refuses new ones meanwhile", async () => {
        const { store, blocker, post, stored, untilQueued } = await setup();
        await blocker.hold();
        const accepted = ["q1", "q2", "q3"].map(post);
        await untilQueued(3);
        const closed = store.close();
        await expectRetryLater(await post("too-late"), "storage_unavailable");

        await blocker.release();
        await closed;
        for (const response of await Promise.all(accepted)) expect(response.status).toBe(202);
        expect(await stored()).toEqual(["q1", "q2", "q3"]);
        expect(await store.health()).toEqual({ status: "unavailable", reason: "closed" });
      });
    });

    describe("what the write path exposes for metrics", () => {
      test("queue depth, cumulative stats, and one onCommit observation per transaction", async () => {
        const db = await backend.database();
        cleanups.push(() => db.drop());
        const observed: number[] = [];
        const store = await openStore(parseConfig(db.env));
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
  });
}
