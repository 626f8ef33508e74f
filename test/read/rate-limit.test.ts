import { afterEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config";
import { clientAddress } from "../../src/ratelimit/client-address";
import { TokenBucketLimiter } from "../../src/ratelimit/token-bucket";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, postJson, send, type TestApp } from "../support/app";
import { settle } from "../support/events";
import { backends } from "../support/backends";

const EVENT = { session_id: "s", event_type: "card_click" };

function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function ingest(app: TestApp["app"], headers: Record<string, string> = {}) {
  return send(app, "/api/events", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(EVENT) });
}

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("ingest is rate limited per client with a token bucket", () => {
      test("a burst beyond the bucket gets 429 with Retry-After and the envelope, and writes nothing", async () => {
        const clock = manualClock();
        const { app, db } = await buildApp(backend, { RATE_LIMIT_PER_MINUTE: "60", RATE_LIMIT_BURST: "5" }, clock);
        const statuses = [];
        for (let i = 0; i < 8; i++) statuses.push((await ingest(app)).status);
        expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
        expect(await db.count()).toBe(5);

        const refused = await ingest(app);
        expect(refused.status).toBe(429);
        expect(refused.headers.get("retry-after")).toBe("1");
        const body = (await refused.json()) as Record<string, unknown>;
        expect(body).toMatchObject({ error: "rate_limited", details: [] });
        expect(body.request_id).toBe(refused.headers.get("x-request-id")!);
        expect(String(body.message)).toContain("retry in 1 s");
      });

      test("recovers as the bucket refills: one request per 60/RATE_LIMIT_PER_MINUTE seconds, then the full burst", async () => {
        const clock = manualClock();
        const { app } = await buildApp(backend, { RATE_LIMIT_PER_MINUTE: "6", RATE_LIMIT_BURST: "3" }, clock);
        for (let i = 0; i < 3; i++) expect((await ingest(app)).status).toBe(202);
        const refused = await ingest(app);
        expect(refused.status).toBe(429);
        expect(refused.headers.get("retry-after")).toBe("10");

        clock.advance(9_999);
        expect((await ingest(app)).status).toBe(429);
        clock.advance(1);
        expect((await ingest(app)).status).toBe(202);
        expect((await ingest(app)).status).toBe(429);

        clock.advance(60_000); // long idle: the bucket is full again, but holds no more than the burst
        for (let i = 0; i < 3; i++) expect((await ingest(app)).status).toBe(202);
        expect((await ingest(app)).status).toBe(429);
      });

      test("refused requests are counted as rejected with reason rate_limited, on the ingest route", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN, RATE_LIMIT_PER_MINUTE: "1", RATE_LIMIT_BURST: "1" }, manualClock());
        for (let i = 0; i < 4; i++) await ingest(app);
        await settle();
        const text = await (await send(app, "/metrics", { headers: bearer() })).text();
        expect(text).toContain('event_ingest_events_rejected_total{reason="rate_limited"} 3');
        expect(text).toContain('event_ingest_http_request_duration_seconds_count{method="POST",route="/api/events",status="429"} 3');
      });

      test("POST /api/events/batch draws on the same bucket, one token per request", async () => {
        const { app, db } = await buildApp(backend, { RATE_LIMIT_PER_MINUTE: "60", RATE_LIMIT_BURST: "2" }, manualClock());
        const batch = { batch: [EVENT, EVENT, EVENT] };
        expect((await postJson(app, "/api/events/batch", batch)).status).toBe(202);
        expect((await ingest(app)).status).toBe(202);
        const refused = await postJson(app, "/api/events/batch", batch);
        expect(refused.status).toBe(429);
        expect(refused.headers.get("retry-after")).toBe("1");
        expect(await db.count()).toBe(4);
      });

      test("only ingest is limited: reads, health and preflights are not", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN, RATE_LIMIT_PER_MINUTE: "1", RATE_LIMIT_BURST: "1" }, manualClock());
        expect((await ingest(app)).status).toBe(202);
        expect((await ingest(app)).status).toBe(429);
        expect((await send(app, "/health")).status).toBe(200);
        expect((await send(app, "/api/events", { headers: bearer() })).status).toBe(200);
        const preflight = await send(app, "/api/events", {
          method: "OPTIONS",
          headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
        });
        expect(preflight.status).toBe(204);
      });

      test("is off by default", async () => {
        const { app } = await buildApp(backend, {}, manualClock());
        for (let i = 0; i < 50; i++) expect((await ingest(app)).status).toBe(202);
      });
    });

    describe("the client address behind proxies", () => {
      test("with TRUST_PROXY, each forwarded client has its own bucket", async () => {
        const { app } = await buildApp(backend, { RATE_LIMIT_PER_MINUTE: "1", RATE_LIMIT_BURST: "1", TRUST_PROXY: "true" }, manualClock());
        expect((await ingest(app, { "x-forwarded-for": "203.0.113.1" })).status).toBe(202);
        expect((await ingest(app, { "x-forwarded-for": "203.0.113.2" })).status).toBe(202);
        expect((await ingest(app, { "x-forwarded-for": "203.0.113.1" })).status).toBe(429);
      });

      test("with TRUST_PROXY, an address the client prepends cannot dodge the limit", async () => {
        const { app } = await buildApp(backend, { RATE_LIMIT_PER_MINUTE: "1", RATE_LIMIT_BURST: "1", TRUST_PROXY: "1" }, manualClock());
        // The proxy appends the address it saw; whatever the client wrote stays to its left.
        expect((await ingest(app, { "x-forwarded-for": "198.51.100.7, 203.0.113.9" })).status).toBe(202);
        expect((await ingest(app, { "x-forwarded-for": "198.51.100.8, 203.0.113.9" })).status).toBe(429);
      });

      test("without TRUST_PROXY, X-Forwarded-For is ignored: the socket address is the key", async () => {
        const { app } = await buildApp(backend, { RATE_LIMIT_PER_MINUTE: "1", RATE_LIMIT_BURST: "1" }, manualClock());
        // Listening for real, so the limiter sees the socket address.
        app.listen({ port: 0, hostname: "127.0.0.1" });
        try {
          const post = (forwardedFor: string) =>
            fetch(`http://127.0.0.1:${app.server!.port}/api/events`, {
              method: "POST",
              headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
              body: JSON.stringify(EVENT),
            });
          expect((await post("203.0.113.1")).status).toBe(202);
          expect((await post("203.0.113.2")).status).toBe(429);
        } finally {
          await app.stop();
        }
      });

      test("clientAddress picks the N-th entry from the right and falls back on garbage", () => {
        const request = (forwardedFor: string) => new Request("http://localhost/", { headers: { "x-forwarded-for": forwardedFor } });
        const socket = { requestIP: () => ({ address: "10.0.0.1" }) };
        expect(clientAddress(request("1.1.1.1, 2.2.2.2, 3.3.3.3"), socket, 1)).toBe("3.3.3.3");
        expect(clientAddress(request("1.1.1.1, 2.2.2.2, 3.3.3.3"), socket, 2)).toBe("2.2.2.2");
        expect(clientAddress(request("1.1.1.1"), socket, 3)).toBe("1.1.1.1");
        expect(clientAddress(request("2001:db8::1"), socket, 1)).toBe("2001:db8::1");
        expect(clientAddress(request("not-an-ip"), socket, 1)).toBe("10.0.0.1");
        expect(clientAddress(request("1.1.1.1"), socket, 0)).toBe("10.0.0.1");
      });
    });

    describe("the token bucket", () => {
      test("memory is bounded: the least recently seen client is forgotten first", () => {
        const clock = manualClock();
        const limiter = new TokenBucketLimiter({ perMinute: 1, burst: 1, maxKeys: 3, now: clock.now });
        for (const key of ["a", "b", "c"]) expect(limiter.take(key).allowed).toBe(true);
        expect(limiter.take("a").allowed).toBe(false); // "a" is now the most recently seen
        expect(limiter.take("d").allowed).toBe(true); // evicts "b", the least recently seen
        expect(limiter.size).toBe(3);
        expect(limiter.take("a").allowed).toBe(false); // still remembered
        expect(limiter.take("b").allowed).toBe(true); // forgotten: a fresh bucket
        for (let i = 0; i < 10_000; i++) limiter.take(`flood-${i}`);
        expect(limiter.size).toBe(3);
      });

      test("a clock going backwards never mints tokens", () => {
        const clock = manualClock();
        const limiter = new TokenBucketLimiter({ perMinute: 60, burst: 1, maxKeys: 10, now: clock.now });
        expect(limiter.take("a").allowed).toBe(true);
        clock.advance(-60_000);
        expect(limiter.take("a").allowed).toBe(false);
      });
    });

    describe("rate limit configuration", () => {
      test("defaults: off, burst = the per-minute rate, no trusted proxy", () => {
        expect(parseConfig({})).toMatchObject({ rateLimitPerMinute: 0, trustProxy: 0 });
        expect(parseConfig({ RATE_LIMIT_PER_MINUTE: "120" }).rateLimitBurst).toBe(120);
        expect(parseConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(1);
        expect(parseConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
        expect(parseConfig({ TRUST_PROXY: "false" }).trustProxy).toBe(0);
      });

      test("bad values name the variable", () => {
        expect(() => parseConfig({ RATE_LIMIT_PER_MINUTE: "-5" })).toThrow(/RATE_LIMIT_PER_MINUTE/);
        expect(() => parseConfig({ RATE_LIMIT_BURST: "0" })).toThrow(/RATE_LIMIT_BURST/);
        expect(() => parseConfig({ TRUST_PROXY: "maybe" })).toThrow(/TRUST_PROXY/);
        expect(() => parseConfig({ METRICS_PUBLIC: "sometimes" })).toThrow(/METRICS_PUBLIC/);
      });
    });
  });
}
