import { describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import type { EventStore } from "../src/db/interfaces";
import { StoreUnavailableError } from "../src/db/errors";
import type { AppendResult, NewEvent } from "../src/db/model";
import { EVENT_TYPES } from "../src/events/model";
import { appWith, buildApp, postJson } from "./support/app";
import { backends } from "./support/backends";
import { expectEnvelope } from "./support/envelope";
import { capturingLogger } from "./support/log-capture";

const EVENT = { session_id: "fault", event_type: EVENT_TYPES[0], payload: { k: 1 } };
const config = parseConfig({ DATABASE_URL: ":memory:" });

/** A store double that fails the way a broken database would; everything else is the real app. */
function failingStore(append: (events: readonly NewEvent[]) => Promise<AppendResult>): EventStore {
  return { append, health: async () => ({ status: "ok" }), close: async () => {} };
}

// What a real fault message could carry and must never leave the process.
const SECRET = "SQLITE_CORRUPT at /var/lib/events/secret.db: INSERT INTO user_events (session_id) VALUES ('x')";

function expectNoLeak(text: string) {
  for (const fragment of ["SQLITE", "/var/lib", "secret", "INSERT", "user_events", "    at ", ".ts:"]) {
    expect(text).not.toContain(fragment);
  }
}

describe("a real server fault is a 500 without internals", () => {
  for (const [label, append] of [
    ["append throws synchronously", () => {
      throw new Error(SECRET);
    }],
    ["append rejects", () => Promise.reject(new Error(SECRET))],
  ] as const) {
    test(`${label}: generic envelope, no stack, message or SQL; logged with the same request id`, async () => {
      const { logger, lines } = capturingLogger("info");
      const app = await appWith({ config, store: failingStore(append as EventStore["append"]), logger });
      const response = await postJson(app, "/api/events", EVENT);
      const raw = await response.clone().text();

      const body = await expectEnvelope(response, 500, "internal_error");
      expect(body.details).toEqual([]);
      expectNoLeak(raw);

      const errors = lines().filter((line) => line.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.requestId).toBe(body.request_id);
      const err = errors[0]!.err as { message: string; stack: string };
      expect(err.message).toBe(SECRET);
      expect(err.stack).toContain("faults.test.ts");
    });
  }
});

describe("storage that cannot commit is a 503 with Retry-After", () => {
  test("append rejecting with StoreUnavailableError", async () => {
    const app = await appWith({
      config,
      store: failingStore(() => Promise.reject(new StoreUnavailableError("could not commit events", { cause: new Error(SECRET) }))),
    });
    const response = await postJson(app, "/api/events", EVENT);
    const raw = await response.clone().text();
    const body = await expectEnvelope(response, 503, "storage_unavailable");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expectNoLeak(raw);
    expect(body.details).toEqual([]);
  });

  test("requests of failed commits are not logged one by one: the write path logs its failures, rate-limited", async () => {
    const { logger, lines } = capturingLogger("info");
    const failedCommit = new StoreUnavailableError("could not commit events");
    const app = await appWith({ config, store: failingStore(() => Promise.reject(failedCommit)), logger });
    const responses = await Promise.all(["a", "b", "c"].map((id) => postJson(app, "/api/events", { ...EVENT, session_id: id })));
    for (const response of responses) await expectEnvelope(response, 503, "storage_unavailable");
    expect(lines()).toEqual([]);
  });
});

for (const backend of backends) {
  describe(`${backend.name}: a store that cannot commit is a 503 with Retry-After, and writes nothing`, () => {
    test("a closed store refuses appends", async () => {
      const ctx = await buildApp(backend);
      try {
        await ctx.store.close();
        await expectEnvelope(await postJson(ctx.app, "/api/events", EVENT), 503, "storage_unavailable");
        expect(await ctx.db.count()).toBe(0);
      } finally {
        await ctx.db.drop();
      }
    });

    test("a table locked by another writer: 503 while locked, 202 once released, no half-written rows", async () => {
      // Lock waits give up fast: SQLite's busy timeout, PostgreSQL's statement timeout.
      const ctx = await buildApp(backend, { SQLITE_BUSY_TIMEOUT_MS: "0", DATABASE_STATEMENT_TIMEOUT_MS: "300" });
      try {
        const lock = await ctx.db.holdWriteLock();
        const locked = await Promise.all(["a", "b", "c"].map((id) => postJson(ctx.app, "/api/events", { ...EVENT, session_id: id })));
        for (const response of locked) {
          await expectEnvelope(response, 503, "storage_unavailable");
          expect(response.headers.get("retry-after")).toBe("1");
        }
        await lock.release();
        expect(await ctx.db.count()).toBe(0);

        expect((await postJson(ctx.app, "/api/events", { ...EVENT, session_id: "after" })).status).toBe(202);
        expect((await ctx.db.rows()).map((row) => row.session_id)).toEqual(["after"]);
      } finally {
        await ctx.close();
      }
    });
  });
}
