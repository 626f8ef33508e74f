import { type AppDeps, createApp } from "../../src/app";
import { type Config, parseConfig } from "../../src/config";
import type { EventDatabase } from "../../src/db/interfaces";
import { openDatabase } from "../../src/db/open";
import type { EventStore } from "../../src/db/interfaces";
import { createLogger, type Logger } from "../../src/logger";
import { Metrics } from "../../src/metrics/metrics";
import { RetentionJob } from "../../src/retention/job";
import { buildDashboard } from "../../src/dashboard/bundle";
import { buildSdk } from "../../src/sdk/bundle";
import { backends, type TestBackend } from "./backends";

export const silentLogger = createLogger("silent");

/** The browser client, built once per test process: every app serves the same one. */
export const sdk = await buildSdk();
/** The dashboard, built once per test process likewise. */
export const dashboard = await buildDashboard();

/** A 32+ character admin token for tests of the read side. */
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123456789";

export interface BuildOptions {
  /** Clock for rate limits, retention cutoffs and default time ranges. */
  now?: () => number;
  logger?: Logger;
}

/** Retention and metrics over an open database, as src/index.ts wires them. */
function readSide(config: Config, database: EventDatabase, now: () => number) {
  const retention = new RetentionJob({
    pruner: database.pruner,
    retentionDays: config.retentionDays,
    intervalMs: config.retentionIntervalMinutes * 60_000,
    logger: silentLogger,
    now,
    pauseMs: 0,
  });
  const metrics = new Metrics({ databaseFile: database.databaseFile });
  return { reader: database.reader, pruner: database.pruner, rollups: database.rollups, retention, metrics };
}

const open: (() => Promise<void>)[] = [];

/**
 * A fresh app on a fresh database of `backend` (SQLite unless given); the config is the
 * defaults plus `env`. `db` looks into the database; `close()` stops the app's store and drops
 * the database, and `closeApps()` does it for every app not closed yet (call it in afterEach).
 */
export async function buildApp(backend: TestBackend = backends[0]!, env: Record<string, string> = {}, { now = Date.now, logger = silentLogger }: BuildOptions = {}) {
  const db = await backend.database();
  const config: Config = parseConfig({ ...db.env, ...env });
  const database = await openDatabase(config);
  const deps = readSide(config, database, now);
  const app = createApp({ config, store: database.store, ...deps, logger, sdk, dashboard, now });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await deps.retention.stop();
    await database.close();
    await db.drop();
  };
  open.push(close);
  return { app, store: database.store, config, db, ...deps, close };
}

/** Closes every app buildApp made that is still open. */
export async function closeApps(): Promise<void> {
  await Promise.all(open.splice(0).map((close) => close()));
}

/**
 * createApp around a store double (one that fails as a broken database would) and its logger;
 * the read side reads an empty in-memory database of its own.
 */
export async function appWith({ config, store, logger = silentLogger }: { config: Config; store: EventStore; logger?: Logger }) {
  const database = await openDatabase({ ...config, databaseUrl: ":memory:" });
  return createApp({ config, store, ...readSide(config, database, Date.now), logger, sdk, dashboard } satisfies AppDeps);
}

/** Headers carrying the admin token (ADMIN_TOKEN unless another is given). */
export function bearer(token: string = ADMIN_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export type TestApp = Awaited<ReturnType<typeof buildApp>>;

/** Sends a request to the in-process app. The host must look real: Elysia reads the path at a fixed offset. */
export function send(app: TestApp["app"], path: string, init: RequestInit = {}): Promise<Response> {
  return app.handle(new Request(`http://localhost${path}`, init));
}

export function postJson(app: TestApp["app"], path: string, body: unknown, contentType = "application/json") {
  return send(app, path, {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
