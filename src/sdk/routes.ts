import { Elysia } from "elysia";
import { serveStatic } from "../http/static-asset";
import type { SdkBundle } from "./bundle";

// The URL carries no version, so caches revalidate after five minutes (a cheap 304 thanks to
// the ETag) and a new release reaches every page within that time.
const CACHE_CONTROL = "public, max-age=300, must-revalidate";

// Not in Swagger: the docs plugin leaves out file-like paths such as /sdk.js, and the example
// page is for people, not API clients. Both are described in the README.
export function sdkRoutes(sdk: SdkBundle) {
  return new Elysia({ name: "sdk" })
    .get("/sdk.js", ({ request, set }) => serveStatic(request, sdk.script, CACHE_CONTROL, set.headers.vary))
    .get(
      "/sdk/example",
      () => new Response(sdk.examplePage, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" } }),
      { detail: { hide: true } },
    );
}
