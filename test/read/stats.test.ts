import { afterEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseConfig } from "../../src/config";
import { bucketCountSql as pgBucketCountSql } from "../../src/db/pg/reader";
import { bucketCountSql } from "../../src/db/sqlite/reader";
import { EVENT_TYPES, type EventType } from "../../src/events/model";
import { BUCKET_WIDTHS_MS, type BucketName, MAX_BUCKETS, type StatsResponse } from "../../src/stats/model";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, send, type TestApp } from "../support/app";
import { backends, postgresBackend } from "../support/backends";
import { DAY_MS, HOUR_MS, MINUTE_MS, seedEvents } from "../support/events";
import { pgPlanner, queryPlan } from "../support/plan";
import { openStore } from "../support/store";

const T0 = Date.UTC(2024, 4, 1); // 2024-05-01T00:00:00Z

async function stats(app: TestApp["app"], query: string) {
  const response = await send(app, `/api/stats/events?${query}`, { headers: bearer() });
  return { status: response.status, body: (await response.json()) as StatsResponse & { error?: string; details?: { path: string }[] } };
}

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("stats match a brute-force count over random data", () => {
      test("every bucket, type, session count and total equals counting the rows by hand", async () => {
        const { app, store, db } = await buildApp(backend, { ADMIN_TOKEN });
        const span = 3 * DAY_MS;
        const event = fc.record({
          eventType: fc.constantFrom(...EVENT_TYPES),
          offset: fc.integer({ min: 0, max: span - 1 }),
          sessionId: fc.constantFrom("s-a", "s-b", "s-c", "s-d", "s-e"),
        });
        const query = fc.record({
          from: fc.integer({ min: -HOUR_MS, max: span }),
          length: fc.integer({ min: 0, max: span }),
          bucket: fc.constantFrom<BucketName>("minute", "hour", "day"),
          types: fc.option(fc.subarray([...EVENT_TYPES], { minLength: 1 }), { nil: undefined }),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(event, { maxLength: 300 }), query, async (events, q) => {
            await db.exec("DELETE FROM user_events");
            // The rollups go with the rows they count (a DELETE by hand does not touch them).
            await db.exec("DELETE FROM rollup_counts");
            await seedEvents(store, events.map((e) => ({ eventType: e.eventType, sessionId: e.sessionId, createdAt: T0 + e.offset })));
            const width = BUCKET_WIDTHS_MS[q.bucket];
            const from = T0 + q.from;
            const to = from + Math.min(q.length, width * MAX_BUCKETS - width);
            const typeParams = (q.types ?? []).map((type) => `&event_type=${type}`).join("");
            const { status, body } = await stats(app, `from=${from}&to=${to}&bucket=${q.bucket}${typeParams}`);
            expect(status).toBe(200);

            const expected = new Map<string, { count: number; sessions: Set<string> }>();
            const totals: Record<string, number> = Object.fromEntries((q.types ?? EVENT_TYPES).map((type) => [type, 0]));
            for (const e of events) {
              const at = T0 + e.offset;
              if (at < from || at >= to || (q.types && !q.types.includes(e.eventType))) continue;
              const key = `${new Date(at - (at % width)).toISOString()} ${e.eventType}`;
              const bucket = expected.get(key) ?? { count: 0, sessions: new Set<string>() };
              bucket.count += 1;
              bucket.sessions.add(e.sessionId);
              expected.set(key, bucket);
              totals[e.eventType]! += 1;
            }
            const actual = new Map(body.series.map((point) => [`${point.bucket_start} ${point.event_type}`, { count: point.count, sessions: point.sessions }]));
            expect(actual).toEqual(new Map([...expected].map(([key, bucket]) => [key, { count: bucket.count, sessions: bucket.sessions.size }])));
            expect(body.totals).toEqual(totals);
            // Ordered by bucket, then type.
            const keys = body.series.map((point) => `${point.bucket_start} ${point.event_type}`);
            expect(keys).toEqual([...keys].sort());
          }),
          { numRuns: 60 },
        );
      });
    });

    describe("stats bucket edges", () => {
      test("events either side of UTC midnight fall in different day and hour buckets", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        const midnight = T0 + DAY_MS;
        await seedEvents(store, [
          { eventType: "card_click", createdAt: midnight - 1 },
          { eventType: "card_click", createdAt: midnight },
          { eventType: "card_click", createdAt: midnight + 1 },
        ]);
        const day = await stats(app, `from=${T0}&to=${midnight + DAY_MS}&bucket=day`);
        expect(day.body.series).toEqual([
          { bucket_start: "2024-05-01T00:00:00.000Z", event_type: "card_click", count: 1, sessions: 1 },
          { bucket_start: "2024-05-02T00:00:00.000Z", event_type: "card_click", count: 2, sessions: 2 },
        ]);
        const hour = await stats(app, `from=2024-05-01T23:00:00Z&to=2024-05-02T01:00:00Z&bucket=hour`);
        expect(hour.body.series.map((point) => [point.bucket_start, point.count])).toEqual([
          ["2024-05-01T23:00:00.000Z", 1],
          ["2024-05-02T00:00:00.000Z", 2],
        ]);
      });

      test("day buckets follow UTC whatever offset the range is given in", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, [{ eventType: "sage_query", createdAt: T0 + 30 * MINUTE_MS }]);
        const { body } = await stats(app, `from=${encodeURIComponent("2024-05-01T02:00:00+05:00")}&to=2024-05-02&bucket=day`);
        expect(body.from).toBe("2024-04-30T21:00:00.000Z");
        expect(body.series).toEqual([{ bucket_start: "2024-05-01T00:00:00.000Z", event_type: "sage_query", count: 1, sessions: 1 }]);
      });

      test("from is included and to is excluded", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, [
          { eventType: "card_click", createdAt: T0 },
          { eventType: "card_click", createdAt: T0 + HOUR_MS },
        ]);
        const { body } = await stats(app, `from=${T0}&to=${T0 + HOUR_MS}&bucket=minute`);
        expect(body.totals.card_click).toBe(1);
        expect(body.series).toEqual([{ bucket_start: "2024-05-01T00:00:00.000Z", event_type: "card_click", count: 1, sessions: 1 }]);
      });

      test("from = to is an empty range: 200, no series, zero totals", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, [{ eventType: "card_click", createdAt: T0 }]);
        const { status, body } = await stats(app, `from=${T0}&to=${T0}&bucket=minute`);
        expect(status).toBe(200);
        expect(body.series).toEqual([]);
        expect(body.totals).toEqual({ card_click: 0, sage_query: 0, filter_change: 0 });
      });

      test("a reversed range is a 422 naming `to`", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        const { status, body } = await stats(app, `from=${T0 + 1}&to=${T0}`);
        expect(status).toBe(422);
        expect(body.error).toBe("validation_failed");
        expect(body.details?.[0]?.path).toBe("/to");
      });

      test(`${MAX_BUCKETS} buckets are answered; one more is a 422`, async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        expect((await stats(app, `from=${T0}&to=${T0 + MAX_BUCKETS * MINUTE_MS}&bucket=minute`)).status).toBe(200);
        const over = await stats(app, `from=${T0}&to=${T0 + MAX_BUCKETS * MINUTE_MS + 1}&bucket=minute`);
        expect(over.status).toBe(422);
        expect(over.body.error).toBe("too_many_buckets");
        expect(over.body.details?.[0]?.path).toBe("/bucket");
        // The same length, started mid-minute, touches one bucket more.
        const unaligned = T0 + 30_000;
        expect((await stats(app, `from=${unaligned}&to=${unaligned + MAX_BUCKETS * MINUTE_MS}&bucket=minute`)).status).toBe(422);
      });

      test("the default range is the 24 hours before now, in hour buckets", async () => {
        const now = T0 + 10 * DAY_MS + 30 * MINUTE_MS;
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN }, { now: () => now });
        await seedEvents(store, [
          { eventType: "filter_change", createdAt: now - DAY_MS - 1 },
          { eventType: "filter_change", createdAt: now - DAY_MS },
          { eventType: "filter_change", createdAt: now - 1 },
          { eventType: "filter_change", createdAt: now },
        ]);
        const { body } = await stats(app, "");
        expect(body).toMatchObject({ from: new Date(now - DAY_MS).toISOString(), to: new Date(now).toISOString(), bucket: "hour" });
        expect(body.totals.filter_change).toBe(2);
      });

      test("ISO-8601 and epoch milliseconds name the same instants", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, [{ eventType: "card_click", createdAt: T0 + 5 * MINUTE_MS }]);
        const iso = await stats(app, "from=2024-05-01T00:00:00Z&to=2024-05-01T01:00:00.000Z&bucket=minute");
        const epoch = await stats(app, `from=${T0}&to=${T0 + HOUR_MS}&bucket=minute`);
        const noOffset = await stats(app, "from=2024-05-01T00:00&to=2024-05-01T01:00&bucket=minute");
        expect(iso.body).toEqual(epoch.body);
        expect(noOffset.body).toEqual(epoch.body);
      });

      test("repeated event_type narrows series and totals to those types", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, EVENT_TYPES.map((eventType: EventType) => ({ eventType, createdAt: T0 })));
        const { body } = await stats(app, `from=${T0}&to=${T0 + DAY_MS}&bucket=day&event_type=card_click&event_type=filter_change`);
        expect(body.series.map((point) => point.event_type)).toEqual(["card_click", "filter_change"]);
        expect(body.totals).toEqual({ card_click: 1, filter_change: 1 });
      });

      test("bad parameters are 422s naming the field", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        for (const [query, path] of [
          ["from=yesterday", "/from"],
          ["to=2024-02-30", "/to"],
          ["bucket=week", "/bucket"],
          ["event_type=page_view", "/event_type"],
          ["event_type=", "/event_type"],
          ["colour=blue", "/colour"],
        ] as const) {
          const { status, body } = await stats(app, query);
          expect(status).toBe(422);
          expect(body.details?.map((detail) => detail.path)).toEqual([path]);
        }
      });
    });
  });
}

