import { afterEach, describe, expect, test } from "bun:test";
import { EVENT_TYPES } from "../src/events/model";
import { MAX_FUTURE_MS, parseClientTime, resolveOccurredAt } from "../src/events/time";
import { buildApp, postJson, type TestApp } from "./support/app";
import { backends } from "./support/backends";

const HOUR = 3_600_000;
const RECEIVED = Date.parse("2024-05-01T12:00:00.000Z");

describe("parseClientTime reads ISO-8601 date-times with a zone and epoch milliseconds", () => {
  const cases: [string | number, number | undefined][] = [
    ["2024-05-01T12:34:56.789Z", Date.parse("2024-05-01T12:34:56.789Z")],
    ["2024-05-01T12:34:56Z", Date.parse("2024-05-01T12:34:56Z")],
    ["2024-05-01t12:34:56z", Date.parse("2024-05-01T12:34:56Z")],
    ["2024-05-01T14:34:56.7+02:00", Date.parse("2024-05-01T12:34:56.700Z")],
    ["2024-05-01T07:04:56.123456789-05:30", Date.parse("2024-05-01T12:34:56.123Z")],
    ["2024-02-29T00:00:00Z", Date.parse("2024-02-29T00:00:00Z")],
    [1714566896789, 1714566896789],
    [0, 0],
    [Date.parse("9999-12-31T23:59:59.999Z"), Date.parse("9999-12-31T23:59:59.999Z")],
    ["0001-01-01T00:00:00Z", Date.parse("0001-01-01T00:00:00Z")],
    // Not a real point in time, or ambiguous:
    ["2023-02-29T00:00:00Z", undefined],
    ["2024-13-01T00:00:00Z", undefined],
    ["2024-05-01T24:00:00Z", undefined],
    ["2024-05-01T12:60:00Z", undefined],
    ["2024-05-01T12:00:00+24:00", undefined],
    ["2024-05-01T12:34:56", undefined],
    ["2024-05-01", undefined],
    ["1714566896789", undefined],
    ["yesterday", undefined],
    ["", undefined],
    [1714566896789.5, undefined],
    // Outside years 1 to 9999: a Date holds them, but not every backend can store them.
    [Date.parse("9999-12-31T23:59:59.999Z") + 1, undefined],
    [8.64e15, undefined],
    [-8.64e15, undefined],
    ["0000-12-31T23:59:59Z", undefined],
    [Number.NaN, undefined],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${expected === undefined ? "unparseable" : new Date(expected).toISOString()}`, () => {
      expect(parseClientTime(input)).toBe(expected as number);
    });
  }
  test("year 1 is not read as 1901", () => {
    expect(parseClientTime("0001-01-01T00:00:00Z")).toBe(-62135596800000);
  });
});

describe("occurred_at corrects the client clock's skew", () => {
  const cases: [string, { timestamp?: number; sentAt?: number }, number][] = [
    ["no client time: the receive time", {}, RECEIVED],
    ["only sent_at: the receive time", { sentAt: RECEIVED - 5 * HOUR }, RECEIVED],
    ["only timestamp: trusted as is", { timestamp: RECEIVED - 90_000 }, RECEIVED - 90_000],
    ["both, clock exact: the timestamp", { timestamp: RECEIVED - 90_000, sentAt: RECEIVED }, RECEIVED - 90_000],
    ["both, clock 3 h slow: shifted forward", { timestamp: RECEIVED - 3 * HOUR - 90_000, sentAt: RECEIVED - 3 * HOUR }, RECEIVED - 90_000],
    ["both, clock 2 days fast: shifted back", { timestamp: RECEIVED + 48 * HOUR - 90_000, sentAt: RECEIVED + 48 * HOUR }, RECEIVED - 90_000],
    ["both, clock stuck in 1970: still corrected", { timestamp: 1_000, sentAt: 61_000 }, RECEIVED - 60_000],
    ["offline queue: event a day before sending", { timestamp: 0, sentAt: 24 * HOUR }, RECEIVED - 24 * HOUR],
    ["timestamp alone 22 h ahead: kept", { timestamp: RECEIVED + 22 * HOUR }, RECEIVED + 22 * HOUR],
    ["timestamp alone exactly 23 h ahead: kept", { timestamp: RECEIVED + MAX_FUTURE_MS }, RECEIVED + MAX_FUTURE_MS],
    ["timestamp alone 23 h + 1 ms ahead: the receive time", { timestamp: RECEIVED + MAX_FUTURE_MS + 1 }, RECEIVED],
    ["corrected result 30 h ahead (timestamp after sent_at): the receive time", { timestamp: 31 * HOUR, sentAt: HOUR }, RECEIVED],
    ["timestamp far in the past alone: kept", { timestamp: Date.parse("2001-01-01T00:00:00Z") }, Date.parse("2001-01-01T00:00:00Z")],
    ["correction past the Date range: the receive time", { timestamp: -8.64e15, sentAt: 8.64e15 }, RECEIVED],
  ];
  for (const [name, times, expected] of cases) {
    test(name, () => {
      expect(resolveOccurredAt({ receivedAt: RECEIVED, ...times })).toBe(expected);
    });
  }
});

for (const backend of backends) {
  describe(`${backend.name}: client times over HTTP: stored as occurred_at, created_at stays the receive time`, () => {
    let ctx: TestApp;
    afterEach(async () => {
      await ctx.close();
    });

    const event = (overrides: Record<string, unknown> = {}) => ({ session_id: "s-1", event_type: EVENT_TYPES[0], ...overrides });
    const stored = async () => (await ctx.db.rows()).map(({ session_id, created_at, occurred_at }) => ({ session_id, created_at, occurred_at: occurred_at! }));

    test("single event: ISO timestamp and epoch sent_at from a clock 1 h fast", async () => {
      ctx = await buildApp(backend);
      const fast = Date.now() + HOUR;
      const before = Date.now();
      const response = await postJson(ctx.app, "/api/events", event({ timestamp: new Date(fast - 30_000).toISOString(), sent_at: fast }));
      const after = Date.now();
      expect(response.status).toBe(202);
      const [row] = await stored();
      expect(row!.created_at).toBeGreaterThanOrEqual(before);
      expect(row!.created_at).toBeLessThanOrEqual(after);
      expect(row!.occurred_at).toBe(row!.created_at - 30_000);
    });

    test("no client time: occurred_at equals created_at", async () => {
      ctx = await buildApp(backend);
      await postJson(ctx.app, "/api/events", event());
      const [row] = await stored();
      expect(row!.occurred_at).toBe(row!.created_at);
    });

    test("batch: the envelope sent_at applies to events without their own; an event's own sent_at wins", async () => {
      ctx = await buildApp(backend);
      const clock = Date.now() - 5 * HOUR; // a client clock 5 h slow
      const response = await postJson(ctx.app, "/api/events/batch", {
        sent_at: clock,
        batch: [
          event({ session_id: "envelope", timestamp: clock - 10_000 }),
          event({ session_id: "own", timestamp: clock - 10_000, sent_at: clock - 5_000 }),
          event({ session_id: "none" }),
        ],
      });
      expect(response.status).toBe(202);
      const rows = await stored();
      expect(rows.map((row) => [row.session_id, row.created_at - row.occurred_at])).toEqual([
        ["envelope", 10_000],
        ["own", 5_000],
        ["none", 0],
      ]);
      // One receive time for the whole batch.
      expect(new Set(rows.map((row) => row.created_at)).size).toBe(1);
    });

    test("a timestamp more than 23 h ahead falls back to the receive time", async () => {
      ctx = await buildApp(backend);
      await postJson(ctx.app, "/api/events", event({ timestamp: Date.now() + 24 * HOUR }));
      const [row] = await stored();
      expect(row!.occurred_at).toBe(row!.created_at);
    });

    test("unparseable times are a 422 naming each field, and nothing is stored", async () => {
      ctx = await buildApp(backend);
      const response = await postJson(ctx.app, "/api/events", event({ timestamp: "2024-05-01 12:00", sent_at: 1.5 }));
      expect(response.status).toBe(422);
      const body = await response.json();
      expect(body.details.map((d: { path: string }) => d.path)).toEqual(["/timestamp", "/sent_at"]);
      expect(body.message).toBe("The request is invalid: check /timestamp, /sent_at.");
      const wrongType = await postJson(ctx.app, "/api/events", event({ timestamp: { at: 1 } }));
      expect((await wrongType.json()).details).toEqual([{ path: "/timestamp", message: "must be a string or a number" }]);
      expect(await stored()).toEqual([]);
    });
  });
}
