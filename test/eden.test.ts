import { treaty } from "@elysiajs/eden";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../src/app";
import { buildApp, type TestApp } from "./support/app";

// The README's Eden Treaty snippet, against the app itself: types come from `export type App`.
describe("Eden Treaty, the typed client for TypeScript users", () => {
  let ctx: TestApp;
  beforeAll(async () => {
    ctx = await buildApp();
  });
  afterAll(async () => {
    await ctx.close();
  });

  test("api.api.events.post sends an event and reads the 202", async () => {
    const api = treaty<App>(ctx.app);
    const { status, data } = await api.api.events.post({ session_id: "3f6c2a9e", event_type: "card_click", payload: {} });
    expect(status).toBe(202);
    expect(data).toEqual({ status: "accepted" });
  });

  test("an unknown event type does not compile, and the server refuses it anyway", async () => {
    const api = treaty<App>(ctx.app);
    // @ts-expect-error: "hover" is not one of EVENT_TYPES
    const { status } = await api.api.events.post({ session_id: "3f6c2a9e", event_type: "hover" });
    expect(status).toBe(422);
  });
});
