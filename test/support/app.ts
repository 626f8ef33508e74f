import { createApp } from "../../src/app";
import { type Config, parseConfig } from "../../src/config";
import { openStore } from "../../src/db/open-store";
import { createLogger, type Logger } from "../../src/logger";
import { buildSdk } from "../../src/sdk/bundle";
import { backends, type TestBackend } from "./backends";

export const silentLogger = createLogger("silent");

/** The browser client, built once per test process: every app serves the same one. */
export const sdk = await buildSdk();

/**
 * A fresh app on a fresh database of `backend` (SQLite unless given); the config is the
 * defaults plus `env`. `db` looks into the database; `close()` stops the store and drops it.
 */
export async function buildApp(backend: TestBackend = backends[0]!, env: Record<string, string> = {}, logger: Logger = silentLogger) {
  const db = await backend.database();
  const config: Config = parseConfig({ ...db.env, ...env });
  const store = await openStore(config);
  const app = createApp({ config, store, logger, sdk });
  const close = async () => {
    await store.close();
    await db.drop();
  };
  return { app, store, config, db, close };
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
