import { describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import type { EventStore } from "../src/db/interfaces";
import { appWith, buildApp, send, silentLogger } from "./support/app";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(`${backend.name}: GET /health reports whether the database answers`, () => {
    test("200 {status: ok} on an open database", async () => {
      const ctx = await buildApp(backend);
      try {
        const response = await send(ctx.app, "/health");
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ status: "ok" });
      } finally {
        await ctx.close();
      }
    });

    test("503 once the database is closed", async () => {
      const ctx = await buildApp(backend);
      try {
        await ctx.store.close();
        const response = await send(ctx.app, "/health");
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ status: "unavailable" });
      } finally {
        await ctx.db.drop();
      }
    });
  });
}

describe("GET /health follows the store's ping", () => {
  test("503 when the store's ping answers false", async () => {
    const config = parseConfig({ DATABASE_URL: ":memory:" });
    const app = await appWith({ config, store: { append: async () => ({ inserted: 0, duplicates: 0 }), ping: async () => false, close: async () => {} } satisfies EventStore, logger: silentLogger });
    const response = await send(app, "/health");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable" });
  });
});
