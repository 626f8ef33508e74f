import { afterEach, describe, expect, test } from "bun:test";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, postJson, send, type TestApp } from "./support/app";
import { expectEnvelope } from "./support/envelope";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(backend.name, () => {
    const LIMIT = 1024;

    let ctx: TestApp;
    afterEach(async () => {
      await ctx.close();
    });

    /** A JSON event body padded (inside the payload) to exactly `bytes` UTF-8 bytes. */
    function eventOfBytes(bytes: number, fill = "a"): string {
      const base = JSON.stringify({ session_id: "big", event_type: EVENT_TYPES[0], payload: { pad: "" } });
      const fillBytes = new TextEncoder().encode(fill).byteLength;
      const room = bytes - new TextEncoder().encode(base).byteLength;
      const pad = fill.repeat(Math.floor(room / fillBytes)) + "a".repeat(room % fillBytes);
      const body = JSON.stringify({ session_id: "big", event_type: EVENT_TYPES[0], payload: { pad } });
      expect(new TextEncoder().encode(body).byteLength).toBe(bytes);
      return body;
    }

    /** A chunked body without Content-Length that never ends by itself; counts what was pulled. */
    function endlessStream(chunkBytes = 256) {
      const state = { pulled: 0, cancelled: false };
      const chunk = new TextEncoder().encode(`{"session_id":"s","event_type":"${EVENT_TYPES[0]}","payload":{"pad":"`.padEnd(chunkBytes, "x"));
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          state.pulled += chunk.byteLength;
          controller.enqueue(chunk.slice());
        },
        cancel() {
          state.cancelled = true;
        },
      });
      return { stream, state };
    }

    describe(`bodies over MAX_BODY_BYTES are a 413`, () => {
      test("a declared Content-Length over the limit is refused before the body is read", async () => {
        ctx = await buildApp(backend, { MAX_BODY_BYTES: String(LIMIT) });
        const { stream, state } = endlessStream();
        const response = await send(ctx.app, "/api/events", {
          method: "POST",
          headers: { "content-type": "application/json", "content-length": String(LIMIT + 1) },
          body: stream,
        });
        const body = await expectEnvelope(response, 413, "payload_too_large");
        expect(body.message).toContain(String(LIMIT));
        expect(await ctx.db.count()).toBe(0);
        // Nothing was read beyond what the stream offers on its own before the first read.
        expect(state.pulled).toBeLessThanOrEqual(LIMIT);
      });

      test("a chunked body without Content-Length is cut off as soon as it passes the limit", async () => {
        ctx = await buildApp(backend, { MAX_BODY_BYTES: String(LIMIT) });
        const { stream, state } = endlessStream();
        const response = await send(ctx.app, "/api/events", {
          method: "POST",
          headers: { "content-type": "text/plain;charset=UTF-8" },
          body: stream,
        });
        await expectEnvelope(response, 413, "payload_too_large");
        expect(await ctx.db.count()).toBe(0);
        // The endless body was not buffered: reading stopped a few chunks past the limit and was cancelled.
        expect(state.pulled).toBeGreaterThan(LIMIT);
        expect(state.pulled).toBeLessThan(LIMIT * 4);
        expect(state.cancelled).toBe(true);
      });

      test("the default limit is 1 MiB", async () => {
        ctx = await buildApp(backend);
        expect(ctx.config.maxBodyBytes).toBe(1024 * 1024);
        await expectEnvelope(await postJson(ctx.app, "/api/events", eventOfBytes(1024 * 1024 + 1)), 413, "payload_too_large");
        expect(await ctx.db.count()).toBe(0);
        expect((await postJson(ctx.app, "/api/events", eventOfBytes(1024 * 1024))).status).toBe(202);
        expect(await ctx.db.count()).toBe(1);
      });
    });

    describe("the limit counts bytes, exactly", () => {
      test("a body of exactly MAX_BODY_BYTES is accepted; one byte more is refused", async () => {
        ctx = await buildApp(backend, { MAX_BODY_BYTES: String(LIMIT) });
        expect((await postJson(ctx.app, "/api/events", eventOfBytes(LIMIT))).status).toBe(202);
        await expectEnvelope(await postJson(ctx.app, "/api/events", eventOfBytes(LIMIT + 1)), 413, "payload_too_large");
        expect(await ctx.db.count()).toBe(1);
      });

      test("multi-byte characters count by their UTF-8 size, not as one character each", async () => {
        ctx = await buildApp(backend, { MAX_BODY_BYTES: String(LIMIT) });
        const body = eventOfBytes(LIMIT + 1, "é");
        expect(body.length).toBeLessThan(LIMIT);
        await expectEnvelope(await postJson(ctx.app, "/api/events", body, "text/plain;charset=UTF-8"), 413, "payload_too_large");
        expect(await ctx.db.count()).toBe(0);
      });

      test("a chunked body under the limit is read whole and accepted", async () => {
        ctx = await buildApp(backend, { MAX_BODY_BYTES: String(LIMIT) });
        const bytes = new TextEncoder().encode(eventOfBytes(LIMIT));
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let offset = 0; offset < bytes.byteLength; offset += 100) controller.enqueue(bytes.slice(offset, offset + 100));
            controller.close();
          },
        });
        const response = await send(ctx.app, "/api/events", { method: "POST", headers: { "content-type": "application/json" }, body: stream });
        expect(response.status).toBe(202);
        expect(await ctx.db.count()).toBe(1);
      });
    });
  });
}
