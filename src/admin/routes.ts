import { Elysia, t } from "elysia";
import { adminSecurity, requireAdmin } from "../auth/admin-token";
import { errorEnvelope, HttpError } from "../http/errors";
import { ADMIN_FAILURES, failure, success } from "../http/openapi";
import type { RetentionJob } from "../retention/job";

export interface AdminRoutesDeps {
  retention: RetentionJob;
  adminToken: string | undefined;
}

const purgeResponse = t.Object({
  deleted: t.Integer({ minimum: 0, description: "Events deleted by this run (or by the run it joined)." }),
  cutoff: t.String({ format: "date-time", description: "Events created before this instant were deleted." }),
  retention_days: t.Integer({ minimum: 1 }),
});

export function adminRoutes({ retention, adminToken }: AdminRoutesDeps) {
  return new Elysia({ prefix: "/api/admin" })
    .use(requireAdmin(adminToken))
    .post(
      "/purge",
      async () => {
        if (retention.retentionDays === undefined) {
          throw new HttpError(409, "retention_disabled", "Retention is off: set RETENTION_DAYS to the number of days to keep, then restart.");
        }
        const run = await retention.run();
        return { deleted: run.deleted, cutoff: run.cutoff.toISOString(), retention_days: retention.retentionDays };
      },
      {
        response: { 200: purgeResponse, 401: errorEnvelope, 403: errorEnvelope, 409: errorEnvelope },
        detail: {
          tags: ["Admin"],
          security: adminSecurity,
          summary: "Apply the retention period now",
          description:
            "Deletes events older than RETENTION_DAYS, in small chunks, as the background job does at start-up and every " +
            "RETENTION_INTERVAL_MINUTES; joins a run already in progress. 409 when RETENTION_DAYS is unset. Needs the admin token.",
          responses: {
            200: success("The run finished.", { deleted: 1234, cutoff: "2024-02-01T09:00:00.000Z", retention_days: 90 }),
            ...ADMIN_FAILURES,
            409: failure("RETENTION_DAYS is unset, so there is nothing to apply.", {
              retention_disabled: { message: "Retention is off: set RETENTION_DAYS to the number of days to keep, then restart." },
            }),
          },
        },
      },
    );
}
