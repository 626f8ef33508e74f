import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, postJson, send, type TestApp } from "./support/app";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(backend.name, () => {
    let ctx: TestApp;
    beforeEach(async () => {
      ctx = await buildApp(backend);
    });
    afterEach(async () => {
      await ctx.close();
    });

    describe("POST /api/events accepts every known event type as JSON", () => {
      for (const eventType of EVENT_TYPES) {
        test(`${eventType}: 202 {"status":"accepted"} and one stored row`, async () => {
          const payload = { card_id: "c_1", position: 3, nested: { ok: true, list: [1, "two", null] } };
          const response = await postJson(ctx.app, "/api/events", { session_id: "sess-json", event_type: eventType, payload });

          expect(response.status).toBe(202);
          expect(await response.json()).toEqual({ status: "accepted" });
          const stored = (await ctx.db.rows());
          expect(stored).toHaveLength(1);
          expect(stored[0]).toMatchObject({ session_id: "sess-json", event_type: eventType, payload });
        });
      }
    });

    describe("POST /api/events accepts sendBeacon bodies (text/plain;charset=UTF-8)", () => {
      for (const eventType of EVENT_TYPES) {
        test(`${eventType}: 202 and one stored row`, async () => {
          const payload = { query: "café près du lac ☕", results: 12 };
          const response = await postJson(
            ctx.app,
            "/api/events",
            { session_id: "sess-beacon", event_type: eventType, payload },
            "text/plain;charset=UTF-8",
          );

          expect(response.status).toBe(202);
          expect(await response.json()).toEqual({ status: "accepted" });
          expect(await ctx.db.rows()).toEqual([
            expect.objectContaining({ session_id: "sess-beacon", event_type: eventType, payload }),
          ]);
        });
      }

      test("a Blob body as sendBeacon builds it is read the same way", async () => {
        const blob = new Blob([JSON.stringify({ session_id: "blob", event_type: EVENT_TYPES[0] })], { type: "text/plain;charset=UTF-8" });
        const response = await send(ctx.app, "/api/events", { method: "POST", body: blob });
        expect(response.status).toBe(202);
        expect(await ctx.db.rows()).toEqual([expect.objectContaining({ session_id: "blob", event_type: EVENT_TYPES[0] })]);
      });
    });

    describe("POST /api/events stores payload {} when it is omitted", () => {
      test("the row's payload is the empty object", async () => {
        const response = await postJson(ctx.app, "/api/events", { session_id: "no-payload", event_type: EVENT_TYPES[1] });
        expect(response.status).toBe(202);
        expect(await ctx.db.rows()).toEqual([expect.objectContaining({ session_id: "no-payload", payload: {} })]);
      });

      test("an explicit empty object is stored as {} too", async () => {
        const response = await postJson(ctx.app, "/api/events", { session_id: "empty", event_type: EVENT_TYPES[2], payload: {} });
        expect(response.status).toBe(202);
        expect((await ctx.db.rows())[0]!.payload).toEqual({});
      });
    });

    describe("POST /api/events sets created_at on the server", () => {
      test("created_at is epoch milliseconds between the request's start and its answer", async () => {
        const before = Date.now();
        const response = await postJson(ctx.app, "/api/events", { session_id: "clock", event_type: EVENT_TYPES[0] });
        const after = Date.now();

        expect(response.status).toBe(202);
        const [row] = (await ctx.db.rows());
        expect(Number.isInteger(row!.created_at)).toBe(true);
        expect(row!.created_at).toBeGreaterThanOrEqual(before);
        expect(row!.created_at).toBeLessThanOrEqual(after);
      });

      test("a created_at sent by the client is not a known field and is refused", async () => {
        const response = await postJson(ctx.app, "/api/events", { session_id: "clock", event_type: EVENT_TYPES[0], created_at: 0 });
        expect(response.status).toBe(422);
        expect(await ctx.db.count()).toBe(0);
      });
    });

    describe("POST /api/events answers only after the row is committed", () => {
      test("every 202 of a concurrent burst is already a row when it arrives", async () => {
        const sessions = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
        const seen: number[] = [];
        await Promise.all(
          sessions.map(async (session, i) => {
            const response = await postJson(ctx.app, "/api/events", {
              session_id: session,
              event_type: EVENT_TYPES[i % EVENT_TYPES.length],
              payload: { i },
            });
            expect(response.status).toBe(202);
            // Read through another connection at the moment of the answer: the row is committed.
            expect(await ctx.db.exec(`SELECT 1 AS found FROM user_events WHERE session_id = '${session}'`)).toEqual([{ found: 1 }]);
            seen.push(i);
          }),
        );
        expect(seen).toHaveLength(sessions.length);
        expect((await ctx.db.rows()).map((row) => row.session_id).sort()).toEqual([...sessions].sort());
      });
    });

    describe("POST /api/events accepts session_id at its bounds", () => {
      test("1 and 64 characters are accepted and stored exactly", async () => {
        for (const session of ["x", "s".repeat(64)]) {
          expect((await postJson(ctx.app, "/api/events", { session_id: session, event_type: EVENT_TYPES[0] })).status).toBe(202);
        }
        expect((await ctx.db.rows()).map((row) => row.session_id)).toEqual(["x", "s".repeat(64)]);
      });
    });

    describe("request ids", () => {
      test("a sane incoming x-request-id is reused in the response header", async () => {
        const response = await send(ctx.app, "/api/events", {
          method: "POST",
          headers: { "content-type": "application/json", "x-request-id": "trace-abc.123" },
          body: JSON.stringify({ session_id: "rid", event_type: EVENT_TYPES[0] }),
        });
        expect(response.status).toBe(202);
        expect(response.headers.get("x-request-id")).toBe("trace-abc.123");
      });

      test("an unsafe incoming x-request-id is replaced by a fresh one", async () => {
        const response = await send(ctx.app, "/api/events", {
          method: "POST",
          headers: { "content-type": "application/json", "x-request-id": "bad id\twith <html>" },
          body: "{",
        });
        expect(response.status).toBe(400);
        const body = (await response.json()) as { request_id: string };
        expect(body.request_id).not.toContain("html");
        expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
        expect(response.headers.get("x-request-id")).toBe(body.request_id);
      });

      test("two requests get two different ids", async () => {
        const a = await send(ctx.app, "/health");
        const b = await send(ctx.app, "/health");
        expect(a.headers.get("x-request-id")).toBeTruthy();
        expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
      });
    });
  });
}
