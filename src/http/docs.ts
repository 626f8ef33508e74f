import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";
import { dirname, join } from "node:path";
import packageJson from "../../package.json";
import { ADMIN_SECURITY_SCHEME } from "../auth/admin-token";
import { HttpError } from "./errors";

const UI_PATH = "/swagger";
const SPEC_PATH = `${UI_PATH}/json`;
const ASSETS = ["swagger-ui.css", "swagger-ui-bundle.js"] as const;
const assetFolder = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));

// Served from the installed swagger-ui-dist rather than a CDN, so the docs work on a
// self-hosted machine with no internet access.
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
    window.onload = () => { window.ui = SwaggerUIBundle({ url: "${SPEC_PATH}", dom_id: "#swagger-ui", deepLinking: true }); };
  </script>
</body>
</html>`;

/**
 * OpenAPI JSON at /swagger/json and Swagger UI at /swagger. The one place that knows the docs
 * plugin: @elysiajs/swagger is deprecated upstream in favour of @elysiajs/openapi, so swapping
 * it touches only this file.
 */
export function apiDocs() {
  return new Elysia({ name: "api-docs" })
    .use(
      swagger({
        // The plugin's own UI page loads from a CDN; ours (below) replaces it.
        path: `${UI_PATH}/cdn`,
        specPath: SPEC_PATH,
        provider: "swagger-ui",
        documentation: {
          info: {
            title: "Event ingest API",
            version: packageJson.version,
            description:
              "Captures user-behaviour events from web frontends and stores them durably. " +
              "Every error answers with the same JSON envelope: `{error, message, details, request_id}`.",
          },
          tags: [
            { name: "Events", description: "Event capture (no authentication)" },
            { name: "Operations", description: "Health and operations" },
            { name: "Read", description: "Aggregation, listing and export (admin token)" },
            { name: "Admin", description: "Maintenance (admin token)" },
          ],
          components: {
            securitySchemes: {
              [ADMIN_SECURITY_SCHEME]: {
                type: "http",
                scheme: "bearer",
                description: "The server's ADMIN_TOKEN. Read and admin endpoints answer 401 without it, 403 if the server has none.",
              },
            },
          },
        },
      }),
    )
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
