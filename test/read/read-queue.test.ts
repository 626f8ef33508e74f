import { afterEach, describe, expect, test } from "bun:test";
import { StoreBusyError } from "../../src/db/errors";
import type { EventReader } from "../../src/db/interfaces";
import type { StoredEvent } from "../../src/db/model";
import { QueuedReader } from "../../src/db/read-queue";
import { EXPORT_PAGE_SIZE } from "../../src/export/routes";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, send, type TestApp } from "../support/app";
import { backends } from "../support/backends";
import { expectEnvelope } from "../support/envelope";
import { seedEvents, settle } from "../support/events";

const T0 = Date.UTC(2024, 4, 1);

/** A reader whose reads finish only when the test says so, counting how many run at once. */
function heldReader() {
  const held: (() => void)[] = [];
  const state = { running: 0, most: 0 };
  const hold = async <T>(value: T): Promise<T> => {
    state.running++;
    state.most = Math.max(state.most, state.running);
    await new Promise<void>((resolve) => held.push(resolve));
    state.running--;
    return value;
  };
  const reader: EventReader = {
    countByBucket: () => hold([]),
    bucketCounts: () => hold([]),
    countSessions: () => hold([]),
    rolledUpByBucket: () => hold([]),
    topValues: () => hold([]),
    listNewestFirst: () => hold([] as StoredEvent[]),
  };
  return { reader, state, releaseOne: () => held.shift()?.(), pending: () => held.length };
}

describe("the read queue bounds concurrency and refuses past its bound", () => {
  test("reads beyond the readers wait in order; past maxQueued a new read is refused at once", async () => {
    const { reader, state, releaseOne, pending } = heldReader();
    const queue = new QueuedReader({ readers: [reader, reader], maxQueued: 2 });
    const query = { from: new Date(0), to: new Date(1), bucketMs: 1 };
    const reads = Array.from({ length: 4 }, () => queue.countByBucket(query));
    await Bun.sleep(0);
    expect({ running: state.running, queued: queue.queued }).toEqual({ running: 2, queued: 2 });
    await expect(queue.countByBucket(query)).rejects.toBeInstanceOf(StoreBusyError);
    await expect(queue.listNewestFirst({}, undefined, 10)).rejects.toBeInstanceOf(StoreBusyError);
    await expect(queue.topValues({ eventType: "card_click", property: "card_id", from: new Date(0), to: new Date(1), limit: 10 })).rejects.toBeInstanceOf(StoreBusyError);
    // The next page of an export under way is never refused: it queues.
    const continuing = queue.listNewestFirst({}, { createdAt: 1, id: 1 }, 10, { continuing: true });
    expect(queue.queued).toBe(3);
    while (pending() > 0 || queue.queued > 0) {
      releaseOne();
      await Bun.sleep(0);
    }
    expect(await Promise.all(reads)).toEqual([[], [], [], []]);
    expect(await continuing).toEqual([]);
    expect(state.most).toBe(2);
    // Free again: a new read runs.
    const again = queue.countByBucket(query);
    await Bun.sleep(0);
    releaseOne();
    expect(await again).toEqual([]);
  });

  test("a read that fails frees its reader for the next one", async () => {
    let calls = 0;
    const failing: EventReader = {
      countByBucket: async () => {
        calls++;
        if (calls === 1) throw new Error("disk error");
        return [];
      },
      bucketCounts: async () => [],
      countSessions: async () => [],
      rolledUpByBucket: async () => [],
      topValues: async () => [],
      listNewestFirst: async () => [],
    };
    const queue = new QueuedReader({ readers: [failing], maxQueued: 0 });
    const query = { from: new Date(0), to: new Date(1), bucketMs: 1 };
    await expect(queue.countByBucket(query)).rejects.toThrow("disk error");
    expect(await queue.countByBucket(query)).toEqual([]);
  });
});

for (const backend of backends) {
  describe(`${backend.name}: 503 busy when the read queue is full`, () => {
    afterEach(closeApps);

    const stats = (app: TestApp["app"]) => send(app, `/api/stats/events?bucket=hour&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 86_400_000).toISOString()}`, { headers: bearer() });

    test("with one reader and no queue, concurrent reads past the first are 503 busy with Retry-After; then reads succeed again", async () => {
      const { app, store } = await buildApp(backend, { ADMIN_TOKEN, DATABASE_READ_POOL_SIZE: "1", MAX_QUEUED_READS: "0" });
      await seedEvents(store, Array.from({ length: 200 }, (_, i) => ({ createdAt: T0 + i * 60_000 })));
      const responses = await Promise.all(Array.from({ length: 12 }, () => stats(app)));
      const statuses = responses.map((response) => response.status);
      expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(1);
      const busy = responses.filter((response) => response.status === 503);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      for (const response of busy) {
        expect(response.headers.get("retry-after")).toBe("1");
        await expectEnvelope(response, 503, "busy");
      }
      // The metrics label each refusal as the handler answered it.
      await settle();
      const metrics = await (await send(app, "/metrics", { headers: bearer() })).text();
      expect(metrics).toContain(`event_ingest_http_request_duration_seconds_count{method="GET",route="/api/stats/events",status="503"} ${busy.length}`);
      // Nothing stays queued or held: the next read is answered.
      const after = await stats(app);
      expect(after.status).toBe(200);
      expect(((await after.json()) as { totals: Record<string, number> }).totals).toMatchObject({ card_click: expect.any(Number) });
    });

    test("within the bound nothing is refused: 12 concurrent reads on 2 readers with 16 queued are all answered", async () => {
      const { app, store } = await buildApp(backend, { ADMIN_TOKEN, DATABASE_READ_POOL_SIZE: "2", MAX_QUEUED_READS: "16" });
      await seedEvents(store, Array.from({ length: 200 }, (_, i) => ({ createdAt: T0 + i * 60_000 })));
      const responses = await Promise.all(Array.from({ length: 12 }, () => stats(app)));
      expect(responses.map((response) => response.status)).toEqual(Array(12).fill(200));
    });

    test("an export under way is never cut short by busy: its later pages queue while new reads are refused", async () => {
      const { app, store } = await buildApp(backend, { ADMIN_TOKEN, DATABASE_READ_POOL_SIZE: "1", MAX_QUEUED_READS: "0" });
      const rows = EXPORT_PAGE_SIZE * 3 + 5;
      await seedEvents(store, Array.from({ length: rows }, (_, i) => ({ createdAt: T0 + i })));
      const response = await send(app, "/api/events/export", { headers: bearer() });
      expect(response.status).toBe(200);
      const reading = response.text();
      // Reads sent while the export runs may be refused; the export itself must finish whole.
      const during = await Promise.all(Array.from({ length: 6 }, () => stats(app)));
      expect(during.every((answer) => answer.status === 200 || answer.status === 503)).toBe(true);
      const lines = (await reading).split("\n").filter((line) => line !== "");
      expect(lines).toHaveLength(rows);
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ id: 1 });
    });
  });
}
