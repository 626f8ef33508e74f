import { Elysia } from "elysia";
import { adminSecurity, requireAdmin } from "../auth/admin-token";
import type { EventReader } from "../db/interfaces";
import { errorEnvelope } from "../http/errors";
import { MAX_BUCKETS, statsQuery, statsResponse } from "./model";
import { eventStats } from "./service";

export interface StatsRoutesDeps {
  reader: EventReader;
  adminToken: string | undefined;
  now: () => number;
}

export function statsRoutes({ reader, adminToken, now }: StatsRoutesDeps) {
  return new Elysia({ prefix: "/api" })
    .use(requireAdmin(adminToken))
    .get("/stats/events", ({ query }) => eventStats(reader, query, now()), {
      query: statsQuery,
      response: { 200: statsResponse, 401: errorEnvelope, 403: errorEnvelope, 422: errorEnvelope },
      detail: {
        tags: ["Read"],
        security: adminSecurity,
        summary: "Event counts per time bucket and type",
        description:
          "Counts events in [from, to) per UTC bucket (minute, hour or day) and event type; buckets without events " +
          `are left out. At most ${MAX_BUCKETS} buckets per query (422 \`too_many_buckets\` beyond); a range that ` +
          "ends before it starts is a 422. Served from the (event_type, created_at) index. Needs the admin token.",
      },
    });
}
