import { afterEach, describe, expect, test } from "bun:test";
import { EVENT_TYPES } from "../../src/events/model";
import type { ApiEvent } from "../../src/listing/model";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, postJson, send, type TestApp } from "../support/app";
import { HOUR_MS, seedEvents } from "../support/events";
import { backends } from "../support/backends";

const T0 = Date.UTC(2024, 4, 1);

/** What the listing shows for an event stored without context, user agent or violations. */
const NO_ORIGIN = {
  context: { path: null, referrer: null, utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null, screen_width: null },
  client: { browser: null, os: null, device: null, is_bot: null, user_agent: null },
  violations: null,
};

interface Page {
  events: ApiEvent[];
  next_cursor: string | null;
}

async function list(app: TestApp["app"], query: string) {
  const response = await send(app, `/api/events?${query}`, { headers: bearer() });
  return { status: response.status, body: (await response.json()) as Page & { error?: string; details?: { path: string }[] } };
}

/** Follows next_cursor to the end; `between` runs after each page. */
async function listAll(app: TestApp["app"], query: string, between: () => Promise<void> = async () => {}) {
  const ids: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const { status, body }: { status: number; body: Page } = await list(app, `${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(status).toBe(200);
    ids.push(...body.events.map((event) => event.id));
    cursor = body.next_cursor;
    pages += 1;
    await between();
  } while (cursor !== null);
  return { ids, pages };
}

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("listing returns stored events newest first", () => {
      test("fields as sent, payload parsed, times in UTC, newest first", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        const eventId = "0b6f5d2e-3c1a-4f7e-9a51-8d2c4b6e7f10";
        await seedEvents(store, [
          { sessionId: "a", eventType: "card_click", payload: { card_id: "c1", nested: { list: [1, 2] } }, createdAt: T0 },
          { sessionId: "b", eventType: "sage_query", payload: { query: "ünïcødé ☕" }, eventId, createdAt: T0 + 1000, occurredAt: T0 - 5000 },
        ]);
        const { body } = await list(app, "");
        expect(body).toEqual({
          events: [
            {
              id: 2,
              session_id: "b",
              event_type: "sage_query",
              event_id: eventId,
              payload: { query: "ünïcødé ☕" },
              occurred_at: "2024-04-30T23:59:55.000Z",
              created_at: "2024-05-01T00:00:01.000Z",
              ...NO_ORIGIN,
            },
            {
              id: 1,
              session_id: "a",
              event_type: "card_click",
              event_id: null,
              payload: { card_id: "c1", nested: { list: [1, 2] } },
              occurred_at: "2024-05-01T00:00:00.000Z",
              created_at: "2024-05-01T00:00:00.000Z",
              ...NO_ORIGIN,
            },
          ],
          next_cursor: null,
        });
      });

      test("an event stored before occurred_at existed (NULL) reads it as created_at", async () => {
        const { app, db } = await buildApp(backend, { ADMIN_TOKEN });
        await db.insertOldRow({ sessionId: "old", eventType: "card_click", createdAt: T0 });
        const { body } = await list(app, "");
        expect(body.events[0]).toMatchObject({ event_id: null, occurred_at: "2024-05-01T00:00:00.000Z", created_at: "2024-05-01T00:00:00.000Z" });
      });

      test("events sharing a timestamp are ordered by id, newest first", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, Array.from({ length: 5 }, () => ({ createdAt: T0 })));
        const { body } = await list(app, "");
        expect(body.events.map((event) => event.id)).toEqual([5, 4, 3, 2, 1]);
      });

      test("an empty table is one empty page", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        expect((await list(app, "")).body).toEqual({ events: [], next_cursor: null });
      });
    });

    describe("listing filters", () => {
      test("session_id, repeatable event_type and a half-open from/to range combine", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(
          store,
          Array.from({ length: 60 }, (_, i) => ({ sessionId: `s${i % 2}`, eventType: EVENT_TYPES[i % 3], createdAt: T0 + i * HOUR_MS })),
        );
        const from = T0 + 10 * HOUR_MS;
        const to = T0 + 40 * HOUR_MS;
        const { body } = await list(app, `session_id=s0&event_type=card_click&event_type=sage_query&from=${from}&to=${new Date(to).toISOString()}&limit=1000`);
        const expected = Array.from({ length: 60 }, (_, i) => i)
          .filter((i) => i % 2 === 0 && i % 3 !== 2 && T0 + i * HOUR_MS >= from && T0 + i * HOUR_MS < to)
          .reverse()
          .map((i) => i + 1);
        expect(body.events.map((event) => event.id)).toEqual(expected);
        for (const event of body.events) {
          expect(event.session_id).toBe("s0");
          expect(["card_click", "sage_query"]).toContain(event.event_type);
        }
      });

      test("comma-separated event types work like repeated ones", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, EVENT_TYPES.map((eventType) => ({ eventType, createdAt: T0 })));
        const { body } = await list(app, "event_type=card_click,filter_change");
        expect(body.events.map((event) => event.event_type).sort()).toEqual(["card_click", "filter_change"]);
      });
    });

    describe("keyset pagination", () => {
      test("pages of `limit` cover every event exactly once, ties across page boundaries included", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        // Runs of equal timestamps, so page boundaries fall inside ties.
        await seedEvents(store, Array.from({ length: 250 }, (_, i) => ({ createdAt: T0 + Math.floor(i / 9) * 1000 })));
        const { ids, pages } = await listAll(app, "limit=7");
        expect(pages).toBe(Math.ceil(250 / 7));
        expect(ids).toEqual(Array.from({ length: 250 }, (_, i) => 250 - i));
      });

      test("the last page has next_cursor null, even when it is exactly full", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, Array.from({ length: 10 }, (_, i) => ({ createdAt: T0 + i })));
        const first = await list(app, "limit=5");
        expect(first.body.next_cursor).not.toBeNull();
        const second = await list(app, `limit=5&cursor=${first.body.next_cursor}`);
        expect(second.body.events).toHaveLength(5);
        expect(second.body.next_cursor).toBeNull();
      });

      test("never skips or repeats an event while new events arrive between pages", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        const now = Date.now();
        await seedEvents(store, Array.from({ length: 300 }, (_, i) => ({ createdAt: now - 60_000 + Math.floor(i / 4) })));
        let arrived = 0;
        const { ids } = await listAll(app, "limit=23", async () => {
          const burst = Array.from({ length: 5 }, () => postJson(app, "/api/events", { session_id: "live", event_type: "card_click" }));
          for (const response of await Promise.all(burst)) expect(response.status).toBe(202);
          arrived += burst.length;
        });
        expect(arrived).toBeGreaterThan(50);
        expect(new Set(ids).size).toBe(ids.length);
        const seeded = ids.filter((id) => id <= 300);
        expect(seeded).toEqual(Array.from({ length: 300 }, (_, i) => 300 - i));
      });

      test("a cursor keeps working with the same filters", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, Array.from({ length: 40 }, (_, i) => ({ sessionId: i % 2 ? "odd" : "even", createdAt: T0 + i })));
        const { ids } = await listAll(app, "session_id=odd&limit=6");
        expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => 40 - 2 * i));
      });
    });

    describe("listing input errors", () => {
      test("limit outside 1..1000, a forged cursor, an unknown parameter: 422 naming the field", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        const forged = `v1.${Buffer.from("abc:def").toString("base64url")}`;
        for (const [query, path, code] of [
          ["limit=0", "/limit", "validation_failed"],
          ["limit=1001", "/limit", "validation_failed"],
          ["limit=ten", "/limit", "validation_failed"],
          ["cursor=nonsense", "/cursor", "validation_failed"],
          [`cursor=${forged}`, "/cursor", "validation_failed"],
          ["session_id=", "/session_id", "validation_failed"],
          ["from=2024-05-02&to=2024-05-01", "/to", "validation_failed"],
          ["page=2", "/page", "validation_failed"],
          // Values no backend stores; PostgreSQL could not even compare them (a 500 before).
          ["from=0000-01-01", "/from", "validation_failed"],
          ["to=10000-01-01", "/to", "validation_failed"],
          ["session_id=a%00b", "/session_id", "validation_failed"],
        ] as const) {
          const { status, body } = await list(app, query);
          expect({ query, status, code: body.error, paths: body.details?.map((detail) => detail.path) }).toEqual({ query, status: 422, code, paths: [path] });
        }
      });

      test("limit=1000 is allowed", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        expect((await list(app, "limit=1000")).status).toBe(200);
      });
    });
  });
}
