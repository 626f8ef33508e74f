import { afterEach, describe, expect, test } from "bun:test";
import { parse as parseCsv } from "csv-parse/sync";
import type { EventReader } from "../../src/db/interfaces";
import type { EventFilter, EventPosition } from "../../src/db/model";
import { CSV_COLUMNS } from "../../src/export/formats";
import { ORIGIN_CSV_COLUMNS } from "../../src/listing/origin";

// An event stored without context, user agent or violations: every origin column is an empty field.
const EMPTY_ORIGIN = ",".repeat(ORIGIN_CSV_COLUMNS.length);
const EMPTY_ORIGIN_FIELDS = Object.fromEntries(ORIGIN_CSV_COLUMNS.map((column) => [column, ""]));
import { EXPORT_PAGE_SIZE } from "../../src/export/routes";
import { createApp } from "../../src/app";
import type { ApiEvent } from "../../src/listing/model";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, dashboard, sdk, send, silentLogger, type TestApp } from "../support/app";
import { seedEvents } from "../support/events";
import { backends } from "../support/backends";

const T0 = Date.UTC(2024, 4, 1);

// Everything a naive CSV or NDJSON writer gets wrong.
const TRICKY_PAYLOADS: Record<string, unknown>[] = [
  { quote: 'she said "hi"', comma: "a,b", both: '","' },
  { newline: "line 1\nline 2", crlf: "a\r\nb", cr: "x\ry" },
  // (U+0000 is refused at ingest on every backend, so no stored payload holds it.)
  { unicode: "ünïcødé ☕ 日本語 😀", separators: "\u2028\u2029", controls: "\u0001\u001f", bidi: "\u202e" },
  { backslash: "C:\\path\\", json: '{"not":"parsed"}', empty: "", spaces: "  padded  " },
  { nested: { list: [1, "two", null, { three: 3 }], deep: { deeper: { deepest: true } } }, number: 1.5e-7, big: 9007199254740991 },
  {},
];

async function exportText(app: TestApp["app"], query = "") {
  const response = await send(app, `/api/events/export?${query}`, { headers: bearer() });
  return { response, text: await response.text() };
}

async function seedTricky(store: TestApp["store"]) {
  await seedEvents(
    store,
    TRICKY_PAYLOADS.map((payload, i) => ({
      sessionId: i === 1 ? 'sess,"quoted"\nid' : `s${i}`,
      payload,
      createdAt: T0 + i * 1000,
      // Half with an event_id and a client time, half without.
      ...(i % 2 ? { eventId: crypto.randomUUID(), occurredAt: T0 - i } : {}),
    })),
  );
}

