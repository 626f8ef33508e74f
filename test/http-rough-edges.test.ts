import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, bearer, buildApp, postJson, send, type TestApp } from "./support/app";
import { expectEnvelope } from "./support/envelope";
import { settle } from "./support/events";

let ctx: TestApp;
beforeAll(async () => {
  ctx = await buildApp(undefined, { ADMIN_TOKEN });
});
afterAll(async () => {
  await ctx.close();
});

describe("a known path with a method it does not answer is a 405 with Allow", () => {
  test("DELETE /api/events: 405 in the envelope, Allow lists what the path answers", async () => {
    const response = await send(ctx.app, "/api/events", { method: "DELETE" });
    expect(response.headers.get("allow")).toBe("GET, HEAD, OPTIONS, POST");
    const body = await expectEnvelope(response, 405, "method_not_allowed");
    expect(body.message).toBe("DELETE is not allowed on /api/events; it answers GET, HEAD, OPTIONS, POST.");
  });

  test("GET on the batch endpoint and POST on a read endpoint name their one method", async () => {
    const batch = await send(ctx.app, "/api/events/batch");
    expect(batch.headers.get("allow")).toBe("OPTIONS, POST");
    await expectEnvelope(batch, 405, "method_not_allowed");
    const stats = await send(ctx.app, "/api/stats/events", { method: "POST" });
    expect(stats.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    await expectEnvelope(stats, 405, "method_not_allowed");
  });

  test("the metrics time a 405 as a 405, as it was answered", async () => {
    await send(ctx.app, "/api/events", { method: "PATCH" });
    await settle(); // onAfterResponse runs after the answer
    const metrics = await (await send(ctx.app, "/metrics", { headers: bearer() })).text();
    expect(metrics).toMatch(/event_ingest_http_request_duration_seconds_count\{[^}]*method="PATCH"[^}]*status="405"[^}]*\} 1/);
  });

  test("a path parameter route counts as known: PUT /swagger/assets/x is a 405", async () => {
    const response = await send(ctx.app, "/swagger/assets/swagger-ui.css", { method: "PUT" });
    await expectEnvelope(response, 405, "method_not_allowed");
  });

  test("an unknown path stays a 404, whatever the method; HEAD of a GET route is answered", async () => {
    for (const method of ["GET", "PUT"]) {
      const response = await send(ctx.app, "/api/nothing-here", { method });
      expect(response.headers.get("allow")).toBeNull();
      await expectEnvelope(response, 404, "not_found");
    }
    expect((await send(ctx.app, "/health", { method: "HEAD" })).status).toBe(200);
  });
});

describe("every failing query parameter is listed", () => {
  const paths = async (query: string) => {
    const body = await expectEnvelope(await send(ctx.app, query, { headers: bearer() }), 422, "validation_failed");
    return body.details.map((detail) => detail.path).sort();
  };

  test("stats: an unknown parameter, two bad times, a bad bucket and a bad event type, all at once", async () => {
    expect(await paths("/api/stats/events?nope=1&from=yesterday&to=2024-02-30&bucket=week&event_type=hover")).toEqual(
      ["/bucket", "/event_type", "/from", "/nope", "/to"],
    );
  });

  test("listing: empty session_id, bad limit, forged cursor, bad time and bad event type, all at once", async () => {
    expect(await paths("/api/events?session_id=&limit=0&cursor=nonsense&from=x&event_type=card_click,hover")).toEqual(
      ["/cursor", "/event_type", "/from", "/limit", "/session_id"],
    );
  });

  test("a bad event type alone names event_type, not an index", async () => {
    expect(await paths("/api/events/export?event_type=card_click&event_type=hover")).toEqual(["/event_type"]);
  });
});

describe("messages are plain English", () => {
  test("no '1 characters', no 'item(s)'", async () => {
    const empty = await expectEnvelope(await postJson(ctx.app, "/api/events", { session_id: "", event_type: "card_click" }), 422, "validation_failed");
    expect(empty.details).toEqual([{ path: "/session_id", message: "must not be empty" }]);
    const tooMany = await expectEnvelope(
      await postJson(ctx.app, "/api/events/batch", { batch: Array.from({ length: 501 }, () => ({ session_id: "s", event_type: "card_click" })) }),
      422,
      "validation_failed",
    );
    expect(tooMany.details).toEqual([{ path: "/batch", message: "must hold at most 500 items" }]);
  });
});

describe("GET / is a small JSON index of links", () => {
  test("every link answers on this server", async () => {
    const response = await send(ctx.app, "/");
    expect(response.status).toBe(200);
    const index = (await response.json()) as { service: string; links: { name: string; href: string }[] };
    expect(index.service).toBe("event-ingest");
    expect(index.links.map((link) => link.name)).toEqual(expect.arrayContaining(["API", "Swagger UI", "example page"]));
    for (const link of index.links.filter((link) => link.name !== "API")) {
      expect({ link: link.href, status: (await send(ctx.app, link.href)).status }).toEqual({ link: link.href, status: 200 });
    }
  });
});
