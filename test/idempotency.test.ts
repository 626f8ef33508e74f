import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseConfig } from "../src/config";
import { SqliteEventStore } from "../src/db/sqlite";
import type { NewEvent } from "../src/db/store";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, postJson, rowCount, type TestApp } from "./support/app";
import { tempDir } from "./support/server";

let ctx: TestApp | undefined;
afterEach(async () => {
  await ctx?.store.close();
  ctx = undefined;
});

const event = (eventId: string | undefined, overrides: Record<string, unknown> = {}) => ({
  session_id: "s-1",
  event_type: EVENT_TYPES[0],
  ...(eventId === undefined ? {} : { event_id: eventId }),
  ...overrides,
});

function storedIds(store: SqliteEventStore): (string | null)[] {
  return store.sqlite.query<{ event_id: string | null }, []>("SELECT event_id FROM user_events ORDER BY id").all().map((row) => row.event_id);
}

describe("an event_id is stored once: repeats are acknowledged and counted as duplicates", () => {
  test("single endpoint: the retry is a 202 flagged duplicate and writes nothing", async () => {
    ctx = await buildApp();
    const id = crypto.randomUUID();
    const first = await postJson(ctx.app, "/api/events", event(id, { payload: { n: 1 } }));
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ status: "accepted" });
    const retry = await postJson(ctx.app, "/api/events", event(id, { payload: { n: 2 } }));
    expect(retry.status).toBe(202);
    expect(await retry.json()).toEqual({ status: "accepted", duplicate: true });
    // First write wins: the retry's (different) payload is not applied.
    expect(ctx.store.sqlite.query("SELECT event_id, payload FROM user_events").all()).toEqual([{ event_id: id, payload: '{"n":1}' }]);
  });

  test("one UUID in any spelling is one event: case and a urn:uuid: prefix do not matter", async () => {
    ctx = await buildApp();
    const id = crypto.randomUUID();
    for (const spelling of [id.toUpperCase(), id, `urn:uuid:${id}`]) {
      expect((await postJson(ctx.app, "/api/events", event(spelling))).status).toBe(202);
    }
    expect(storedIds(ctx.store)).toEqual([id]);
  });

  test("events without an event_id are never treated as duplicates", async () => {
    ctx = await buildApp();
    for (let i = 0; i < 3; i++) expect(await (await postJson(ctx.app, "/api/events", event(undefined))).json()).toEqual({ status: "accepted" });
    const batch = await postJson(ctx.app, "/api/events/batch", { batch: [event(undefined), event(undefined)] });
    expect(await batch.json()).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(storedIds(ctx.store)).toEqual([null, null, null, null, null]);
  });

  test("a repeat within one batch is stored once and counted once", async () => {
    ctx = await buildApp();
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const response = await postJson(ctx.app, "/api/events/batch", { batch: [event(a), event(b), event(a), event(a)] });
    expect(await response.json()).toEqual({ status: "accepted", accepted: 2, duplicates: 2, rejected: [] });
    expect(storedIds(ctx.store)).toEqual([a, b]);
  });

  test("a batch retried whole after a lost answer stores nothing new", async () => {
    ctx = await buildApp();
    const batch = Array.from({ length: 4 }, () => event(crypto.randomUUID()));
    expect(await (await postJson(ctx.app, "/api/events/batch", { batch })).json()).toMatchObject({ accepted: 4, duplicates: 0 });
    const fresh = event(crypto.randomUUID());
    expect(await (await postJson(ctx.app, "/api/events/batch", { batch: [...batch, fresh] })).json()).toMatchObject({ accepted: 1, duplicates: 4 });
    // And across endpoints: the single endpoint sees the batch's ids too.
    expect(await (await postJson(ctx.app, "/api/events", batch[0])).json()).toEqual({ status: "accepted", duplicate: true });
    expect(rowCount(ctx.store)).toBe(5);
  });

  test("an invalid event_id is a 422, on its own or in a batch", async () => {
    ctx = await buildApp();
    const single = await postJson(ctx.app, "/api/events", event("not-a-uuid"));
    expect(single.status).toBe(422);
    expect((await single.json()).details).toEqual([{ path: "/event_id", message: "must be a UUID such as 3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10" }]);
    const batch = await (await postJson(ctx.app, "/api/events/batch", { batch: [event(42 as never)] })).json();
    expect(batch.rejected[0].details).toEqual([{ path: "/batch/0/event_id", message: "must be a string" }]);
    expect(rowCount(ctx.store)).toBe(0);
  });
});

describe("concurrent copies of one event are stored once", () => {
  test("many simultaneous requests carrying the same event_id: one row, the rest duplicates", async () => {
    ctx = await buildApp();
    const id = crypto.randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? postJson(ctx!.app, "/api/events", event(id)).then((r) => r.json())
          : postJson(ctx!.app, "/api/events/batch", { batch: [event(id)] }).then((r) => r.json()),
      ),
    );
    // A single answer is {status, duplicate?}; a batch answer carries counts.
    const outcome = (answer: { duplicate?: true; accepted?: number }) =>
      answer.accepted === undefined ? (answer.duplicate ? "duplicate" : "stored") : answer.accepted === 1 ? "stored" : "duplicate";
    const outcomes = answers.map(outcome);
    expect(outcomes.filter((o) => o === "stored")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(19);
    expect(storedIds(ctx.store)).toEqual([id]);
  });

  test("two stores (two processes' worth of connections) on one file: the unique index decides", async () => {
    const dir = tempDir();
    try {
      const config = parseConfig({ DATABASE_URL: join(dir.path, "events.db") });
      const [one, two] = [await SqliteEventStore.open(config), await SqliteEventStore.open(config)];
      const ids = Array.from({ length: 50 }, () => crypto.randomUUID());
      const row = (eventId: string): NewEvent => ({ sessionId: "s", eventType: EVENT_TYPES[0], payload: "{}", createdAt: new Date(), eventId });
      const results = await Promise.all(ids.flatMap((id) => [one.append([row(id)]), two.append([row(id)])]));
      expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(50);
      expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(50);
      expect(one.sqlite.query("SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM user_events").get()).toEqual({ n: 50, d: 50 });
      await one.close();
      await two.close();
    } finally {
      dir.cleanup();
    }
  });

  test("each caller of a shared group commit gets its own counts", async () => {
    ctx = await buildApp();
    const id = crypto.randomUUID();
    const row = (eventId: string | null): NewEvent => ({ sessionId: "s", eventType: EVENT_TYPES[0], payload: "{}", createdAt: new Date(), eventId });
    // Issued in one turn of the event loop, so they are committed in the same transaction.
    const results = await Promise.all([
      ctx.store.append([row(id), row(null)]),
      ctx.store.append([row(null), row(id), row(id)]),
      ctx.store.append([]),
      ctx.store.append([row(crypto.randomUUID())]),
    ]);
    expect(results).toEqual([
      { inserted: 2, duplicates: 0 },
      { inserted: 1, duplicates: 2 },
      { inserted: 0, duplicates: 0 },
      { inserted: 1, duplicates: 0 },
    ]);
    expect(rowCount(ctx.store)).toBe(4);
  });
});
