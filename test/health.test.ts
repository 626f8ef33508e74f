import { afterEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import { pgFailureReason } from "../src/db/pg/health";
import { startWriterThread } from "../src/db/sqlite/threads";
import type { EventStore } from "../src/db/interfaces";
import type { StoreHealth } from "../src/db/write-health";
import { appWith, buildApp, closeApps, postJson, send, silentLogger } from "./support/app";
import { backends } from "./support/backends";
import { expectEnvelope } from "./support/envelope";

afterEach(closeApps);

const EVENT = { session_id: "health", event_type: "sage_query", payload: {} };

async function health(app: Parameters<typeof send>[0]) {
  const response = await send(app, "/health");
  return { status: response.status, body: await response.json() };
}

for (const backend of backends) {
  describe(`${backend.name}: GET /health reports whether events can be committed`, () => {
    test("200 {status: ok} on an open database", async () => {
      const ctx = await buildApp(backend);
      expect(await health(ctx.app)).toEqual({ status: 200, body: { status: "ok" } });
    }, 15_000);

    test("503 {reason: closed} once the store is closed", async () => {
      const ctx = await buildApp(backend);
      await ctx.store.close();
      expect(await health(ctx.app)).toEqual({ status: 503, body: { status: "unavailable", reason: "closed" } });
    }, 15_000);

    test("503 commit_failing while the database refuses every insert; 200 again once a commit succeeds", async () => {
      const ctx = await buildApp(backend);
      const fault = await ctx.db.failAllInserts();
      await expectEnvelope(await postJson(ctx.app, "/api/events", EVENT), 503, "storage_unavailable");
      expect(await health(ctx.app)).toEqual({ status: 503, body: { status: "unavailable", reason: "commit_failing" } });
      await fault.repair();
      expect((await postJson(ctx.app, "/api/events", EVENT)).status).toBe(202);
      expect(await health(ctx.app)).toEqual({ status: 200, body: { status: "ok" } });
    }, 15_000);

    test("while commits fail and nothing is sent, /health turns 200 by itself once the database takes writes", async () => {
      const ctx = await buildApp(backend);
      const fault = await ctx.db.failAllInserts();
      await expectEnvelope(await postJson(ctx.app, "/api/events", EVENT), 503, "storage_unavailable");
      await fault.repair();
      // The write path probes once a second while failing.
      const deadline = Date.now() + 5_000;
      while ((await health(ctx.app)).status !== 200 && Date.now() < deadline) await Bun.sleep(100);
      expect(await health(ctx.app)).toEqual({ status: 200, body: { status: "ok" } });
    }, 20_000);
  });
}

describe.if(backends.some((backend) => backend.name === "postgres"))("postgres: the reason follows what the server said", () => {
  test("a full disk (SQLSTATE 53100) is storage_full, and ingest still answers storage_unavailable", async () => {
    const ctx = await buildApp(backends.find((backend) => backend.name === "postgres"));
    await ctx.db.exec(`
      CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$;
      CREATE TRIGGER disk_full BEFORE INSERT ON user_events FOR EACH ROW EXECUTE FUNCTION disk_full();`);
    await expectEnvelope(await postJson(ctx.app, "/api/events", EVENT), 503, "storage_unavailable");
    expect(await health(ctx.app)).toEqual({ status: 503, body: { status: "unavailable", reason: "storage_full" } });
  }, 15_000);

  test("SQLSTATE and client codes map to reasons", () => {
    expect(pgFailureReason({ errno: "53100" })).toBe("storage_full");
    expect(pgFailureReason({ errno: "25006" })).toBe("read_only");
    expect(pgFailureReason({ errno: "08006" })).toBe("unreachable");
    expect(pgFailureReason({ errno: "57P01" })).toBe("unreachable");
    expect(pgFailureReason({ code: "ERR_POSTGRES_CONNECTION_CLOSED" })).toBe("unreachable");
    expect(pgFailureReason({ errno: "23505" })).toBe("commit_failing");
    expect(pgFailureReason(new Error("anything else"))).toBe("commit_failing");
  });
});

describe("sqlite: a writer thread that stopped", () => {
  test("commits and probes reject with reason writer_stopped", async () => {
    // A second writer thread on an app's database, so that the test can stop it.
    const ctx = await buildApp(backends[0]);
    const writer = await startWriterThread({ path: ctx.config.databaseUrl, synchronous: "NORMAL", busyTimeoutMs: 100 }, new SharedArrayBuffer(4));
    await writer.probe();
    await writer.close();
    expect(writer.alive).toBe(false);
    await expect(writer.probe()).rejects.toMatchObject({ name: "StoreUnavailableError", reason: "writer_stopped" });
    await expect(writer.commit([])).rejects.toMatchObject({ reason: "writer_stopped" });
  }, 15_000);
});

describe("GET /health answers what the store reports", () => {
  for (const reported of [
    { status: "unavailable", reason: "storage_full" },
    { status: "unavailable", reason: "read_only" },
    { status: "unavailable", reason: "writer_stopped" },
    { status: "unavailable", reason: "unreachable" },
  ] satisfies StoreHealth[]) {
    test(`503 ${reported.reason}`, async () => {
      const config = parseConfig({ DATABASE_URL: ":memory:" });
      const store: EventStore = { append: async () => ({ inserted: 0, duplicates: 0 }), health: async () => reported, close: async () => {} };
      const app = await appWith({ config, store, logger: silentLogger });
      expect(await health(app)).toEqual({ status: 503, body: reported });
    }, 15_000);
  }
});
