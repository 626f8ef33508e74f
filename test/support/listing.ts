import { expect } from "bun:test";
import type { ApiEvent } from "../../src/listing/model";
import { bearer, send, type TestApp } from "./app";

/** Every stored event, newest first, through GET /api/events (the app needs ADMIN_TOKEN). */
export async function listEvents(app: TestApp["app"], query = ""): Promise<ApiEvent[]> {
  const response = await send(app, `/api/events?limit=1000${query ? `&${query}` : ""}`, { headers: bearer() });
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: ApiEvent[] }).events;
}
