/**
 * Regenerates docs/dashboard.png (`bun run screenshot`): a fresh server on a temporary SQLite
 * file holding a day of sample events, the dashboard opened in Debian's Chromium, signed in, and
 * photographed. The sample rows are written straight into the file between two boots of the
 * server, because the ingest API stamps every event with the time it arrives.
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { launchBrowser } from "../test/support/browser";
import { startServer, tempDir } from "../test/support/server";
import { sampleEvents } from "./sample-events";

const OUTPUT = join(import.meta.dir, "..", "docs", "dashboard.png");
const TOKEN = "screenshot-token-0123456789abcdef0123456789";

const dir = tempDir("event-ingest-screenshot-");
const database = join(dir.path, "events.db");
try {
  const env = { DATABASE_URL: database, ADMIN_TOKEN: TOKEN, LOG_LEVEL: "warn" };
  await (await startServer(env)).stop(); // creates the schema

  const now = Date.now();
  const db = new Database(database, { strict: true });
  const insert = db.prepare("INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES ($session_id, $event_type, $payload, $created_at)");
  db.transaction(() => {
    for (const event of sampleEvents(4000, now - 24 * 3_600_000, now - 60_000)) insert.run(event);
  })();
  // As after an upgrade: rows the rollups do not hold yet, which the server backfills at boot.
  db.run("UPDATE rollup_backfill SET upto_id = (SELECT max(id) FROM user_events) WHERE id = 1");
  db.close();

  const server = await startServer(env);
  // Two events from a frontend that broke the tracking plan, through the API as a client sends them.
  for (const payload of [{ position: 2, list: "recommended" }, { card_id: "c_104", position: -1 }]) {
    const response = await fetch(`${server.url}/api/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: "s-broken-frontend", event_type: "card_click", payload }),
    });
    if (response.status !== 202) throw new Error(`a flagged sample event got ${response.status}`);
  }
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.goto(`${server.url}/dashboard`);
    await page.fill("#token", TOKEN);
    await page.click("#signin button[type=submit]");
    await page.waitForSelector("#tail tbody tr");
    await page.waitForSelector("#top .top tbody tr");
    await page.waitForSelector("#flagged tbody tr[data-event-id]");
    await page.screenshot({ path: OUTPUT, fullPage: true });
    process.stdout.write(`wrote ${OUTPUT}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
} finally {
  dir.cleanup();
}
