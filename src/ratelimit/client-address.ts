import { isIP } from "node:net";

export interface AddressSource {
  requestIP(request: Request): { address: string } | null;
}

/**
 * The address a request came from. With `trustedProxies` = N > 0, the N-th X-Forwarded-For entry
 * from the right is used: that is the address the outermost trusted proxy saw, and entries to
 * its left were written by the client, who could put anything there. With 0 the header is
 * ignored, so a client cannot dodge the limit by sending one.
 */
export function clientAddress(request: Request, server: AddressSource | null, trustedProxies: number): string {
  if (trustedProxies > 0) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",").map((entry) => entry.trim());
    const candidate = forwarded?.[Math.max(0, forwarded.length - trustedProxies)];
    if (candidate && isIP(candidate)) return candidate;
  }
  return server?.requestIP(request)?.address ?? "unknown";
}
