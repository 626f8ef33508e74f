import { Elysia } from "elysia";
import type { EventStore, WritePathGauges } from "../db/interfaces";
import { classifyError } from "../http/error-classification";
import { allowedMethods, appRoutes } from "../http/routes-table";
import { countingAcceptedEvents } from "./counting-store";
import type { Metrics } from "./metrics";

export interface InstrumentOptions {
  metrics: Metrics;
  /** The store the routes write to; its queue depth and commit sizes are watched where it exposes them. */
  store: EventStore & Partial<WritePathGauges>;
  /** Whether a request reached an ingest route (src/events/ingest-routes.ts). */
  isIngest: (request: Request) => boolean;
}

/**
 * The one place metrics are wired to the app: accepted events counted by the store they go
 * through, the write path's queue and commits watched, and every request timed, with refused
 * ingest requests counted by the reason classifyError gives, as the error handler answers.
 * The plugin must be used before the error handler: its onError only notes the failure.
 */
export function instrument({ metrics, store, isIngest }: InstrumentOptions) {
  if (exposesWritePath(store)) metrics.watchWritePath(store);
  const started = new WeakMap<Request, number>();
  const failures = new WeakMap<Request, { code: unknown; error: unknown }>();
  const plugin = new Elysia()
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onError({ as: "global" }, ({ request, code, error }) => {
      failures.set(request, { code, error });
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      const start = started.get(request);
      const failure = failures.get(request);
      const allow = () => allowedMethods(appRoutes(plugin), new URL(request.url).pathname);
      const refused = failure ? classifyError(failure.code, failure.error, allow) : undefined;
      const status = refused ? refused.status : Number(set.status ?? 200);
      // Requests refused before routing (404) have no route; the label set stays bounded.
      const label = route || "unmatched";
      if (start !== undefined) {
        metrics.httpDuration.observe({ method: request.method, route: label, status: String(status) }, (performance.now() - start) / 1000);
      }
      if (refused && isIngest(request)) metrics.eventsRejected.inc({ reason: refused.reason });
    });
  return { store: countingAcceptedEvents(store, metrics), plugin };
}

function exposesWritePath(store: EventStore & Partial<WritePathGauges>): store is EventStore & WritePathGauges {
  return typeof store.queuedEvents === "function" && typeof store.onCommit === "function" && typeof store.onStorageEvent === "function";
}
