import { join } from "node:path";
import { bundleScript, type StaticAsset, staticAsset } from "../http/static-asset";

/** What GET /dashboard and its two assets serve. */
export interface DashboardBundle {
  page: StaticAsset;
  script: StaticAsset;
  styles: StaticAsset;
}

const ENTRY = join(import.meta.dir, "client", "main.ts");
const PAGE = join(import.meta.dir, "page.html");
const STYLES = join(import.meta.dir, "dashboard.css");
const CHART_STYLES = Bun.resolveSync("uplot/dist/uPlot.min.css", import.meta.dir);

/**
 * Builds the dashboard in memory at start-up, as the SDK is built: the script from its
 * TypeScript source with uPlot bundled in, the styles as uPlot's sheet followed by ours. Every
 * byte comes from this process (no CDN), so the dashboard works on a machine with no internet.
 */
export async function buildDashboard(): Promise<DashboardBundle> {
  const [script, page, chartStyles, styles] = await Promise.all([
    bundleScript(ENTRY, "the dashboard"),
    Bun.file(PAGE).bytes(),
    Bun.file(CHART_STYLES).text(),
    Bun.file(STYLES).text(),
  ]);
  return {
    page: staticAsset("text/html; charset=utf-8", page),
    script,
    styles: staticAsset("text/css; charset=utf-8", new TextEncoder().encode(`${chartStyles}\n${styles}`)),
  };
}
