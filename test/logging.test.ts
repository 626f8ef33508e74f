import { describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import { SqliteEventStore } from "../src/db/sqlite";
import { EVENT_TYPES } from "../src/events/model";
import { appWith, postJson } from "./support/app";
import { capturingLogger } from "./support/log-capture";

const EVENT = { session_id: "log", event_type: EVENT_TYPES[0], payload: { k: 1 } };
const config = parseConfig({ DATABASE_URL: ":memory:" });

describe("logging stays off the hot path", () => {
  test("at info, an accepted event logs nothing", async () => {
    const { logger, lines } = capturingLogger("info");
    const store = await SqliteEventStore.open(config);
    const app = await appWith({ config, store, logger });
    expect((await postJson(app, "/api/events", EVENT)).status).toBe(202);
    expect((await postJson(app, "/api/events", { ...EVENT, event_type: "nope" })).status).toBe(422);
    expect(lines()).toEqual([]);
    await store.close();
  });

  test("at debug, each accepted event logs one structured line", async () => {
    const { logger, lines } = capturingLogger("debug");
    const store = await SqliteEventStore.open(config);
    const app = await appWith({ config, store, logger });
    expect((await postJson(app, "/api/events", EVENT)).status).toBe(202);
    expect(lines()).toEqual([expect.objectContaining({ level: 20, eventType: EVENT.event_type, sessionId: EVENT.session_id })]);
    await store.close();
  });
});
