import { afterEach, describe, expect, test } from "bun:test";
import { CONTEXT_TEXT_LIMITS, MAX_SCREEN_WIDTH } from "../src/events/context-limits";
import { buildApp, closeApps, postJson } from "./support/app";
import { backends } from "./support/backends";
import { expectEnvelope } from "./support/envelope";

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
