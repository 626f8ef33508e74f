import { Elysia } from "elysia";
import { adminSecurity, requireAdmin } from "../auth/admin-token";
import type { EventReader } from "../db/interfaces";
import { errorEnvelope } from "../http/errors";
import { ADMIN_FAILURES, FAILURES, READ_BUSY, success } from "../http/openapi";
import { MAX_BUCKETS, statsQuery, statsResponse } from "./model";
import { eventStats } from "./service";
import { MAX_TOP_VALUES, topQuery, topResponse } from "./top-model";
import { topValues } from "./top-service";

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
      response: { 200: statsResponse, 401: errorEnvelope, 403: errorEnvelope, 422: errorEnvelope, 503: errorEnvelope },
      detail: {
        tags: ["Read"],
        security: adminSecurity,
        summary: "Event counts per time bucket and type",
        description:
          "Counts events in [from, to) per UTC bucket (minute, hour or day) and event type; buckets without events " +
          `are left out. At most ${MAX_BUCKETS} buckets per query (422 \`too_many_buckets\` beyond); a range that ` +
          "ends before it starts is a 422. With no field filled in it counts the last 24 hours per hour. `sessions` is the " +
          "number of distinct session_ids among a bucket's events of that type. Whole hour and day buckets are read from " +
          "rollups kept at ingest; minute buckets and buckets cut by from/to from the events. Needs the admin token.",
        responses: {
          200: success("Counts and distinct sessions per bucket and type, and totals per type.", {
            from: "2024-05-01T00:00:00.000Z",
            to: "2024-05-02T00:00:00.000Z",
            bucket: "hour",
            series: [{ bucket_start: "2024-05-01T09:00:00.000Z", event_type: "card_click", count: 42, sessions: 17 }],
            totals: { card_click: 42, sage_query: 0, filter_change: 0 },
          }),
          ...ADMIN_FAILURES,
          422: FAILURES[422],
          503: READ_BUSY,
        },
      },
    })
    .get("/stats/top", ({ query }) => topValues(reader, query, now()), {
      query: topQuery,
      response: { 200: topResponse, 401: errorEnvelope, 403: errorEnvelope, 422: errorEnvelope },
      detail: {
        tags: ["Read"],
        security: adminSecurity,
        summary: "Most frequent values of one property of one event type",
        description:
          "Counts the values of one payload property (`property`, e.g. card_id of card_click, query of sage_query, " +
          "filter of filter_change) over the events of `event_type` in [from, to), optionally of one session, with the " +
          `distinct sessions behind each value; most frequent first, at most \`limit\` (1 to ${MAX_TOP_VALUES}) values. ` +
          "Events without the property are not counted. Needs the admin token.",
        responses: {
          200: success("The most frequent values, with their events and distinct sessions.", {
            event_type: "card_click",
            property: "card_id",
            column: null,
            from: "2024-05-01T00:00:00.000Z",
            to: "2024-05-02T00:00:00.000Z",
            values: [
              { value: "c_123", count: 42, sessions: 17 },
              { value: "c_7", count: 9, sessions: 9 },
            ],
          }),
          ...ADMIN_FAILURES,
          422: FAILURES[422],
        },
      },
    });
}
