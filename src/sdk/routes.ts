import { Elysia } from "elysia";
import type { SdkBundle, StaticAsset } from "./bundle";

// The URL carries no version, so caches revalidate after five minutes (a cheap 304 thanks to
// the ETag) and a new release reaches every page within that time.
const CACHE_CONTROL = "public, max-age=300, must-revalidate";

// Not in Swagger: the docs plugin leaves out file-like paths such as /sdk.js, and the example
// page is for people, not API clients. Both are described in the README.
export function sdkRoutes(sdk: SdkBundle) {
  return new Elysia({ name: "sdk" })
    .get("/sdk.js", ({ request, set }) => serve(request, sdk.script, set.headers.vary))
    .get(
      "/sdk/example",
      () => new Response(sdk.examplePage, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" } }),
      { detail: { hide: true } },
    );
}

/** `vary` is what the CORS layer already varies on (Origin); the encoding is added to it. */
function serve(request: Request, asset: StaticAsset, vary: string | undefined): Response {
  const gzip = acceptsGzip(request.headers.get("accept-encoding"));
  const { body, etag } = gzip ? asset.gzip : asset.plain;
  const headers: Record<string, string> = {
    etag,
    "cache-control": CACHE_CONTROL,
    vary: vary ? `${vary}, Accept-Encoding` : "Accept-Encoding",
  };
  if (matches(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
  headers["content-type"] = asset.contentType;
  headers["x-content-type-options"] = "nosniff";
  if (gzip) headers["content-encoding"] = "gzip";
  return new Response(body, { headers });
}

// If-None-Match uses weak comparison (RFC 9110 13.1.2): a W/ prefix still matches.
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const candidate = tag.trim();
    return candidate === "*" || candidate.replace(/^W\//, "") === etag;
  });
}

function acceptsGzip(acceptEncoding: string | null): boolean {
  return (acceptEncoding ?? "").split(",").some((entry) => {
    const [coding, ...params] = entry.trim().toLowerCase().split(";");
    const refused = params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param));
    return (coding === "gzip" || coding === "*") && !refused;
  });
}
