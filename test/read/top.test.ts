import { afterEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { MAX_TOP_VALUES, type TopResponse } from "../../src/stats/top-model";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, send, type TestApp } from "../support/app";
import { backends } from "../support/backends";
import { HOUR_MS, seedEvents } from "../support/events";

const T0 = Date.UTC(2024, 4, 1);
const RANGE = `from=${T0}&to=${T0 + HOUR_MS}`;

async function top(app: TestApp["app"], query: string) {
  const response = await send(app, `/api/stats/top?${query}`, { headers: bearer() });
  return { status: response.status, body: (await response.json()) as TopResponse & { error?: string; details?: { path: string }[] } };
}

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("top values count one payload property of one event type", () => {
      test("most frequent first, with distinct sessions; other types, other times and events without it are not counted", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, [
          { eventType: "card_click", sessionId: "a", payload: { card_id: "c_7" }, createdAt: T0 },
          { eventType: "card_click", sessionId: "a", payload: { card_id: "c_7" }, createdAt: T0 + 1 },
          { eventType: "card_click", sessionId: "b", payload: { card_id: "c_7" }, createdAt: T0 + 2 },
          { eventType: "card_click", sessionId: "b", payload: { card_id: "c_9" }, createdAt: T0 + 3 },
          { eventType: "card_click", sessionId: "c", payload: { position: 1 }, createdAt: T0 + 4 },
          { eventType: "card_click", sessionId: "c", payload: { card_id: "c_7" }, createdAt: T0 + HOUR_MS },
          { eventType: "sage_query", sessionId: "c", payload: { card_id: "c_7" }, createdAt: T0 + 5 },
        ]);
        const { status, body } = await top(app, `event_type=card_click&property=card_id&${RANGE}`);
        expect(status).toBe(200);
        expect(body).toEqual({
          event_type: "card_click",
          property: "card_id",
          column: null,
          from: new Date(T0).toISOString(),
          to: new Date(T0 + HOUR_MS).toISOString(),
          values: [
            { value: "c_7", count: 3, sessions: 2 },
            { value: "c_9", count: 1, sessions: 1 },
          ],
        });
      });

      test("values keep their JSON type; ties go to more sessions, then the value's JSON text", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        const payloads = [{ v: 2 }, { v: 2 }, { v: "2" }, { v: "2" }, { v: true }, { v: null }, { v: ["x"] }, { v: { k: 1 } }];
        await seedEvents(store, payloads.map((payload, i) => ({ eventType: "filter_change", sessionId: `s${i}`, payload, createdAt: T0 + i })));
        const { body } = await top(app, `event_type=filter_change&property=v&${RANGE}`);
        expect(body.values).toEqual([
          { value: "2", count: 2, sessions: 2 },
          { value: 2, count: 2, sessions: 2 },
          { value: ["x"], count: 1, sessions: 1 },
          { value: null, count: 1, sessions: 1 },
          { value: true, count: 1, sessions: 1 },
          { value: { k: 1 }, count: 1, sessions: 1 },
        ]);
      });

      test("limit and session_id narrow the answer", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(
          store,
          Array.from({ length: 30 }, (_, i) => ({ eventType: "sage_query" as const, sessionId: i < 20 ? "many" : "few", payload: { query: `q${i % 12}` }, createdAt: T0 + i })),
        );
        expect((await top(app, `event_type=sage_query&property=query&limit=3&${RANGE}`)).body.values.map((v) => v.value)).toEqual(["q0", "q1", "q2"]);
        const few = await top(app, `event_type=sage_query&property=query&session_id=few&${RANGE}`);
        expect(few.body.values.reduce((sum, v) => sum + v.count, 0)).toBe(10);
        expect(few.body.values.every((v) => v.sessions === 1)).toBe(true);
      });

      test("matches a count by hand over random data", async () => {
        const { app, store, db } = await buildApp(backend, { ADMIN_TOKEN });
        const event = fc.record({ value: fc.constantFrom("a", "b", "c", "d", 1, 2), sessionId: fc.constantFrom("x", "y", "z"), offset: fc.integer({ min: 0, max: 2 * HOUR_MS }) });
        await fc.assert(
          fc.asyncProperty(fc.array(event, { maxLength: 60 }), async (events) => {
            await db.exec("DELETE FROM user_events");
            await seedEvents(store, events.map((e) => ({ eventType: "card_click", sessionId: e.sessionId, payload: { card_id: e.value }, createdAt: T0 + e.offset })));
            const expected = new Map<string, { value: unknown; count: number; sessions: Set<string> }>();
            for (const e of events.filter((e) => e.offset < HOUR_MS)) {
              const key = JSON.stringify(e.value);
              const entry = expected.get(key) ?? { value: e.value, count: 0, sessions: new Set() };
              entry.count += 1;
              entry.sessions.add(e.sessionId);
              expected.set(key, entry);
            }
            const ordered = [...expected]
              .map(([key, entry]) => ({ key, value: entry.value, count: entry.count, sessions: entry.sessions.size }))
              .sort((a, b) => b.count - a.count || b.sessions - a.sessions || (a.key < b.key ? -1 : 1))
              .map(({ value, count, sessions }) => ({ value, count, sessions }));
            expect((await top(app, `event_type=card_click&property=card_id&${RANGE}&limit=100`)).body.values).toEqual(ordered);
          }),
          { numRuns: 25 },
        );
      });
    });

    describe("top values count a context column instead of a payload property", () => {
      test("path and browser: most frequent first with distinct sessions; events without one are not counted", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, [
          { eventType: "card_click", sessionId: "a", createdAt: T0, origin: { path: "/search", browser: "Firefox" } },
          { eventType: "card_click", sessionId: "a", createdAt: T0 + 1, origin: { path: "/search", browser: "Firefox" } },
          { eventType: "card_click", sessionId: "b", createdAt: T0 + 2, origin: { path: "/search", browser: "Safari" } },
          { eventType: "card_click", sessionId: "b", createdAt: T0 + 3, origin: { path: "/cards/7", browser: "Safari" } },
          { eventType: "card_click", sessionId: "c", createdAt: T0 + 4 },
          { eventType: "sage_query", sessionId: "c", createdAt: T0 + 5, origin: { path: "/search" } },
        ]);
        const paths = await top(app, `event_type=card_click&column=path&${RANGE}`);
        expect(paths.status).toBe(200);
        expect({ property: paths.body.property, column: paths.body.column, values: paths.body.values }).toEqual({
          property: null,
          column: "path",
          values: [
            { value: "/search", count: 3, sessions: 2 },
            { value: "/cards/7", count: 1, sessions: 1 },
          ],
        });
        expect((await top(app, `event_type=card_click&column=browser&${RANGE}`)).body.values).toEqual([
          { value: "Firefox", count: 2, sessions: 1 },
          { value: "Safari", count: 2, sessions: 1 },
        ]);
      });
    });

    describe("top values refuse what they cannot answer", () => {
      test("bad parameters are 422s naming the field", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        for (const [query, path] of [
          ["property=card_id", "/event_type"],
          ["event_type=page_view&property=card_id", "/event_type"],
          ["event_type=card_click", "/property"],
          ["event_type=card_click&property=a.b", "/property"],
          [`event_type=card_click&property=${"x".repeat(65)}`, "/property"],
          ["event_type=card_click&column=referrer", "/column"],
          ["event_type=card_click&column=payload", "/column"],
          ["event_type=card_click&property=card_id&column=path", "/property"],
          ["event_type=card_click&property=card_id&limit=0", "/limit"],
          [`event_type=card_click&property=card_id&limit=${MAX_TOP_VALUES + 1}`, "/limit"],
          ["event_type=card_click&property=card_id&from=2024-05-02&to=2024-05-01", "/to"],
        ] as const) {
          const { status, body } = await top(app, query);
          expect({ query, status, paths: body.details?.map((detail) => detail.path) }).toEqual({ query, status: 422, paths: [path] });
        }
      });

      test("needs the admin token", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        expect((await send(app, "/api/stats/top?event_type=card_click&property=card_id")).status).toBe(401);
      });
    });
  });
}
