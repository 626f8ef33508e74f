import { Elysia } from "elysia";
import { adminSecurity, requireAdmin } from "../auth/admin-token";
import type { EventReader } from "../db/interfaces";
import { errorEnvelope } from "../http/errors";
import { ADMIN_FAILURES, FAILURES, READ_BUSY, success } from "../http/openapi";
import { parseEventFilter } from "../query/event-filter";
import { decodeCursor, encodeCursor } from "./cursor";
import { listExample, listQuery, listResponse, parseLimit, toApiEvent } from "./model";

export interface ListingRoutesDeps {
  reader: EventReader;
  adminToken: string | undefined;
}

export function listingRoutes({ reader, adminToken }: ListingRoutesDeps) {
  return new Elysia({ prefix: "/api" })
    .use(requireAdmin(adminToken))
    .get(
      "/events",
      async ({ query }) => {
        const filter = parseEventFilter(query);
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        const limit = parseLimit(query.limit);
        // One extra row tells whether another page exists, so the last page says so itself.
        const rows = await reader.listNewestFirst(filter, after, limit + 1);
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          events: page.map(toApiEvent),
          next_cursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt.getTime(), id: last.id }) : null,
        };
      },
      {
        query: listQuery,
        response: { 200: listResponse, 401: errorEnvelope, 403: errorEnvelope, 422: errorEnvelope, 503: errorEnvelope },
        detail: {
          tags: ["Read"],
          security: adminSecurity,
          summary: "List stored events, newest first",
          description:
            "Keyset pagination: follow `next_cursor` until it is null. Each event appears exactly once across the pages, " +
            "even while new events arrive (those are newer than the first page and are not included). With no filter it lists " +
            "every stored event. Needs the admin token.",
          responses: { 200: success("One page of events, newest first.", listExample), ...ADMIN_FAILURES, 422: FAILURES[422], 503: READ_BUSY },
        },
      },
    );
}
