import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Browser, browserTestsEnabled, eventually, launchBrowser, startProxy, storedEvents } from "../support/browser";
import { type RunningServer, startServer, tempDir } from "../support/server";

type TrackerWindow = { tracker: { track: (type: string, payload?: object) => void } };

// The batch timer is set far beyond the test, so only the unload path can deliver.
const PAGE = "/sdk/example?flush_ms=600000";

describe.skipIf(!browserTestsEnabled())("events tracked just before the page goes away arrive through the unload path", () => {
  let dir: ReturnType<typeof tempDir>;
  let database: string;
  let server: RunningServer;
  let proxy: ReturnType<typeof startProxy>;
  let browser: Browser;

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
  // A fresh proxy (so a fresh origin, with empty sessionStorage) and a fresh record per test.
  afterEach(async () => {
    await proxy.stop();
  });

  const storedWith = (marker: string, count: number) =>
    eventually(() => {
      const rows = storedEvents(database).filter((row) => JSON.parse(row.payload).marker === marker);
      return rows.length >= count ? rows : undefined;
    }, `${count} events marked ${marker}`);

  test("navigating away: the queued events leave as a text/plain beacon", async () => {
    proxy = startProxy(server.url);
    const page = await browser.context.newPage();
    await page.goto(proxy.url + PAGE);
    await page.evaluate(() => {
      const { tracker } = window as unknown as TrackerWindow;
      tracker.track("card_click", { card_id: "c_9", marker: "navigate" });
      tracker.track("sage_query", { query: "last words", marker: "navigate" });
    });
    await page.goto(`${proxy.url}/health`);

    await proxy.answered(1);
    const rows = await storedWith("navigate", 2);
    expect(rows.map((row) => row.event_type)).toEqual(["card_click", "sage_query"]);
    // A beacon: text/plain, no-cors mode, and it was the only request.
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]).toMatchObject({ contentType: "text/plain;charset=UTF-8", fetchMode: "no-cors", status: 202 });
    expect(proxy.seen[0]!.eventIds).toEqual(rows.map((row) => row.event_id!));
    await page.close();
  });

  test("closing the tab: the queued events still arrive", async () => {
    proxy = startProxy(server.url);
    const page = await browser.context.newPage();
    await page.goto(proxy.url + PAGE);
    await page.evaluate(() => {
      const { tracker } = window as unknown as TrackerWindow;
      for (let i = 0; i < 3; i++) tracker.track("card_click", { card_id: `c_${i}`, marker: "close" });
    });
    await page.close();
    await proxy.answered(1);
    const rows = await storedWith("close", 3);
    expect(rows.map((row) => JSON.parse(row.payload).card_id)).toEqual(["c_0", "c_1", "c_2"]);
    expect(proxy.seen.map((seen) => seen.fetchMode)).toEqual(["no-cors"]);
  });

  test("more than 64 KB queued: every request stays under 64 KB, what the browser refuses is sent by the next page, each event once", async () => {
    proxy = startProxy(server.url);
    const page = await browser.context.newPage();
    await page.goto(proxy.url + PAGE);
    await page.evaluate(() => {
      const { tracker } = window as unknown as TrackerWindow;
      for (let i = 0; i < 40; i++) tracker.track("card_click", { i, marker: "big", pad: "x".repeat(4000) });
    });
    // Same tab, next page: it picks up what the browser would not take at unload.
    await page.click("#next");
    const rows = await storedWith("big", 40);
    expect(rows.map((row) => JSON.parse(row.payload).i)).toEqual([...Array(40).keys()]);
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(40);
    await eventually(() => (proxy.seen.flatMap((seen) => seen.eventIds).length >= 40 ? true : undefined), "every request answered");
    // ~160 KB: the first beacon filled the browser's 64 KB in-flight budget, the next page sent the rest.
    expect(proxy.seen[0]!.fetchMode).toBe("no-cors");
    expect(proxy.seen.slice(1).map((seen) => seen.fetchMode)).toContain("cors");
    for (const seen of proxy.seen) expect(seen.bytes).toBeLessThanOrEqual(64 * 1024);
    await page.close();
  });
});
