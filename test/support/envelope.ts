import { expect } from "bun:test";
import type { ErrorEnvelope } from "../../src/http/errors";

/**
 * Asserts that `response` is the error envelope with `status` and machine code `error`:
 * exactly the keys {error, message, details, request_id}, a JSON content type, details as
 * {path, message} pairs, and the request id echoed in the x-request-id header.
 */
export async function expectEnvelope(response: Response, status: number, error: string): Promise<ErrorEnvelope> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toMatchObject({ status });
  expect(response.headers.get("content-type")).toStartWith("application/json");
  const body = JSON.parse(text) as ErrorEnvelope;
  expect(Object.keys(body).sort()).toEqual(["details", "error", "message", "request_id"]);
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe("string");
  expect(body.message.length).toBeGreaterThan(0);
  expect(Array.isArray(body.details)).toBe(true);
  for (const detail of body.details) {
    expect(Object.keys(detail).sort()).toEqual(["message", "path"]);
    expect(typeof detail.path).toBe("string");
    expect(typeof detail.message).toBe("string");
  }
  expect(body.request_id.length).toBeGreaterThan(0);
  expect(response.headers.get("x-request-id")).toBe(body.request_id);
  return body;
}
