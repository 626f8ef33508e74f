import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import pino from "pino";
import { parseConfig } from "../../src/config";
import { deleteChunkSql } from "../../src/db/pg/pruner";
import { open as openSqlite } from "../../src/db/sqlite";
import { DELETE_CHUNK_SQL } from "../../src/db/sqlite/pruner";
import { EVENT_TYPES } from "../../src/events/model";
import { RetentionJob } from "../../src/retention/job";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, send } from "../support/app";
import { backends, postgresBackend, type TestDatabase } from "../support/backends";
import { DAY_MS, seedEvents } from "../support/events";
import { pgPlanner, queryPlan } from "../support/plan";
import { openStore } from "../support/store";
import { startServer, tempDir } from "../support/server";

const NOW = Date.UTC(2024, 4, 31, 12);

async function ids(db: TestDatabase): Promise<number[]> {
  return (await db.rows()).map((row) => row.id);
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("retention deletes exactly the events older than RETENTION_DAYS", () => {
      test("rows before the cutoff go, the row at the cutoff and newer ones stay, over many chunks", async () => {
        const { store, pruner, db } = await buildApp(backend, { RETENTION_DAYS: "7" });
        const cutoff = NOW - 7 * DAY_MS;
        const old = Array.from({ length: 95 }, (_, i) => ({ createdAt: cutoff - 1 - i * 3_600_000 }));
        const kept = [{ createdAt: cutoff }, { createdAt: cutoff + 1 }, { createdAt: NOW }, { createdAt: NOW + 1 }];
        // Interleave old and kept rows so ids alone could not tell them apart.
        await seedEvents(store, [...old.slice(0, 50), ...kept.slice(0, 2), ...old.slice(50), ...kept.slice(2)]);
        const keptIds = [51, 52, 98, 99];

        const { logger, lines } = capturingLogger();
        const job = new RetentionJob({ pruner, retentionDays: 7, intervalMs: 60_000, logger, now: () => NOW, chunkRows: 10, pauseMs: 0 });
        const run = await job.run();
        expect(run).toMatchObject({ deleted: 95, cutoff: new Date(cutoff) });
        expect(await ids(db)).toEqual(keptIds);
        expect(lines.at(-1)).toMatchObject({ msg: `retention: deleted 95 events created before ${new Date(cutoff).toISOString()}`, deleted: 95 });

        expect((await job.run()).deleted).toBe(0);
        expect(await ids(db)).toEqual(keptIds);
      });

      test("each chunk deletes at most chunkRows rows", async () => {
        const { store, pruner, db } = await buildApp(backend);
        await seedEvents(store, Array.from({ length: 25 }, (_, i) => ({ createdAt: NOW - DAY_MS - i })));
        expect(await pruner.deleteOlderThan(new Date(NOW), 10)).toBe(10);
        expect((await db.count())).toBe(15);
      });

      test("rows of event types no longer accepted on ingest are deleted too", async () => {
        const { store, pruner, db } = await buildApp(backend);
        await db.insertOldRow({ sessionId: "s", eventType: "retired_type", createdAt: NOW - 30 * DAY_MS });
        expect(await pruner.deleteOlderThan(new Date(NOW - DAY_MS), 100)).toBe(1);
      });

      test("a disabled job refuses to run, so nothing is ever deleted by accident", async () => {
        const { store, retention, db } = await buildApp(backend);
        await seedEvents(store, [{ createdAt: 0 }]);
        expect(retention.enabled).toBe(false);
        await expect(retention.run()).rejects.toThrow(/RETENTION_DAYS/);
        retention.start();
        expect((await db.count())).toBe(1);
      });
    });

    describe("retention runs at start-up and then periodically", () => {
      test("start() purges at once, then again every interval", async () => {
        const { store, pruner, db } = await buildApp(backend);
        let now = NOW;
        const job = new RetentionJob({ pruner, retentionDays: 1, intervalMs: 25, logger: pino({ level: "silent" }), now: () => now, pauseMs: 0 });
        await seedEvents(store, [{ createdAt: NOW - 2 * DAY_MS }, { createdAt: NOW }]);
        job.start();
        await job.run(); // joins the start-up run
        expect((await db.count())).toBe(1);

        now = NOW + 2 * DAY_MS; // the remaining row is now old; the next periodic run must take it
        for (let i = 0; i < 200 && (await db.count()) > 0; i++) await Bun.sleep(10);
        await job.stop();
        expect((await db.count())).toBe(0);
      });

      test("the real server purges at start-up and logs what it removed", async () => {
        const database = await backend.database();
        try {
          const store = await openStore(parseConfig(database.env));
          await seedEvents(store, [{ createdAt: Date.now() - 10 * DAY_MS }, { createdAt: Date.now() - 9 * DAY_MS }, { createdAt: Date.now() }]);
          await store.close();

          const server = await startServer({ ...database.env, RETENTION_DAYS: "5" });
          try {
            for (let i = 0; i < 100 && !server.output().includes("retention: deleted"); i++) await Bun.sleep(50);
            expect(server.output()).toContain('"msg":"retention: deleted 2 events created before');
          } finally {
            expect(await server.stop()).toBe(0);
          }
          expect(await database.count()).toBe(1);
        } finally {
          await database.drop();
        }
      });
    });

    describe("POST /api/admin/purge applies retention on demand", () => {
      test("answers what it deleted and the cutoff; a second call finds nothing", async () => {
        const { app, store, db } = await buildApp(backend, { ADMIN_TOKEN, RETENTION_DAYS: "30" }, { now: () => NOW });
        await seedEvents(store, [{ createdAt: NOW - 31 * DAY_MS }, { createdAt: NOW - 40 * DAY_MS }, { createdAt: NOW - 29 * DAY_MS }]);
        const first = await send(app, "/api/admin/purge", { method: "POST", headers: bearer() });
        expect(first.status).toBe(200);
        expect(await first.json()).toEqual({ deleted: 2, cutoff: new Date(NOW - 30 * DAY_MS).toISOString(), retention_days: 30 });
        expect(await ids(db)).toEqual([3]);
        const second = await send(app, "/api/admin/purge", { method: "POST", headers: bearer() });
        expect(((await second.json()) as { deleted: number }).deleted).toBe(0);
      });

      test("409 with how to turn retention on when RETENTION_DAYS is unset; nothing is deleted", async () => {
        const { app, store, db } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, [{ createdAt: 0 }]);
        const response = await send(app, "/api/admin/purge", { method: "POST", headers: bearer() });
        expect(response.status).toBe(409);
        expect(await response.json()).toMatchObject({ error: "retention_disabled", message: expect.stringContaining("RETENTION_DAYS") });
        expect((await db.count())).toBe(1);
      });

      test("concurrent purges join one run instead of deleting twice", async () => {
        const { app, store, db } = await buildApp(backend, { ADMIN_TOKEN, RETENTION_DAYS: "1" }, { now: () => NOW });
        await seedEvents(store, Array.from({ length: 2500 }, (_, i) => ({ createdAt: NOW - 2 * DAY_MS - i })));
        const answers = await Promise.all([1, 2, 3].map(() => send(app, "/api/admin/purge", { method: "POST", headers: bearer() })));
        const deleted = await Promise.all(answers.map(async (answer) => ((await answer.json()) as { deleted: number }).deleted));
        expect(deleted).toEqual([2500, 2500, 2500]);
        expect((await db.count())).toBe(0);
      });
    });
  });
}

