import { afterEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ConfigError, parseConfig } from "../src/config";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, postJson, send, type TestApp } from "./support/app";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(backend.name, () => {
    let ctx: TestApp;
    afterEach(async () => {
      await ctx.close();
    });

    const BATCH = "/api/events/batch";
    const event = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ session_id: "s-1", event_type: EVENT_TYPES[0], ...overrides });

    async function rows() {
      return (await ctx.db.rows()).map(({ session_id, event_type, payload }) => ({ session_id, event_type, payload }));
    }

    async function expectError(response: Response, status: number, code: string) {
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: string; message: string; details: { path: string; message: string }[]; request_id: string };
      expect(body.error).toBe(code);
      expect(body.message.length).toBeGreaterThan(0);
      expect(body.request_id).toBe(response.headers.get("x-request-id")!);
      return body;
    }

    describe("a batch stores its valid events and reports the invalid ones by index", () => {
      test("an all-valid batch is stored in order and answered 202 with the counts", async () => {
        ctx = await buildApp(backend);
        const batch = EVENT_TYPES.map((type, i) => ({ session_id: `s-${i}`, event_type: type, payload: { i } }));
        const response = await postJson(ctx.app, BATCH, { batch });
        expect(response.status).toBe(202);
        expect(await response.json()).toEqual({ status: "accepted", accepted: batch.length, duplicates: 0, rejected: [] });
        expect(await rows()).toEqual(batch);
      });

      test("a mixed batch stores the valid events and lists each invalid one with readable details", async () => {
        ctx = await buildApp(backend);
        const batch = [
          event({ session_id: "ok-0" }),
          event({ event_type: "hover" }),
          null,
          event({ session_id: "ok-3", payload: { q: "lake" } }),
          event({ payload: [1, 2], extra: true }),
          "card_click",
          event({ timestamp: "yesterday" }),
          event({ session_id: "ok-7" }),
        ];
        const response = await postJson(ctx.app, BATCH, { batch });
        expect(response.status).toBe(202);
        const body = await response.json();
        expect(body).toEqual({
          status: "accepted",
          accepted: 3,
          duplicates: 0,
          rejected: [
            {
              index: 1,
              error: "validation_failed",
              message: "Event 1 is invalid: check /batch/1/event_type.",
              details: [{ path: "/batch/1/event_type", message: 'must be one of card_click, sage_query, filter_change; got "hover"' }],
            },
            {
              index: 2,
              error: "validation_failed",
              message: "Event 2 is invalid: check /batch/2.",
              details: [{ path: "/batch/2", message: "must be a JSON object" }],
            },
            {
              index: 4,
              error: "validation_failed",
              message: "Event 4 is invalid: check /batch/4/extra, /batch/4/payload.",
              details: [
                { path: "/batch/4/extra", message: "is not a known field" },
                { path: "/batch/4/payload", message: "must be a JSON object" },
              ],
            },
            {
              index: 5,
              error: "validation_failed",
              message: "Event 5 is invalid: check /batch/5.",
              details: [{ path: "/batch/5", message: "must be a JSON object" }],
            },
            {
              index: 6,
              error: "validation_failed",
              message: "Event 6 is invalid: check /batch/6/timestamp.",
              details: [
                {
                  path: "/batch/6/timestamp",
                  message: "must be an ISO-8601 date-time with a time zone (e.g. 2024-05-01T12:34:56.789Z) or whole epoch milliseconds, in years 1 to 9999",
                },
              ],
            },
          ],
        });
        expect((await rows()).map((row) => row.session_id)).toEqual(["ok-0", "ok-3", "ok-7"]);
      });

      test("a batch of only invalid events is still a 202 that stores nothing and rejects every index", async () => {
        ctx = await buildApp(backend);
        const response = await postJson(ctx.app, BATCH, { batch: [{}, { session_id: "" }] });
        expect(response.status).toBe(202);
        const body = await response.json();
        expect(body.accepted).toBe(0);
        expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([0, 1]);
        expect(await ctx.db.count()).toBe(0);
      });

      test("text/plain (sendBeacon) bodies are read and validated like JSON", async () => {
        ctx = await buildApp(backend);
        const response = await postJson(ctx.app, BATCH, { batch: [event(), event({ event_type: "nope" })] }, "text/plain;charset=UTF-8");
        expect(response.status).toBe(202);
        expect(await response.json()).toMatchObject({ accepted: 1, duplicates: 0, rejected: [{ index: 1 }] });
        expect(await ctx.db.count()).toBe(1);
      });

      test("CORS: the preflight allows the batch route and the answer carries the allowed origin", async () => {
        ctx = await buildApp(backend, { CORS_ORIGINS: "https://shop.example.com" });
        const preflight = await send(ctx.app, BATCH, {
          method: "OPTIONS",
          headers: { origin: "https://shop.example.com", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
        });
        expect(preflight.status).toBeLessThan(300);
        expect(preflight.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
        expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
        const response = await send(ctx.app, BATCH, {
          method: "POST",
          headers: { origin: "https://shop.example.com", "content-type": "text/plain" },
          body: JSON.stringify({ batch: [event()] }),
        });
        expect(response.status).toBe(202);
        expect(response.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
      });
    });

    describe("a malformed envelope is refused whole and stores nothing", () => {
      const cases: [string, unknown, string][] = [
        ["a JSON array instead of an object", [event()], ""],
        ["null", null, ""],
        ["no batch field", { events: [event()] }, "/batch"],
        ["batch is not an array", { batch: event() }, "/batch"],
        ["an empty batch", { batch: [] }, "/batch"],
        ["an unknown envelope field next to valid events", { batch: [event()], source: "web" }, "/source"],
        ["an unparseable envelope sent_at", { batch: [event()], sent_at: "2024-13-01T00:00:00Z" }, "/sent_at"],
      ];
      for (const [name, body, path] of cases) {
        test(`${name}: 422 naming ${path || "the body"}`, async () => {
          ctx = await buildApp(backend);
          const error = await expectError(await postJson(ctx.app, BATCH, body), 422, "validation_failed");
          expect(error.details.map((detail) => detail.path)).toContain(path);
          expect(await ctx.db.count()).toBe(0);
        });
      }

      test("more events than MAX_BATCH_EVENTS: 422 naming the limit, none of them stored", async () => {
        ctx = await buildApp(backend, { MAX_BATCH_EVENTS: "5" });
        expect((await postJson(ctx.app, BATCH, { batch: Array.from({ length: 5 }, () => event()) })).status).toBe(202);
        const error = await expectError(await postJson(ctx.app, BATCH, { batch: Array.from({ length: 6 }, () => event()) }), 422, "validation_failed");
        expect(error.details).toEqual([{ path: "/batch", message: "must hold at most 5 items" }]);
        expect(await ctx.db.count()).toBe(5);
      });

      test("the default limit is 500 events", async () => {
        ctx = await buildApp(backend);
        expect((await postJson(ctx.app, BATCH, { batch: Array.from({ length: 500 }, () => event()) })).status).toBe(202);
        expect((await postJson(ctx.app, BATCH, { batch: Array.from({ length: 501 }, () => event()) })).status).toBe(422);
        expect(await ctx.db.count()).toBe(500);
      });

      test("a body over MAX_BODY_BYTES is a 413, whatever the event count", async () => {
        ctx = await buildApp(backend, { MAX_BODY_BYTES: "4096" });
        const batch = Array.from({ length: 10 }, () => event({ payload: { pad: "x".repeat(500) } }));
        await expectError(await postJson(ctx.app, BATCH, { batch }), 413, "payload_too_large");
        expect(await ctx.db.count()).toBe(0);
      });

      test("malformed JSON is a 400 and an unsupported content type a 415", async () => {
        ctx = await buildApp(backend);
        await expectError(await postJson(ctx.app, BATCH, '{"batch": ['), 400, "malformed_json");
        await expectError(await postJson(ctx.app, BATCH, "batch=1", "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
        expect(await ctx.db.count()).toBe(0);
      });

      test("when storage cannot commit, the answer is 503 with Retry-After and nothing is half-written", async () => {
        ctx = await buildApp(backend);
        await ctx.db.failInsertsOf("poison");
        const response = await postJson(ctx.app, BATCH, { batch: [event({ session_id: "fine" }), event({ session_id: "poison" })] });
        await expectError(response, 503, "storage_unavailable");
        expect(response.headers.get("retry-after")).toBe("1");
        expect(await ctx.db.count()).toBe(0);
      });
    });

    describe("each batch item meets exactly the rules of POST /api/events", () => {
      const anyValue = fc.oneof(fc.constant(undefined), fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));
      const candidate = fc.record(
        {
          session_id: fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ minLength: 65, maxLength: 70 }), fc.constant(""), anyValue),
          event_type: fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.string(), anyValue),
          payload: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), anyValue),
          event_id: fc.oneof(fc.uuid(), fc.string(), anyValue),
          timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.integer(), fc.double(), fc.string(), anyValue),
          sent_at: fc.oneof(fc.integer({ min: 0, max: 2e12 }), fc.string(), anyValue),
          extra: anyValue,
        },
        { requiredKeys: [] },
      );

      test("for any object, the single endpoint accepts it exactly when the batch does, with the same details", async () => {
        ctx = await buildApp(backend);
        await fc.assert(
          fc.asyncProperty(candidate, async (raw) => {
            const body = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
            const single = await postJson(ctx.app, "/api/events", body);
            const batch = await (await postJson(ctx.app, BATCH, { batch: [body] })).json();
            if (single.status === 202) {
              expect(batch.rejected).toEqual([]);
              expect(batch.accepted + batch.duplicates).toBe(1);
            } else {
              expect(single.status).toBe(422);
              const singleDetails = (await single.json()).details;
              expect(batch.rejected).toHaveLength(1);
              const batchDetails = batch.rejected[0].details.map((d: { path: string; message: string }) => ({
                path: d.path.slice("/batch/0".length),
                message: d.message,
              }));
              expect(batchDetails).toEqual(singleDetails);
            }
          }),
          { numRuns: 300 },
        );
      });
    });

    describe("Swagger documents the batch endpoint and the new event fields", () => {
      test("request example, limits and every answer of POST /api/events/batch; client time fields on POST /api/events", async () => {
        ctx = await buildApp(backend);
        const spec = await (await send(ctx.app, "/swagger/json")).json();
        const batch = spec.paths["/api/events/batch"].post;
        expect(Object.keys(batch.responses).sort()).toEqual(["202", "400", "413", "415", "422", "429", "503"]);
        const schema = batch.requestBody.content["application/json"].schema;
        expect(schema.properties.batch).toMatchObject({ minItems: 1, maxItems: 500, type: "array" });
        expect(schema.properties.batch.items.properties.event_id).toMatchObject({ format: "uuid" });
        expect(batch.requestBody.content["application/json"].examples.every_type.value.batch).toHaveLength(3);
        expect(batch.requestBody.content["text/plain"]).toBeDefined();
        expect(spec.paths["/api/events"].post.requestBody.content["application/json"].schema.properties).toHaveProperty("timestamp");
      });
    });
  });
}

describe("MAX_BATCH_EVENTS is checked at boot", () => {
  test("MAX_BATCH_EVENTS must be a whole number from 1 to 10000", () => {
    for (const bad of ["0", "10001", "many", "-5"]) {
      expect(() => parseConfig({ MAX_BATCH_EVENTS: bad })).toThrow(ConfigError);
      expect(() => parseConfig({ MAX_BATCH_EVENTS: bad })).toThrow(/MAX_BATCH_EVENTS/);
    }
    expect(parseConfig({ MAX_BATCH_EVENTS: "10000" }).maxBatchEvents).toBe(10_000);
    expect(parseConfig({}).maxBatchEvents).toBe(500);
  });
});
