/**
 * The service's HTTP layer alone: the real app (metrics, CORS, request ids, rate-limit hook, body
 * limit, validation, error envelope) wired as src/index.ts does, but ingest goes to a store that
 * keeps nothing. It sits between the bare Bun.serve ceiling and the service in the benchmark
 * table, to show how much of the gap is the framework and how much is storage.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app";
import { parseConfig } from "../src/config";
import type { EventStore } from "../src/db/interfaces";
import { open as openSqlite } from "../src/db/sqlite";
import { createLogger } from "../src/logger";
import { Metrics } from "../src/metrics/metrics";
import { RetentionJob } from "../src/retention/job";
import { buildDashboard } from "../src/dashboard/bundle";
import { buildSdk } from "../src/sdk/bundle";

// The read side needs a database: an empty one of its own, untouched by the load. A file, so the
// schema push runs on its short-lived thread as in the service (in-process it would keep drizzle-kit resident).
const folder = mkdtempSync(join(tmpdir(), "event-ingest-app-only-"));
const config = parseConfig({ ...process.env, DATABASE_URL: join(folder, "read-side.db") });
const logger = createLogger(config.logLevel);
const discard: EventStore = {
  append: async (events) => ({ inserted: events.length, duplicates: 0 }),
  health: async () => ({ status: "ok" }),
  close: async () => undefined,
};
const readSide = await openSqlite(config);
const retention = new RetentionJob({ pruner: readSide.pruner, retentionDays: undefined, intervalMs: 3_600_000, logger });
const app = createApp({
  config,
  store: discard,
  reader: readSide.reader,
  retention,
  metrics: new Metrics({}),
  logger,
  sdk: await buildSdk(),
  dashboard: await buildDashboard(),
}).listen({ hostname: "127.0.0.1", port: config.port, maxRequestBodySize: Number.MAX_SAFE_INTEGER });
process.stdout.write(`listening on ${app.server?.port}\n`);
// Nothing here needs a graceful stop: the read-side database is scratch.
process.on("SIGTERM", () => {
  rmSync(folder, { recursive: true, force: true });
  process.exit(0);
});
