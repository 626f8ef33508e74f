import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import pino from "pino";
import { SqliteEventStore } from "../../src/db/sqlite";
import { DELETE_CHUNK_SQL, SqliteEventPruner } from "../../src/db/sqlite-pruner";
import { parseConfig } from "../../src/config";
import { RetentionJob } from "../../src/retention/job";
import { ADMIN_TOKEN, bearer, buildApp, rowCount, send } from "../support/app";
import { DAY_MS, seedEvents } from "../support/events";
import { queryPlan } from "../support/plan";
import { startServer, tempDir } from "../support/server";

const NOW = Date.UTC(2024, 4, 31, 12);

function ids(store: SqliteEventStore): number[] {
  return store.sqlite.query<{ id: number }, []>("SELECT id FROM user_events ORDER BY id").all().map((row) => row.id);
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

describe("retention deletes exactly the events older than RETENTION_DAYS", () => {
  test("rows before the cutoff go, the row at the cutoff and newer ones stay, over many chunks", async () => {
    const { store, pruner } = await buildApp({ RETENTION_DAYS: "7" });
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
    expect(ids(store)).toEqual(keptIds);
    expect(lines.at(-1)).toMatchObject({ msg: `retention: deleted 95 events created before ${new Date(cutoff).toISOString()}`, deleted: 95 });

    expect((await job.run()).deleted).toBe(0);
    expect(ids(store)).toEqual(keptIds);
  });

  test("each chunk deletes at most chunkRows rows", async () => {
    const { store, pruner } = await buildApp();
    await seedEvents(store, Array.from({ length: 25 }, (_, i) => ({ createdAt: NOW - DAY_MS - i })));
    expect(await pruner.deleteOlderThan(new Date(NOW), 10)).toBe(10);
    expect(rowCount(store)).toBe(15);
  });

  test("each chunk searches the (event_type, created_at) index rather than scanning the table", async () => {
    const { store } = await buildApp();
    const plan = queryPlan(store.sqlite, DELETE_CHUNK_SQL, { types: "[]", cutoff: NOW, limit: 1000 });
    expect(plan).toContain("SEARCH user_events USING COVERING INDEX ix_user_events_type_created (event_type=? AND created_at<?)");
    expect(plan.some((step) => step.startsWith("SCAN user_events"))).toBe(false);
  });

  test("rows of event types no longer accepted on ingest are deleted too", async () => {
    const { store, pruner } = await buildApp();
    store.sqlite.run("INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES ('s', 'retired_type', '{}', ?)", [NOW - 30 * DAY_MS]);
    expect(await pruner.deleteOlderThan(new Date(NOW - DAY_MS), 100)).toBe(1);
  });

  test("a disabled job refuses to run, so nothing is ever deleted by accident", async () => {
    const { store, retention } = await buildApp();
    await seedEvents(store, [{ createdAt: 0 }]);
    expect(retention.enabled).toBe(false);
    await expect(retention.run()).rejects.toThrow(/RETENTION_DAYS/);
    retention.start();
    expect(rowCount(store)).toBe(1);
  });
});

describe("retention runs at start-up and then periodically", () => {
  test("start() purges at once, then again every interval", async () => {
    const { store, pruner } = await buildApp();
    let now = NOW;
    const job = new RetentionJob({ pruner, retentionDays: 1, intervalMs: 25, logger: pino({ level: "silent" }), now: () => now, pauseMs: 0 });
    await seedEvents(store, [{ createdAt: NOW - 2 * DAY_MS }, { createdAt: NOW }]);
    job.start();
    await job.run(); // joins the start-up run
    expect(rowCount(store)).toBe(1);

    now = NOW + 2 * DAY_MS; // the remaining row is now old; the next periodic run must take it
    for (let i = 0; i < 200 && rowCount(store) > 0; i++) await Bun.sleep(10);
    await job.stop();
    expect(rowCount(store)).toBe(0);
  });

  test("the real server purges at start-up and logs what it removed", async () => {
    const dir = tempDir();
    const databaseUrl = `${dir.path}/events.db`;
    try {
      const store = await SqliteEventStore.open(parseConfig({ DATABASE_URL: databaseUrl }));
      await seedEvents(store, [{ createdAt: Date.now() - 10 * DAY_MS }, { createdAt: Date.now() - 9 * DAY_MS }, { createdAt: Date.now() }]);
      await store.close();

      const server = await startServer({ DATABASE_URL: databaseUrl, RETENTION_DAYS: "5" });
      try {
        for (let i = 0; i < 100 && !server.output().includes("retention: deleted"); i++) await Bun.sleep(50);
        expect(server.output()).toContain('"msg":"retention: deleted 2 events created before');
      } finally {
        expect(await server.stop()).toBe(0);
      }
      const db = new Database(databaseUrl, { readonly: true });
      expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM user_events").get()!.n).toBe(1);
      db.close();
    } finally {
      dir.cleanup();
    }
  });
});

describe("POST /api/admin/purge applies retention on demand", () => {
  test("answers what it deleted and the cutoff; a second call finds nothing", async () => {
    const { app, store } = await buildApp({ ADMIN_TOKEN, RETENTION_DAYS: "30" }, { now: () => NOW });
    await seedEvents(store, [{ createdAt: NOW - 31 * DAY_MS }, { createdAt: NOW - 40 * DAY_MS }, { createdAt: NOW - 29 * DAY_MS }]);
    const first = await send(app, "/api/admin/purge", { method: "POST", headers: bearer() });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ deleted: 2, cutoff: new Date(NOW - 30 * DAY_MS).toISOString(), retention_days: 30 });
    expect(ids(store)).toEqual([3]);
    const second = await send(app, "/api/admin/purge", { method: "POST", headers: bearer() });
    expect(((await second.json()) as { deleted: number }).deleted).toBe(0);
  });

  test("409 with how to turn retention on when RETENTION_DAYS is unset; nothing is deleted", async () => {
    const { app, store } = await buildApp({ ADMIN_TOKEN });
    await seedEvents(store, [{ createdAt: 0 }]);
    const response = await send(app, "/api/admin/purge", { method: "POST", headers: bearer() });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: "retention_disabled", message: expect.stringContaining("RETENTION_DAYS") });
    expect(rowCount(store)).toBe(1);
  });

  test("concurrent purges join one run instead of deleting twice", async () => {
    const { app, store } = await buildApp({ ADMIN_TOKEN, RETENTION_DAYS: "1" }, { now: () => NOW });
    await seedEvents(store, Array.from({ length: 2500 }, (_, i) => ({ createdAt: NOW - 2 * DAY_MS - i })));
    const answers = await Promise.all([1, 2, 3].map(() => send(app, "/api/admin/purge", { method: "POST", headers: bearer() })));
    const deleted = await Promise.all(answers.map(async (answer) => ((await answer.json()) as { deleted: number }).deleted));
    expect(deleted).toEqual([2500, 2500, 2500]);
    expect(rowCount(store)).toBe(0);
  });
});

