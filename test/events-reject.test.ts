import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, postJson, send, type TestApp } from "./support/app";
import { expectEnvelope } from "./support/envelope";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(backend.name, () => {
    const VALID = { session_id: "sess-1", event_type: EVENT_TYPES[0], payload: { card_id: "c_1" } };

    let ctx: TestApp;
    beforeEach(async () => {
      ctx = await buildApp(backend);
    });
    afterEach(async () => {
      await ctx.close();
    });

    /** Posts `body`, asserts the envelope with `status`/`error`, and that nothing was stored. */
    async function expectRejected(response: Response | Promise<Response>, status: number, error: string) {
      const envelope = await expectEnvelope(await response, status, error);
      expect(await ctx.db.count()).toBe(0);
      return envelope;
    }

    describe("unknown event_type is a 422", () => {
      test("the detail names /event_type and lists every allowed type", async () => {
        const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, event_type: "page_view" }), 422, "validation_failed");
        expect(body.details).toHaveLength(1);
        expect(body.details[0]!.path).toBe("/event_type");
        for (const type of EVENT_TYPES) expect(body.details[0]!.message).toContain(type);
        expect(body.details[0]!.message).toContain("page_view");
      });

      test("event types are case-sensitive", async () => {
        await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, event_type: EVENT_TYPES[0].toUpperCase() }), 422, "validation_failed");
      });

      test("a non-string event_type is refused", async () => {
        const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, event_type: 1 }), 422, "validation_failed");
        expect(body.details.map((detail) => detail.path)).toEqual(["/event_type"]);
      });

      test("a missing event_type is refused", async () => {
        const { event_type: _, ...rest } = VALID;
        const body = await expectRejected(postJson(ctx.app, "/api/events", rest), 422, "validation_failed");
        expect(body.details.map((detail) => detail.path)).toEqual(["/event_type"]);
      });
    });

    describe("session_id must be a string of 1..64 characters", () => {
      const cases: [string, unknown, RegExp][] = [
        ["missing", undefined, /required/],
        ["empty", "", /must not be empty/],
        ["65 characters", "s".repeat(65), /at most 64/],
        ["a number", 42, /string/],
        ["null", null, /string/],
      ];
      for (const [label, sessionId, message] of cases) {
        test(`${label} → 422 naming /session_id`, async () => {
          const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, session_id: sessionId }), 422, "validation_failed");
          expect(body.details).toEqual([{ path: "/session_id", message: expect.stringMatching(message) }]);
          expect(body.message).toContain("/session_id");
        });
      }
    });

    describe("payload must be a JSON object", () => {
      // The default Elysia normaliser would turn [..] into {"0": ..} and null into {}: both must be refused.
      const cases: [string, unknown][] = [
        ["an array", [1, 2, 3]],
        ["an empty array", []],
        ["a string", "clicked"],
        ["a number", 7],
        ["a boolean", true],
        ["null", null],
      ];
      for (const [label, payload] of cases) {
        test(`${label} → 422 naming /payload`, async () => {
          const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, payload }), 422, "validation_failed");
          expect(body.details).toEqual([{ path: "/payload", message: "must be a JSON object" }]);
        });
      }
    });

    describe("the NUL character (U+0000) is a 422 wherever it is, on every backend", () => {
      // PostgreSQL's text and jsonb cannot hold it; one contract means SQLite refuses it too.
      test("in session_id", async () => {
        const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, session_id: "a\u0000b" }), 422, "validation_failed");
        expect(body.details).toEqual([{ path: "/session_id", message: "must not contain the NUL character (U+0000)" }]);
      });

      test("in payload values and names, each place named by its JSON Pointer", async () => {
        const payload = { ok: "fine", list: ["x", "y\u0000"], nested: { "a/b\u0000": 1, deep: { text: "\u0000" } } };
        const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, payload }, "text/plain;charset=UTF-8"), 422, "validation_failed");
        expect(body.details).toEqual([
          { path: "/payload/list/1", message: "must not contain the NUL character (U+0000)" },
          { path: "/payload/nested/a~1b\u0000", message: "its name must not contain the NUL character (U+0000)" },
          { path: "/payload/nested/deep/text", message: "must not contain the NUL character (U+0000)" },
        ]);
      });

      test("the six characters \\u0000 written as text are not the character, and are stored as sent", async () => {
        const payload = { code: "\\u0000", path: "C:\\\\u0000" };
        expect((await postJson(ctx.app, "/api/events", { ...VALID, payload })).status).toBe(202);
        expect((await ctx.db.rows())[0]!.payload).toEqual(payload);
      });
    });

    describe("an unpaired UTF-16 surrogate is a 422, never stored altered", () => {
      // jsonb refuses it and a text column would store U+FFFD instead: one contract refuses it.
      const MESSAGE = "must be valid Unicode text (it holds an unpaired surrogate)";
      test("in session_id", async () => {
        const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, session_id: "a\ud800" }), 422, "validation_failed");
        expect(body.details).toEqual([{ path: "/session_id", message: MESSAGE }]);
      });

      test("in payload values and names; a proper pair (an emoji) is fine", async () => {
        const payload = { ok: "\u{1F600}", lone: "x\udc00", ["k\ud800"]: 1 };
        const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, payload }), 422, "validation_failed");
        expect(body.details).toEqual([
          { path: "/payload/k\ud800", message: `its name ${MESSAGE}` },
          { path: "/payload/lone", message: MESSAGE },
        ]);
      });
    });

    describe("a payload nested deeper than 64 levels is a 422, however deep", () => {
      const nested = (depth: number): unknown => {
        let value: unknown = 1;
        for (let i = 0; i < depth; i++) value = [value];
        return value;
      };

      test("64 levels (the payload and 63 arrays) are stored; 65 are refused, naming where", async () => {
        expect((await postJson(ctx.app, "/api/events", { ...VALID, payload: { a: nested(63) } })).status).toBe(202);
        const body = await expectEnvelope(await postJson(ctx.app, "/api/events", { ...VALID, payload: { a: nested(64) } }), 422, "validation_failed");
        expect(body.details).toEqual([{ path: `/payload/a${"/0".repeat(63)}`, message: "nests deeper than 64 levels" }]);
        expect(await ctx.db.count()).toBe(1);
      });

      test("100,000 levels (far past JSON.stringify's stack) are a 422, not a 500", async () => {
        const text = `{"session_id":"deep","event_type":"${EVENT_TYPES[0]}","payload":{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
        const body = await expectRejected(postJson(ctx.app, "/api/events", text), 422, "validation_failed");
        expect(body.details[0]!.message).toBe("nests deeper than 64 levels");
      });

      test("in a batch, the body is refused before it is parsed, naming the deep event's place; nothing is stored", async () => {
        const deep = `{"session_id":"deep","event_type":"${EVENT_TYPES[0]}","payload":{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
        const body = await expectEnvelope(await postJson(ctx.app, "/api/events/batch", `{"batch":[${JSON.stringify(VALID)},${deep}]}`), 422, "validation_failed");
        expect(body.details).toEqual([{ path: `/batch/1/payload/a${"/0".repeat(63)}`, message: "nests deeper than 64 levels" }]);
        expect(await ctx.db.count()).toBe(0);
      });

      test("a batch event's payload of 64 levels is stored, as on the single endpoint", async () => {
        const response = await postJson(ctx.app, "/api/events/batch", { batch: [{ ...VALID, payload: { a: nested(63) } }] });
        expect(response.status).toBe(202);
        expect(await ctx.db.count()).toBe(1);
      });
    });

    describe("client times outside years 1 to 9999 are a 422, not a failed commit", () => {
      for (const timestamp of ["0000-12-31T23:59:59Z", -8.64e15, 8.64e15]) {
        test(`timestamp ${JSON.stringify(timestamp)}`, async () => {
          const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, timestamp }), 422, "validation_failed");
          expect(body.details.map((detail) => detail.path)).toEqual(["/timestamp"]);
        });
      }
    });

    describe("unknown top-level fields are a 422", () => {
      test("__proto__, which JSON.parse makes an own key the schema does not see", async () => {
        const body = await expectRejected(postJson(ctx.app, "/api/events", `{"session_id":"a","event_type":"${EVENT_TYPES[0]}","__proto__":{"x":1}}`), 422, "validation_failed");
        expect(body.details).toEqual([{ path: "/__proto__", message: "is not a known field" }]);
      });

      test("the detail names the field", async () => {
        const body = await expectRejected(postJson(ctx.app, "/api/events", { ...VALID, user_id: "u1" }), 422, "validation_failed");
        expect(body.details).toEqual([{ path: "/user_id", message: "is not a known field" }]);
      });
    });

    describe("every failing field is listed once", () => {
      test("four faults, four details, each readable", async () => {
        const body = await expectRejected(
          postJson(ctx.app, "/api/events", { session_id: "", event_type: "nope", payload: [], extra: 1 }),
          422,
          "validation_failed",
        );
        expect(body.details.map((detail) => detail.path).sort()).toEqual(["/event_type", "/extra", "/payload", "/session_id"]);
        for (const detail of body.details) {
          // Readable phrases, not TypeBox's raw "Expected union value" dump.
          expect(detail.message).not.toMatch(/Expected|union|schema/i);
        }
      });
    });

    describe("a body that is JSON but not an object is a 422", () => {
      const bodies: [string, string][] = [
        ["an array", "[1,2]"],
        ["an array of events", JSON.stringify([VALID])],
        ["a string", '"hello"'],
        ["a number", "42"],
        ["true", "true"],
        ["null", "null"],
      ];
      for (const [label, raw] of bodies) {
        test(`${label} → one detail for the body itself`, async () => {
          const body = await expectRejected(postJson(ctx.app, "/api/events", raw), 422, "validation_failed");
          expect(body.details).toEqual([{ path: "", message: "must be a JSON object" }]);
        });
      }
    });

    describe("malformed JSON is a 400", () => {
      for (const raw of ["{", '{"session_id": "a",}', "{'session_id': 'a'}", "not json", '{"a":1} trailing']) {
        test(`${JSON.stringify(raw)} → malformed_json`, async () => {
          await expectRejected(postJson(ctx.app, "/api/events", raw), 400, "malformed_json");
        });
      }

      test("the same rule applies to text/plain bodies", async () => {
        await expectRejected(postJson(ctx.app, "/api/events", "{", "text/plain;charset=UTF-8"), 400, "malformed_json");
      });
    });

    describe("an empty body is a 400", () => {
      test("no body at all", async () => {
        await expectRejected(send(ctx.app, "/api/events", { method: "POST", headers: { "content-type": "application/json" } }), 400, "empty_body");
      });

      test("a zero-length body", async () => {
        await expectRejected(postJson(ctx.app, "/api/events", ""), 400, "empty_body");
      });

      test("whitespace only, as text/plain", async () => {
        await expectRejected(postJson(ctx.app, "/api/events", "  \n\t ", "text/plain;charset=UTF-8"), 400, "empty_body");
      });
    });

    describe("unsupported content types are a 415", () => {
      for (const type of ["application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "image/png"]) {
        test(type, async () => {
          const body = await expectRejected(postJson(ctx.app, "/api/events", VALID, type), 415, "unsupported_media_type");
          expect(body.message).toContain("application/json");
        });
      }

      test("JSON and text/plain are recognised whatever their case and parameters", async () => {
        for (const type of ["APPLICATION/JSON", "application/json; charset=utf-8", "Text/Plain; charset=UTF-8"]) {
          expect((await postJson(ctx.app, "/api/events", VALID, type)).status).toBe(202);
        }
        expect(await ctx.db.count()).toBe(3);
      });
    });

    describe("unknown routes are a 404", () => {
      const cases: [string, string][] = [
        ["GET", "/nope"],
        ["POST", "/api/event"],
        ["POST", "/events"],
        // GET /api/events is the (admin) listing; a GET below it that names no route is still a 404.
        ["GET", "/api/events/nope"],
      ];
      for (const [method, path] of cases) {
        test(`${method} ${path}`, async () => {
          const init: RequestInit = method === "POST" ? { method, headers: { "content-type": "application/json" }, body: JSON.stringify(VALID) } : { method };
          const body = await expectRejected(send(ctx.app, path, init), 404, "not_found");
          expect(body.message).toContain(path);
        });
      }
    });
  });
}
