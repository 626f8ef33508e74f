import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import packageJson from "../package.json";
import { EVENT_TYPES } from "../src/events/model";
import { eventSchemaName } from "../src/events/openapi";
import { TRACKING_PLAN } from "../src/events/plan";
import { buildApp, postJson, send, type TestApp } from "./support/app";
import { expectEnvelope } from "./support/envelope";
import { backends } from "./support/backends";

for (const backend of backends) {
  describe(backend.name, () => {
    interface MediaType {
      schema: { properties?: Record<string, { enum?: string[] }>; $ref?: string };
      example?: unknown;
      examples?: Record<string, { value: unknown }>;
    }
    interface Operation {
      tags?: string[];
      summary?: string;
      description: string;
      security?: unknown[];
      parameters?: { name: string; example?: unknown; schema: { enum?: string[]; example?: unknown; default?: unknown } }[];
      requestBody: { content: Record<string, MediaType> };
      responses: Record<string, { description: string; headers?: Record<string, unknown>; content: Record<string, MediaType> }>;
    }
    interface Spec {
      info: { title: string; version: string; description: string };
      tags: { name: string }[];
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, { required?: string[] }> };
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

      const ingest = () => [spec.paths["/api/events"]!.post!, spec.paths["/api/events/batch"]!.post!];
      const operations = () => Object.entries(spec.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })));

      test("ingest bodies are documented as exactly the media types the server reads: JSON and text/plain", () => {
        for (const operation of ingest()) {
          expect(Object.keys(operation.requestBody.content).sort()).toEqual(["application/json", "text/plain"]);
        }
      });

      test("the event_type enum is exactly EVENT_TYPES", () => {
        for (const media of Object.values(postEvents().requestBody.content)) {
          expect(media.schema.properties!.event_type!.enum).toEqual([...EVENT_TYPES]);
        }
      });

      test("the body is a oneOf over the tracking plan, discriminated on event_type, one component and example per type", () => {
        for (const operation of ingest()) {
          for (const media of Object.values(operation.requestBody.content)) {
            const schema = (media.schema as { items?: unknown; properties?: { batch?: { items: unknown } } }).properties?.batch?.items ?? media.schema;
            const { oneOf, discriminator } = schema as { oneOf: { $ref: string }[]; discriminator: { propertyName: string; mapping: Record<string, string> } };
            expect(oneOf.map((branch) => branch.$ref)).toEqual(EVENT_TYPES.map((type) => `#/components/schemas/${eventSchemaName(type)}`));
            expect(discriminator.propertyName).toBe("event_type");
            expect(Object.keys(discriminator.mapping)).toEqual([...EVENT_TYPES]);
          }
        }
        for (const type of EVENT_TYPES) {
          const component = spec.components.schemas[eventSchemaName(type)] as unknown as {
            properties: { event_type: { const: string }; payload: unknown };
            example: { event_type: string; payload: unknown };
          };
          expect(component.properties.event_type.const).toBe(type);
          expect(component.properties.payload).toMatchObject(JSON.parse(JSON.stringify(TRACKING_PLAN[type].payload)));
          expect(component.example).toMatchObject({ event_type: type, payload: TRACKING_PLAN[type].example });
        }
      });

      test("Try it out offers one example per event type, each accepted as is, as JSON and as text/plain", async () => {
        for (const media of Object.values(postEvents().requestBody.content)) {
          const examples = Object.values(media.examples!).map((example) => example.value as { event_type: string });
          expect(examples.map((example) => example.event_type)).toEqual([...EVENT_TYPES]);
        }
        for (const [type, media] of Object.entries(postEvents().requestBody.content)) {
          for (const example of Object.values(media.examples!)) {
            expect((await postJson(ctx.app, "/api/events", example.value, type)).status).toBe(202);
          }
        }
      });

      test("every batch example is accepted with no event rejected", async () => {
        for (const example of Object.values(spec.paths["/api/events/batch"]!.post!.requestBody.content["application/json"]!.examples!)) {
          const response = await postJson(ctx.app, "/api/events/batch", example.value);
          expect(response.status).toBe(202);
          expect(((await response.json()) as { rejected: unknown[] }).rejected).toEqual([]);
        }
      });

      test("the 202 has a description and the example the server really answers", async () => {
        const accepted = postEvents().responses["202"]!;
        expect(accepted.description.length).toBeGreaterThan(10);
        const example = Object.values(postEvents().requestBody.content["application/json"]!.examples!)[0]!.value;
        const answer = await (await postJson(ctx.app, "/api/events", { ...(example as object), event_id: crypto.randomUUID() })).json();
        expect(accepted.content["application/json"]!.example).toEqual(answer);
      });

      test("ingest documents every status it answers, errors with the envelope schema and an example", () => {
        for (const operation of ingest()) {
          expect(Object.keys(operation.responses).sort()).toEqual(["202", "400", "413", "415", "422", "429", "503"]);
          for (const status of ["400", "413", "415", "422", "429", "503"]) {
            const media = operation.responses[status]!.content["application/json"]!;
            expect(media.schema).toEqual({ $ref: "#/components/schemas/ErrorEnvelope" });
            expect(Object.values(media.examples!).length).toBeGreaterThan(0);
          }
        }
        expect(spec.components.schemas.ErrorEnvelope!.required!.sort()).toEqual(["details", "error", "message", "request_id"]);
      });

      test("read and admin routes document 401 and 403, read routes 503 busy, and export its files", () => {
        for (const [path, method] of [["/api/events", "get"], ["/api/stats/events", "get"], ["/api/events/export", "get"], ["/api/admin/purge", "post"]] as const) {
          expect(Object.keys(spec.paths[path]![method]!.responses)).toEqual(expect.arrayContaining(["200", "401", "403"]));
        }
        for (const path of ["/api/events", "/api/stats/events", "/api/events/export"] as const) {
          expect(Object.keys(spec.paths[path]!.get!.responses["503"]!.content["application/json"]!.examples!)).toEqual(["busy"]);
        }
        const exported = spec.paths["/api/events/export"]!.get!.responses;
        expect(Object.keys(exported).sort()).toEqual(["200", "401", "403", "422", "503"]);
        expect(Object.keys(exported["200"]!.content).sort()).toEqual(["application/x-ndjson", "text/csv"]);
      });

      test("response headers: x-request-id everywhere, Retry-After on 429 and 503, WWW-Authenticate on 401, Content-Disposition on export", () => {
        for (const { key, op } of operations()) {
          for (const [status, response] of Object.entries(op.responses)) {
            expect({ key, status, headers: Object.keys(response.headers ?? {}) }).toEqual({ key, status, headers: expect.arrayContaining(["x-request-id"]) });
            if (status === "429" || status === "503") {
              if (key !== "GET /health") expect(Object.keys(response.headers!)).toContain("retry-after");
            }
            if (status === "401") expect(Object.keys(response.headers!)).toContain("www-authenticate");
          }
        }
        expect(Object.keys(spec.paths["/api/events/export"]!.get!.responses["200"]!.headers!)).toContain("content-disposition");
      });

      test("bucket and format are enums", () => {
        const param = (path: string, name: string) => spec.paths[path]!.get!.parameters!.find((parameter) => parameter.name === name)!;
        expect(param("/api/stats/events", "bucket").schema.enum).toEqual(["minute", "hour", "day"]);
        expect(param("/api/events/export", "format").schema.enum).toEqual(["ndjson", "csv"]);
      });

      test("no read parameter is prefilled with a time: from and to have no example or default", () => {
        for (const { op } of operations()) {
          for (const parameter of op.parameters ?? []) {
            if (parameter.name !== "from" && parameter.name !== "to") continue;
            expect(parameter.schema.example).toBeUndefined();
            expect(parameter.schema.default).toBeUndefined();
            expect(parameter.example).toBeUndefined();
          }
        }
      });

      test("every operation states its security: none on ingest and health, the admin token on reads", () => {
        for (const { key, op } of operations()) {
          expect({ key, security: op.security }).toEqual({
            key,
            security: ["POST /api/events", "POST /api/events/batch", "GET /health", "GET /"].includes(key) ? [] : [{ adminToken: [] }],
          });
        }
      });

      test("does not list the docs routes themselves", () => {
        expect(Object.keys(spec.paths)).not.toContain("/swagger");
        expect(Object.keys(spec.paths)).not.toContain("/swagger/json");
      });

      test("no UI page that loads from a CDN is mounted", async () => {
        await expectEnvelope(await send(ctx.app, "/swagger/cdn"), 404, "not_found");
      });
    });
  });
}
