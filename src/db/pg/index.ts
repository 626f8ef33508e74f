import { SQL } from "bun";
import { drizzle } from "drizzle-orm/bun-sql";
import type { Config } from "../../config";
import type { EventDatabase } from "../interfaces";
import { QueuedReader } from "../read-queue";
import { PgEventPruner } from "./pruner";
import { pushPgSchema } from "./push";
import { PgEventReader } from "./reader";
import { markBackfillSql, storeSessionsSql } from "./rollup";
import { rollupTablesIn, userEventsIn } from "./schema";
import { PgEventStore, pgBackfillStep } from "./store";

export type PgConfig = Pick<
  Config,
  | "databaseUrl"
  | "databasePoolSize"
  | "databaseReadPoolSize"
  | "databaseSchema"
  | "databaseConnectTimeoutMs"
  | "databaseStatementTimeoutMs"
  | "maxPendingEvents"
  | "maxQueuedReads"
>;

function pool(config: PgConfig, max: number, applicationName: string): SQL {
  return new SQL(config.databaseUrl, {
    max,
    connectionTimeout: config.databaseConnectTimeoutMs / 1000,
    idleTimeout: 60,
    // Sent at connection start-up: the server cancels any statement (or lock wait) past it.
    connection: { statement_timeout: config.databaseStatementTimeoutMs, application_name: applicationName },
  });
}

/**
 * Connects to the PostgreSQL database DATABASE_URL names, then pushes the schema (serialised
 * across nodes by an advisory lock). Two pools, both inside this folder: the write path's
 * (DATABASE_POOL_SIZE: commits, retention, health) and the read side's
 * (DATABASE_READ_POOL_SIZE: stats, listing, export pages, behind the bounded read queue), so a
 * long export or a burst of dashboards can never take the connections ingest commits on.
 * Connections open on first use, so the read pool costs nothing until something reads.
 */
export async function open(config: PgConfig): Promise<EventDatabase> {
  const client = pool(config, config.databasePoolSize, "event-ingest");
  const readClient = pool(config, config.databaseReadPoolSize, "event-ingest-read");
  const db = drizzle({ client });
  const table = userEventsIn(config.databaseSchema);
  const rollups = rollupTablesIn(config.databaseSchema);
  try {
    const pushed = await pushPgSchema(db, config.databaseSchema, [table, rollups.counts, rollups.backfill]);
    await db.execute(markBackfillSql(rollups, table));
    const store = new PgEventStore(client, db, table, rollups, {
      deadlineMs: config.databaseConnectTimeoutMs + config.databaseStatementTimeoutMs,
      pingDeadlineMs: config.databaseConnectTimeoutMs,
      maxPendingEvents: config.maxPendingEvents,
    });
    // One view per read connection: the queue keeps at most that many reads in flight on the pool.
    const reads = new PgEventReader(drizzle({ client: readClient }), table, rollups);
    const reader = new QueuedReader({ readers: Array.from({ length: config.databaseReadPoolSize }, () => reads), maxQueued: config.maxQueuedReads });
    return {
      store,
      reader,
      pruner: new PgEventPruner(db, table, rollups),
      rollups: {
        backfillStep: (maxRows) => pgBackfillStep(db, table, rollups, maxRows),
        async countSessions(before, maxBuckets) {
          const counted = await reader.countSessions(before, maxBuckets);
          if (counted.length === 0) return { found: 0, stored: 0 };
          const [row] = await db.execute<{ stored: number }>(storeSessionsSql(rollups, counted));
          return { found: counted.length, stored: Number(row?.stored ?? 0) };
        },
      },
      pushed,
      async close() {
        await store.close();
        await readClient.close({ timeout: 5 });
      },
    };
  } catch (error) {
    await Promise.all([client.close({ timeout: 0 }), readClient.close({ timeout: 0 })]);
    throw error;
  }
}
