import { SQL } from "bun";
import { drizzle } from "drizzle-orm/bun-sql";
import type { Config } from "../../config";
import type { EventDatabase } from "../interfaces";
import { PgEventPruner } from "./pruner";
import { pushPgSchema } from "./push";
import { PgEventReader } from "./reader";
import { userEventsIn } from "./schema";
import { PgEventStore } from "./store";

export type PgConfig = Pick<
  Config,
  "databaseUrl" | "databasePoolSize" | "databaseSchema" | "databaseConnectTimeoutMs" | "databaseStatementTimeoutMs" | "maxPendingEvents"
>;

/**
 * Connects to the PostgreSQL database DATABASE_URL names, then pushes the schema (serialised
 * across nodes by an advisory lock). The pool stays inside this folder.
 */
export async function open(config: PgConfig): Promise<EventDatabase> {
  const client = new SQL(config.databaseUrl, {
    max: config.databasePoolSize,
    connectionTimeout: config.databaseConnectTimeoutMs / 1000,
    idleTimeout: 60,
    // Sent at connection start-up: the server cancels any statement (or lock wait) past it.
    connection: { statement_timeout: config.databaseStatementTimeoutMs, application_name: "event-ingest" },
  });
  const db = drizzle({ client });
  const table = userEventsIn(config.databaseSchema);
  try {
    const pushed = await pushPgSchema(db, config.databaseSchema, [table]);
    const store = new PgEventStore(client, db, table, {
      deadlineMs: config.databaseConnectTimeoutMs + config.databaseStatementTimeoutMs,
      pingDeadlineMs: config.databaseConnectTimeoutMs,
      maxPendingEvents: config.maxPendingEvents,
    });
    // The read side shares the store's pool: one set of connections per node.
    return {
      store,
      reader: new PgEventReader(db, table),
      pruner: new PgEventPruner(db, table),
      pushed,
      close: () => store.close(),
    };
  } catch (error) {
    await client.close({ timeout: 0 });
    throw error;
  }
}
