import { Elysia, t } from "elysia";
import { adminSecurity, requireAdmin } from "../auth/admin-token";
import { errorEnvelope } from "../http/errors";
import { ADMIN_FAILURES, success } from "../http/openapi";
import type { Metrics } from "./metrics";

export interface MetricsRoutesDeps {
  metrics: Metrics;
  adminToken: string | undefined;
  /** METRICS_PUBLIC: serve without the admin token. */
  open: boolean;
}

export function metricsRoutes({ metrics, adminToken, open }: MetricsRoutesDeps) {
  const guarded = new Elysia();
  if (!open) guarded.use(requireAdmin(adminToken));
  return guarded.get(
    "/metrics",
    async () => new Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.registry.contentType } }),
    {
      response: open
        ? { 200: t.String({ description: "Prometheus text exposition format" }) }
        : { 200: t.String({ description: "Prometheus text exposition format" }), 401: errorEnvelope, 403: errorEnvelope },
      detail: {
        tags: ["Operations"],
        security: open ? [] : adminSecurity,
        responses: {
          200: success("The metrics, in Prometheus text format.", "# HELP event_ingest_events_accepted_total ...\n", { mediaTypes: ["text/plain"] }),
          ...(open ? {} : ADMIN_FAILURES),
        },
        summary: "Prometheus metrics",
        description:
          "Events accepted per type and rejected per reason, HTTP duration per route and status, write-queue depth, " +
          "commit batch size, database file size, process metrics. Needs the admin token unless METRICS_PUBLIC=true.",
      },
    },
  );
}
