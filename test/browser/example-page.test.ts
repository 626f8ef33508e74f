import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Browser, browserTestsEnabled, eventually, launchBrowser, startProxy, storedEvents } from "../support/browser";
import { type RunningServer, startServer, tempDir } from "../support/server";

// The SDK makes UUID v7 ids (src/client/ids.ts).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.skipIf(!browserTestsEnabled())("the example page in Chromium: clicks become rows", () => {
  let dir: ReturnType<typeof tempDir>;
  let database: string;
  let server: RunningServer;
  let browser: Browser;
  let site: ReturnType<typeof Bun.serve>;
  let proxy: ReturnType<typeof startProxy>;

  beforeAll(async () => {
    dir = tempDir();
    database = join(dir.path, "events.db");
    server = await startServer({ DATABASE_URL: database });
    browser = await launchBrowser();
    // The service behind a recording proxy, and a shop on another origin: the same page,
    // loading sdk.js from the service.
    proxy = startProxy(server.url);
    const page = (await (await fetch(`${server.url}/sdk/example`)).text()).replace('src="../sdk.js"', `src="${proxy.url}/sdk.js"`);
    site = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(page, { headers: { "content-type": "text/html" } }) });
  });

  afterAll(async () => {
    await browser?.close();
    await site?.stop(true);
    await proxy?.stop();
    await server?.stop();
    dir?.cleanup();
  });

  const rowsAfter = (count: number) =>
    eventually(() => {
      const rows = storedEvents(database);
      return rows.length >= count ? rows : undefined;
    }, `${count} stored events`);

  test("same origin: the page loads /sdk.js from the server and every control stores its event", async () => {
    const page = await browser.context.newPage();
    const sdk = page.waitForResponse((response) => response.url().endsWith("/sdk.js"));
    await page.goto(`${server.url}/sdk/example?flush_ms=300`);
    expect((await sdk).status()).toBe(200);
    const sessionId = await page.evaluate(() => (window as unknown as { tracker: { sessionId: string } }).tracker.sessionId);

    await page.click("[data-card=c_101]");
    await page.click("[data-card=c_103]");
    await page.fill("#query", "pet friendly lodge");
    await page.click("#sage button");
    await page.selectOption("#price", "under_100");

    const rows = await rowsAfter(4);
    expect(rows.map(({ event_type, payload, session_id }) => ({ event_type, payload: JSON.parse(payload), session_id }))).toEqual([
      { event_type: "card_click", payload: { card_id: "c_101", position: 0, list: "recommended" }, session_id: sessionId },
      { event_type: "card_click", payload: { card_id: "c_103", position: 2, list: "recommended" }, session_id: sessionId },
      { event_type: "sage_query", payload: { query: "pet friendly lodge" }, session_id: sessionId },
      { event_type: "filter_change", payload: { filter: "price", from: "any", to: "under_100" }, session_id: sessionId },
    ]);
    for (const row of rows) expect(row.event_id).toMatch(UUID);
    // The page's own log shows the server's answer, so the client read it.
    await page.waitForFunction(() => document.getElementById("log")!.textContent!.includes('"accepted":'));
    await page.close();
  });

  test("cross origin: batches go out as text/plain without a preflight, and the answer is readable through CORS", async () => {
    const before = storedEvents(database).length;
    const page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${site.port}/?flush_ms=300`);
    await page.click("[data-card=c_102]");
    const rows = await rowsAfter(before + 1);
    expect(JSON.parse(rows.at(-1)!.payload)).toEqual({ card_id: "c_102", position: 1, list: "recommended" });
    await page.waitForFunction(() => document.getElementById("log")!.textContent!.includes('"accepted":1'));
    expect(proxy.seen.at(-1)).toMatchObject({ contentType: "text/plain;charset=UTF-8", fetchMode: "cors", status: 202 });
    expect(proxy.requests.filter((request) => request.startsWith("OPTIONS"))).toEqual([]);

    // The proxy does see preflights: a JSON fetch from the same page triggers one.
    await page.evaluate(async (url) => {
      await fetch(`${url}/api/events`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    }, proxy.url);
    expect(proxy.requests.filter((request) => request.startsWith("OPTIONS"))).toEqual(["OPTIONS /api/events"]);
    await page.close();
  });

  test("the session id is kept for the tab across navigations, and a new tab gets its own", async () => {
    const page = await browser.context.newPage();
    const sessionOf = async (p: typeof page) => p.evaluate(() => (window as unknown as { tracker: { sessionId: string } }).tracker.sessionId);
    await page.goto(`${server.url}/sdk/example`);
    const first = await sessionOf(page);
    await page.click("#next");
    await page.waitForURL(/page=2/);
    expect(await sessionOf(page)).toBe(first);
    await page.reload();
    expect(await sessionOf(page)).toBe(first);
    const other = await browser.context.newPage();
    await other.goto(`${server.url}/sdk/example`);
    expect(await sessionOf(other)).not.toBe(first);
    expect(first).toMatch(UUID);
    await Promise.all([page.close(), other.close()]);
  });
});
