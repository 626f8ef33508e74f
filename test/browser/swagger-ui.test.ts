import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { EVENT_TYPES } from "../../src/events/model";
import { ADMIN_TOKEN } from "../support/app";
import { type Browser, browserTestsEnabled, launchBrowser } from "../support/browser";
import { type RunningServer, startServer, tempDir } from "../support/server";

/** The status and body Swagger UI shows for the last Execute of one operation. */
async function execute(page: Page, operation: string): Promise<{ status: string; body: string }> {
  const block = page.locator(`#${operation}`);
  await block.locator(".execute").click();
  const status = block.locator(".live-responses-table .response .response-col_status");
  await status.waitFor({ timeout: 15_000 });
  return { status: (await status.innerText()).trim(), body: await block.locator(".live-responses-table .response-col_description pre").first().innerText() };
}

async function open(page: Page, operation: string): Promise<void> {
  await page.locator(`#${operation} .opblock-summary`).first().click();
  await page.locator(`#${operation} .execute`).waitFor({ timeout: 15_000 });
}

// What the README tells a newcomer to do, click for click, on the real server: send the first
// example, authorize with the token, list and count. No field is edited.
describe.skipIf(!browserTestsEnabled())("Swagger UI in Chromium: a newcomer's first event, without editing a field", () => {
  let dir: ReturnType<typeof tempDir>;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = tempDir();
    server = await startServer({ DATABASE_URL: join(dir.path, "events.db"), ADMIN_TOKEN });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${server.url}/swagger`);
    await page.locator("#operations-Events-postApiEvents").waitFor({ timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    dir?.cleanup();
  });

  test("the page explains Authorize and the admin token", async () => {
    const info = await page.locator(".information-container").innerText();
    expect(info).toContain("Authorize");
    expect(info).toContain("ADMIN_TOKEN");
  });

  test("POST /api/events offers one example per event type, and Execute on the first answers 202", async () => {
    await open(page, "operations-Events-postApiEvents");
    const options = await page.locator("#operations-Events-postApiEvents .opblock-section-request-body .examples-select select option").allInnerTexts();
    expect(options).toEqual([...EVENT_TYPES]);
    const { status, body } = await execute(page, "operations-Events-postApiEvents");
    expect(status).toBe("202");
    expect(JSON.parse(body)).toEqual({ status: "accepted" });
  }, 30_000);

  test("after Authorize with the token, GET /api/events with no field filled in lists that event", async () => {
    await page.locator(".auth-wrapper .authorize").click();
    await page.locator(".modal-ux input").fill(ADMIN_TOKEN);
    await page.locator(".modal-ux .auth-btn-wrapper .authorize").click();
    await page.locator(".modal-ux .btn-done").click();

    await open(page, "operations-Read-getApiEvents");
    for (const name of ["from", "to"]) {
      expect(await page.locator(`#operations-Read-getApiEvents tr[data-param-name="${name}"] input`).inputValue()).toBe("");
    }
    const { status, body } = await execute(page, "operations-Read-getApiEvents");
    expect(status).toBe("200");
    const listed = JSON.parse(body) as { events: { event_type: string; payload: unknown }[] };
    expect(listed.events.map((event) => event.event_type)).toEqual([EVENT_TYPES[0]]);
  }, 30_000);

  test("GET /api/stats/events with no field filled in counts it in the last 24 hours", async () => {
    await open(page, "operations-Read-getApiStatsEvents");
    const { status, body } = await execute(page, "operations-Read-getApiStatsEvents");
    expect(status).toBe("200");
    expect((JSON.parse(body) as { totals: Record<string, number> }).totals[EVENT_TYPES[0]]).toBe(1);
  }, 30_000);
});
