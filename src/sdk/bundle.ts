import { join } from "node:path";

/** One cacheable file, ready in plain and gzip form; each form has its own ETag. */
export interface StaticAsset {
  contentType: string;
  plain: { body: Uint8Array<ArrayBuffer>; etag: string };
  gzip: { body: Uint8Array<ArrayBuffer>; etag: string };
}

/** What GET /sdk.js and GET /sdk/example serve. */
export interface SdkBundle {
  script: StaticAsset;
  examplePage: string;
}

const CLIENT_ENTRY = join(import.meta.dir, "..", "client", "browser.ts");
const EXAMPLE_PAGE = join(import.meta.dir, "example.html");

/**
 * Builds the browser client from its TypeScript source with Bun's bundler (what `bun build
 * --minify --format iife` does), in memory at start-up: a fresh clone needs no build step and the
 * served file always matches the source it runs next to.
 */
export async function buildSdk(): Promise<SdkBundle> {
  const result = await Bun.build({ entrypoints: [CLIENT_ENTRY], target: "browser", format: "iife", minify: true });
  const [output] = result.outputs;
  if (!result.success || output === undefined) {
    throw new Error(`building the browser client failed: ${result.logs.map(String).join("; ")}`);
  }
  return {
    script: staticAsset("text/javascript; charset=utf-8", new Uint8Array(await output.arrayBuffer())),
    examplePage: await Bun.file(EXAMPLE_PAGE).text(),
  };
}

function staticAsset(contentType: string, body: Uint8Array<ArrayBuffer>): StaticAsset {
  const hash = new Bun.CryptoHasher("sha256").update(body).digest("base64url").slice(0, 22);
  return {
    contentType,
    plain: { body, etag: `"${hash}"` },
    gzip: { body: Bun.gzipSync(body, { level: 9 }), etag: `"${hash}-gz"` },
  };
}
