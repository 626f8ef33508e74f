/** One cacheable file, ready in plain and gzip form; each form has its own ETag. */
export interface StaticAsset {
  contentType: string;
  plain: { body: Uint8Array<ArrayBuffer>; etag: string };
  gzip: { body: Uint8Array<ArrayBuffer>; etag: string };
}

export function staticAsset(contentType: string, body: Uint8Array<ArrayBuffer>): StaticAsset {
  const hash = new Bun.CryptoHasher("sha256").update(body).digest("base64url").slice(0, 22);
  return {
    contentType,
    plain: { body, etag: `"${hash}"` },
    gzip: { body: Bun.gzipSync(body, { level: 9 }), etag: `"${hash}-gz"` },
  };
}

/** Builds one browser script from its TypeScript entry with Bun's bundler (`bun build --minify --format iife`), in memory. */
export async function bundleScript(entry: string, what: string): Promise<StaticAsset> {
  const result = await Bun.build({ entrypoints: [entry], target: "browser", format: "iife", minify: true });
  const [output] = result.outputs;
  if (!result.success || output === undefined) {
    throw new Error(`building ${what} failed: ${result.logs.map(String).join("; ")}`);
  }
  return staticAsset("text/javascript; charset=utf-8", new Uint8Array(await output.arrayBuffer()));
}

/**
 * Answers a GET for `asset`: gzip when the client takes it, 304 when its ETag matches.
 * `vary` is what the CORS layer already varies on (Origin); the encoding is added to it.
 */
export function serveStatic(request: Request, asset: StaticAsset, cacheControl: string, vary: string | undefined): Response {
  const gzip = acceptsGzip(request.headers.get("accept-encoding"));
  const { body, etag } = gzip ? asset.gzip : asset.plain;
  const headers: Record<string, string> = {
    etag,
    "cache-control": cacheControl,
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