async function listAll(app: TestApp["app"]): Promise<ApiEvent[]> {
  const response = await send(app, "/api/events?limit=1000", { headers: bearer() });
  return ((await response.json()) as { events: ApiEvent[] }).events;
}

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("NDJSON export round-trips tricky payloads", () => {
      test("one JSON object per line, equal to what the listing returns", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedTricky(store);
        const { response, text } = await exportText(app);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
        expect(text.endsWith("\n")).toBe(true);
        const lines = text.slice(0, -1).split("\n");
        expect(lines).toHaveLength(TRICKY_PAYLOADS.length);
        const events = lines.map((line) => JSON.parse(line) as ApiEvent);
        expect(events).toEqual(await listAll(app));
        expect(events.map((event) => event.payload).reverse()).toEqual(TRICKY_PAYLOADS);
      });
    });

    describe("CSV export round-trips tricky payloads", () => {
      test("an RFC 4180 parser reads back every field; payload is the JSON text", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedTricky(store);
        const { response, text } = await exportText(app, "format=csv");
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
        const records = parseCsv(text, { columns: true, record_delimiter: "\r\n", relax_quotes: false }) as Record<string, string>[];
        expect(Object.keys(records[0]!)).toEqual([...CSV_COLUMNS]);
        const listed = await listAll(app);
        expect(records).toEqual(
          listed.map((event) => ({
            id: String(event.id),
            session_id: event.session_id,
            event_type: event.event_type,
            event_id: event.event_id ?? "",
            occurred_at: event.occurred_at,
            created_at: event.created_at,
            payload: JSON.stringify(event.payload),
            ...EMPTY_ORIGIN_FIELDS,
          })),
        );
        expect(records.map((record) => JSON.parse(record.payload!)).reverse()).toEqual(TRICKY_PAYLOADS);
      });

      test("records end in CRLF and only fields that need it are quoted", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        await seedEvents(store, [
          { sessionId: "plain", eventType: "card_click", payload: {}, createdAt: T0 },
          { sessionId: "ided", eventType: "sage_query", eventId: "0b6f5d2e-3c1a-4f7e-9a51-8d2c4b6e7f10", payload: { a: 1 }, createdAt: T0 + 1, occurredAt: T0 - 1 },
        ]);
        const { text } = await exportText(app, "format=csv");
        expect(text).toBe(
          `id,session_id,event_type,event_id,occurred_at,created_at,payload,${ORIGIN_CSV_COLUMNS.join(",")}\r\n` +
            `2,ided,sage_query,0b6f5d2e-3c1a-4f7e-9a51-8d2c4b6e7f10,2024-04-30T23:59:59.999Z,2024-05-01T00:00:00.001Z,"{""a"":1}"${EMPTY_ORIGIN}\r\n` +
            `1,plain,card_click,,2024-05-01T00:00:00.000Z,2024-05-01T00:00:00.000Z,{}${EMPTY_ORIGIN}\r\n`,
        );
      });
    });

    describe("export is a download of every matching event", () => {
      test("Content-Disposition names an attachment with the right extension", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN }, { now: () => Date.UTC(2024, 4, 1, 12, 30, 5) });
        expect((await exportText(app)).response.headers.get("content-disposition")).toBe('attachment; filename="events-20240501T123005Z.ndjson"');
        expect((await exportText(app, "format=csv")).response.headers.get("content-disposition")).toBe(
          'attachment; filename="events-20240501T123005Z.csv"',
        );
      });

      test("spans many pages: every row once, newest first, filters applied", async () => {
        const { app, store } = await buildApp(backend, { ADMIN_TOKEN });
        const total = EXPORT_PAGE_SIZE * 2 + 345;
        await seedEvents(store, Array.from({ length: total }, (_, i) => ({ eventType: i % 2 ? "card_click" : "sage_query", createdAt: T0 + Math.floor(i / 3) })));
        const all = (await exportText(app)).text.trim().split("\n").map((line) => (JSON.parse(line) as ApiEvent).id);
        expect(all).toEqual(Array.from({ length: total }, (_, i) => total - i));
        const clicks = (await exportText(app, "event_type=card_click")).text.trim().split("\n");
        expect(clicks).toHaveLength(Math.floor(total / 2));
      });

      test("an empty export is an empty body (CSV: just the header)", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        expect((await exportText(app)).text).toBe("");
        expect((await exportText(app, "format=csv")).text).toBe(`id,session_id,event_type,event_id,occurred_at,created_at,payload,${ORIGIN_CSV_COLUMNS.join(",")}\r\n`);
      });

      test("bad parameters are 422s before anything is streamed", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        for (const query of ["format=xml", "from=soon", "limit=5"]) {
          const { response } = await exportText(app, query);
          expect(response.status).toBe(422);
          expect(response.headers.get("content-type")).toContain("application/json");
        }
      });
    });

    describe("export stops reading when the client disconnects", () => {
      // Heavy (20 pages of 1 KB rows, more than the socket buffers hold): an explicit timeout, as
      // seeding alone took seconds when other work shared a 2-core machine.
      test("pages stop being queried soon after the client goes away", async () => {
        const built = await buildApp(backend, { ADMIN_TOKEN });
        const pages = 20;
        await seedEvents(built.store, Array.from({ length: EXPORT_PAGE_SIZE * pages }, (_, i) => ({ payload: { pad: "x".repeat(1000) }, createdAt: T0 + i })));
        let queries = 0;
        const countingReader: EventReader = {
          countByBucket: (query) => built.reader.countByBucket(query),
          bucketCounts: (query) => built.reader.bucketCounts(query),
          countSessions: (before, maxBuckets) => built.reader.countSessions(before, maxBuckets),
          rolledUpByBucket: (query) => built.reader.rolledUpByBucket(query),
          topValues: (query) => built.reader.topValues(query),
          listNewestFirst: (filter: EventFilter, after: EventPosition | undefined, limit: number) => {
            queries += 1;
            return built.reader.listNewestFirst(filter, after, limit);
          },
        };
        const app = createApp({ ...built, reader: countingReader, logger: silentLogger, sdk, dashboard });
        const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => app.handle(request) });
        try {
          const abort = new AbortController();
          const response = await fetch(`http://127.0.0.1:${server.port}/api/events/export`, { headers: bearer(), signal: abort.signal });
          const reader = response.body!.getReader();
          await reader.read();
          abort.abort();
          await reader.cancel().catch(() => {});
          // Give the server time to notice; a server that ignored the disconnect would read all pages.
          let previous = -1;
          for (let i = 0; i < 50 && previous !== queries; i++) {
            previous = queries;
            await Bun.sleep(50);
          }
          expect(queries).toBeLessThan(pages / 2);
        } finally {
          await server.stop(true);
        }
      }, 60_000);
    });
  });
}