describe("stats use ix_user_events_type_created (SQLite)", () => {
  afterEach(closeApps);
  for (const [bucket, width] of Object.entries(BUCKET_WIDTHS_MS)) {
    test(`the ${bucket} query searches the composite index and never scans the table`, async () => {
      const { config } = await buildApp();
      const plan = queryPlan(config.databaseUrl, bucketCountSql(width), { from: T0, to: T0 + DAY_MS, types: JSON.stringify(EVENT_TYPES) });
      expect(plan).toContain(
        "SEARCH user_events USING COVERING INDEX ix_user_events_type_created (event_type=? AND created_at>? AND created_at<?)",
      );
      expect(plan.filter((step) => step.includes("user_events") && !step.includes("ix_user_events_type_created"))).toEqual([]);
    });
  }
});

describe.if(postgresBackend !== undefined)("stats use ix_user_events_type_created (PostgreSQL)", () => {
  test("over a table PostgreSQL has statistics for, every bucket width finds its rows through the composite index", async () => {
    const db = await postgresBackend!.database();
    const store = await openStore(parseConfig(db.env));
    const planner = pgPlanner(db.env);
    try {
      // 20 days of events; a one-day query touches a twentieth of them.
      const rows = Array.from({ length: 20_000 }, (_, i) => ({ eventType: EVENT_TYPES[i % EVENT_TYPES.length]!, createdAt: T0 + i * 86_400 }));
      for (let i = 0; i < rows.length; i += 1000) await seedEvents(store, rows.slice(i, i + 1000));
      await planner.analyze();
      for (const [bucket, width] of Object.entries(BUCKET_WIDTHS_MS)) {
        const statement = pgBucketCountSql(planner.table, { from: new Date(T0), to: new Date(T0 + DAY_MS), bucketMs: width, eventTypes: EVENT_TYPES });
        const plan = await planner.explain(statement);
        // The range is searched on the composite index (an index-only scan, when VACUUM could mark
        // the pages all-visible, an Index Scan otherwise); the rows are then read for their session_id.
        expect({ bucket, plan }).toMatchObject({ bucket, plan: expect.stringMatching(/(Index Only Scan|Index Scan|Bitmap Index Scan) (using|on) ix_user_events_type_created/) });
        expect(plan).not.toContain("Seq Scan");
      }
    } finally {
      await planner.close();
      await store.close();
      await db.drop();
    }
  });
});

