import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { buildApp, send, type TestApp } from "./support/app";
import { startServer, tempDir } from "./support/server";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(backend.name, () => {
    let ctx: TestApp;
    beforeAll(async () => {
      ctx = await buildApp(backend, { CORS_ORIGINS: "https://shop.example.com" });
    });
    afterAll(async () => {
      await ctx.close();
    });

    const get = (path: string, headers: Record<string, string> = {}) => send(ctx.app, path, { headers });

    describe("GET /sdk.js serves the minified browser client", () => {
      test("200 with a JavaScript type, a cache lifetime, an ETag and nosniff", async () => {
        const response = await get("/sdk.js");
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
        expect(response.headers.get("cache-control")).toBe("public, max-age=300, must-revalidate");
        expect(response.headers.get("etag")).toMatch(/^"[\w-]{22}"$/);
        expect(response.headers.get("vary")).toBe("Origin, Accept-Encoding");
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        expect(response.headers.get("content-encoding")).toBeNull();
      });

      test("the script is the client, minified, without server code, and defines EventIngest.createTracker", async () => {
        const code = await (await get("/sdk.js")).text();
        expect(code.split("\n").filter(Boolean)).toHaveLength(1);
        expect(code.length).toBeLessThan(8 * 1024); // size budget; README reports the current size
        expect(code).not.toMatch(/elysia|drizzle|typebox/i);
        const scope: { EventIngest?: { createTracker?: unknown } } = {};
        new Function("globalThis", code)(scope);
        expect(typeof scope.EventIngest?.createTracker).toBe("function");
      });

      test("If-None-Match with the current ETag (strong, weak, or *) is a 304 without a body", async () => {
        const etag = (await get("/sdk.js")).headers.get("etag")!;
        for (const header of [etag, `W/${etag}`, `"stale", ${etag}`, "*"]) {
          const response = await get("/sdk.js", { "if-none-match": header });
          expect(response.status).toBe(304);
          expect(response.headers.get("etag")).toBe(etag);
          expect(response.headers.get("cache-control")).toBe("public, max-age=300, must-revalidate");
          expect(await response.text()).toBe("");
        }
        expect((await get("/sdk.js", { "if-none-match": '"stale"' })).status).toBe(200);
      });

      test("gzip when accepted, with its own ETag; the same script once unpacked", async () => {
        const plain = await get("/sdk.js");
        const packed = await get("/sdk.js", { "accept-encoding": "gzip, deflate, br" });
        expect(packed.headers.get("content-encoding")).toBe("gzip");
        expect(packed.headers.get("etag")).toBe(`${plain.headers.get("etag")!.slice(0, -1)}-gz"`);
        const bytes = new Uint8Array(await packed.arrayBuffer());
        expect(bytes.byteLength).toBeLessThan(4 * 1024);
        expect(new TextDecoder().decode(Bun.gunzipSync(bytes))).toBe(await plain.text());
        expect((await get("/sdk.js", { "accept-encoding": "gzip;q=0, identity" })).headers.get("content-encoding")).toBeNull();
        const etag = packed.headers.get("etag")!;
        expect((await get("/sdk.js", { "accept-encoding": "gzip", "if-none-match": etag })).status).toBe(304);
      });

      test("CORS headers like every other route", async () => {
        const response = await get("/sdk.js", { origin: "https://shop.example.com" });
        expect(response.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
      });
    });

    describe("GET /sdk/example is a page wiring the client to buttons", () => {
      test("HTML that loads the client next to it and tracks every event type", async () => {
        const response = await get("/sdk/example");
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
        const html = await response.text();
        expect(html).toContain('<script src="../sdk.js"></script>');
        for (const type of ["card_click", "sage_query", "filter_change"]) expect(html).toContain(`tracker.track("${type}"`);
      });
    });

    describe("the real server builds the client at start-up", () => {
      test("a freshly started server serves /sdk.js", async () => {
        const dir = tempDir();
        const server = await startServer({ DATABASE_URL: join(dir.path, "events.db") });
        try {
          const response = await fetch(`${server.url}/sdk.js`, { headers: { "accept-encoding": "identity" } });
          expect(response.status).toBe(200);
          expect(await response.text()).toContain("EventIngest");
        } finally {
          await server.stop();
          dir.cleanup();
        }
      });
    });
  });
}
