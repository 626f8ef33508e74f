import type { AnyElysia } from "elysia";

export interface RouteEntry {
  method: string;
  path: string;
  hooks?: unknown;
}

/**
 * Every route of the app a plugin is mounted in. Elysia rebinds a mounted plugin's
 * getGlobalRoutes to the root app's list (the one @elysiajs/openapi reads); its types keep the
 * method protected, hence the cast. Read it at request time, when every route is registered.
 */
export function appRoutes(plugin: AnyElysia): readonly RouteEntry[] {
  return (plugin as unknown as { getGlobalRoutes(): RouteEntry[] }).getGlobalRoutes();
}

const patterns = new Map<string, RegExp>();

function patternOf(path: string): RegExp {
  let pattern = patterns.get(path);
  if (!pattern) {
    const source = path
      .split("/")
      .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    pattern = new RegExp(`^${source}/?$`);
    patterns.set(path, pattern);
  }
  return pattern;
}

/**
 * The methods the app answers on `pathname`, for a 405's Allow header; empty when no route has
 * that path (a 404). Catch-all routes (the CORS preflight's `/*`) make no path known, but
 * OPTIONS is listed for a known one because that route answers it; HEAD goes with GET.
 */
export function allowedMethods(routes: readonly RouteEntry[], pathname: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (!route.path.includes("*") && patternOf(route.path).test(pathname)) methods.add(route.method.toUpperCase());
  }
  if (methods.size === 0) return [];
  if (methods.has("GET")) methods.add("HEAD");
  methods.add("OPTIONS");
  return [...methods].sort();
}
