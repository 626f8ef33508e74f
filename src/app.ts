import { cors } from "@elysiajs/cors";
import { Elysia } from "elysia";
import type { Config } from "./config";
import type { EventStore } from "./db/store";
import { batchRoutes } from "./events/batch-routes";
import { eventRoutes } from "./events/routes";
import { healthRoutes } from "./health/routes";
import { apiDocs } from "./http/docs";
import { errorHandling } from "./http/error-handler";
import type { Logger } from "./logger";
import type { SdkBundle } from "./sdk/bundle";
import { sdkRoutes } from "./sdk/routes";

export interface AppDeps {
  config: Pick<Config, "corsOrigins" | "maxBodyBytes" | "maxBatchEvents">;
  store: EventStore;
  logger: Logger;
  sdk: SdkBundle;
}

/** Builds the whole HTTP app from injected config and store; tests build one per case. */
export function createApp({ config, store, logger, sdk }: AppDeps) {
  // normalize: false makes validation strict: the default normaliser turns an array payload
  // into {"0": ...} and null into {}, instead of rejecting them.
  return new Elysia({ normalize: false })
    .use(errorHandling(logger))
    .use(
      cors({
        // A predicate rather than `true`: the plugin then sends `Vary: Origin` instead of
        // `Vary: *`, which would make every response (the SDK script too) uncacheable.
        origin: config.corsOrigins === "*" ? () => true : config.corsOrigins,
        credentials: false,
        methods: ["GET", "POST", "OPTIONS"],
        allowedHeaders: ["content-type", "x-request-id"],
        exposeHeaders: ["x-request-id", "retry-after"],
        maxAge: 86400,
      }),
    )
    .use(apiDocs())
    .use(healthRoutes(store))
    .use(eventRoutes({ config, store, logger }))
    .use(batchRoutes({ config, store, logger }))
    .use(sdkRoutes(sdk));
}

export type App = ReturnType<typeof createApp>;
