import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ApiEvent } from "../../src/listing/model";
import { ADMIN_TOKEN } from "../support/app";
import { type Browser, browserTestsEnabled, eventually, launchBrowser, storedEvents } from "../support/browser";
import { type RunningServer, startServer, tempDir } from "../support/server";

describe.skipIf(!browserTestsEnabled())("context through the real SDK in Chromium, and through curl", () => {
  let dir: ReturnType<typeof tempDir>;
  let database: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = tempDir();
    database = join(dir.path, "events.db");
    // BOT_FILTER=flag (startServer's default): headless Chromium says HeadlessChrome, a bot.
    server = await startServer({ DATABASE_URL: database, ADMIN_TOKEN });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    dir?.cleanup();
  }, 60_000);

  async function listed(count: number): Promise<ApiEvent[]> {
    await eventually(() => (storedEvents(database).length >= count ? true : undefined), `${count} stored events`);
    const response = await fetch(`${server.url}/api/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return ((await response.json()) as { events: ApiEvent[] }).events.reverse();
  }

  test("path, referrer without its query, the landing page's campaign (kept for the next page of the tab), screen width; browser from the User-Agent", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/sdk/example?flush_ms=200&utm_source=newsletter&utm_medium=email&utm_campaign=spring`, {
      referer: "https://www.example.org/blog/post?token=secret#top",
    });
    const width = await page.evaluate(() => screen.width);
    await page.click("[data-card=c_101]");
    const [landing] = await listed(1);
    expect(landing!.context).toEqual({
      path: "/sdk/example",
      referrer: "https://www.example.org/blog/post",
      utm_source: "newsletter",
      utm_medium: "email",
      utm_campaign: "spring",
      utm_term: null,
      utm_content: null,
      screen_width: width,
    });
    expect(landing!.client).toEqual({ browser: "Chrome", os: "Linux", device: "desktop", is_bot: true, user_agent: null });

    // The next page of the same tab has no utm_* in its URL: the campaign comes from sessionStorage.
    await page.goto(`${server.url}/sdk/example?flush_ms=200`);
    await page.click("[data-card=c_102]");
    const [, next] = await listed(2);
    expect(next!.context).toMatchObject({ path: "/sdk/example", utm_source: "newsletter", utm_campaign: "spring" });
    expect(next!.payload).toEqual({ card_id: "c_102", position: 1, list: "recommended" });
    await page.close();
  }, 60_000);

  test("without the opt-in, the SDK declines to send from an automated browser (navigator.webdriver) and says why", async () => {
    const before = storedEvents(database).length;
    const automated = await launchBrowser({ allowAutomation: false });
    try {
      const page = await automated.context.newPage();
      await page.goto(`${server.url}/sdk/example?flush_ms=200`);
      expect(await page.evaluate(() => navigator.webdriver)).toBe(true);
      await page.click("[data-card=c_101]");
      await page.waitForFunction(() => document.getElementById("log")!.textContent!.includes("navigator.webdriver"));
      await page.evaluate(() => (window as unknown as { tracker: { flush(): Promise<void> } }).tracker.flush());
      await Bun.sleep(500);
      expect(storedEvents(database).length).toBe(before);
    } finally {
      await automated.close();
    }
  }, 60_000);

  test.skipIf(!Bun.which("curl"))("through curl: the same context columns, and curl's own User-Agent flagged as a bot", async () => {
    const before = storedEvents(database).length;
    const body = JSON.stringify({ session_id: "curl", event_type: "sage_query", payload: { query: "lake" }, context: { path: "/cli", utm_source: "shell", screen_width: 0 } });
    for (const agent of [["-A", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"], []]) {
      const curl = Bun.spawn(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", ...agent, "-H", "content-type: application/json", "-d", body, `${server.url}/api/events`], { stdout: "pipe" });
      expect(await new Response(curl.stdout).text()).toBe("202");
    }
    const [firefox, curl] = (await listed(before + 2)).slice(-2);
    for (const event of [firefox!, curl!]) expect(event.context).toMatchObject({ path: "/cli", utm_source: "shell", screen_width: 0, referrer: null });
    expect(firefox!.client).toEqual({ browser: "Firefox", os: "Linux", device: "desktop", is_bot: false, user_agent: null });
    expect(curl!.client.is_bot).toBe(true);
  }, 60_000);
});
