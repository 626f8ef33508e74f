import { afterEach, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, bearer, buildApp, closeApps, send, type TestApp } from "../support/app";
import { backends } from "../support/backends";
import { expectEnvelope } from "../support/envelope";
import { listEvents } from "../support/listing";
import { USER_AGENTS } from "../support/user-agents";

/** Four events through real ingest: different pages, campaigns, browsers, one violating its plan, one from a bot. */
async function seed(app: TestApp["app"]) {
  const post = (userAgent: string, event: Record<string, unknown>) =>
    send(app, "/api/events", { method: "POST", headers: { "content-type": "application/json", "user-agent": userAgent }, body: JSON.stringify(event) });
  const sent = [
    [USER_AGENTS.chrome, { session_id: "desk", event_type: "card_click", payload: { card_id: "c1" }, context: { path: "/search", utm_source: "newsletter" } }],
    [USER_AGENTS.iphone, { session_id: "phone", event_type: "card_click", payload: { card_id: "c2" }, context: { path: "/search", utm_source: "ads" } }],
    [USER_AGENTS.iphone, { session_id: "phone", event_type: "sage_query", payload: { results: 3 }, context: { path: "/help" } }],
    [USER_AGENTS.googlebot, { session_id: "crawler", event_type: "card_click", payload: { card_id: "c3" }, context: { path: "/search" } }],
  ] as const;
  for (const [userAgent, event] of sent) expect((await post(userAgent, event)).status).toBe(202);
}

const sessions = async (app: TestApp["app"], query: string) => (await listEvents(app, query)).map((event) => event.session_id).reverse();

for (const backend of backends) {
  describe(backend.name, () => {
    afterEach(closeApps);

    describe("the read side filters on path, browser, device, utm_source, violations and bots", () => {
      test("each filter alone, and combined with the others", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN, BOT_FILTER: "flag" });
        await seed(app);
        expect(await sessions(app, "path=/search")).toEqual(["desk", "phone", "crawler"]);
        expect(await sessions(app, "browser=Safari")).toEqual(["phone", "phone"]);
        expect(await sessions(app, "device=desktop")).toEqual(["desk"]);
        expect(await sessions(app, "utm_source=ads")).toEqual(["phone"]);
        expect(await sessions(app, "flagged=true")).toEqual(["phone"]);
        expect(await sessions(app, "flagged=false")).toEqual(["desk", "phone", "crawler"]);
        expect(await sessions(app, "bot=true")).toEqual(["crawler"]);
        expect(await sessions(app, "bot=false")).toEqual(["desk", "phone", "phone"]);
        expect(await sessions(app, "path=/search&device=mobile&bot=false")).toEqual(["phone"]);
        expect(await sessions(app, "path=/nowhere")).toEqual([]);
      });

      test("a bad filter value is a 422 naming the parameter", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN });
        const cases: [string, string][] = [
          ["flagged=maybe", "/flagged"],
          ["bot=1", "/bot"],
          [`path=${"x".repeat(1025)}`, "/path"],
          ["browser=", "/browser"],
          ["utm_source=a%00b", "/utm_source"],
        ];
        for (const [query, path] of cases) {
          const body = await expectEnvelope(await send(app, `/api/events?${query}`, { headers: bearer() }), 422, "validation_failed");
          expect(body.details.map((detail) => detail.path)).toContain(path);
        }
      });
    });

    describe("export carries the context, client and violations, and takes the same filters", () => {
      test("NDJSON lines match the listing; CSV has one column per origin field", async () => {
        const { app } = await buildApp(backend, { ADMIN_TOKEN, BOT_FILTER: "flag" });
        await seed(app);
        const ndjson = await (await send(app, "/api/events/export?flagged=true", { headers: bearer() })).text();
        expect(ndjson.trim().split("\n").map((line) => JSON.parse(line))).toEqual(await listEvents(app, "flagged=true"));
        const [line] = ndjson.trim().split("\n").map((text) => JSON.parse(text));
        expect(line.violations).toEqual([{ path: "/payload/query", reason: "missing", message: "is required" }]);
        expect(line.context.path).toBe("/help");
        expect(line.client).toMatchObject({ browser: "Safari", device: "mobile", is_bot: false });

        const csv = await (await send(app, "/api/events/export?format=csv&bot=true", { headers: bearer() })).text();
        const [header, row, end] = csv.split("\r\n");
        expect(end).toBe("");
        const record = Object.fromEntries(header!.split(",").map((column, i) => [column, row!.split(",")[i]]));
        expect(record).toMatchObject({ session_id: "crawler", path: "/search", browser: "Googlebot", device: "bot", is_bot: "true", violations: "", user_agent: "" });
      });
    });
  });
}