describe("each retention chunk searches the (event_type, created_at) index rather than scanning the table", () => {
  afterEach(closeApps);

  test("each chunk searches the (event_type, created_at) index rather than scanning the table", async () => {
    const { config } = await buildApp();
    const plan = queryPlan(config.databaseUrl, DELETE_CHUNK_SQL, { types: "[]", cutoff: NOW, limit: 1000 });
    expect(plan).toContain("SEARCH user_events USING COVERING INDEX ix_user_events_type_created (event_type=? AND created_at<?)");
    expect(plan.some((step) => step.startsWith("SCAN user_events"))).toBe(false);
  });

  test.if(postgresBackend !== undefined)("PostgreSQL, over a table it has statistics for", async () => {
    const db = await postgresBackend!.database();
    const store = await openStore(parseConfig(db.env));
    const planner = pgPlanner(db.env);
    try {
      // Two weeks of events, one a minute; retention at 13 days leaves a day's worth to delete.
      const rows = Array.from({ length: 20_160 }, (_, i) => ({ createdAt: NOW - i * 60_000 }));
      for (let i = 0; i < rows.length; i += 1000) await seedEvents(store, rows.slice(i, i + 1000));
      await planner.analyze();
      const statement = deleteChunkSql(planner.table, EVENT_TYPES, new Date(NOW - 13 * DAY_MS), 1000);
      const plan = await planner.explain(statement);
      expect(plan).toMatch(/(Index (Only )?Scan using|Bitmap Index Scan on) ix_user_events_type_created/);
      expect(plan).toMatch(/Index Scan using user_events_pkey/);
      expect(plan).not.toContain("Seq Scan");
    } finally {
      await planner.close();
      await store.close();
      await db.drop();
    }
  });
});

