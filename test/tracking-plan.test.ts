import { afterEach, describe, expect, test } from "bun:test";
import { EVENT_TYPES } from "../src/events/model";
import { TRACKING_PLAN } from "../src/events/plan";
import { payloadViolations } from "../src/events/violations";
import { ADMIN_TOKEN, buildApp, closeApps, postJson } from "./support/app";
import { backends } from "./support/backends";
import { expectEnvelope } from "./support/envelope";
import { listEvents } from "./support/listing";
import { sample, scrape } from "./support/metrics";

const VIOLATIONS = (type: string, reason: string) => `event_ingest_payload_violations_total{event_type="${type}",reason="${reason}"}`;

describe("the tracking plan is the one list of event types", () => {
  test("EVENT_TYPES are the plan's entries, in its order", () => {
    expect([...EVENT_TYPES]).toEqual(Object.keys(TRACKING_PLAN) as typeof EVENT_TYPES);
  });

  test("every entry's example conforms to its own schema", () => {
    for (const type of EVENT_TYPES) expect(payloadViolations(type, TRACKING_PLAN[type].example)).toEqual([]);
  });

  test("known properties are checked for presence, type and range; other properties are allowed", () => {
    expect(payloadViolations("card_click", { card_id: "c_1", anything: { else: [1] } })).toEqual([]);
    expect(payloadViolations("card_click", { position: -1, list: 7 })).toEqual([
      { path: "/payload/card_id", reason: "missing", message: "is required" },
      { path: "/payload/position", reason: "too_small", message: "must be at least 0" },
      { path: "/payload/list", reason: "wrong_type", message: "must be a string" },
    ]);
    expect(payloadViolations("sage_query", { query: "", results: 1.5 })).toEqual([
      { path: "/payload/query", reason: "too_short", message: "must not be empty" },
      { path: "/payload/results", reason: "wrong_type", message: "must be a whole number" },
    ]);
    expect(payloadViolations("sage_query", { query: "q".repeat(2001) })).toEqual([
      { path: "/payload/query", reason: "too_long", message: "must be at most 2000 characters long" },
    ]);
    expect(payloadViolations("filter_change", { filter: "price", from: null, to: 100, value: true })).toEqual([]);
    expect(payloadViolations("filter_change", { filter: "price", to: { max: 100 } })).toEqual([
      { path: "/payload/to", reason: "wrong_type", message: "must be a string or a number or a boolean or a null" },
    ]);
  });
});

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    const VALID = { session_id: "s", event_type: "card_click", payload: { card_id: "c_1", position: 0 } };
    const MISSING_CARD = { session_id: "s", event_type: "card_click", payload: { position: 2 } };

    describe("PAYLOAD_SCHEMA=enforce refuses a violating event with the usual 422 naming each path", () => {
      test("single: 422 naming /payload/card_id, nothing stored; a conforming event is stored", async () => {
        const ctx = await buildApp(backend, { PAYLOAD_SCHEMA: "enforce", ADMIN_TOKEN });
        const body = await expectEnvelope(await postJson(ctx.app, "/api/events", MISSING_CARD), 422, "validation_failed");
        expect(body.details).toEqual([{ path: "/payload/card_id", message: "is required" }]);
        expect(await ctx.db.count()).toBe(0);
        expect((await postJson(ctx.app, "/api/events", VALID)).status).toBe(202);
        expect(await ctx.db.count()).toBe(1);
        expect(sample(await scrape(ctx.app), VIOLATIONS("card_click", "missing"))).toBe(1);
      });

      test("batch: each violating item is rejected by index with its paths; the rest is stored", async () => {
        const ctx = await buildApp(backend, { PAYLOAD_SCHEMA: "enforce" });
        const batch = [VALID, MISSING_CARD, { session_id: "s", event_type: "sage_query", payload: { query: 42 } }];
        const response = await postJson(ctx.app, "/api/events/batch", { batch });
        expect(response.status).toBe(202);
        const answer = (await response.json()) as { accepted: number; rejected: unknown[] };
        expect(answer.accepted).toBe(1);
        expect(answer.rejected).toEqual([
          { index: 1, error: "validation_failed", message: "Event 1 is invalid: check /batch/1/payload/card_id.", details: [{ path: "/batch/1/payload/card_id", message: "is required" }] },
          { index: 2, error: "validation_failed", message: "Event 2 is invalid: check /batch/2/payload/query.", details: [{ path: "/batch/2/payload/query", message: "must be a string" }] },
        ]);
        expect((await ctx.db.rows()).map((row) => row.payload)).toEqual([VALID.payload]);
      });
    });

    describe("PAYLOAD_SCHEMA=flag (the default) stores a violating event and counts its violations", () => {
      test("single and batch are 202 and stored; /metrics counts by type and reason", async () => {
        const ctx = await buildApp(backend, { ADMIN_TOKEN });
        expect((await postJson(ctx.app, "/api/events", MISSING_CARD)).status).toBe(202);
        const batch = [VALID, MISSING_CARD, { session_id: "s", event_type: "sage_query", payload: { query: "" } }];
        const response = await postJson(ctx.app, "/api/events/batch", { batch });
        expect(await response.json()).toEqual({ status: "accepted", accepted: 3, duplicates: 0, rejected: [] });
        expect(await ctx.db.count()).toBe(4);
        const text = await scrape(ctx.app);
        expect(sample(text, VIOLATIONS("card_click", "missing"))).toBe(2);
        expect(sample(text, VIOLATIONS("sage_query", "too_short"))).toBe(1);
        // Each stored event carries its own violations (JSON Pointer into the event, reason, message).
        const missing = [{ path: "/payload/card_id", reason: "missing", message: "is required" }];
        expect((await listEvents(ctx.app)).map((event) => event.violations)).toEqual([
          [{ path: "/payload/query", reason: "too_short", message: "must not be empty" }],
          missing,
          null,
          missing,
        ]);
      });

      test("today's contract stays valid: an event without a payload, or with any object, is stored", async () => {
        const ctx = await buildApp(backend);
        expect((await postJson(ctx.app, "/api/events", { session_id: "s", event_type: "sage_query" })).status).toBe(202);
        expect((await postJson(ctx.app, "/api/events", { session_id: "s", event_type: "filter_change", payload: { x: [1] } })).status).toBe(202);
        expect(await ctx.db.count()).toBe(2);
      });
    });

    describe("PAYLOAD_SCHEMA=off does not check payloads", () => {
      test("a violating event is stored and nothing is counted", async () => {
        const ctx = await buildApp(backend, { PAYLOAD_SCHEMA: "off", ADMIN_TOKEN });
        expect((await postJson(ctx.app, "/api/events", MISSING_CARD)).status).toBe(202);
        expect(await ctx.db.count()).toBe(1);
        expect(sample(await scrape(ctx.app), VIOLATIONS("card_click", "missing"))).toBeUndefined();
        expect((await listEvents(ctx.app)).map((event) => event.violations)).toEqual([null]);
      });
    });
  });
}
