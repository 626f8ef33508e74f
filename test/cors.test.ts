import { afterEach, describe, expect, test } from "bun:test";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, send, type TestApp } from "./support/app";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(backend.name, () => {
    const EVENT = JSON.stringify({ session_id: "cors", event_type: EVENT_TYPES[0] });
    const ALLOWED = "https://shop.example.com";
    const OTHER = "https://evil.example.net";

    let ctx: TestApp;
    afterEach(async () => {
      await ctx.close();
    });

    function preflight(origin: string, headers = "content-type") {
      return send(ctx.app, "/api/events", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": headers },
      });
    }

    function post(origin: string, contentType = "application/json") {
      return send(ctx.app, "/api/events", { method: "POST", headers: { origin, "content-type": contentType }, body: EVENT });
    }

    describe("CORS with CORS_ORIGINS=* (the default)", () => {
      test("a preflight from any origin is allowed for POST with a JSON content type", async () => {
        ctx = await buildApp(backend);
        const response = await preflight(OTHER);
        expect(response.status).toBeLessThan(300);
        expect([OTHER, "*"]).toContain(response.headers.get("access-control-allow-origin")!);
        expect(response.headers.get("access-control-allow-methods")).toContain("POST");
        expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
        expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
        expect(await ctx.db.count()).toBe(0);
      });

      test("a real POST carries the allow-origin header and exposes x-request-id", async () => {
        ctx = await buildApp(backend);
        const response = await post(OTHER);
        expect(response.status).toBe(202);
        expect([OTHER, "*"]).toContain(response.headers.get("access-control-allow-origin")!);
        expect(response.headers.get("access-control-expose-headers")).toContain("x-request-id");
        expect(await ctx.db.count()).toBe(1);
      });

      test("responses vary by Origin only, never `Vary: *`, so they stay cacheable", async () => {
        ctx = await buildApp(backend);
        for (const response of [await post(OTHER), await send(ctx.app, "/health", { headers: { origin: OTHER } })]) {
          expect(response.headers.get("vary")).toBe("Origin");
        }
      });

      test("error answers carry the allow-origin header too, so the page can read the envelope", async () => {
        ctx = await buildApp(backend);
        const response = await send(ctx.app, "/api/events", { method: "POST", headers: { origin: OTHER, "content-type": "application/json" }, body: "{" });
        expect(response.status).toBe(400);
        expect([OTHER, "*"]).toContain(response.headers.get("access-control-allow-origin")!);
      });
    });

    describe("CORS with an explicit origin list", () => {
      const env = { CORS_ORIGINS: `${ALLOWED}, https://admin.example.com` };

      test("a preflight from a listed origin is allowed, echoing that origin", async () => {
        ctx = await buildApp(backend, env);
        const response = await preflight(ALLOWED);
        expect(response.status).toBeLessThan(300);
        expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
        expect(response.headers.get("access-control-allow-methods")).toContain("POST");
        expect(response.headers.get("vary")).toMatch(/Origin|\*/);
      });

      test("the second listed origin is allowed as well", async () => {
        ctx = await buildApp(backend, env);
        expect((await preflight("https://admin.example.com")).headers.get("access-control-allow-origin")).toBe("https://admin.example.com");
      });

      test("a preflight from an unlisted origin gets no allow-origin header", async () => {
        ctx = await buildApp(backend, env);
        const response = await preflight(OTHER);
        expect(response.headers.get("access-control-allow-origin")).toBeNull();
      });

      test("a POST from a listed origin carries allow-origin; an unlisted one does not", async () => {
        ctx = await buildApp(backend, env);
        const allowed = await post(ALLOWED, "text/plain;charset=UTF-8");
        expect(allowed.status).toBe(202);
        expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED);

        const other = await post(OTHER);
        expect(other.headers.get("access-control-allow-origin")).toBeNull();
        expect(other.headers.get("access-control-allow-origin")).not.toBe("*");
      });

      test("an origin that merely starts like a listed one is not allowed", async () => {
        ctx = await buildApp(backend, env);
        const response = await preflight(`${ALLOWED}.evil.net`);
        expect(response.headers.get("access-control-allow-origin")).toBeNull();
      });
    });
  });
}
