import { Elysia, t } from "elysia";
import type { EventStore } from "../db/interfaces";
import { STORAGE_FAILURE_REASONS } from "../db/write-health";
import { success } from "../http/openapi";

const unavailable = t.Object({
  status: t.Literal("unavailable"),
  reason: t.UnionEnum([...STORAGE_FAILURE_REASONS, "closed"] as const, {
    description:
      "storage_full: the disk is full; read_only: the database refuses writes; unreachable: the database server does not answer; writer_stopped: the commit thread stopped (restart); commit_failing: commits fail for another reason; closed: shutting down.",
  }),
});

export function healthRoutes(store: EventStore) {
  return new Elysia({ name: "health" }).get(
    "/health",
    async ({ status }) => {
      const health = await store.health();
      return health.status === "ok" ? status(200, health) : status(503, health);
    },
    {
      response: { 200: t.Object({ status: t.Literal("ok") }), 503: unavailable },
      detail: {
        tags: ["Operations"],
        summary: "Whether events can be stored now",
        description:
          "200 while commits succeed. 503 with a reason while they fail (the last commit failed, or a probe write after a quiet spell did); it turns 200 again by itself once a commit or a probe succeeds, without a restart.",
        security: [],
        responses: {
          200: success("Events can be committed.", { status: "ok" }),
          503: success("Commits fail; the reason says why.", { status: "unavailable", reason: "storage_full" }),
        },
      },
    },
  );
}
