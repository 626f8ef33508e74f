import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { DASHBOARD_CSP } from "../../src/dashboard/routes";
import { type Browser, browserTestsEnabled, launchBrowser } from "../support/browser";
import { type RunningServer, startServer, tempDir } from "../support/server";

const TOKEN = "dashboard-test-token-0123456789abcdef0123";

/** What the test stores before the dashboard opens: 3 clicks (two on c_7), 2 queries, 1 filter change, over 3 sessions. */
const SEED = [
  { session_id: "s-1", event_type: "card_click", payload: { card_id: "c_7", position: 0 } },
  { session_id: "s-1", event_type: "card_click", payload: { card_id: "c_7", position: 0 } },
  { session_id: "s-2", event_type: "card_click", payload: { card_id: "c_9", position: 3 } },
  { session_id: "s-2", event_type: "sage_query", payload: { query: "lake view" } },
  { session_id: "s-3", event_type: "sage_query", payload: { query: "lake view" } },
  { session_id: "s-3", event_type: "filter_change", payload: { filter: "price", to: "under_100" } },
];

describe.skipIf(!browserTestsEnabled())("the dashboard in Chromium", () => {
  let dir: ReturnType<typeof tempDir>;
  let server: RunningServer;
  let browser: Browser;
  /** Every URL the pages requested, and every CSP violation they reported. */
  const requested: string[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer({ DATABASE_URL: join(dir.path, "events.db"), ADMIN_TOKEN: TOKEN });
    const seeded = await fetch(`${server.url}/api/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ batch: SEED }) });
    expect(seeded.status).toBe(202);
    browser = await launchBrowser();
    // A server boot plus a browser launch: seconds on a busy 2-core machine, beyond a hook's 5 s default.
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    dir?.cleanup();
  }, 60_000);

  async function openDashboard(): Promise<Page> {
    const page = await browser.context.newPage();
    page.on("request", (request) => requested.push(request.url()));
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) violations.push(message.text());
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => console.error(`Content Security Policy: ${event.violatedDirective} ${event.blockedURI}`));
    });
    await page.goto(`${server.url}/dashboard`);
    return page;
  }

  async function signIn(page: Page, token = TOKEN): Promise<void> {
    await page.fill("#token", token);
    await page.click("#signin button[type=submit]");
  }

  const countOf = (page: Page, type: string) => page.textContent(`#totals .card[data-type=${type}] .count`);

  test("the page carries a strict CSP, and every asset it loads comes from the service", async () => {
    const response = await fetch(`${server.url}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain("unsafe-inline");
    const html = await response.text();
    expect(html).not.toMatch(/<script>|<style|style="|\son[a-z]+="/);
    for (const asset of ["/dashboard/app.js", "/dashboard/app.css"]) expect((await fetch(`${server.url}${asset}`)).status).toBe(200);
  });

  test("a wrong token is refused on the form and nothing is kept", async () => {
    const page = await openDashboard();
    await signIn(page, "not-the-token-at-all");
    await page.waitForSelector("#signin-error:not([hidden])");
    expect(await page.textContent("#signin-error")).toContain("did not accept");
    expect(await page.isHidden("#dashboard")).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  test("signed in, it shows the seeded counts, draws them, and lists the top values", async () => {
    const page = await openDashboard();
    await signIn(page);
    await page.waitForSelector("#dashboard:not([hidden])");
    expect(await countOf(page, "card_click")).toBe("3");
    expect(await countOf(page, "sage_query")).toBe("2");
    expect(await countOf(page, "filter_change")).toBe("1");
    // 24 hourly buckets (25 when the range is not hour-aligned), all 6 events among them, drawn on the canvas.
    expect(await page.getAttribute("#chart", "data-total")).toBe("6");
    expect(Number(await page.getAttribute("#chart", "data-points"))).toBeGreaterThanOrEqual(24);
    const painted = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>("#chart canvas")!;
      const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) count += 1;
      return { count, width: canvas.width };
    });
    expect(painted.width).toBeGreaterThan(200);
    expect(painted.count).toBeGreaterThan(500);
    // Distinct sessions per bucket and type: clicks from s-1 and s-2, queries from s-2 and s-3, a filter from s-3.
    expect(await page.getAttribute("#sessions-chart", "data-total")).toBe("5");
    expect(await page.locator("#sessions-chart canvas").count()).toBe(1);
    // The top tables: value, events, sessions.
    const topRows = (property: string) =>
      page.$$eval(`#top .top[data-property=${property}] tbody tr`, (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)));
    expect(await topRows("card_id")).toEqual([
      ["c_7", "2", "1"],
      ["c_9", "1", "1"],
    ]);
    expect(await topRows("query")).toEqual([["lake view", "2", "2"]]);
    expect(await topRows("filter")).toEqual([["price", "1", "1"]]);
    // The token lives in this tab's sessionStorage, never in a URL, a cookie or the server's log.
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([TOKEN]);
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(requested.filter((url) => url.includes(TOKEN))).toEqual([]);
    expect(server.output()).not.toContain(TOKEN);
    expect(requested.every((url) => url.startsWith(`${server.url}/`))).toBe(true);
    expect(violations).toEqual([]);
    await page.close();
  });

  test("the live tail shows an event POSTed after the page opened", async () => {
    const page = await openDashboard();
    await signIn(page);
    await page.waitForSelector("#tail tbody tr");
    expect(await page.locator("#tail tbody tr").count()).toBe(SEED.length);
    const posted = await fetch(`${server.url}/api/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: "tail-session", event_type: "sage_query", payload: { query: "fresh one" } }),
    });
    expect(posted.status).toBe(202);
    await page.waitForSelector("#tail tbody tr.new >> text=tail-session", { timeout: 10_000 });
    expect(await page.textContent("#tail tbody tr:first-child")).toContain("fresh one");
    await page.close();
  });

  test("export downloads the range as CSV through the bearer header", async () => {
    const page = await openDashboard();
    await signIn(page);
    await page.waitForSelector("#dashboard:not([hidden])");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
    expect(download.suggestedFilename()).toMatch(/^events-\d{8}T\d{6}Z\.csv$/);
    const csv = await Bun.file((await download.path())!).text();
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toStartWith("id,");
    expect(lines.length).toBeGreaterThanOrEqual(1 + SEED.length);
    expect(csv).toContain("lake view");
    expect(requested.filter((url) => url.includes(TOKEN))).toEqual([]);
    await page.close();
  });

  test("flagged events of the range are listed with what broke the tracking plan", async () => {
    // A click without its required card_id and with a negative position: stored (PAYLOAD_SCHEMA=flag) and flagged.
    const posted = await fetch(`${server.url}/api/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: "flagged-session", event_type: "card_click", payload: { position: -1 } }),
    });
    expect(posted.status).toBe(202);
    const page = await openDashboard();
    await signIn(page);
    await page.waitForSelector("#flagged tbody tr[data-event-id]");
    const rows = await page.$$eval("#flagged tbody tr", (rows) => rows.map((row) => [...row.children].slice(1).map((cell) => cell.textContent)));
    // Only that event: every seeded one kept to the plan.
    expect(rows).toEqual([["card_click", "flagged-session", "/payload/card_id is required; /payload/position must be at least 0"]]);
    await page.close();
  });

  test("on a phone-sized screen nothing scrolls sideways", async () => {
    const page = await openDashboard();
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page);
    await page.waitForSelector("#dashboard:not([hidden])");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const chartWidth = await page.evaluate(() => document.querySelector("#chart canvas")!.getBoundingClientRect().width);
    expect(chartWidth).toBeLessThanOrEqual(390);
    await page.close();
  });
});
