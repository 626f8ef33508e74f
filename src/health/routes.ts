import { Elysia, t } from "elysia";
import type { EventStore } from "../db/interfaces";
import { success } from "../http/openapi";

export function healthRoutes(store: EventStore) {
  return new Elysia({ name: "health" }).get(
    "/health",
    async ({ status }) =>
      (await store.ping()) ? status(200, { status: "ok" as const }) : status(503, { status: "unavailable" as const }),
    {
      response: { 200: t.Object({ status: t.Literal("ok") }), 503: t.Object({ status: t.Literal("unavailable") }) },
      detail: {
        tags: ["Operations"],
        summary: "Liveness and database check",
        description: "200 when the database answers, 503 otherwise.",
        security: [],
        responses: {
          200: success("The database answers.", { status: "ok" }),
          503: success("The database does not answer.", { status: "unavailable" }),
        },
      },
    },
  );
}
