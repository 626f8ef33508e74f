import { afterEach, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, postJson, send, type TestApp } from "../support/app";
import { settle } from "../support/events";
import { tempDir } from "../support/server";
import { backends } from "../support/backends";

/** The value of one sample line of the exposition text, or undefined if absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(app: TestApp["app"]): Promise<string> {
  await settle();
  const response = await send(app, "/metrics", { headers: bearer() });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return response.text();
}

const ACCEPTED = (type: string) => `event_ingest_events_accepted_total{event_type="${type}"}`;
const REJECTED = (reason: string) => `event_ingest_events_rejected_total{reason="${reason}"}`;
const DURATION_COUNT = (method: string, route: string, status: number) =>
  `event_ingest_http_request_duration_seconds_count{method="${method}",route="${route}",status="${status}"}`;

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("metrics move when events arrive", () => {
      test("accepted events are counted per type, from zero", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        const before = await scrape(app);
        expect(sample(before, ACCEPTED("card_click"))).toBe(0);
        expect(sample(before, ACCEPTED("sage_query"))).toBe(0);
        for (const type of ["card_click", "card_click", "sage_query"]) {
          expect((await postJson(app, "/api/events", { session_id: "s", event_type: type })).status).toBe(202);
        }
        const after = await scrape(app);
        expect(sample(after, ACCEPTED("card_click"))).toBe(2);
        expect(sample(after, ACCEPTED("sage_query"))).toBe(1);
        expect(sample(after, ACCEPTED("filter_change"))).toBe(0);
      });

      test("batches count each acknowledged event; a repeated event_id counts as a duplicate too", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        const eventId = "6f1c1b4e-3a47-4d9b-8f0e-2b5c8a7d9e10";
        const batch = [
          { session_id: "s", event_type: "card_click", event_id: eventId },
          { session_id: "s", event_type: "filter_change" },
        ];
        expect((await postJson(app, "/api/events/batch", { batch })).status).toBe(202);
        expect((await postJson(app, "/api/events", batch[0])).status).toBe(202);
        const text = await scrape(app);
        expect(sample(text, ACCEPTED("card_click"))).toBe(2);
        expect(sample(text, ACCEPTED("filter_change"))).toBe(1);
        expect(sample(text, "event_ingest_events_duplicate_total")).toBe(1);
        expect(sample(text, DURATION_COUNT("POST", "/api/events/batch", 202))).toBe(1);
      });

      test("rejected ingest requests are counted by the envelope's error code", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN, MAX_BODY_BYTES: "1024" });
        await postJson(app, "/api/events", { session_id: "s", event_type: "page_view" });
        await postJson(app, "/api/events", { session_id: "s", event_type: "nope" });
        await postJson(app, "/api/events", "{not json");
        await postJson(app, "/api/events", JSON.stringify({ session_id: "s", event_type: "card_click", payload: { pad: "x".repeat(2000) } }));
        await send(app, "/api/events", { method: "POST", headers: { "content-type": "application/xml" }, body: "<event/>" });
        await postJson(app, "/api/events/batch", { batch: "not a list" });
        const text = await scrape(app);
        expect(sample(text, REJECTED("validation_failed"))).toBe(3);
        expect(sample(text, REJECTED("malformed_json"))).toBe(1);
        expect(sample(text, REJECTED("payload_too_large"))).toBe(1);
        expect(sample(text, REJECTED("unsupported_media_type"))).toBe(1);
        expect(sample(text, ACCEPTED("card_click"))).toBe(0);
      });

      test("request durations are observed per method, route and status", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        await postJson(app, "/api/events", { session_id: "s", event_type: "card_click" });
        await postJson(app, "/api/events", { session_id: "s", event_type: "nope" });
        await send(app, "/api/events", { headers: bearer() });
        await send(app, "/api/events");
        await send(app, "/no/such/route");
        await send(app, "/another/missing/route");
        const text = await scrape(app);
        expect(sample(text, DURATION_COUNT("POST", "/api/events", 202))).toBe(1);
        expect(sample(text, DURATION_COUNT("POST", "/api/events", 422))).toBe(1);
        expect(sample(text, DURATION_COUNT("GET", "/api/events", 200))).toBe(1);
        expect(sample(text, DURATION_COUNT("GET", "/api/events", 401))).toBe(1);
        // Unknown paths share one label, so a scanner cannot blow up the series count.
        expect(sample(text, DURATION_COUNT("GET", "unmatched", 404))).toBe(2);
        expect(sample(text, 'event_ingest_http_request_duration_seconds_sum{method="POST",route="/api/events",status="202"}')).toBeGreaterThan(0);
      });

      test("write-queue depth shows events waiting for the group commit; batch sizes are observed", async () => {
        const { store, metrics } = await buildApp(backend, { ADMIN_TOKEN });
        const events = Array.from({ length: 3 }, () => ({ sessionId: "s", eventType: "card_click", payload: "{}", createdAt: new Date() }));
        const committed = store.append(events);
        // Collected before the commit's macrotask runs: the three events are still queued.
        expect(sample(await metrics.registry.metrics(), "event_ingest_write_queue_depth")).toBe(3);
        await committed;
        const text = await metrics.registry.metrics();
        expect(sample(text, "event_ingest_write_queue_depth")).toBe(0);
        expect(sample(text, "event_ingest_commit_batch_size_count")).toBe(1);
        expect(sample(text, "event_ingest_commit_batch_size_sum")).toBe(3);
      });

      test.if(backend.name === "sqlite")("database size is the file and its WAL, and grows with data", async () => {
        const dir = tempDir();
        try {
          const { app, store } = await buildApp(backend, { ADMIN_TOKEN, DATABASE_URL: `${dir.path}/events.db` });
          const before = await scrape(app);
          const fileBefore = sample(before, 'event_ingest_database_size_bytes{file="database"}')!;
          const walBefore = sample(before, 'event_ingest_database_size_bytes{file="wal"}')!;
          expect(fileBefore).toBeGreaterThan(0);
          const payload = { pad: "x".repeat(10_000) };
          for (let i = 0; i < 20; i++) await postJson(app, "/api/events", { session_id: "s", event_type: "card_click", payload });
          const after = await scrape(app);
          const grown =
            sample(after, 'event_ingest_database_size_bytes{file="database"}')! + sample(after, 'event_ingest_database_size_bytes{file="wal"}')!;
          expect(grown).toBeGreaterThan(fileBefore + walBefore + 200_000);
          await store.close();
        } finally {
          dir.cleanup();
        }
      });

      test("process metrics are exported", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        const text = await scrape(app);
        expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
        expect(sample(text, "process_cpu_seconds_total")).toBeGreaterThanOrEqual(0);
        expect(text).toContain("# TYPE nodejs_heap_size_used_bytes gauge");
      });
    });
  });
}
