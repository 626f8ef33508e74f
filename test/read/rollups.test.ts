import { afterEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { BucketCount } from "../../src/db/model";
import { ROLLUP_GRAINS_MS, UNCOUNTED_SESSIONS } from "../../src/db/rollup";
import { EVENT_TYPES } from "../../src/events/model";
import { RollupBackfillJob } from "../../src/rollups/backfill-job";
import { ADMIN_TOKEN, buildApp, closeApps, silentLogger, type TestApp } from "../support/app";
import { backends } from "../support/backends";
import { DAY_MS, HOUR_MS, MINUTE_MS, seedEvents } from "../support/events";

const T0 = Date.UTC(2024, 4, 1);
const SPAN = 3 * DAY_MS;

/** Every seeded bucket has closed by then. */
const LATER = new Date(T0 + SPAN + 2 * DAY_MS);

/** Counts the sessions of every closed bucket that lacks them, as the background job does. */
async function countAllSessions(built: TestApp): Promise<void> {
  while ((await built.rollups.countSessions(LATER, 50)).found === 50);
}

/**
 * The stored rollup itself (once the sessions of every bucket are counted) and the raw rows, side
 * by side, for one grain over the whole seeded span (whole buckets).
 */
async function bothWays(built: TestApp, bucketMs: number) {
  await countAllSessions(built);
  const query = { from: new Date(T0 - DAY_MS), to: new Date(T0 + SPAN + DAY_MS), bucketMs };
  const rolled = await built.reader.rolledUpByBucket(query);
  const raw = await built.reader.countByBucket(query);
  return { rolled, raw };
}

const sorted = (counts: BucketCount[]) => [...counts].sort((a, b) => a.bucketStart - b.bucketStart || a.eventType.localeCompare(b.eventType));

const randomEvents = fc.array(
  fc.record({
    eventType: fc.constantFrom(...EVENT_TYPES),
    sessionId: fc.constantFrom("s-a", "s-b", "s-c", "s-d"),
    offset: fc.integer({ min: 0, max: SPAN - 1 }),
    eventId: fc.option(fc.constantFrom("e-1", "e-2", "e-3"), { nil: undefined }),
  }),
  { maxLength: 120 },
);

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("rollups are kept in the write transaction and equal a GROUP BY on the rows", () => {
      test("random batches, with repeated event_ids (duplicates are not counted)", async () => {
        const built = await buildApp(backend, { ADMIN_TOKEN });
        await fc.assert(
          fc.asyncProperty(fc.array(randomEvents, { minLength: 1, maxLength: 4 }), async (batches) => {
            for (const table of ["user_events", "rollup_counts"]) await built.db.exec(`DELETE FROM ${table}`);
            for (const batch of batches) await seedEvents(built.store, batch.map((e) => ({ ...e, createdAt: T0 + e.offset })));
            for (const bucketMs of ROLLUP_GRAINS_MS) {
              const { rolled, raw } = await bothWays(built, bucketMs);
              expect(sorted(rolled!)).toEqual(sorted(raw));
            }
          }),
          { numRuns: 15 },
        );
      });

      test("a commit that fails leaves the rollups as they were", async () => {
        const built = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(built.store, [{ eventType: "card_click", sessionId: "kept", createdAt: T0 }]);
        await built.db.failInsertsOf("refused");
        const failed = seedEvents(built.store, [
          { eventType: "card_click", sessionId: "fine", createdAt: T0 + 1 },
          { eventType: "card_click", sessionId: "refused", createdAt: T0 + 2 },
        ]);
        expect(await failed.then(() => "stored", () => "refused")).toBe("refused");
        const { rolled } = await bothWays(built, HOUR_MS);
        expect(rolled).toEqual([{ bucketStart: T0, eventType: "card_click", count: 1, sessions: 1 }]);
      });
    });

    describe("distinct sessions are counted once a bucket has closed, and again after it changes", () => {
      test("until counted (and after a change) the bucket is read from the rows; a bucket still open is never counted", async () => {
        const built = await buildApp(backend, { ADMIN_TOKEN });
        const hour = { from: new Date(T0), to: new Date(T0 + HOUR_MS), bucketMs: HOUR_MS };
        await seedEvents(built.store, [
          { eventType: "card_click", sessionId: "a", createdAt: T0 + 1 },
          { eventType: "card_click", sessionId: "a", createdAt: T0 + 2 },
          { eventType: "card_click", sessionId: "b", createdAt: T0 + 3 },
        ]);
        const exact = [{ bucketStart: T0, eventType: "card_click", count: 3, sessions: 2 }];
        expect(await built.reader.rolledUpByBucket(hour)).toEqual([{ ...exact[0]!, sessions: UNCOUNTED_SESSIONS }]);
        expect(await built.reader.bucketCounts(hour)).toEqual(exact);
        // Not closed yet at T0 + 59 min: nothing is counted.
        expect(await built.rollups.countSessions(new Date(T0 + 59 * MINUTE_MS), 50)).toEqual({ found: 0, stored: 0 });
        // The hour has closed (the day has not): the hour is counted, the day is not.
        expect(await built.rollups.countSessions(new Date(T0 + HOUR_MS), 50)).toEqual({ found: 1, stored: 1 });
        expect(await built.reader.rolledUpByBucket(hour)).toEqual(exact);
        expect(await built.reader.rolledUpByBucket({ from: new Date(T0), to: new Date(T0 + DAY_MS), bucketMs: DAY_MS })).toEqual([
          { ...exact[0]!, sessions: UNCOUNTED_SESSIONS },
        ]);
        // A late event into the counted hour: its sessions are to be counted again, answers stay exact.
        await seedEvents(built.store, [{ eventType: "card_click", sessionId: "c", createdAt: T0 + 4 }]);
        expect(await built.reader.rolledUpByBucket(hour)).toEqual([{ bucketStart: T0, eventType: "card_click", count: 4, sessions: UNCOUNTED_SESSIONS }]);
        expect(await built.reader.bucketCounts(hour)).toEqual([{ bucketStart: T0, eventType: "card_click", count: 4, sessions: 3 }]);
        await countAllSessions(built);
        expect(await built.reader.rolledUpByBucket(hour)).toEqual([{ bucketStart: T0, eventType: "card_click", count: 4, sessions: 3 }]);
      });
    });

    describe("stats over whole and cut buckets", () => {
      test("a range cut mid-bucket at both ends gives the GROUP BY's answer, rollups in the middle, rows at the edges", async () => {
        const built = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(
          built.store,
          Array.from({ length: 300 }, (_, i) => ({ eventType: EVENT_TYPES[i % 3]!, sessionId: `s${i % 11}`, createdAt: T0 + i * 17 * MINUTE_MS })),
        );
        for (const bucketMs of ROLLUP_GRAINS_MS) {
          const query = { from: new Date(T0 + 7 * MINUTE_MS + 123), to: new Date(T0 + 2 * DAY_MS + 5 * HOUR_MS + 31 * MINUTE_MS), bucketMs };
          expect(await built.reader.bucketCounts(query)).toEqual(await built.reader.countByBucket(query));
        }
      });
    });

    describe("retention keeps the rollups consistent", () => {
      test("deleting up to a cutoff inside an hour leaves rollups equal to the remaining rows", async () => {
        const built = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(
          built.store,
          Array.from({ length: 400 }, (_, i) => ({ eventType: EVENT_TYPES[i % 3]!, sessionId: `s${i % 5}`, createdAt: T0 + i * 9 * MINUTE_MS })),
        );
        const cutoff = new Date(T0 + DAY_MS + 90 * MINUTE_MS + 1234);
        let deleted = 0;
        for (let chunk = -1; chunk !== 0; deleted += chunk) chunk = await built.pruner.deleteOlderThan(cutoff, 37);
        expect(deleted).toBeGreaterThan(100);
        for (const bucketMs of ROLLUP_GRAINS_MS) {
          const { rolled, raw } = await bothWays(built, bucketMs);
          expect(sorted(rolled!)).toEqual(sorted(raw));
        }
      });
    });

    describe("events stored before the rollups existed are backfilled without stopping ingest", () => {
      test("stats read the rows until the backfill is done, then the rollups, with the same answers", async () => {
        const built = await buildApp(backend, { ADMIN_TOKEN });
        // As an earlier version left them: rows without rollups, and the mark the first boot records.
        for (let i = 0; i < 250; i++) await built.db.insertOldRow({ sessionId: `old-${i % 13}`, eventType: EVENT_TYPES[i % 3]!, createdAt: T0 + i * 11 * MINUTE_MS });
        await built.db.exec("UPDATE rollup_backfill SET upto_id = (SELECT max(id) FROM user_events), done_id = 0");

        const query = { from: new Date(T0), to: new Date(T0 + SPAN), bucketMs: HOUR_MS };
        expect(await built.reader.rolledUpByBucket(query)).toBeUndefined();
        const before = await built.reader.countByBucket(query);
        expect(await built.reader.bucketCounts(query)).toEqual(before);

        const job = new RollupBackfillJob({ backfiller: built.rollups, logger: silentLogger, chunkRows: 40, pauseMs: 0 });
        job.start();
        // Ingest goes on meanwhile, into buckets the backfill is also filling.
        const during = Array.from({ length: 60 }, (_, i) => ({ eventType: EVENT_TYPES[i % 3]!, sessionId: `new-${i % 4}`, createdAt: T0 + i * 37 * MINUTE_MS }));
        for (let i = 0; i < during.length; i += 10) await seedEvents(built.store, during.slice(i, i + 10));
        await job.backfilled;
        await job.stop();

        for (const bucketMs of ROLLUP_GRAINS_MS) {
          const { rolled, raw } = await bothWays(built, bucketMs);
          expect(rolled).toBeDefined();
          expect(sorted(rolled!)).toEqual(sorted(raw));
        }
        expect((await built.reader.countByBucket(query)).reduce((sum, bucket) => sum + bucket.count, 0)).toBe(310);
      });
    });
  });
}
