import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, postJson, type TestApp } from "./support/app";
import { backends } from "./support/backends";

const NUM_RUNS = 200;
const CONTENT_TYPES = ["application/json", "text/plain;charset=UTF-8"] as const;
const KNOWN_FIELDS = ["session_id", "event_type", "payload", "event_id", "timestamp", "sent_at"];

// No backend stores U+0000 (PostgreSQL cannot) or an unpaired surrogate, in any string or
// property name, nor a payload nested deeper than 64 levels.
const NUL = "\u0000";
const unstorable = (text: string) => text.includes(NUL) || !text.isWellFormed();
function holdsUnstorable(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return unstorable(value);
  if (typeof value !== "object" || value === null) return false;
  if (depth >= 64) return true;
  return Object.entries(value).some(([key, item]) => unstorable(key) || holdsUnstorable(item, depth + 1));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The rule, written independently of the schema: what the API must accept. */
function isValidEvent(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (Object.keys(value).some((key) => !KNOWN_FIELDS.includes(key))) return false;
  const { session_id, event_type, payload } = value;
  return (
    typeof session_id === "string" &&
    session_id.length >= 1 &&
    session_id.length <= 64 &&
    !unstorable(session_id) &&
    (EVENT_TYPES as readonly unknown[]).includes(event_type) &&
    (!("payload" in value) || (isObject(payload) && !holdsUnstorable(payload))) &&
    (!("event_id" in value) || isUuid(value.event_id)) &&
    (!("timestamp" in value) || isClientTime(value.timestamp)) &&
    (!("sent_at" in value) || isClientTime(value.sent_at))
  );
}

function isUuid(value: unknown): boolean {
  return typeof value === "string" && /^(urn:uuid:)?[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(value);
}

const YEAR_1 = Date.parse("0001-01-01T00:00:00Z");
const YEAR_9999_END = Date.parse("9999-12-31T23:59:59.999Z");

/** Whole epoch milliseconds, or an ISO-8601 date-time with a zone that is a real date; in years 1 to 9999. */
function isClientTime(value: unknown): boolean {
  const inRange = (ms: number) => ms >= YEAR_1 && ms <= YEAR_9999_END;
  if (typeof value === "number") return Number.isInteger(value) && inRange(value);
  return (
    typeof value === "string" &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i.test(value) &&
    inRange(Date.parse(value.toUpperCase()))
  );
}

// Any code point (no lone surrogates: browsers send UTF-8, where they cannot exist).
const text = (constraints: { minLength?: number; maxLength?: number } = {}) => fc.string({ unit: "binary", ...constraints });
const storable = (s: string) => !s.includes(NUL);
const sessionId = text({ minLength: 1, maxLength: 64 }).filter((s) => s.length <= 64 && storable(s));
const payload = fc.dictionary(text({ maxLength: 12 }).filter(storable), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });
const validEvent = fc.record(
  { session_id: sessionId, event_type: fc.constantFrom(...EVENT_TYPES), payload },
  { requiredKeys: ["session_id", "event_type"] },
);
const contentType = fc.constantFrom(...CONTENT_TYPES);

for (const backend of backends) {
  describe(backend.name, () => {
    let ctx: TestApp;
    beforeAll(async () => {
      ctx = await buildApp(backend);
    });
    afterAll(async () => {
      await ctx.close();
    });

    describe("random valid events round-trip exactly", () => {
      test("202, one new row, session_id and event_type exact, payload stored as the JSON sent", async () => {
        await fc.assert(
          fc.asyncProperty(validEvent, contentType, async (event, type) => {
            const before = await ctx.db.count();
            const response = await postJson(ctx.app, "/api/events", event, type);
            expect(response.status).toBe(202);
            expect(await ctx.db.count()).toBe(before + 1);

            const row = (await ctx.db.rows()).at(-1)!;
            expect(row.session_id).toBe(event.session_id);
            expect(row.event_type).toBe(event.event_type);
            // What the server stored is the JSON of the object sent (compared as JSON: PostgreSQL's
            // jsonb keeps the meaning, not the key order or spacing of the text).
            expect(row.payload).toEqual(JSON.parse(JSON.stringify(event.payload ?? {})));
          }),
          { numRuns: NUM_RUNS },
        );
      });
    });

    /** Posts a raw body; asserts no 5xx, the envelope on refusal, and a row exactly when the body is valid. */
    async function expectHandled(raw: string, type: string) {
      let parsed: unknown;
      let isJson = true;
      try {
        parsed = JSON.parse(raw);
      } catch {
        isJson = false;
      }
      const valid = isJson && isValidEvent(parsed);
      const before = await ctx.db.count();

      const response = await postJson(ctx.app, "/api/events", raw, type);
      expect(response.status).toBeLessThan(500);
      if (valid) {
        expect(response.status).toBe(202);
        expect(await ctx.db.count()).toBe(before + 1);
        return;
      }
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(await ctx.db.count()).toBe(before);
      const body = (await response.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["details", "error", "message", "request_id"]);
      expect(response.headers.get("x-request-id")).toBe(body.request_id as string);
    }

    describe("random invalid bodies never yield a 5xx and never write a row", () => {
      test("arbitrary JSON values", async () => {
        await fc.assert(
          fc.asyncProperty(fc.jsonValue(), contentType, async (value, type) => {
            await expectHandled(JSON.stringify(value), type);
          }),
          { numRuns: NUM_RUNS },
        );
      });

      test("arbitrary objects with event-like keys", async () => {
        const key = fc.oneof(fc.constantFrom(...KNOWN_FIELDS, "Session_ID", "event", "__proto__", "constructor"), text({ maxLength: 10 }));
        const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...EVENT_TYPES), sessionId);
        await fc.assert(
          fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 5 }), contentType, async (object, type) => {
            await expectHandled(JSON.stringify(object), type);
          }),
          { numRuns: NUM_RUNS },
        );
      });

      test("arbitrary strings", async () => {
        await fc.assert(
          fc.asyncProperty(text({ maxLength: 200 }), contentType, async (raw, type) => {
            await expectHandled(raw, type);
          }),
          { numRuns: NUM_RUNS },
        );
      });

      test("mutated valid events", async () => {
        const notAnObject = fc.oneof(fc.array(fc.jsonValue({ maxDepth: 1 })), fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
        type Event = Record<string, unknown>;
        const mutation: fc.Arbitrary<(event: Event) => unknown> = fc.oneof(
          fc.constantFrom(...KNOWN_FIELDS.slice(0, 2)).map((field) => (event: Event) => {
            const { [field]: _, ...rest } = event;
            return rest;
          }),
          text({ maxLength: 20 })
            .filter((type) => !(EVENT_TYPES as readonly string[]).includes(type))
            .map((type) => (event: Event) => ({ ...event, event_type: type })),
          fc.oneof(text({ minLength: 65, maxLength: 120 }).filter((s) => s.length > 64), fc.constant(""), fc.integer(), fc.constant(null))
            .map((id) => (event: Event) => ({ ...event, session_id: id })),
          notAnObject.map((value) => (event: Event) => ({ ...event, payload: value })),
          fc.tuple(text({ minLength: 1, maxLength: 10 }).filter((key) => !KNOWN_FIELDS.includes(key)), fc.jsonValue({ maxDepth: 1 }))
            .map(([key, value]) => (event: Event) => ({ ...event, [key]: value })),
          fc.constant((event: Event) => [event]),
      fc.tuple(fc.nat(), fc.boolean()).map(([at, inPayload]) => (event: Event) => {
        const id = String(event.session_id);
        // Inserted before one of the (at most 64) characters, so trimming to 64 keeps it.
        const withNul = `${id.slice(0, at % id.length)}${NUL}${id.slice(at % id.length)}`.slice(0, 64);
        return inPayload ? { ...event, payload: { note: withNul } } : { ...event, session_id: withNul };
      }),
        );
        await fc.assert(
          fc.asyncProperty(validEvent, mutation, contentType, async (event, mutate, type) => {
            const mutated = mutate(event);
            expect(isValidEvent(mutated)).toBe(false);
            await expectHandled(JSON.stringify(mutated), type);
          }),
          { numRuns: NUM_RUNS },
        );
      });

      test("valid events cut short at a random byte (malformed JSON)", async () => {
        await fc.assert(
          fc.asyncProperty(validEvent, fc.nat(), contentType, async (event, cut, type) => {
            const raw = JSON.stringify(event);
            await expectHandled(raw.slice(0, cut % raw.length), type);
          }),
          { numRuns: NUM_RUNS },
        );
      });
    });
  });
}
