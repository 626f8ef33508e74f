import type { TObject } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { validationDetails } from "../http/validation";
import { EVENT_TYPES } from "./model";
import { type EventType, TRACKING_PLAN } from "./plan";

/** What to do with an event whose payload breaks the tracking plan (PAYLOAD_SCHEMA). */
export const PAYLOAD_POLICIES = ["flag", "enforce", "off"] as const;
export type PayloadPolicy = (typeof PAYLOAD_POLICIES)[number];

/** Why a payload breaks the plan: a short, fixed set, so it can label a metric. */
export const VIOLATION_REASONS = ["missing", "wrong_type", "too_short", "too_long", "too_small", "too_large", "invalid"] as const;
export type ViolationReason = (typeof VIOLATION_REASONS)[number];

/** One way a payload breaks its event type's plan; stored with a flagged event. */
export interface Violation {
  /** JSON Pointer into the event, e.g. /payload/card_id. */
  path: string;
  reason: ViolationReason;
  /** The same plain-English phrase a 422 would give. */
  message: string;
}

// Compiled once per type at start-up: a conforming payload costs one generated function call.
const checkers = {} as Record<EventType, TypeCheck<TObject>>;
for (const type of EVENT_TYPES) checkers[type] = TypeCompiler.Compile(TRACKING_PLAN[type].payload);

// A payload with hundreds of wrong fields still gets a short record.
const MAX_VIOLATIONS = 16;

/** Where `payload` breaks the plan of `eventType`; empty when it conforms. */
export function payloadViolations(eventType: EventType, payload: unknown): Violation[] {
  const checker = checkers[eventType];
  if (checker.Check(payload)) return [];
  const firstByPath = new Map<string, ValueError>();
  for (const error of checker.Errors(payload)) {
    if (!firstByPath.has(error.path)) firstByPath.set(error.path, error);
    if (firstByPath.size >= MAX_VIOLATIONS) break;
  }
  return [...firstByPath.values()].map((error) => ({
    path: `/payload${error.path}`,
    reason: reasonOf(error.type),
    message: validationDetails([error])[0]!.message,
  }));
}

function reasonOf(type: ValueErrorType): ViolationReason {
  switch (type) {
    case ValueErrorType.ObjectRequiredProperty:
      return "missing";
    case ValueErrorType.StringMinLength:
      return "too_short";
    case ValueErrorType.StringMaxLength:
      return "too_long";
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
      return "too_small";
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.NumberExclusiveMaximum:
      return "too_large";
    case ValueErrorType.String:
    case ValueErrorType.Integer:
    case ValueErrorType.Number:
    case ValueErrorType.Boolean:
    case ValueErrorType.Null:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
    case ValueErrorType.Union:
      return "wrong_type";
    default:
      return "invalid";
  }
}