describe("retention waits for the write lock without blocking the event loop", () => {
  test("timers keep firing while another connection holds the lock; the chunk runs once it is released", async () => {
    const dir = tempDir();
    try {
      const config = parseConfig({ DATABASE_URL: `${dir.path}/events.db`, SQLITE_BUSY_TIMEOUT_MS: "5000" });
      const store = await SqliteEventStore.open(config);
      const pruner = SqliteEventPruner.open(config, store);
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
      expect(rowCount(store)).toBe(1);
      pruner.close();
      await store.close();
    } finally {
      dir.cleanup();
    }
  });

  test("a lock held past SQLITE_BUSY_TIMEOUT_MS fails the chunk, deleting nothing", async () => {
    const dir = tempDir();
    try {
      const config = parseConfig({ DATABASE_URL: `${dir.path}/events.db`, SQLITE_BUSY_TIMEOUT_MS: "50" });
      const store = await SqliteEventStore.open(config);
      const pruner = SqliteEventPruner.open(config, store);
      await seedEvents(store, [{ createdAt: 0 }]);
      const other = new Database(`${dir.path}/events.db`);
      other.run("BEGIN IMMEDIATE");
      await expect(pruner.deleteOlderThan(new Date(1), 10)).rejects.toMatchObject({ code: "SQLITE_BUSY" });
      other.run("ROLLBACK");
      other.close();
      expect(rowCount(store)).toBe(1);
      pruner.close();
      await store.close();
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
      const store = await SqliteEventStore.open(config);
      const pruner = SqliteEventPruner.open(config, store);
      await seedEvents(store, [{ createdAt: 0 }, { createdAt: NOW }]);
      expect(await pruner.deleteOlderThan(new Date(1), 10)).toBe(1);
      expect(rowCount(store)).toBe(1);
      pruner.close();
      expect(await store.ping()).toBe(true);
      await store.close();
    } finally {
      dir.cleanup();
    }
  });
});
