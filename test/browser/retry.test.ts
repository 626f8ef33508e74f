import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { DeliveryReport } from "../../src/client/tracker";
import { type Browser, browserTestsEnabled, eventually, launchBrowser, startProxy, storedEvents } from "../support/browser";
import { type RunningServer, startServer, tempDir } from "../support/server";

type TrackerWindow = {
  EventIngest: { createTracker: (options: object) => { track: (type: string, payload?: object) => void; flush: () => Promise<void> } };
  reports: DeliveryReport[];
  probe: { track: (type: string, payload?: object) => void; flush: () => Promise<void> };
};

describe.skipIf(!browserTestsEnabled())("the client retries what may succeed later, and only that", () => {
  let dir: ReturnType<typeof tempDir>;
  let database: string;
  let server: RunningServer;
  let proxy: ReturnType<typeof startProxy>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = tempDir();
    database = join(dir.path, "events.db");
    server = await startServer({ DATABASE_URL: database });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    dir?.cleanup();
  });
  afterEach(async () => {
    await page.close();
    await proxy.stop();
  });

  /** The example page from a fresh proxy, plus a second tracker whose reports the test can read. */
  async function openProbe(options: object) {
    proxy = startProxy(server.url);
    page = await browser.context.newPage();
    await page.goto(`${proxy.url}/sdk/example`);
    await page.evaluate((opts) => {
      const w = window as unknown as TrackerWindow;
      w.reports = [];
      w.probe = w.EventIngest.createTracker({ endpoint: location.origin, flushIntervalMs: 600_000, ...opts, onReport: (r: DeliveryReport) => w.reports.push(r) });
    }, options);
  }
  const reports = () => page.evaluate(() => (window as unknown as TrackerWindow).reports);
  const trackMarked = (marker: string, count: number) =>
    page.evaluate(
      ({ marker, count }) => {
        const { probe } = window as unknown as TrackerWindow;
        for (let i = 0; i < count; i++) probe.track("card_click", { marker, i });
        void probe.flush();
      },
      { marker, count },
    );
  const stored = (marker: string) => storedEvents(database).filter((row) => JSON.parse(row.payload).marker === marker);

  test("503 twice (Retry-After: 1), then 202: the same batch is resent after the delay, and each event is stored exactly once", async () => {
    await openProbe({ retryBaseMs: 10 });
    const unavailable = { status: 503, error: "storage_unavailable", headers: { "retry-after": "1" } };
    proxy.faults.push(unavailable, unavailable);
    await trackMarked("retry", 3);

    await proxy.answered(3);
    const rows = stored("retry");
    expect(proxy.seen.map((seen) => seen.status)).toEqual([503, 503, 202]);
    const [first, second, third] = proxy.seen as [(typeof proxy.seen)[0], (typeof proxy.seen)[0], (typeof proxy.seen)[0]];
    expect(second.eventIds).toEqual(first.eventIds);
    expect(third.eventIds).toEqual(first.eventIds);
    expect(rows.map((row) => row.event_id)).toEqual(first.eventIds);
    // Retry-After (1 s) beats the 10 ms backoff.
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(third.at - second.at).toBeGreaterThanOrEqual(950);

    await Bun.sleep(1500); // nothing more is sent once the batch is acknowledged
    expect(proxy.seen).toHaveLength(3);
    expect(stored("retry")).toHaveLength(3);
    await page.waitForFunction(() => (window as unknown as TrackerWindow).reports.length === 3);
    expect((await reports()).map((r) => r.type)).toEqual(["retry", "retry", "sent"]);
    expect((await reports()).at(-1)).toEqual({ type: "sent", events: 3, accepted: 3, duplicates: 0, rejected: [] });
  });

  test("429 without Retry-After is retried with backoff; a network error too", async () => {
    await openProbe({ retryBaseMs: 200, retryMaxMs: 400 });
    proxy.faults.push({ status: 429 });
    await trackMarked("throttled", 2);
    await proxy.answered(2);
    expect(stored("throttled")).toHaveLength(2);
    expect(proxy.seen.map((seen) => seen.status)).toEqual([429, 202]);
    expect(proxy.seen[1]!.at - proxy.seen[0]!.at).toBeGreaterThanOrEqual(90); // half of 200 ms at least

    // A dead endpoint: fetch itself fails, and the tracker keeps retrying.
    await page.evaluate(() => {
      const w = window as unknown as TrackerWindow;
      w.probe = w.EventIngest.createTracker({ endpoint: "http://127.0.0.1:9/", flushIntervalMs: 600_000, retryBaseMs: 20, retryMaxMs: 40, onReport: (r: DeliveryReport) => w.reports.push(r) });
      w.probe.track("card_click", {});
      void w.probe.flush();
    });
    await page.waitForFunction(() => (window as unknown as TrackerWindow).reports.filter((r) => r.type === "retry" && r.reason.startsWith("network error")).length >= 3);
  });

  test("a 2xx that is not the service's answer (a captive portal) does not count as delivered", async () => {
    await openProbe({ retryBaseMs: 10, retryMaxMs: 20 });
    proxy.faults.push({ status: 200, error: "portal_login" });
    await trackMarked("portal", 2);
    await proxy.answered(2);
    expect(proxy.seen.map((seen) => seen.status)).toEqual([200, 202]);
    expect(proxy.seen[1]!.eventIds).toEqual(proxy.seen[0]!.eventIds);
    expect(stored("portal")).toHaveLength(2);
    await page.waitForFunction(() => (window as unknown as TrackerWindow).reports.length === 2);
    expect((await reports()).map((r) => r.type)).toEqual(["retry", "sent"]);
  });

  test("a 422 is not retried: the batch is dropped and reported", async () => {
    await openProbe({ retryBaseMs: 10 });
    proxy.faults.push({ status: 422, error: "validation_failed" });
    await trackMarked("invalid", 2);
    await page.waitForFunction(() => (window as unknown as TrackerWindow).reports.length > 0);
    await Bun.sleep(500); // time for a retry that must not come
    expect(proxy.seen.map((seen) => seen.status)).toEqual([422]);
    expect(await reports()).toEqual([{ type: "dropped", events: 2, reason: "the server refused the batch (HTTP 422 validation_failed)" }]);
    expect(stored("invalid")).toEqual([]);
  });

  test("while the server is down the queue stays bounded: the oldest queued events are dropped, the rest delivered later", async () => {
    await openProbe({ retryBaseMs: 50, retryMaxMs: 100, maxQueueEvents: 20, maxBatchEvents: 5, maxAttempts: 1000 });
    proxy.faults.push(...Array.from({ length: 1000 }, () => ({ status: 503 })));
    await trackMarked("bounded", 100);
    const dropped = (await reports()).filter((r) => r.type === "dropped").reduce((sum, r) => sum + r.events, 0);
    expect(dropped).toBe(80);
    await proxy.answered(3); // a few failed attempts
    proxy.faults.length = 0; // the server is back
    const rows = await eventually(() => (stored("bounded").length === 20 ? stored("bounded") : undefined), "20 events");
    const kept = rows.map((row) => JSON.parse(row.payload).i as number);
    // The first batch was on the wire when the queue filled, so it was kept; the newest 15 were too.
    expect(kept.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, ...[...Array(15).keys()].map((i) => i + 85)]);
    await Bun.sleep(300);
    expect(stored("bounded")).toHaveLength(20);
  });
});
