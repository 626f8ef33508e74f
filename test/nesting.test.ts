import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseConfig } from "../src/config";
import type { EventStore } from "../src/db/interfaces";
import { EVENT_TYPES } from "../src/events/model";
import { firstTooDeep, MAX_FIELD_DEPTH, pointerAt } from "../src/http/nesting";
import { appWith } from "./support/app";
import { expectEnvelope } from "./support/envelope";

describe("the nesting scan finds the first container past the limit, and its JSON Pointer", () => {
  test("counts containers, not brackets inside strings or escaped quotes", () => {
    const text = `{"x\\"]":"[[[[","k":[0,1,[2,[3]]]}`;
    expect(firstTooDeep(text, 4)).toBe(-1);
    const offset = firstTooDeep(text, 3);
    expect(text.slice(offset, offset + 3)).toBe("[3]");
    expect(pointerAt(text, offset)).toBe("/k/2/1");
  });

  test("escapes / and ~ in keys, as RFC 6901 says", () => {
    const text = `{"a/b~":{"c":[[1]]}}`;
    expect(pointerAt(text, firstTooDeep(text, 3))).toBe("/a~1b~0/c/0");
  });

  test("a million levels is one pass, no stack", () => {
    const text = `{"payload":${"[".repeat(500_000)}${"]".repeat(500_000)}}`;
    const offset = firstTooDeep(text, 1 + MAX_FIELD_DEPTH);
    expect(pointerAt(text, offset)).toBe(`/payload${"/0".repeat(MAX_FIELD_DEPTH)}`);
  });
});

// What the store receives does not matter here: nothing deep may get that far.
const discard: EventStore = { append: async (events) => ({ inserted: events.length, duplicates: 0 }), health: async () => ({ status: "ok" }), close: async () => {} };
const config = parseConfig({ DATABASE_URL: ":memory:" });
const EVENT = { session_id: "s", event_type: EVENT_TYPES[0], payload: { k: 1 } };
const FIELDS = ["session_id", "event_type", "payload", "event_id", "timestamp", "sent_at", "unknown_field"];

/** `depth` levels of arrays or objects, as text (never built as a value: it could not be stringified). */
function nested(depth: number, kind: "array" | "object"): string {
  return kind === "array" ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"k":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`;
}

describe("nesting at any place and depth up to the body limit is a 4xx envelope, and /health is answered meanwhile", () => {
  let server: ReturnType<typeof Bun.serve>;
  beforeAll(async () => {
    const app = await appWith({ config, store: discard });
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => app.handle(request) });
  });
  afterAll(() => server.stop(true));

  const place = fc.record({
    batch: fc.boolean(),
    field: fc.constantFrom(...FIELDS),
    envelopeSentAt: fc.boolean(),
    // Log-uniform from just past the limit to what fits in MAX_BODY_BYTES (an array level is 2 bytes).
    depth: fc.double({ min: Math.log(MAX_FIELD_DEPTH + 1), max: Math.log(config.maxBodyBytes / 2), noNaN: true }).map((x) => Math.round(Math.exp(x))),
    kind: fc.constantFrom("array" as const, "object" as const),
  });

  test("every answer is a 4xx envelope; within the size limit a 422 naming the place", async () => {
    await fc.assert(
      fc.asyncProperty(place, async ({ batch, field, envelopeSentAt, depth, kind }) => {
        const deep = nested(depth, kind);
        const event = `{${JSON.stringify(EVENT).slice(1, -1).replace(new RegExp(`"${field}":[^,}]*(\\}|)`), "").replace(/^,|,$/, "")}${field ? `,"${field}":${deep}` : ""}}`.replace("{,", "{");
        const inEnvelope = batch && envelopeSentAt;
        const body = !batch ? event : inEnvelope ? `{"sent_at":${deep},"batch":[${JSON.stringify(EVENT)}]}` : `{"batch":[${event}]}`;
        const where = !batch ? `/${field}` : inEnvelope ? "/sent_at" : `/batch/0/${field}`;
        const url = `http://127.0.0.1:${server.port}/api/events${batch ? "/batch" : ""}`;
        const signal = AbortSignal.timeout(30_000);
        const [response, health] = await Promise.all([
          fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, signal }),
          fetch(`http://127.0.0.1:${server.port}/health`, { signal }),
        ]);
        expect(health.status).toBe(200);
        await health.arrayBuffer();
        if (Buffer.byteLength(body) > config.maxBodyBytes) {
          await expectEnvelope(response, 413, "payload_too_large");
          return;
        }
        const envelope = await expectEnvelope(response, 422, "validation_failed");
        expect(envelope.details).toHaveLength(1);
        const [detail] = envelope.details;
        expect(detail!.path === where || detail!.path.startsWith(`${where}/`)).toBe(true);
        // The batch envelope's own sent_at sits two levels above the events' fields, so a
        // little past the limit it is refused by its type instead.
        if (!inEnvelope || depth > MAX_FIELD_DEPTH + 2) expect(detail!.message).toBe(`nests deeper than ${MAX_FIELD_DEPTH} levels`);
      }),
      { numRuns: 40 },
    );
  });
});
