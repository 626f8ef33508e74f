import { cors } from "@elysiajs/cors";
import { type AnyElysia, Elysia } from "elysia";
import { adminRoutes } from "./admin/routes";
import type { Config } from "./config";
import type { EventReader, EventStore, WritePathGauges } from "./db/interfaces";
import { batchRoutes } from "./events/batch-routes";
import { createIngest } from "./events/ingest";
import { ingestRoutes as declareIngestRoutes } from "./events/ingest-routes";
import { eventRoutes } from "./events/routes";
import { exportRoutes } from "./export/routes";
import { healthRoutes } from "./health/routes";
import { apiDocs } from "./http/docs";
import { errorHandling, requestIds } from "./http/error-handler";
import { indexRoute } from "./http/links";
import { listingRoutes } from "./listing/routes";
import type { Logger } from "./logger";
import { instrument } from "./metrics/instrument";
import type { DashboardBundle } from "./dashboard/bundle";
import { dashboardRoutes } from "./dashboard/routes";
import type { Metrics } from "./metrics/metrics";
import { metricsRoutes } from "./metrics/routes";
import type { RetentionJob } from "./retention/job";
import type { SdkBundle } from "./sdk/bundle";
import { sdkRoutes } from "./sdk/routes";
import { statsRoutes } from "./stats/routes";

export interface AppDeps {
  config: Pick<
    Config,
    | "corsOrigins"
    | "maxBodyBytes"
    | "maxBodyBytesInFlight"
    | "bodyReadTimeoutMs"
    | "maxBatchEvents"
    | "adminToken"
    | "metricsPublic"
    | "rateLimitPerMinute"
    | "rateLimitBurst"
    | "trustProxy"
    | "payloadSchema"
    | "botFilter"
    | "storeUserAgent"
  >;
  /** Where events are written; its queue depth and commit sizes reach /metrics where it exposes them. */
  store: EventStore & Partial<WritePathGauges>;
  reader: EventReader;
  retention: RetentionJob;
  metrics: Metrics;
  logger: Logger;
  sdk: SdkBundle;
  dashboard: DashboardBundle;
  /** Clock for rate limits and default time ranges; tests inject one. */
  now?: () => number;
  /**
   * Benchmarks only (bench/hooks.ts): per-request hooks left out, to measure what each one
   * costs. src/index.ts never sets it, and no environment variable reaches it.
   */
  withoutHooks?: readonly PerRequestHook[];
}

/** The per-request hooks a benchmark may leave out; the rate limit is switched by its own config. */
export type PerRequestHook = "metrics" | "cors" | "request-id" | "error-handling";

/** Builds the whole HTTP app from injected config and store; tests build one per case. */
export function createApp({ config, store: rawStore, reader, retention, metrics, logger, sdk, dashboard, now = Date.now, withoutHooks = [] }: AppDeps) {
  const ingestRoutes = declareIngestRoutes({ config, now });
  const left = (hook: PerRequestHook) => !withoutHooks.includes(hook);
  const { store, plugin: measured } = left("metrics")
    ? instrument({ metrics, store: rawStore })
    : { store: rawStore, plugin: new Elysia({ name: "metrics-left-out" }) };
  const { adminToken } = config;
  const ingest = createIngest({ config, store, metrics });
  // normalize: false makes validation strict: the default normaliser turns an array payload
  // into {"0": ...} and null into {}, instead of rejecting them.
  return new Elysia({ normalize: false })
    .use(measured)
    .use(unless(!left("request-id"), requestIds()))
    .use(unless(!left("error-handling"), errorHandling(logger)))
    .use(
      unless(!left("cors"), cors({
        // A predicate rather than `true`: the plugin then sends `Vary: Origin` instead of
        // `Vary: *`, which would make every response (the SDK script too) uncacheable.
        origin: config.corsOrigins === "*" ? () => true : config.corsOrigins,
        credentials: false,
        methods: ["GET", "POST", "OPTIONS"],
        allowedHeaders: ["content-type", "x-request-id", "authorization"],
        exposeHeaders: ["x-request-id", "retry-after", "content-disposition"],
        maxAge: 86400,
      })),
    )
    .use(apiDocs())
    .use(indexRoute())
    .use(healthRoutes(store))
    .use(eventRoutes({ config, ingest, ingestRoutes, logger }))
    .use(batchRoutes({ config, ingest, ingestRoutes, logger }))
    .use(sdkRoutes(sdk))
    .use(dashboardRoutes(dashboard))
    .use(statsRoutes({ reader, adminToken, now }))
    .use(listingRoutes({ reader, adminToken }))
    .use(exportRoutes({ reader, adminToken, logger, now }))
    .use(adminRoutes({ retention, adminToken }))
    .use(metricsRoutes({ metrics, adminToken, open: config.metricsPublic }));
}

export type App = ReturnType<typeof createApp>;

/**
 * `plugin`, or in its place a plugin that does nothing (a benchmark's withoutHooks). Typed as
 * `plugin` so the app's type, which Eden clients read, is the same either way.
 */
function unless<Plugin extends AnyElysia>(leftOut: boolean, plugin: Plugin): Plugin {
  return leftOut ? (new Elysia() as unknown as Plugin) : plugin;
}
