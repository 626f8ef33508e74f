import type { Config } from "../config";
import { PgEventStore } from "./pg/store";
import type { PushResult } from "./push";
import { SqliteEventStore } from "./sqlite";
import type { EventStore } from "./store";

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

/** Opens the store DATABASE_URL names, pushing the schema; throws UnsafeSchemaChangeError and connection errors. */
export async function openStore(config: Config): Promise<EventStore & { pushed: PushResult }> {
  return backendFor(config.databaseUrl) === "postgres" ? PgEventStore.open(config) : SqliteEventStore.open(config);
}
