import { afterEach, describe, expect, test } from "bun:test";
import { CONTEXT_TEXT_LIMITS, MAX_SCREEN_WIDTH, MAX_USER_AGENT_LENGTH } from "../src/events/context-limits";
import { ADMIN_TOKEN, buildApp, closeApps, postJson, send } from "./support/app";
import { backends } from "./support/backends";
import { expectEnvelope } from "./support/envelope";
import { listEvents } from "./support/listing";
import { USER_AGENTS } from "./support/user-agents";

const CONTEXT = {
  path: "/search",
  referrer: "https://www.example.org/blog/post",
  utm_source: "newsletter",
  utm_medium: "email",
  utm_campaign: "spring",
  utm_term: "lake hotel",
  utm_content: "hero",
  screen_width: 1440,
};

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    const event = (context: unknown) => ({ session_id: "s", event_type: "sage_query", payload: { query: "lake" }, context });

    describe("an event's context is checked, with one limit per field", () => {
      test("a full context, each text at its limit, is accepted; so is none, or an empty one", async () => {
        const ctx = await buildApp(backend);
        const atLimits = Object.fromEntries(Object.entries(CONTEXT_TEXT_LIMITS).map(([field, limit]) => [field, "x".repeat(limit)]));
        for (const context of [CONTEXT, { ...atLimits, screen_width: MAX_SCREEN_WIDTH }, undefined, {}]) {
          expect((await postJson(ctx.app, "/api/events", event(context))).status).toBe(202);
        }
        expect(await ctx.db.count()).toBe(4);
      });

      for (const field of Object.keys(CONTEXT_TEXT_LIMITS) as (keyof typeof CONTEXT_TEXT_LIMITS)[]) {
        test(`${field} longer than ${CONTEXT_TEXT_LIMITS[field]} characters is a 422 naming /context/${field}`, async () => {
          const ctx = await buildApp(backend);
          const response = await postJson(ctx.app, "/api/events", event({ [field]: "x".repeat(CONTEXT_TEXT_LIMITS[field] + 1) }));
          const body = await expectEnvelope(response, 422, "validation_failed");
          expect(body.details).toEqual([{ path: `/context/${field}`, message: `must be at most ${CONTEXT_TEXT_LIMITS[field]} characters long` }]);
          expect(await ctx.db.count()).toBe(0);
        });
      }

      test("screen_width must be a whole number from 0 to the limit", async () => {
        const ctx = await buildApp(backend);
        const cases: [unknown, string][] = [
          [-1, "must be at least 0"],
          [MAX_SCREEN_WIDTH + 1, `must be at most ${MAX_SCREEN_WIDTH}`],
          [1440.5, "must be a whole number"],
          ["1440", "must be a whole number"],
        ];
        for (const [width, message] of cases) {
          const body = await expectEnvelope(await postJson(ctx.app, "/api/events", event({ screen_width: width })), 422, "validation_failed");
          expect(body.details).toEqual([{ path: "/context/screen_width", message }]);
        }
      });

      test("an unknown field, a non-object, a NUL character or an unpaired surrogate is a 422 naming the place", async () => {
        const ctx = await buildApp(backend);
        const cases: [unknown, { path: string; message: string }][] = [
          [{ colour: "red" }, { path: "/context/colour", message: "is not a known field" }],
          ["/search", { path: "/context", message: "must be a JSON object" }],
          [{ path: "/a\u0000b" }, { path: "/context/path", message: "must not contain the NUL character (U+0000)" }],
          [{ utm_source: "x\ud800" }, { path: "/context/utm_source", message: "must be valid Unicode text (it holds an unpaired surrogate)" }],
        ];
        for (const [context, detail] of cases) {
          const body = await expectEnvelope(await postJson(ctx.app, "/api/events", event(context)), 422, "validation_failed");
          expect(body.details).toEqual([detail]);
        }
        expect(await ctx.db.count()).toBe(0);
      });

      test("in a batch, an item with a bad context is rejected by index; the others are stored", async () => {
        const ctx = await buildApp(backend);
        const response = await postJson(ctx.app, "/api/events/batch", { batch: [event(CONTEXT), event({ path: 7 })] });
        const answer = (await response.json()) as { accepted: number; rejected: { index: number; details: unknown }[] };
        expect(answer.accepted).toBe(1);
        expect(answer.rejected).toEqual([expect.objectContaining({ index: 1, details: [{ path: "/batch/1/context/path", message: "must be a string" }] })]);
      });
    });
  });
}

