import { toOpenAPISchema } from "@elysiajs/openapi/openapi";
import { type AnyElysia, Elysia } from "elysia";
import { dirname, join } from "node:path";
import packageJson from "../../package.json";
import { ADMIN_SECURITY_SCHEME } from "../auth/admin-token";
import { errorEnvelope, HttpError } from "./errors";
import { eventTypeSchemas } from "../events/openapi";
import { ENVELOPE_SCHEMA_NAME } from "./openapi";
import { appRoutes } from "./routes-table";

export const UI_PATH = "/swagger";
export const SPEC_PATH = `${UI_PATH}/json`;
const OPENAPI_VERSION = "3.1.1";
const ASSETS = ["swagger-ui.css", "swagger-ui-bundle.js"] as const;
const assetFolder = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));

// Served from the installed swagger-ui-dist rather than a CDN, so the docs work on a
// self-hosted machine with no internet access. persistAuthorization keeps the pasted token
// across reloads; tryItOutEnabled opens every form ready to Execute.
const uiPage = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>${packageJson.name} API</title>
  <link rel="stylesheet" href="${UI_PATH}/assets/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${UI_PATH}/assets/swagger-ui-bundle.js"></script>
  <script>
    window.onload = () => {
      window.ui = SwaggerUIBundle({ url: "${SPEC_PATH}", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: true, tryItOutEnabled: true, displayRequestDuration: true });
    };
  </script>
</body>
</html>`;

const description = `Captures user-behaviour events from web frontends and stores them durably: a 202 means the event is committed.

**Try it:** open \`POST /api/events\`, pick an example, press **Execute**.

**Reading needs the admin token.** The read and admin endpoints (marked with a lock) need the server's \`ADMIN_TOKEN\`.
Click **Authorize** (top right), paste the token (the value you started the server with, e.g. from \`.env\`), press
**Authorize**, then **Close**: every "Try it out" request now sends \`Authorization: Bearer <token>\`. Without it they
answer 401; a server started without \`ADMIN_TOKEN\` answers 403 and says how to turn them on.
\`GET /api/events\` with no field filled in lists what is stored, newest first; \`GET /api/stats/events\` counts the last 24 hours.

Every error answers with the same JSON envelope (\`${ENVELOPE_SCHEMA_NAME}\`: \`{error, message, details, request_id}\`),
and every answer carries the request id in \`x-request-id\`.`;

type Operation = Record<string, unknown> & { responses?: Record<string, Record<string, unknown>> };
type Detail = { requestBody?: { content: Record<string, object> }; responses?: Record<string, { content?: Record<string, object> }> };

const plain = <T>(schema: T): T => JSON.parse(JSON.stringify(schema));

/**
 * Completes one generated operation with what its route's `detail` documents: media types and
 * examples of the body (the generator cannot see a custom parser's types), and each response's
 * description, headers and examples (kept over the generated schema; a complete one replaces it).
 */
function complete(operation: Operation, detail: Detail, body: unknown): Operation {
  const merged: Operation = { ...operation };
  if (detail.requestBody && body) {
    const schema = plain(body);
    const content = Object.fromEntries(Object.entries(detail.requestBody.content).map(([type, media]) => [type, { schema, ...media }]));
    merged.requestBody = { ...detail.requestBody, content };
  }
  if (detail.responses) {
    const responses = { ...operation.responses };
    for (const [status, documented] of Object.entries(detail.responses)) {
      const generated = responses[status] as { content?: Record<string, { schema?: unknown }> } | undefined;
      const schemaFor = (type: string) => generated?.content?.[type]?.schema ?? generated?.content?.["application/json"]?.schema;
      const content = documented.content
        ? Object.fromEntries(
            Object.entries(documented.content).map(([type, media]) => {
              const schema = schemaFor(type);
              return [type, { ...(schema ? { schema } : {}), ...media }];
            }),
          )
        : generated?.content;
      responses[status] = { ...generated, ...documented, ...(content ? { content } : {}) };
    }
    merged.responses = responses;
  }
  return merged;
}

/** The OpenAPI 3.1 document of every route of `app` that is not hidden. */
export function openApiDocument(app: AnyElysia) {
  const { paths } = toOpenAPISchema(app, undefined, undefined, undefined, OPENAPI_VERSION) as unknown as { paths: Record<string, Record<string, Operation>> };
  for (const route of appRoutes(app)) {
    const hooks = route.hooks as { detail?: Detail & { hide?: boolean }; body?: unknown } | undefined;
    if (!hooks?.detail || hooks.detail.hide) continue;
    const path = route.path.replace(/:([^/]+)/g, "{$1}");
    const method = route.method.toLowerCase();
    const operation = paths[path]?.[method];
    if (operation) paths[path]![method] = complete(operation, hooks.detail, hooks.body);
  }
  return {
    openapi: OPENAPI_VERSION,
    info: { title: "Event ingest API", version: packageJson.version, description },
    servers: [{ url: "/", description: "This server" }],
    tags: [
      { name: "Events", description: "Event capture (no authentication)" },
      { name: "Read", description: "Aggregation, listing and export (admin token)" },
      { name: "Admin", description: "Maintenance (admin token)" },
      { name: "Operations", description: "Health and metrics" },
    ],
    paths,
    components: {
      schemas: { [ENVELOPE_SCHEMA_NAME]: plain(errorEnvelope), ...eventTypeSchemas },
      securitySchemes: {
        [ADMIN_SECURITY_SCHEME]: {
          type: "http",
          scheme: "bearer",
          description: "The server's ADMIN_TOKEN (set it in the environment or in .env). Read and admin endpoints answer 401 without it, 403 if the server has none.",
        },
      },
    },
  };
}

/**
 * OpenAPI JSON at /swagger/json and Swagger UI at /swagger. The one place that knows the docs
 * generator: @elysiajs/openapi's toOpenAPISchema, called as a library (its own UI page loads
 * from a CDN, so it is not mounted). The document is built once, on first request, when every
 * route is registered.
 */
export function apiDocs() {
  const docs = new Elysia({ name: "api-docs" });
  let document: ReturnType<typeof openApiDocument> | undefined;
  return docs
    .get(SPEC_PATH, () => (document ??= openApiDocument(docs)), { detail: { hide: true } })
    .get(UI_PATH, () => new Response(uiPage, { headers: { "content-type": "text/html; charset=utf-8" } }), {
      detail: { hide: true },
    })
    .get(
      `${UI_PATH}/assets/:file`,
      ({ params }) => {
        if (!(ASSETS as readonly string[]).includes(params.file)) {
          throw new HttpError(404, "not_found", `No docs asset named ${params.file}.`);
        }
        return new Response(Bun.file(join(assetFolder, params.file)), { headers: { "cache-control": "public, max-age=86400" } });
      },
      { detail: { hide: true } },
    );
}
