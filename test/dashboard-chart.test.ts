import { describe, expect, test } from "bun:test";
import { chartColumns } from "../src/dashboard/client/chart";
import { bucketFor, bucketStarts, customRange, presetRange } from "../src/dashboard/client/range";

const HOUR = 3_600_000;
const T0 = Date.parse("2024-05-01T00:00:00Z");

describe("dashboard ranges: the bucket follows the span, buckets align to UTC as the endpoint's do", () => {
  test("minutes up to 6 h, hours up to 14 d, days beyond", () => {
    expect(bucketFor(HOUR)).toBe("minute");
    expect(bucketFor(6 * HOUR)).toBe("minute");
    expect(bucketFor(24 * HOUR)).toBe("hour");
    expect(bucketFor(14 * 24 * HOUR)).toBe("hour");
    expect(bucketFor(30 * 24 * HOUR)).toBe("day");
    expect(presetRange("7d", T0)).toEqual({ from: new Date(T0 - 7 * 24 * HOUR), to: new Date(T0), bucket: "hour", rolling: true });
  });

  test("a preset starts on a bucket boundary, so only the current bucket is cut", () => {
    const now = T0 + 25 * 60_000 + 123;
    expect(presetRange("24h", now).from).toEqual(new Date(T0 - 24 * HOUR));
    expect(presetRange("30d", now).from).toEqual(new Date(T0 - 30 * 24 * HOUR));
    expect(presetRange("1h", now).from).toEqual(new Date(now - HOUR - 123));
  });

  test("a range not on a boundary starts with the bucket that holds `from`", () => {
    const range = { from: new Date(T0 + 30 * 60_000), to: new Date(T0 + 3 * HOUR), bucket: "hour" as const, rolling: false };
    expect(bucketStarts(range)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
  });

  test("a custom range must run forwards", () => {
    expect(customRange("2024-05-02T00:00", "2024-05-01T00:00")).toBeUndefined();
    expect(customRange("", "2024-05-01T00:00")).toBeUndefined();
    expect(customRange("2024-05-01T00:00", "2024-05-01T02:00")?.bucket).toBe("minute");
  });
});

describe("dashboard chart columns: every bucket of the range, zeros where the endpoint had none", () => {
  test("counts land in their bucket and type column", () => {
    const range = { from: new Date(T0), to: new Date(T0 + 3 * HOUR), bucket: "hour" as const, rolling: false };
    const stats = {
      from: "",
      to: "",
      bucket: "hour" as const,
      series: [
        { bucket_start: new Date(T0).toISOString(), event_type: "card_click", count: 4, sessions: 2 },
        { bucket_start: new Date(T0 + 2 * HOUR).toISOString(), event_type: "sage_query", count: 1, sessions: 1 },
      ],
      totals: { card_click: 4, sage_query: 1 },
    };
    expect(chartColumns(stats, range, ["card_click", "sage_query"])).toEqual([
      [T0 / 1000, (T0 + HOUR) / 1000, (T0 + 2 * HOUR) / 1000],
      [4, 0, 0],
      [0, 0, 1],
    ]);
  });
});
