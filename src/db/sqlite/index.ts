import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Config } from "../../config";
import type { EventDatabase } from "../interfaces";
import { type ConnectionOptions, openConnection } from "./connection";
import { SqliteEventPruner } from "./pruner";
import { pushSchema } from "./push";
import { SqliteEventReader } from "./reader";
import * as schema from "./schema";
import { openSideConnection } from "./side-connection";
import { SqliteEventStore } from "./store";
import { pushInThread } from "./threads";
import { assertWritable } from "./writable";

export type SqliteConfig = Pick<Config, "databaseUrl" | "sqliteSynchronous" | "sqliteBusyTimeoutMs" | "maxPendingEvents">;

/**
 * Opens (creating if needed) the SQLite database DATABASE_URL names, pushes the schema, and
 * starts the store's threads, the reader and the pruner, each on a connection of its own. No
 * connection leaves this folder.
 */
export async function open(config: SqliteConfig): Promise<EventDatabase> {
  const inMemory = config.databaseUrl === ":memory:";
  const connection = connectionOptions(config);
  if (!inMemory) {
    mkdirSync(dirname(connection.path), { recursive: true });
    assertWritable(connection.path);
  }
  // A file is pushed from a short-lived thread so drizzle-kit's memory does not stay resident.
  let pushed = inMemory ? undefined : await pushInThread(connection);
  const main = openConnection(connection);
  let store: SqliteEventStore;
  try {
    pushed ??= await pushSchema(main, schema);
    store = await SqliteEventStore.start(main, connection, config.maxPendingEvents);
  } catch (error) {
    main.close();
    throw error;
  }
  const reader = new SqliteEventReader(openSideConnection(config, main));
  const pruner = new SqliteEventPruner(openSideConnection({ ...config, sqliteBusyTimeoutMs: 0 }, main), config.sqliteBusyTimeoutMs);
  return {
    store,
    reader,
    pruner,
    pushed,
    databaseFile: inMemory ? undefined : config.databaseUrl,
    async close() {
      await store.close();
      reader.close();
      pruner.close();
    },
  };
}

/** The settings every connection to the file is opened with (see connection.ts). */
export function connectionOptions(config: Pick<SqliteConfig, "databaseUrl" | "sqliteSynchronous" | "sqliteBusyTimeoutMs">): ConnectionOptions {
  return {
    path: config.databaseUrl === ":memory:" ? ":memory:" : resolve(config.databaseUrl),
    synchronous: config.sqliteSynchronous,
    busyTimeoutMs: config.sqliteBusyTimeoutMs,
  };
}