describe("retention waits for the write lock without blocking the event loop (SQLite)", () => {
  const rowCount = (path: string) => {
    const check = new Database(path, { readonly: true });
    try {
      return check.query<{ n: number }, []>("SELECT count(*) AS n FROM user_events").get()!.n;
    } finally {
      check.close();
    }
  };

  test("timers keep firing while another connection holds the lock; the chunk runs once it is released", async () => {
    const dir = tempDir();
    try {
      const config = parseConfig({ DATABASE_URL: `${dir.path}/events.db`, SQLITE_BUSY_TIMEOUT_MS: "5000" });
      const database = await openSqlite(config);
      const { store, pruner } = database;
      await seedEvents(store, [{ createdAt: 0 }, { createdAt: NOW }]);
      const other = new Database(`${dir.path}/events.db`);
      other.run("BEGIN IMMEDIATE");

      const purge = pruner.deleteOlderThan(new Date(1), 10);
      const ticks: number[] = [];
      const ticker = setInterval(() => ticks.push(Date.now()), 10);
      await Bun.sleep(300);
      expect(ticks.length).toBeGreaterThan(5);
      other.run("ROLLBACK");
      other.close();

      expect(await purge).toBe(1);
      clearInterval(ticker);
      expect(rowCount(config.databaseUrl)).toBe(1);
      await database.close();
    } finally {
      dir.cleanup();
    }
  });

  test("a lock held past SQLITE_BUSY_TIMEOUT_MS fails the chunk, deleting nothing", async () => {
    const dir = tempDir();
    try {
      const config = parseConfig({ DATABASE_URL: `${dir.path}/events.db`, SQLITE_BUSY_TIMEOUT_MS: "50" });
      const database = await openSqlite(config);
      const { store, pruner } = database;
      await seedEvents(store, [{ createdAt: 0 }]);
      const other = new Database(`${dir.path}/events.db`);
      other.run("BEGIN IMMEDIATE");
      await expect(pruner.deleteOlderThan(new Date(1), 10)).rejects.toMatchObject({ code: "SQLITE_BUSY" });
      other.run("ROLLBACK");
      other.close();
      expect(rowCount(config.databaseUrl)).toBe(1);
      await database.close();
    } finally {
      dir.cleanup();
    }
  });
});

describe("retention configuration", () => {
  test("RETENTION_DAYS must be a whole number of days from 1", () => {
    expect(parseConfig({}).retentionDays).toBeUndefined();
    expect(parseConfig({ RETENTION_DAYS: "90" }).retentionDays).toBe(90);
    for (const bad of ["0", "-1", "1.5", "forever"]) expect(() => parseConfig({ RETENTION_DAYS: bad })).toThrow(/RETENTION_DAYS/);
    expect(() => parseConfig({ RETENTION_INTERVAL_MINUTES: "0" })).toThrow(/RETENTION_INTERVAL_MINUTES/);
  });

  test("the pruner on a file database uses its own connection", async () => {
    const dir = tempDir();
    try {
      const config = parseConfig({ DATABASE_URL: `${dir.path}/events.db` });
      const database = await openSqlite(config);
      const { store, pruner } = database;
      await seedEvents(store, [{ createdAt: 0 }, { createdAt: NOW }]);
      expect(await pruner.deleteOlderThan(new Date(1), 10)).toBe(1);
      const check = new Database(config.databaseUrl, { readonly: true });
      expect(check.query<{ n: number }, []>("SELECT count(*) AS n FROM user_events").get()!.n).toBe(1);
      check.close();
      expect(await store.health()).toEqual({ status: "ok" });
      await database.close();
    } finally {
      dir.cleanup();
    }
  });
});
