import { describe, expect, test } from "bun:test";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, postJson } from "./support/app";
import { backends } from "./support/backends";
import { capturingLogger } from "./support/log-capture";

const EVENT = { session_id: "log", event_type: EVENT_TYPES[0], payload: { k: 1 } };

for (const backend of backends) {
  describe(`${backend.name}: logging stays off the hot path`, () => {
    test("at info, an accepted event logs nothing", async () => {
      const { logger, lines } = capturingLogger("info");
      const { app, close } = await buildApp(backend, {}, { logger });
      try {
        expect((await postJson(app, "/api/events", EVENT)).status).toBe(202);
        expect((await postJson(app, "/api/events", { ...EVENT, event_type: "nope" })).status).toBe(422);
        expect(lines()).toEqual([]);
      } finally {
        await close();
      }
    });

    test("at debug, each accepted event logs one structured line", async () => {
      const { logger, lines } = capturingLogger("debug");
      const { app, close } = await buildApp(backend, {}, { logger });
      try {
        expect((await postJson(app, "/api/events", EVENT)).status).toBe(202);
        expect(lines()).toEqual([expect.objectContaining({ level: 20, eventType: EVENT.event_type, sessionId: EVENT.session_id })]);
      } finally {
        await close();
      }
    });
  });
}
