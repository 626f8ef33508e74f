import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import createClient from "openapi-fetch";
import { EVENT_TYPES } from "../src/events/model";
import type { paths } from "./generated/api";
import { ADMIN_TOKEN, buildApp, type TestApp } from "./support/app";
import { backends } from "./support/backends";
import { GENERATED_TYPES, generateApiTypes } from "./support/openapi-types";

// A client written by tools that did not write the document: openapi-typescript turned the
// served /swagger/json into test/generated/api.ts, tsc checks the calls below against it, and
// openapi-fetch sends them. A route whose document and behaviour part ways fails here.

describe("the generated types are the served document's", () => {
  test("test/generated/api.ts is what openapi-typescript writes today (else: bun run openapi:types)", async () => {
    expect(await Bun.file(GENERATED_TYPES).text()).toBe(await generateApiTypes());
  }, 30_000);
});

for (const backend of backends) {
  describe(backend.name, () => {
    describe("a generated client (openapi-typescript + openapi-fetch) drives the API", () => {
      let ctx: TestApp;
      let api: ReturnType<typeof createClient<paths>>;
      beforeAll(async () => {
        ctx = await buildApp(backend, { ADMIN_TOKEN });
        api = createClient<paths>({ baseUrl: "http://localhost", fetch: (request) => ctx.app.handle(request) });
      });
      afterAll(async () => {
        await ctx.close();
      });

      test("POST /api/events answers the documented 202", async () => {
        const { data, error, response } = await api.POST("/api/events", {
          body: { session_id: "generated-client", event_type: "card_click", payload: { card_id: "c_1" } },
        });
        expect(error).toBeUndefined();
        expect(response.status).toBe(202);
        expect(data).toEqual({ status: "accepted" });
        expect(response.headers.get("x-request-id")).toBeTruthy();
      });

      test("POST /api/events/batch stores every event and lists none as rejected", async () => {
        const { data, response } = await api.POST("/api/events/batch", {
          body: { batch: EVENT_TYPES.map((event_type) => ({ session_id: "generated-client", event_type, event_id: crypto.randomUUID() })) },
        });
        expect(response.status).toBe(202);
        expect(data).toEqual({ status: "accepted", accepted: EVENT_TYPES.length, duplicates: 0, rejected: [] });
      });

      test("a refused event comes back as the documented error envelope", async () => {
        const { data, error, response } = await api.POST("/api/events", {
          // @ts-expect-error: the generated types know the event types, so "hover" does not compile
          body: { session_id: "generated-client", event_type: "hover" },
        });
        expect(data).toBeUndefined();
        expect(response.status).toBe(422);
        expect(error).toMatchObject({ error: "validation_failed", details: [{ path: "/event_type" }] });
      });

      test("GET /api/events with the bearer token lists what the client sent, newest first", async () => {
        const { data, response } = await api.GET("/api/events", {
          params: { query: { session_id: "generated-client", limit: "10" } },
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        expect(response.status).toBe(200);
        expect(data!.events.map((event) => event.event_type)).toEqual([...[...EVENT_TYPES].reverse(), "card_click"]);
        expect(data!.next_cursor).toBeNull();
      });

      test("without the token the read answers the documented 401", async () => {
        const { error, response } = await api.GET("/api/events", {});
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toStartWith("Bearer");
        expect(error).toMatchObject({ error: "unauthorized" });
      });
    });
  });
}
