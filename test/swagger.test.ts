import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import packageJson from "../package.json";
import { EVENT_TYPES } from "../src/events/model";
import { buildApp, postJson, send, type TestApp } from "./support/app";
import { expectEnvelope } from "./support/envelope";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(backend.name, () => {
    interface MediaType {
      schema: {
        properties: Record<string, { anyOf?: { const: string }[]; enum?: string[] }>;
        example?: Record<string, unknown>;
      };
    }
    interface Operation {
      tags?: string[];
      summary?: string;
      description: string;
      requestBody: { content: Record<string, MediaType> };
      responses: Record<string, unknown>;
    }
    interface Spec {
      info: { title: string; version: string; description: string };
      tags: { name: string }[];
      paths: Record<string, Record<string, Operation>>;
    }

    let ctx: TestApp;
    let spec: Spec;
    beforeAll(async () => {
      ctx = await buildApp(backend);
      const response = await send(ctx.app, "/swagger/json");
      expect(response.status).toBe(200);
      spec = (await response.json()) as Spec;
    });
    afterAll(async () => {
      await ctx.close();
    });

    const postEvents = () => spec.paths["/api/events"]!.post!;

    describe("Swagger UI", () => {
      test("/swagger answers an HTML page that loads the OpenAPI JSON", async () => {
        const response = await send(ctx.app, "/swagger");
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toStartWith("text/html");
        const html = await response.text();
        expect(html).toContain("<html");
        expect(html).toContain("/swagger/json");
      });

      test("its script and stylesheet are served locally, not from a CDN", async () => {
        const html = await (await send(ctx.app, "/swagger")).text();
        expect(html).not.toMatch(/src="https?:|href="https?:/);
        for (const [asset, type] of [["swagger-ui-bundle.js", "javascript"], ["swagger-ui.css", "css"]] as const) {
          expect(html).toContain(`/swagger/assets/${asset}`);
          const response = await send(ctx.app, `/swagger/assets/${asset}`);
          expect(response.status).toBe(200);
          expect(response.headers.get("content-type")).toContain(type);
          expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
        }
      });

      test("an unknown asset is a 404 envelope, and no file outside the asset list is served", async () => {
        for (const name of ["nope.js", "package.json", "..%2F..%2Fpackage.json"]) {
          await expectEnvelope(await send(ctx.app, `/swagger/assets/${name}`), 404, "not_found");
        }
      });
    });

    describe("OpenAPI document", () => {
      test("has the title, the package version, a description and tags", () => {
        expect(spec.info.title).toBe("Event ingest API");
        expect(spec.info.version).toBe(packageJson.version);
        expect(spec.info.description.length).toBeGreaterThan(20);
        expect(spec.tags.map((tag) => tag.name)).toEqual(expect.arrayContaining(["Events", "Operations"]));
        expect(postEvents().tags).toEqual(["Events"]);
        expect(spec.paths["/health"]!.get!.tags).toEqual(["Operations"]);
      });

      test("documents POST /api/events for JSON and text/plain bodies", () => {
        expect(Object.keys(postEvents().requestBody.content)).toEqual(expect.arrayContaining(["application/json", "text/plain"]));
      });

      test("the event_type enum is exactly EVENT_TYPES", () => {
        for (const media of Object.values(postEvents().requestBody.content)) {
          const eventType = media.schema.properties.event_type!;
          const values = eventType.enum ?? eventType.anyOf!.map((option) => option.const);
          expect(values).toEqual([...EVENT_TYPES]);
        }
      });

      test("has one request example per event type, each a body the API accepts", async () => {
        // The docs plugin builds requestBody from the schema alone, so the per-type examples are
        // JSON blocks in the operation description.
        const blocks = [...postEvents().description.matchAll(/```json\n([^`]+)\n```/g)].map((match) => JSON.parse(match[1]!) as Record<string, unknown>);
        expect(blocks.map((example) => example.event_type).sort()).toEqual([...EVENT_TYPES].sort());
        // "Try it out" must be a real manual test: every example is accepted as is, as JSON and as text/plain.
        for (const example of blocks) {
          for (const type of ["application/json", "text/plain"]) {
            expect((await postJson(ctx.app, "/api/events", example, type)).status).toBe(202);
          }
        }
      });

      test("the body schema carries a prefilled example the API accepts", async () => {
        for (const type of ["application/json", "text/plain"]) {
          const example = postEvents().requestBody.content[type]!.schema.example;
          expect(example).toBeDefined();
          expect((await postJson(ctx.app, "/api/events", example, type)).status).toBe(202);
        }
      });

      test("documents the 202, 400, 413 and 422 answers, errors with the envelope schema", () => {
        const responses = postEvents().responses as Record<string, { content: Record<string, { schema: { required?: string[] } }> }>;
        expect(Object.keys(responses)).toEqual(expect.arrayContaining(["202", "400", "413", "422"]));
        for (const status of ["400", "413", "422"]) {
          expect(responses[status]!.content["application/json"]!.schema.required?.sort()).toEqual(["details", "error", "message", "request_id"]);
        }
      });

      test("does not list the docs routes themselves", () => {
        expect(Object.keys(spec.paths)).not.toContain("/swagger");
        expect(Object.keys(spec.paths)).not.toContain("/swagger/json");
      });
    });
  });
}
