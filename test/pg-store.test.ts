import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import { openStore, type TestStore } from "./support/store";
import type { NewEvent } from "../src/db/model";
import { postgresBackend, type TestDatabase } from "./support/backends";

const event = (sessionId: string, payload = "{}"): NewEvent => ({ sessionId, eventType: "card_click", payload, createdAt: new Date(1_700_000_000_123) });

describe.if(postgresBackend !== undefined)("PostgreSQL storage", () => {
  let db: TestDatabase;
  let store: TestStore;
  beforeEach(async () => {
    db = await postgresBackend!.database();
    store = await openStore(parseConfig(db.env));
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  describe("payload is a jsonb object and created_at a timestamptz", () => {
    test("operators work on them, so SQL can aggregate on payload fields", async () => {
      await store.append([event("j", '{"card_id":"c_9","position":4,"tags":["a","b"]}')]);
      expect(
        await db.exec(`SELECT jsonb_typeof(payload) AS kind, payload->>'card_id' AS card, (payload->>'position')::int AS position,
          payload @> '{"tags":["b"]}' AS tagged, created_at = to_timestamp(1700000000.123) AS same_instant FROM user_events`),
      ).toEqual([{ kind: "object", card: "c_9", position: 4, tagged: true, same_instant: true }]);
    });
  });

  describe("group commit", () => {
    test("thousands of concurrent appends commit in several multi-row inserts, each caller answered once", async () => {
      await store.close();
      store = await openStore(parseConfig({ ...db.env, MAX_PENDING_EVENTS: "5000" }));
      const sessions = Array.from({ length: 2500 }, (_, i) => `g-${i}`);
      const answered = await Promise.all(sessions.map(async (session) => (await store.append([event(session)]), session)));
      expect(answered).toEqual(sessions);
      expect(await db.count()).toBe(sessions.length);
      // At most 1000 events per statement: the burst took several, each holding whole appends.
      expect(store.stats()).toMatchObject({ committedEvents: sessions.length, failedCommits: 0 });
      expect(store.stats().commits).toBeGreaterThanOrEqual(3);
      expect(await db.exec("SELECT count(DISTINCT session_id)::int AS n FROM user_events")).toEqual([{ n: sessions.length }]);
    });
  });
});
