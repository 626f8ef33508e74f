import { afterEach, describe, expect, test } from "bun:test";
import { adminTokenChecker } from "../../src/auth/admin-token";
import { ConfigError, parseConfig } from "../../src/config";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, postJson, send } from "../support/app";
import { seedEvents } from "../support/events";
import { runToExit, startServer, tempDir } from "../support/server";
import { backends } from "../support/backends";

const PROTECTED = [
  { method: "GET", path: "/api/stats/events" },
  { method: "GET", path: "/api/events" },
  { method: "GET", path: "/api/events/export" },
  { method: "POST", path: "/api/admin/purge" },
  { method: "GET", path: "/metrics" },
] as const;

// Retention on, so that purge answers 200 with the right token rather than 409.
const ENABLED = { ADMIN_TOKEN, RETENTION_DAYS: "30" };

async function expectEnvelope(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ error: code, details: [] });
  expect(typeof body.message).toBe("string");
  expect(body.request_id).toBe(response.headers.get("x-request-id")!);
  return body;
}

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("read and admin routes require the admin token", () => {
      for (const route of PROTECTED) {
        describe(`${route.method} ${route.path}`, () => {
          test("without a token: 401, WWW-Authenticate: Bearer, envelope, no data", async () => {
            const { app, store, db } = await buildApp(backend, ENABLED);
            await seedEvents(store, [{ createdAt: Date.now() - 1000, payload: { secret: "do-not-leak" } }]);
            const response = await send(app, route.path, { method: route.method });
            expect(response.headers.get("www-authenticate")).toBe('Bearer realm="event-ingest"');
            const body = await expectEnvelope(response, 401, "unauthorized");
            expect(JSON.stringify(body)).not.toContain("do-not-leak");
            expect(await db.count()).toBe(1);
          });

          test("with a wrong token: 401 with error=invalid_token", async () => {
            const { app } = await buildApp(backend, ENABLED);
            for (const wrong of [`${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1), "x".repeat(ADMIN_TOKEN.length)]) {
              const response = await send(app, route.path, { method: route.method, headers: bearer(wrong) });
              expect(response.headers.get("www-authenticate")).toBe('Bearer realm="event-ingest", error="invalid_token"');
              await expectEnvelope(response, 401, "unauthorized");
            }
          });

          test("with another scheme or a bare token: 401", async () => {
            const { app } = await buildApp(backend, ENABLED);
            for (const authorization of [ADMIN_TOKEN, `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`, "Bearer", "Bearer "]) {
              const response = await send(app, route.path, { method: route.method, headers: { authorization } });
              await expectEnvelope(response, 401, "unauthorized");
            }
          });

          test("with the right token: 200", async () => {
            const { app } = await buildApp(backend, ENABLED);
            const response = await send(app, route.path, { method: route.method, headers: bearer() });
            expect(response.status).toBe(200);
            const lowerCaseScheme = await send(app, route.path, { method: route.method, headers: { authorization: `bearer ${ADMIN_TOKEN}` } });
            expect(lowerCaseScheme.status).toBe(200);
          });

          test("when ADMIN_TOKEN is unset: 403 saying how to enable it, whatever is sent", async () => {
            const { app } = await buildApp(backend, { RETENTION_DAYS: "30" });
            for (const headers of [{}, bearer()]) {
              const response = await send(app, route.path, { method: route.method, headers });
              const body = await expectEnvelope(response, 403, "admin_disabled");
              expect(body.message).toContain("ADMIN_TOKEN");
              expect(body.message).toContain("32 characters");
            }
          });
        });
      }

      test("the token is checked before the query, so a caller without it learns nothing about parameters", async () => {
        const { app } = await buildApp(backend, ENABLED);
        const response = await send(app, "/api/stats/events?bucket=fortnight&nonsense=1");
        await expectEnvelope(response, 401, "unauthorized");
      });
    });

    describe("ingest stays open when the read side is protected", () => {
      test("POST /api/events needs no token", async () => {
        const { app, db } = await buildApp(backend, ENABLED);
        const response = await postJson(app, "/api/events", { session_id: "s", event_type: "card_click" });
        expect(response.status).toBe(202);
        expect(await db.count()).toBe(1);
      });

      test("GET /health needs no token", async () => {
        const { app } = await buildApp(backend, ENABLED);
        expect((await send(app, "/health")).status).toBe(200);
      });
    });

    describe("METRICS_PUBLIC opens /metrics only", () => {
      test("/metrics answers without a token; the read routes still need it", async () => {
        const { app } = await buildApp(backend, { ...ENABLED, METRICS_PUBLIC: "true" });
        expect((await send(app, "/metrics")).status).toBe(200);
        expect((await send(app, "/api/events")).status).toBe(401);
      });

      test("/metrics is public even when ADMIN_TOKEN is unset", async () => {
        const { app } = await buildApp(backend, { METRICS_PUBLIC: "true" });
        expect((await send(app, "/metrics")).status).toBe(200);
        expect((await send(app, "/api/stats/events")).status).toBe(403);
      });
    });

    describe("the token comparison", () => {
      test("accepts exactly the token and nothing that merely shares a prefix or length", () => {
        const check = adminTokenChecker(ADMIN_TOKEN);
        expect(check(`Bearer ${ADMIN_TOKEN}`)).toBe("granted");
        expect(check(`Bearer ${ADMIN_TOKEN.toUpperCase()}`)).toBe("invalid");
        expect(check(`Bearer ${ADMIN_TOKEN.slice(0, 32)}`)).toBe("invalid");
        expect(check(null)).toBe("missing");
        expect(adminTokenChecker(undefined)(`Bearer ${ADMIN_TOKEN}`)).toBe("disabled");
      });
    });

    describe("ADMIN_TOKEN validation at boot", () => {
      test("a token shorter than 32 characters is a configuration error naming the variable, not the value", () => {
        const short = "a".repeat(31);
        expect(() => parseConfig({ ADMIN_TOKEN: short })).toThrow(ConfigError);
        try {
          parseConfig({ ADMIN_TOKEN: short });
        } catch (error) {
          expect((error as ConfigError).variable).toBe("ADMIN_TOKEN");
          expect((error as Error).message).toContain("at least 32 characters");
          expect((error as Error).message).not.toContain(short);
        }
        expect(parseConfig({ ADMIN_TOKEN: "a".repeat(32) }).adminToken).toBe("a".repeat(32));
      });

      test("a token with characters a Bearer header cannot carry is refused", () => {
        expect(() => parseConfig({ ADMIN_TOKEN: `${"a".repeat(32)} b` })).toThrow(/ADMIN_TOKEN/);
      });

      test("the real server stops with one clear line and exit code 1", async () => {
        const dir = tempDir();
        try {
          const { code, stderr } = await runToExit({ DATABASE_URL: `${dir.path}/events.db`, ADMIN_TOKEN: "too-short" });
          expect(code).toBe(1);
          expect(stderr).toContain("invalid ADMIN_TOKEN: must be at least 32 characters, got 9");
          expect(stderr).not.toContain("too-short");
        } finally {
          dir.cleanup();
        }
      });

      test("the start-up log says the token is set without printing it", async () => {
        const dir = tempDir();
        const server = await startServer({ DATABASE_URL: `${dir.path}/events.db`, ADMIN_TOKEN });
        try {
          const response = await fetch(`${server.url}/api/events`, { headers: bearer() });
          expect(response.status).toBe(200);
          expect(server.output()).toContain("read endpoints    on (ADMIN_TOKEN is set)");
          expect(server.output()).not.toContain(ADMIN_TOKEN);
        } finally {
          await server.stop();
          dir.cleanup();
        }
      });
    });

    describe("Swagger documents the bearer scheme", () => {
      test("the scheme is declared and every protected operation lists it; ingest does not", async () => {
        const { app } = await buildApp(backend, ENABLED);
        const doc = (await (await send(app, "/swagger/json")).json()) as {
          components: { securitySchemes: Record<string, { type: string; scheme: string }> };
          paths: Record<string, Record<string, { security?: unknown }>>;
        };
        expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: "http", scheme: "bearer" });
        for (const route of PROTECTED) {
          expect(doc.paths[route.path]?.[route.method.toLowerCase()]?.security).toEqual([{ adminToken: [] }]);
        }
        expect(doc.paths["/api/events"]?.post?.security).toEqual([]);
      });
    });
  });
}
