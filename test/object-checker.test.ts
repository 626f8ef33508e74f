import { describe, expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { batchEnvelope } from "../src/events/batch";
import { eventBody } from "../src/events/model";
import { compileObjectChecker } from "../src/http/object-checker";
import { validationDetails } from "../src/http/validation";

const valid = { session_id: "3f6c2a9e", event_type: "card_click", payload: { card_id: "c_1" } };
const INVALID_EVENTS: [string, unknown][] = [
  ["an unknown event_type", { ...valid, event_type: "hover" }],
  ["a numeric session_id", { ...valid, session_id: 42 }],
  ["an empty session_id", { ...valid, session_id: "" }],
  ["a session_id over 64 characters", { ...valid, session_id: "s".repeat(65) }],
  ["an array payload", { ...valid, payload: [1, 2] }],
  ["a null payload", { ...valid, payload: null }],
  ["an unknown context field", { ...valid, context: { path: "/", colour: "red" } }],
  ["a context screen_width out of range", { ...valid, context: { screen_width: -1 } }],
  ["an event_id that is no UUID", { ...valid, event_id: "not-a-uuid" }],
  ["a timestamp object", { ...valid, timestamp: { at: 1 } }],
  ["three failing fields at once", { ...valid, event_type: "hover", payload: "x", sent_at: [] }],
  ["a missing event_type", { session_id: "s" }],
  ["an unknown field", { ...valid, colour: "red" }],
  ["an unknown field and a bad one", { ...valid, colour: "red", event_type: 7 }],
  ["not an object", ["card_click"]],
  ["null", null],
];

describe("the object checker lists the same failures as TypeBox's full walk of the value", () => {
  const full = TypeCompiler.Compile(eventBody);
  const fieldwise = compileObjectChecker(eventBody);
  for (const [name, value] of INVALID_EVENTS) {
    test(`an event with ${name}`, () => {
      expect(fieldwise.Check(value)).toBe(false);
      const expected = validationDetails(full.Errors(value));
      expect(expected.length).toBeGreaterThan(0);
      expect(validationDetails(fieldwise.Errors(value))).toEqual(expected);
    });
  }

  test("a batch envelope with a bad sent_at, a batch that is no array, and an unknown field", () => {
    const envelope = batchEnvelope(100);
    const full = TypeCompiler.Compile(envelope);
    const fieldwise = compileObjectChecker(envelope);
    for (const value of [{ batch: [valid], sent_at: {} }, { batch: {} }, { batch: [valid], extra: 1 }, { batch: [] }]) {
      expect(fieldwise.Check(value)).toBe(false);
      expect(validationDetails(fieldwise.Errors(value))).toEqual(validationDetails(full.Errors(value)));
    }
  });

  test("a valid event passes and lists nothing", () => {
    expect(fieldwise.Check(valid)).toBe(true);
    expect([...fieldwise.Errors(valid)]).toEqual([]);
  });
});
