import { expect } from "bun:test";
import { bearer, send, type TestApp } from "./app";
import { settle } from "./events";

/** The value of one sample line of the exposition text, or undefined if absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** GET /metrics with the admin token (the app needs ADMIN_TOKEN), after the response hooks ran. */
export async function scrape(app: TestApp["app"]): Promise<string> {
  await settle();
  const response = await send(app, "/metrics", { headers: bearer() });
  expect(response.status).toBe(200);
  return response.text();
}
