import { afterEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import { SqliteEventStore } from "../src/db/sqlite";
import type { EventStore } from "../src/db/store";
import { appWith, send, silentLogger } from "./support/app";

const config = parseConfig({ DATABASE_URL: ":memory:" });

describe("GET /health reports whether the database answers", () => {
  let store: SqliteEventStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  test("200 {status: ok} on an open database", async () => {
    store = await SqliteEventStore.open(config);
    const app = await appWith({ config, store, logger: silentLogger });
    const response = await send(app, "/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  test("503 once the database is closed", async () => {
    const closed = await SqliteEventStore.open(config);
    await closed.close();
    const app = await appWith({ config, store: closed, logger: silentLogger });
    const response = await send(app, "/health");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable" });
  });

  test("503 when the store's ping answers false", async () => {
    const app = await appWith({ config, store: { append: async () => ({ inserted: 0, duplicates: 0 }), ping: async () => false, close: async () => {} } satisfies EventStore, logger: silentLogger });
    const response = await send(app, "/health");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable" });
  });
});

