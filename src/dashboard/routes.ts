import { Elysia } from "elysia";
import { serveStatic } from "../http/static-asset";
import type { DashboardBundle } from "./bundle";

/**
 * Everything the page may load or call is this origin's: no inline script or style (the page
 * has none; uPlot styles elements through the CSSOM, which style-src does not govern), no
 * framing, no form posting anywhere. The token reaches the API only in a header set by script.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE_HEADERS = {
  "content-security-policy": DASHBOARD_CSP,
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

// The page and its assets are public (they hold no data); every number on it comes from the
// read endpoints, which need the admin token. The page is revalidated on every load (a 304),
// the assets after five minutes, so a new release shows up without a hard refresh.
export function dashboardRoutes(dashboard: DashboardBundle) {
  const withHeaders = (response: Response, headers: Record<string, string>) => {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  };
  return new Elysia({ name: "dashboard" })
    .get("/dashboard", ({ request, set }) => withHeaders(serveStatic(request, dashboard.page, "no-cache", set.headers.vary), PAGE_HEADERS), {
      detail: { hide: true },
    })
    .get("/dashboard/app.js", ({ request, set }) => serveStatic(request, dashboard.script, "public, max-age=300, must-revalidate", set.headers.vary), {
      detail: { hide: true },
    })
    .get("/dashboard/app.css", ({ request, set }) => serveStatic(request, dashboard.styles, "public, max-age=300, must-revalidate", set.headers.vary), {
      detail: { hide: true },
    });
}
