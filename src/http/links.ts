import { Elysia, t } from "elysia";
import packageJson from "../../package.json";
import { success } from "./openapi";

/**
 * The pages a person opens, in the order the start-up log lists them and GET / links them: the
 * one place to add a page (the dashboard, once it exists: `{ name: "dashboard", path: "/dashboard" }`).
 */
export const PAGES = [
  { name: "API", path: "/api/events" },
  { name: "Swagger UI", path: "/swagger" },
  { name: "OpenAPI document", path: "/swagger/json" },
  { name: "example page", path: "/sdk/example" },
  { name: "dashboard", path: "/dashboard" },
  { name: "health", path: "/health" },
] as const;

/** The address to print for a listening server: a wildcard host is reachable as localhost. */
export function baseUrl(host: string, port: number): string {
  const name = ["0.0.0.0", "::", "[::]", ""].includes(host) ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

const index = t.Object({
  service: t.String(),
  version: t.String(),
  links: t.Array(t.Object({ name: t.String(), href: t.String({ description: "Path on this server." }) })),
});

/** GET /: a small JSON index of the pages above, so the root is not a 404. */
export function indexRoute() {
  const body = { service: packageJson.name, version: packageJson.version, links: PAGES.map(({ name, path }) => ({ name, href: path })) };
  return new Elysia({ name: "index" }).get("/", () => body, {
    response: { 200: index },
    detail: {
      tags: ["Operations"],
      summary: "Links to the API, its docs and the example page",
      security: [],
      responses: { 200: success("Where to go from here.", body) },
    },
  });
}
