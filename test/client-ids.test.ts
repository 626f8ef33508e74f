import { describe, expect, test } from "bun:test";
import { timeOrderedId } from "../src/client/ids";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The 48-bit millisecond time at the front of a v7 id. */
const timeOf = (id: string) => parseInt(id.replaceAll("-", "").slice(0, 12), 16);

describe("the SDK's event and session ids are UUID v7 (time first, so the event_id index grows at its end)", () => {
  test("version 7 and the RFC 9562 variant, and unique", () => {
    const ids = Array.from({ length: 2000 }, () => timeOrderedId());
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("the first 48 bits are the Unix time in milliseconds, across the whole range a browser clock can show", () => {
    for (const now of [0, 1, 0xff, 0x1_0000, 1_700_000_000_123, 2 ** 32 + 7, 2 ** 48 - 1]) expect(timeOf(timeOrderedId(now))).toBe(now);
    const before = Date.now();
    const id = timeOrderedId();
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(Date.now());
  });

  test("an id made in a later millisecond sorts after one made earlier", () => {
    const times = [1_700_000_000_000, 1_700_000_000_001, 1_700_000_065_536, 1_800_000_000_000];
    const ids = times.map((now) => timeOrderedId(now));
    expect([...ids].reverse().sort()).toEqual(ids);
  });
});
