import { describe, expect, test } from "bun:test";
import { Elysia, t } from "elysia";
import { errorHandling, requestIds } from "../src/http/error-handler";
import { silentLogger } from "./support/app";
import { expectEnvelope } from "./support/envelope";

// A query array of literals is validated after Elysia's coercion transform, which reports its
// failure as a TransformDecodeCheckError (one error, no list) instead of a ValidationError.
const app = new Elysia({ normalize: false })
  .use(requestIds())
  .use(errorHandling(silentLogger))
  .get("/kinds", ({ query }) => query, {
    query: t.Object({ kind: t.Optional(t.Array(t.Union([t.Literal("a"), t.Literal("b")]))) }),
  });

describe("a value that fails after a transform is a 422 envelope, not a 500", () => {
  test("a query array with an unknown literal", async () => {
    const response = await app.handle(new Request("http://localhost/kinds?kind=z"));
    const body = await expectEnvelope(response, 422, "validation_failed");
    expect(body.details).toHaveLength(1);
    expect(body.details[0]!.message).toContain("must be one of a, b");
  });

  test("the same route accepts known literals", async () => {
    const response = await app.handle(new Request("http://localhost/kinds?kind=a&kind=b"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kind: ["a", "b"] });
  });
});
