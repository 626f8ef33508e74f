import type { Config } from "../config";
import type { EventDatabase } from "./interfaces";
import * as pg from "./pg";
import * as sqlite from "./sqlite";

export type Backend = "sqlite" | "postgres";

/** `postgres://` and `postgresql://` URLs select PostgreSQL; anything else is a SQLite path (or `:memory:`). */
export function backendFor(databaseUrl: string): Backend {
  return /^postgres(ql)?:\/\//i.test(databaseUrl) ? "postgres" : "sqlite";
}

/** The database URL as it may appear in logs and error messages: without its password. */
export function describeDatabase(databaseUrl: string): string {
  if (backendFor(databaseUrl) === "sqlite") return databaseUrl;
  const url = new URL(databaseUrl);
  if (url.password) url.password = "***";
  return url.toString();
}

/**
 * Opens the database DATABASE_URL names, pushing the schema; throws UnsafeSchemaChangeError and
 * connection errors. Routes never see which backend it is.
 */
export function openDatabase(config: Config): Promise<EventDatabase> {
  return backendFor(config.databaseUrl) === "postgres" ? pg.open(config) : sqlite.open(config);
}
