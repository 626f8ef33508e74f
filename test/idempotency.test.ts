import { afterEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import { openStore } from "./support/store";
import type { NewEvent } from "../src/db/model";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, postJson, type TestApp } from "./support/app";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(backend.name, () => {
    let ctx: TestApp | undefined;
    afterEach(async () => {
      await ctx?.close();
      ctx = undefined;
    });

    const event = (eventId: string | undefined, overrides: Record<string, unknown> = {}) => ({
      session_id: "s-1",
      event_type: EVENT_TYPES[0],
      ...(eventId === undefined ? {} : { event_id: eventId }),
      ...overrides,
    });

    async function storedIds(): Promise<(string | null)[]> {
      return (await ctx!.db.rows()).map((row) => row.event_id);
    }

    describe("an event_id is stored once: repeats are acknowledged and counted as duplicates", () => {
      test("single endpoint: the retry is a 202 flagged duplicate and writes nothing", async () => {
        ctx = await buildApp(backend);
        const id = crypto.randomUUID();
        const first = await postJson(ctx.app, "/api/events", event(id, { payload: { n: 1 } }));
        expect(first.status).toBe(202);
        expect(await first.json()).toEqual({ status: "accepted" });
        const retry = await postJson(ctx.app, "/api/events", event(id, { payload: { n: 2 } }));
        expect(retry.status).toBe(202);
        expect(await retry.json()).toEqual({ status: "accepted", duplicate: true });
        // First write wins: the retry's (different) payload is not applied.
        expect((await ctx.db.rows()).map(({ event_id, payload }) => ({ event_id, payload }))).toEqual([{ event_id: id, payload: { n: 1 } }]);
      });

      test("one UUID in any spelling is one event: case and a urn:uuid: prefix do not matter", async () => {
        ctx = await buildApp(backend);
        const id = crypto.randomUUID();
        for (const spelling of [id.toUpperCase(), id, `urn:uuid:${id}`]) {
          expect((await postJson(ctx.app, "/api/events", event(spelling))).status).toBe(202);
        }
        expect(await storedIds()).toEqual([id]);
      });

      test("events without an event_id are never treated as duplicates", async () => {
        ctx = await buildApp(backend);
        for (let i = 0; i < 3; i++) expect(await (await postJson(ctx.app, "/api/events", event(undefined))).json()).toEqual({ status: "accepted" });
        const batch = await postJson(ctx.app, "/api/events/batch", { batch: [event(undefined), event(undefined)] });
        expect(await batch.json()).toMatchObject({ accepted: 2, duplicates: 0 });
        expect(await storedIds()).toEqual([null, null, null, null, null]);
      });

      test("a repeat within one batch is stored once and counted once", async () => {
        ctx = await buildApp(backend);
        const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
        const response = await postJson(ctx.app, "/api/events/batch", { batch: [event(a), event(b), event(a), event(a)] });
        expect(await response.json()).toEqual({ status: "accepted", accepted: 2, duplicates: 2, rejected: [] });
        expect(await storedIds()).toEqual([a, b]);
      });

      test("a batch retried whole after a lost answer stores nothing new", async () => {
        ctx = await buildApp(backend);
        const batch = Array.from({ length: 4 }, () => event(crypto.randomUUID()));
        expect(await (await postJson(ctx.app, "/api/events/batch", { batch })).json()).toMatchObject({ accepted: 4, duplicates: 0 });
        const fresh = event(crypto.randomUUID());
        expect(await (await postJson(ctx.app, "/api/events/batch", { batch: [...batch, fresh] })).json()).toMatchObject({ accepted: 1, duplicates: 4 });
        // And across endpoints: the single endpoint sees the batch's ids too.
        expect(await (await postJson(ctx.app, "/api/events", batch[0])).json()).toEqual({ status: "accepted", duplicate: true });
        expect(await ctx.db.count()).toBe(5);
      });

      test("an invalid event_id is a 422, on its own or in a batch", async () => {
        ctx = await buildApp(backend);
        const single = await postJson(ctx.app, "/api/events", event("not-a-uuid"));
        expect(single.status).toBe(422);
        expect((await single.json()).details).toEqual([{ path: "/event_id", message: "must be a UUID such as 3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10" }]);
        const batch = await (await postJson(ctx.app, "/api/events/batch", { batch: [event(42 as never)] })).json();
        expect(batch.rejected[0].details).toEqual([{ path: "/batch/0/event_id", message: "must be a string" }]);
        expect(await ctx.db.count()).toBe(0);
      });
    });

    describe("concurrent copies of one event are stored once", () => {
      test("many simultaneous requests carrying the same event_id: one row, the rest duplicates", async () => {
        ctx = await buildApp(backend);
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
        expect(await storedIds()).toEqual([id]);
      });

      test("two stores (two processes' worth of connections) on one database: the unique index decides", async () => {
        const db = await backend.database();
        try {
          const config = parseConfig(db.env);
          const [one, two] = [await openStore(config), await openStore(config)];
          const ids = Array.from({ length: 50 }, () => crypto.randomUUID());
          const row = (eventId: string): NewEvent => ({ sessionId: "s", eventType: EVENT_TYPES[0], payload: "{}", createdAt: new Date(), eventId });
          const results = await Promise.all(ids.flatMap((id) => [one.append([row(id)]), two.append([row(id)])]));
          expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(50);
          expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(50);
          await one.close();
          await two.close();
          const stored = await db.rows();
          expect(stored).toHaveLength(50);
          expect(new Set(stored.map((r) => r.event_id)).size).toBe(50);
        } finally {
          await db.drop();
        }
      });

      test("each caller of a shared group commit gets its own counts", async () => {
        ctx = await buildApp(backend);
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
        expect(await ctx.db.count()).toBe(4);
      });
    });
  });
}
