/**
 * The routes through which frontends send events: open to everyone, so they are the ones rate
 * limited and counted as accepted or rejected. Keep in step with ./routes.ts and ./batch-routes.ts.
 */
export const INGEST_ROUTES = ["POST /api/events", "POST /api/events/batch"] as const;

/** The ingest route a request targets, if any; matched on the raw path, before Elysia routes it. */
export function ingestRoute(method: string, pathname: string): string | undefined {
  const key = `${method} ${pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname}`;
  return (INGEST_ROUTES as readonly string[]).includes(key) ? key.slice(method.length + 1) : undefined;
}
