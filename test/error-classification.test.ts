import { describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import type { EventStore } from "../src/db/interfaces";
import { StoreBusyError, StoreOverloadedError, StoreUnavailableError } from "../src/db/errors";
import { EVENT_TYPES } from "../src/events/model";
import { classifyError } from "../src/http/error-classification";
import { HttpError } from "../src/http/errors";
import { RateLimitedError } from "../src/ratelimit/limiter";
import { appWith, postJson, send } from "./support/app";
import { expectEnvelope } from "./support/envelope";
import { settle } from "./support/events";

const EVENT = { session_id: "s", event_type: EVENT_TYPES[0] };
const config = parseConfig({ DATABASE_URL: ":memory:", METRICS_PUBLIC: "true" });

function storeFailingWith(error: Error): EventStore {
  return { append: () => Promise.reject(error), health: async () => ({ status: "ok" }), close: async () => {} };
}

async function scrape(app: Awaited<ReturnType<typeof appWith>>): Promise<string> {
  await settle();
  return (await send(app, "/metrics")).text();
}

describe("one classification: every failure has one status and reason", () => {
  const cases: [string, string, unknown, number, string][] = [
    ["an HttpError", "UNKNOWN", new HttpError(415, "unsupported_media_type", "x"), 415, "unsupported_media_type"],
    ["an HttpError a body parser threw", "PARSE", new Error("parse", { cause: new HttpError(413, "payload_too_large", "x") }), 413, "payload_too_large"],
    ["a rate limit", "UNKNOWN", new RateLimitedError(3), 429, "rate_limited"],
    ["a full write queue", "UNKNOWN", new StoreOverloadedError(10), 503, "overloaded"],
    ["a failed commit", "UNKNOWN", new StoreUnavailableError("disk"), 503, "storage_unavailable"],
    ["a full read queue", "UNKNOWN", new StoreBusyError(16), 503, "busy"],
    ["a schema failure", "VALIDATION", new Error("v"), 422, "validation_failed"],
    ["an unknown route", "NOT_FOUND", new Error("n"), 404, "not_found"],
    ["an unparseable body", "PARSE", new Error("p"), 400, "malformed_body"],
    ["anything else", "UNKNOWN", new Error("bug"), 500, "internal_error"],
  ];
  for (const [label, code, error, status, reason] of cases) {
    test(`${label}: ${status} ${reason}`, () => {
      expect(classifyError(code, error)).toEqual({ status, reason });
    });
  }

  test("a known path asked with another method: 405 method_not_allowed", () => {
    expect(classifyError("NOT_FOUND", new Error("n"), () => ["GET", "POST"])).toEqual({ status: 405, reason: "method_not_allowed" });
  });
});

describe("the metrics count a refusal exactly as the error handler answers it", () => {
  for (const [error, reason] of [
    [new StoreOverloadedError(10), "overloaded"],
    [new StoreUnavailableError("disk full"), "storage_unavailable"],
  ] as const) {
    test(`503 ${reason}: the envelope, the rejection reason and the duration's status label agree`, async () => {
      const app = await appWith({ config, store: storeFailingWith(error) });
      const response = await postJson(app, "/api/events", EVENT);
      await expectEnvelope(response, 503, reason);
      expect(response.headers.get("retry-after")).toBe("1");
      const text = await scrape(app);
      expect(text).toContain(`event_ingest_events_rejected_total{reason="${reason}"} 1`);
      expect(text).not.toContain('reason="internal_error"');
      expect(text).toContain('event_ingest_http_request_duration_seconds_count{method="POST",route="/api/events",status="503"} 1');
      expect(text).not.toContain('status="500"');
    });
  }
});

describe("ingest routes are the ones declared `ingest: true`", () => {
  test("a rate-limited request is counted under its route, before its body is read", async () => {
    const limited = parseConfig({ DATABASE_URL: ":memory:", METRICS_PUBLIC: "true", RATE_LIMIT_PER_MINUTE: "1", RATE_LIMIT_BURST: "1" });
    const app = await appWith({ config: limited, store: { append: async (events) => ({ inserted: events.length, duplicates: 0 }), health: async () => ({ status: "ok" }), close: async () => {} } });
    expect((await postJson(app, "/api/events/batch", { batch: [EVENT] })).status).toBe(202);
    // Not even valid JSON: refused by the limiter, which runs before the body is read.
    await expectEnvelope(await postJson(app, "/api/events/", "{not json"), 429, "rate_limited");
    const text = await scrape(app);
    expect(text).toContain('event_ingest_events_rejected_total{reason="rate_limited"} 1');
    expect(text).toContain('event_ingest_http_request_duration_seconds_count{method="POST",route="/api/events",status="429"} 1');
  });

  test("failures elsewhere are timed but not counted as rejected events", async () => {
    const app = await appWith({ config, store: storeFailingWith(new Error("unused")) });
    await expectEnvelope(await send(app, "/api/events"), 403, "admin_disabled");
    await expectEnvelope(await send(app, "/no/such/route", { method: "POST", body: "{}" }), 404, "not_found");
    const text = await scrape(app);
    expect(text).not.toContain("event_ingest_events_rejected_total{");
    expect(text).toContain('route="unmatched",status="404"} 1');
    expect(text).toContain('route="/api/events",status="403"} 1');
  });
});
