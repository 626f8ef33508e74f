import { createApp } from "./app";
import { type Config, ConfigError, parseConfig } from "./config";
import { UnsafeSchemaChangeError } from "./db/errors";
import { describeDatabase, openDatabase } from "./db/open";
import packageJson from "../package.json";
import { StorageFailureLog } from "./health/failure-log";
import { baseUrl, PAGES } from "./http/links";
import { FEW_OPEN_FILES, listenFailure, openFileLimit, probeListen } from "./http/listen";
import { createLogger, redactCredentials } from "./logger";
import { Metrics } from "./metrics/metrics";
import { RetentionJob } from "./retention/job";
import { RollupBackfillJob } from "./rollups/backfill-job";
import { buildDashboard } from "./dashboard/bundle";
import { buildSdk } from "./sdk/bundle";

function fail(message: string): never {
  process.stderr.write(`event-ingest: ${redactCredentials(message)}\n`);
  process.exit(1);
}

function loadConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

async function openDatabaseOrExit(config: Config) {
  try {
    return await openDatabase(config);
  } catch (error) {
    if (error instanceof UnsafeSchemaChangeError) {
      fail(`${error.message}\nBack up the database and apply the change by hand, or run the version that matches it.`);
    }
    fail(`cannot open database ${describeDatabase(config.databaseUrl)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A few human-readable lines: where everything is. The effective config and the DDL are debug. */
function logStartup(port: number): void {
  const base = baseUrl(config.host, port);
  logger.info(`${packageJson.name} ${packageJson.version} listening on ${base}`);
  for (const page of PAGES) logger.info(`${page.name.padEnd(17)} ${base}${page.path}`);
  const changes = database.pushed.statements.length;
  logger.info(`database          ${describeDatabase(config.databaseUrl)} (${changes === 0 ? "schema up to date" : `${changes} schema changes applied`})`);
  logger.info(config.adminToken ? "read endpoints    on (ADMIN_TOKEN is set)" : "read endpoints    off: set ADMIN_TOKEN to turn them on");
  logger.debug(
    {
      config: { ...config, databaseUrl: describeDatabase(config.databaseUrl), port, adminToken: config.adminToken ? "(set)" : "(unset: read endpoints off)" },
      schemaChanges: database.pushed.statements,
    },
    "effective configuration and the schema changes applied",
  );
}

/** The browser bundles (SDK and dashboard), built from source at start-up. */
async function buildBrowserBundles() {
  try {
    const [sdk, dashboard] = await Promise.all([buildSdk(), buildDashboard()]);
    return { sdk, dashboard };
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

const config = loadConfig();
const logger = createLogger(config.logLevel, config.logFormat ?? (process.stdout.isTTY ? "pretty" : "json"));
const { sdk, dashboard } = await buildBrowserBundles();
await probeListen(config.host, config.port).catch((error) => fail(listenFailure(error, config.host, config.port)));
const database = await openDatabaseOrExit(config);
const { store, reader, pruner } = database;
const retention = new RetentionJob({ pruner, retentionDays: config.retentionDays, intervalMs: config.retentionIntervalMinutes * 60_000, logger });
const metrics = new Metrics({ databaseFile: database.databaseFile });
const failureLog = new StorageFailureLog(logger);
store.onStorageEvent(failureLog.record);
const backfill = new RollupBackfillJob({ backfiller: database.rollups, logger });

function listenOrExit() {
  try {
    return createApp({ config, store, reader, retention, metrics, logger, sdk, dashboard }).listen({
      port: config.port,
      hostname: config.host,
      // Elysia's default shares the port with any other process that asks (SO_REUSEPORT): a
      // second server would then silently split the events between two databases.
      reusePort: false,
      // Bun's own cap answers a bare 413 without our envelope; the body reader enforces
      // MAX_BODY_BYTES while streaming, so nothing over the limit is buffered either way.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    });
  } catch (error) {
    fail(listenFailure(error, config.host, config.port));
  }
}
const app = listenOrExit();

logStartup(app.server?.port ?? config.port);
const openFiles = openFileLimit();
if (openFiles !== undefined && openFiles < FEW_OPEN_FILES) {
  logger.warn({ openFiles }, `the open-file limit is ${openFiles}: past about that many connections new clients stall; raise it with \`ulimit -n 65536\` (or LimitNOFILE in systemd)`);
}
retention.start();
backfill.start();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: finishing in-flight requests");
  const deadline = setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out; exiting");
    process.exit(1);
  }, config.shutdownTimeoutMs);
  await retention.stop();
  await backfill.stop();
  await app.stop();
  await database.close();
  failureLog.close();
  clearTimeout(deadline);
  logger.info({ writePath: store.stats() }, "stopped cleanly");
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
