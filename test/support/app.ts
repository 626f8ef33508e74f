import { createApp } from "../../src/app";
import { type Config, parseConfig } from "../../src/config";
import { SqliteEventStore } from "../../src/db/sqlite";
import { createLogger } from "../../src/logger";
import { buildSdk } from "../../src/sdk/bundle";

export const silentLogger = createLogger("silent");

/** The browser client, built once per test process: every app serves the same one. */
export const sdk = await buildSdk();

/** A fresh app on its own in-memory database; the config is the defaults plus `env`. */
export async function buildApp(env: Record<string, string> = {}) {
  const config: Config = parseConfig({ DATABASE_URL: ":memory:", ...env });
  const store = await SqliteEventStore.open(config);
  const app = createApp({ config, store, logger: silentLogger, sdk });
  return { app, store, config };
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