for (const backend of backends) {
  describe(`${backend.name}: what is stored`, () => {
    afterEach(closeApps);

    const event = (context: unknown) => ({ session_id: "s", event_type: "sage_query", payload: { query: "lake" }, context });

    test("the context as sent, and browser, OS and device from the User-Agent; no raw User-Agent by default", async () => {
      const ctx = await buildApp(backend, { ADMIN_TOKEN });
      const headers = { "content-type": "application/json", "user-agent": USER_AGENTS.iphone };
      const body = JSON.stringify({ session_id: "s", event_type: "sage_query", payload: { query: "lake" }, context: CONTEXT });
      expect((await send(ctx.app, "/api/events", { method: "POST", headers, body })).status).toBe(202);
      const [event] = await listEvents(ctx.app);
      expect(event!.context).toEqual(CONTEXT);
      expect(event!.client).toEqual({ browser: "Safari", os: "iOS", device: "mobile", is_bot: false, user_agent: null });
    });

    test("STORE_USER_AGENT=true also stores the raw User-Agent, cut to its limit; the IP address never", async () => {
      const ctx = await buildApp(backend, { ADMIN_TOKEN, STORE_USER_AGENT: "true", TRUST_PROXY: "1" });
      const long = `${USER_AGENTS.chrome} ${"x".repeat(MAX_USER_AGENT_LENGTH)}`;
      for (const userAgent of [USER_AGENTS.chrome, long]) {
        const headers = { "content-type": "application/json", "user-agent": userAgent, "x-forwarded-for": "203.0.113.7" };
        const response = await send(ctx.app, "/api/events", { method: "POST", headers, body: JSON.stringify({ session_id: "s", event_type: "card_click", payload: { card_id: "c" } }) });
        expect(response.status).toBe(202);
      }
      const events = await listEvents(ctx.app);
      expect(events.map((event) => event.client.user_agent)).toEqual([long.slice(0, MAX_USER_AGENT_LENGTH), USER_AGENTS.chrome]);
      expect(events[1]!.client).toMatchObject({ browser: "Chrome", os: "Windows", device: "desktop" });
      const rows = await ctx.db.exec("SELECT * FROM user_events");
      expect(JSON.stringify(rows)).not.toContain("203.0.113.7");
    });

    test("an event without context or User-Agent stores nulls; a batch's events each keep their own context", async () => {
      const ctx = await buildApp(backend, { ADMIN_TOKEN });
      expect((await postJson(ctx.app, "/api/events", event(undefined))).status).toBe(202);
      const batch = [event({ path: "/a", screen_width: 390 }), event({ path: "/b", utm_source: "ads" })];
      expect((await postJson(ctx.app, "/api/events/batch", { batch })).status).toBe(202);
      const [b, a, none] = await listEvents(ctx.app);
      expect(none!.context as Record<string, unknown>).toEqual(Object.fromEntries(Object.keys(CONTEXT).map((field) => [field, null])));
      expect(none!.client).toEqual({ browser: null, os: null, device: null, is_bot: false, user_agent: null });
      expect(a!.context).toMatchObject({ path: "/a", screen_width: 390, utm_source: null });
      expect(b!.context).toMatchObject({ path: "/b", screen_width: null, utm_source: "ads" });
    });
  });
}
