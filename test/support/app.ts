import { type AppDeps, createApp } from "../../src/app";
import { type Config, parseConfig } from "../../src/config";
import { SqliteEventStore } from "../../src/db/sqlite";
import { SqliteEventPruner } from "../../src/db/sqlite-pruner";
import { SqliteEventReader } from "../../src/db/sqlite-reader";
import type { EventStore } from "../../src/db/store";
import { createLogger, type Logger } from "../../src/logger";
import { Metrics } from "../../src/metrics/metrics";
import { RetentionJob } from "../../src/retention/job";
import { buildSdk } from "../../src/sdk/bundle";

export const silentLogger = createLogger("silent");

/** The browser client, built once per test process: every app serves the same one. */
export const sdk = await buildSdk();

/** A 32+ character admin token for tests of the read side. */
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123456789";

export interface BuildOptions {
  /** Clock for rate limits, retention cutoffs and default time ranges. */
  now?: () => number;
}

/** The read side (and whatever else createApp needs besides the store) over a SQLite store. */
function readSide(config: Config, store: SqliteEventStore, now: () => number) {
  const reader = SqliteEventReader.open(config, store);
  const pruner = SqliteEventPruner.open(config, store);
  const retention = new RetentionJob({
    pruner,
    retentionDays: config.retentionDays,
    intervalMs: config.retentionIntervalMinutes * 60_000,
    logger: silentLogger,
    now,
    pauseMs: 0,
  });
  const metrics = new Metrics({ writePath: store, databaseFile: config.databaseUrl === ":memory:" ? undefined : config.databaseUrl });
  return { reader, pruner, retention, metrics };
}

/** A fresh app on its own in-memory database (unless DATABASE_URL says otherwise); the config is the defaults plus `env`. */
export async function buildApp(env: Record<string, string> = {}, { now = Date.now }: BuildOptions = {}) {
  const config: Config = parseConfig({ DATABASE_URL: ":memory:", ...env });
  const store = await SqliteEventStore.open(config);
  const deps = readSide(config, store, now);
  const app = createApp({ config, store, ...deps, logger: silentLogger, sdk, now });
  return { app, store, config, ...deps };
}

/**
 * createApp around a store of the test's choosing (a double, a closed or locked one) and its
 * logger. The read side reads that store's database, or an empty one of its own for a double.
 */
export async function appWith({ config, store, logger = silentLogger }: { config: Config; store: EventStore; logger?: Logger }) {
  const database = store instanceof SqliteEventStore ? store : await SqliteEventStore.open({ ...config, databaseUrl: ":memory:" });
  return createApp({ config, store, ...readSide(config, database, Date.now), logger, sdk } satisfies AppDeps);
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

export function rowCount(store: SqliteEventStore): number {
  return store.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM user_events").get()!.n;
}
