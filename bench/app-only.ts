/**
 * The service's HTTP layer alone: the real app (CORS, request ids, body limit, validation, error
 * envelope) over a store that keeps nothing. It sits between the bare Bun.serve ceiling and the
 * service in the benchmark table, to show how much of the gap is the framework and how much is storage.
 */
import { createApp } from "../src/app";
import { parseConfig } from "../src/config";
import type { EventStore } from "../src/db/store";
import { createLogger } from "../src/logger";

const discard: EventStore = { append: async () => undefined, ping: async () => true, close: async () => undefined };
const config = parseConfig(process.env);
const app = createApp({ config, store: discard, logger: createLogger(config.logLevel) }).listen({
  hostname: "127.0.0.1",
  port: config.port,
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
});
process.stdout.write(`listening on ${app.server?.port}\n`);
process.on("SIGTERM", () => {
  void app.stop().then(() => process.exit(0));
});
