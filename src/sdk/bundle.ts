import { join } from "node:path";
import { bundleScript, type StaticAsset } from "../http/static-asset";

/** What GET /sdk.js and GET /sdk/example serve. */
export interface SdkBundle {
  script: StaticAsset;
  examplePage: string;
}

const CLIENT_ENTRY = join(import.meta.dir, "..", "client", "browser.ts");
const EXAMPLE_PAGE = join(import.meta.dir, "example.html");

/**
 * Builds the browser client from its TypeScript source with Bun's bundler, in memory at
 * start-up: a fresh clone needs no build step and the served file always matches the source it
 * runs next to.
 */
export async function buildSdk(): Promise<SdkBundle> {
  return {
    script: await bundleScript(CLIENT_ENTRY, "the browser client"),
    examplePage: await Bun.file(EXAMPLE_PAGE).text(),
  };
}
