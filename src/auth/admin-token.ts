import { createHash, timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import { MIN_ADMIN_TOKEN_LENGTH } from "../config";
import { HttpError } from "../http/errors";

/** The OpenAPI security scheme name; protected routes list it so Swagger's "Try it out" sends the token. */
export const ADMIN_SECURITY_SCHEME = "adminToken";
export const adminSecurity = [{ [ADMIN_SECURITY_SCHEME]: [] }];

const REALM = 'Bearer realm="event-ingest"';

export type AdminCheck = "granted" | "missing" | "invalid" | "disabled";

/**
 * Checks `Authorization: Bearer <token>` against ADMIN_TOKEN. Both sides are hashed first, so
 * the comparison is constant-time over equal-length digests and leaks neither content nor length.
 */
export function adminTokenChecker(adminToken: string | undefined): (authorization: string | null) => AdminCheck {
  if (adminToken === undefined) return () => "disabled";
  const expected = sha256(adminToken);
  return (authorization) => {
    const match = authorization?.match(/^Bearer +(\S+) *$/i);
    if (!match) return "missing";
    return timingSafeEqual(sha256(match[1]!), expected) ? "granted" : "invalid";
  };
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** The error for a request that did not pass; undefined when it did. */
export function adminCheckError(check: AdminCheck): HttpError | undefined {
  switch (check) {
    case "granted":
      return undefined;
    case "disabled":
      return new HttpError(
        403,
        "admin_disabled",
        `The read and admin endpoints are off: set ADMIN_TOKEN to a secret of at least ${MIN_ADMIN_TOKEN_LENGTH} characters ` +
          "(for example `openssl rand -hex 32`) and restart the server.",
      );
    case "missing":
      return new HttpError(401, "unauthorized", "This endpoint needs the admin token: send `Authorization: Bearer <ADMIN_TOKEN>`.", [], {
        "www-authenticate": REALM,
      });
    case "invalid":
      return new HttpError(401, "unauthorized", "The bearer token is not the admin token.", [], {
        "www-authenticate": `${REALM}, error="invalid_token"`,
      });
  }
}

/**
 * Guards every route registered after it in the instance that uses it. The check runs in the
 * transform phase, before query validation, so a caller without the token learns nothing about
 * the parameters either. Deliberately unnamed: Elysia deduplicates named plugins, which would
 * leave all but the first route group unguarded.
 */
export function requireAdmin(adminToken: string | undefined) {
  const check = adminTokenChecker(adminToken);
  return new Elysia().onTransform({ as: "scoped" }, ({ request }) => {
    const error = adminCheckError(check(request.headers.get("authorization")));
    if (error) throw error;
  });
}
