import { describe, expect, test } from "bun:test";
import { backoffMs, batchBody, chunkLength, MAX_REQUEST_BYTES, queuedEvent, retryAfterMs, tooLargeToSend } from "../src/client/transport";

const eventOf = (bytes: number) => queuedEvent(JSON.stringify({ pad: "x".repeat(bytes - 10) }));

describe("batches are cut to fit one beacon", () => {
  test("a request never passes 64 KiB or maxEvents, and always takes at least one event", () => {
    const events = Array.from({ length: 100 }, () => eventOf(3000));
    let start = 0;
    const sizes: number[] = [];
    while (start < events.length) {
      const length = chunkLength(events.slice(start), 50);
      const body = batchBody(events.slice(start, start + length));
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
      sizes.push(length);
      start += length;
    }
    expect(sizes.reduce((a, b) => a + b)).toBe(100);
    expect(Math.max(...sizes)).toBe(21); // 21 × 3001 bytes + envelope fits, 22 does not
    expect(chunkLength(Array.from({ length: 100 }, () => eventOf(50)), 50)).toBe(50);
    expect(chunkLength([eventOf(70_000)], 50)).toBe(1);
    expect(chunkLength([], 50)).toBe(0);
  });

  test("an event that cannot fit in a request alone is refused at track time", () => {
    expect(tooLargeToSend(eventOf(60_000))).toBe(false);
    expect(tooLargeToSend(eventOf(MAX_REQUEST_BYTES))).toBe(true);
  });

  test("the body is the batch envelope the server expects, stamped with the send time", () => {
    const body = JSON.parse(batchBody([queuedEvent('{"a":1}'), queuedEvent('{"b":2}')]));
    expect(body.batch).toEqual([{ a: 1 }, { b: 2 }]);
    expect(Math.abs(body.sent_at - Date.now())).toBeLessThan(1000);
  });
});

describe("retry timing", () => {
  test("backoff doubles per attempt between half and all of its ceiling, capped", () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, 1000, 60_000, 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, 1000, 60_000, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(30, 1000, 60_000, 1)).toBe(60_000);
    expect(backoffMs(30, 1000, 60_000, 0)).toBe(30_000);
  });

  test("Retry-After is read as seconds or as an HTTP date", () => {
    const now = Date.parse("2024-05-01T12:00:00Z");
    expect(retryAfterMs("1", now)).toBe(1000);
    expect(retryAfterMs(" 120 ", now)).toBe(120_000);
    expect(retryAfterMs("Wed, 01 May 2024 12:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Wed, 01 May 2024 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
