import { afterEach, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, buildApp, closeApps, send } from "./support/app";
import { backends } from "./support/backends";
import { sample, scrape } from "./support/metrics";
import { listEvents } from "./support/listing";
import { USER_AGENTS } from "./support/user-agents";


const GOOGLEBOT = { browser: "Googlebot", os: null, device: "bot", is_bot: true, user_agent: null };
const DROPPED = 'event_ingest_bot_events_total{action="dropped"}';
const FLAGGED = 'event_ingest_bot_events_total{action="flagged"}';

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    const event = { session_id: "s", event_type: "card_click", payload: { card_id: "c_1" } };
    const post = (app: Awaited<ReturnType<typeof buildApp>>["app"], path: string, body: unknown, userAgent?: string) =>
      send(app, path, {
        method: "POST",
        headers: { "content-type": "application/json", ...(userAgent ? { "user-agent": userAgent } : {}) },
        body: JSON.stringify(body),
      });

    describe("BOT_FILTER=drop (the default): a bot's events are answered 202, not stored, and counted", () => {
      for (const name of ["googlebot", "headless", "curl"] as const) {
        test(`${name}: single and batch are 202 as if stored; nothing is stored; /metrics counts each event`, async () => {
          const ctx = await buildApp(backend, { ADMIN_TOKEN });
          const single = await post(ctx.app, "/api/events", event, USER_AGENTS[name]);
          expect(single.status).toBe(202);
          expect(await single.json()).toEqual({ status: "accepted" });
          const batch = await post(ctx.app, "/api/events/batch", { batch: [event, event, { session_id: "s", event_type: "nope" }] }, USER_AGENTS[name]);
          expect(batch.status).toBe(202);
          const answer = (await batch.json()) as { accepted: number; rejected: { index: number }[] };
          expect(answer.accepted).toBe(2);
          expect(answer.rejected.map((item) => item.index)).toEqual([2]);
          expect(await ctx.db.count()).toBe(0);
          const text = await scrape(ctx.app);
          expect(sample(text, DROPPED)).toBe(3);
          expect(sample(text, 'event_ingest_events_accepted_total{event_type="card_click"}')).toBe(0);
        });
      }

      test("a bot's invalid event is still a 422: the contract does not depend on the user agent", async () => {
        const ctx = await buildApp(backend);
        expect((await post(ctx.app, "/api/events", { session_id: "s" }, USER_AGENTS.googlebot)).status).toBe(422);
      });

      test("browsers, and clients that send no User-Agent, are stored", async () => {
        const ctx = await buildApp(backend, { ADMIN_TOKEN });
        for (const userAgent of [USER_AGENTS.chrome, USER_AGENTS.iphone, undefined]) {
          expect((await post(ctx.app, "/api/events", event, userAgent)).status).toBe(202);
        }
        expect(await ctx.db.count()).toBe(3);
        expect(sample(await scrape(ctx.app), DROPPED)).toBe(0);
        expect((await listEvents(ctx.app)).map((event) => event.client.is_bot)).toEqual([false, false, false]);
      });
    });

    describe("BOT_FILTER=flag stores a bot's events and counts them", () => {
      test("stored, counted as flagged", async () => {
        const ctx = await buildApp(backend, { BOT_FILTER: "flag", ADMIN_TOKEN });
        expect((await post(ctx.app, "/api/events/batch", { batch: [event, event] }, USER_AGENTS.googlebot)).status).toBe(202);
        expect(await ctx.db.count()).toBe(2);
        expect((await listEvents(ctx.app)).map((event) => event.client)).toEqual([GOOGLEBOT, GOOGLEBOT]);
        const text = await scrape(ctx.app);
        expect(sample(text, FLAGGED)).toBe(2);
        expect(sample(text, DROPPED)).toBe(0);
      });
    });

    describe("BOT_FILTER=off treats bots like everyone else", () => {
      test("stored, not counted", async () => {
        const ctx = await buildApp(backend, { BOT_FILTER: "off", ADMIN_TOKEN });
        expect((await post(ctx.app, "/api/events", event, USER_AGENTS.googlebot)).status).toBe(202);
        expect(await ctx.db.count()).toBe(1);
        expect(sample(await scrape(ctx.app), FLAGGED)).toBe(0);
        // Not checked: null, not false.
        expect((await listEvents(ctx.app)).map((event) => event.client)).toEqual([{ ...GOOGLEBOT, is_bot: null }]);
      });
    });
  });
}
