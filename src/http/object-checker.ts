import type { Static, TObject } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { ValueError } from "@sinclair/typebox/errors";

/** An object schema's compiled check, and the errors of a value that fails it. */
export interface ObjectChecker<T> {
  Check(value: unknown): value is T;
  Errors(value: unknown): Iterable<ValueError>;
}

/**
 * TypeBox's compiled checker for an object schema, whose error list walks only the fields that
 * fail. TypeBox's own Errors() is not compiled: it walks the whole rejected value, every field and
 * every branch of a union, to find what the compiled check already knew failed. For an event with
 * one unknown event_type that was ~4 µs, a sixth of the 422's CPU; checking each field with its
 * own compiled checker and listing errors only for the failing ones is a fraction of that. A value
 * that is not a plain object of known fields with every required one present (rare, and cheap
 * either way) gets TypeBox's full list, so the answers are the same.
 */
export function compileObjectChecker<Schema extends TObject>(schema: Schema): ObjectChecker<Static<Schema>> {
  const whole = TypeCompiler.Compile(schema);
  const fields = Object.entries(schema.properties).map(([key, property]) => ({
    key,
    pointer: `/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`,
    checker: TypeCompiler.Compile(property),
  }));
  const required = schema.required ?? [];
  const closed = schema.additionalProperties === false;
  const known = (key: string) => Object.hasOwn(schema.properties, key);
  return {
    Check: (value): value is Static<Schema> => whole.Check(value),
    *Errors(value) {
      const object = value as Record<string, unknown>;
      const plain = typeof value === "object" && value !== null && !Array.isArray(value);
      if (!plain || required.some((key) => object[key] === undefined) || (closed && !Object.keys(object).every(known))) {
        yield* whole.Errors(value);
        return;
      }
      for (const { key, pointer, checker } of fields) {
        const field = object[key];
        if (field === undefined || checker.Check(field)) continue;
        for (const error of checker.Errors(field)) yield { ...error, path: pointer + error.path };
      }
    },
  };
}
