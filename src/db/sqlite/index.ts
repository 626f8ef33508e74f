import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Config } from "../../config";
import type { EventDatabase } from "../interfaces";
import { QueuedReader } from "../read-queue";
import { type ConnectionOptions, openConnection } from "./connection";
import { SqliteEventPruner } from "./pruner";
import { pushSchema } from "./push";
import { SqliteEventReader } from "./reader";
import { markBackfill } from "./rollup";
import * as schema from "./schema";
import { openSideConnection } from "./side-connection";
import { SqliteEventStore } from "./store";
import { pushInThread, startReaderThread } from "./threads";
import { assertWritable } from "./writable";

export type SqliteConfig = Pick<
  Config,
  "databaseUrl" | "sqliteSynchronous" | "sqliteBusyTimeoutMs" | "maxPendingEvents" | "databaseReadPoolSize" | "maxQueuedReads"
>;

/**
 * Opens (creating if needed) the SQLite database DATABASE_URL names, pushes the schema, and
 * starts the store's threads, the reader threads and the pruner, each on a connection of its
 * own. No connection leaves this folder.
 *
 * Reads run on DATABASE_READ_POOL_SIZE reader threads behind one bounded queue, never on the
 * event loop. A `:memory:` database exists only inside the connection that made it, so no
 * other thread can read it: there (tests and trials only) reads run inline on the main
 * connection, behind the same queue with one reader.
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
  let readers: ReaderThread[];
  try {
    pushed ??= await pushSchema(main, schema);
    markBackfill(main);
    // The writer, checkpointer and reader threads load their code side by side: a boot waits for the slowest, not the sum.
    [store, readers] = await startAll(
      () => SqliteEventStore.start(main, connection, config.maxPendingEvents),
      inMemory ? 0 : config.databaseReadPoolSize,
      () => startReaderThread(connection),
    );
  } catch (error) {
    main.close();
    throw error;
  }
  const reader = new QueuedReader({ readers: inMemory ? [new SqliteEventReader(main)] : readers, maxQueued: config.maxQueuedReads });
  const pruner = new SqliteEventPruner(openSideConnection({ ...config, sqliteBusyTimeoutMs: 0 }, main), config.sqliteBusyTimeoutMs);
  return {
    store,
    reader,
    pruner,
    rollups: {
      backfillStep: (maxRows) => store.backfillRollups(maxRows),
      async countSessions(before, maxBuckets) {
        const counted = await reader.countSessions(before, maxBuckets);
        return { found: counted.length, stored: counted.length === 0 ? 0 : await store.storeSessions(counted) };
      },
    },
    pushed,
    databaseFile: inMemory ? undefined : config.databaseUrl,
    async close() {
      // Readers first (nothing reads once the app has stopped), so the store's main connection,
      // closing after its commits, is the last one open and checkpoints the WAL into the file.
      await Promise.all(readers.map((thread) => thread.close()));
      pruner.close();
      await store.close();
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

type ReaderThread = Awaited<ReturnType<typeof startReaderThread>>;

/** Starts the store and `count` reader threads at once; if any fails, stops the others and throws its error. */
async function startAll(
  startStore: () => Promise<SqliteEventStore>,
  count: number,
  startReader: () => Promise<ReaderThread>,
): Promise<[SqliteEventStore, ReaderThread[]]> {
  const [store, ...readers] = await Promise.allSettled([startStore(), ...Array.from({ length: count }, startReader)]);
  const failed = [store, ...readers].find((result) => result.status === "rejected");
  if (!failed) return [(store as PromiseFulfilledResult<SqliteEventStore>).value, readers.map((reader) => (reader as PromiseFulfilledResult<ReaderThread>).value)];
  await Promise.all(readers.map((reader) => (reader.status === "fulfilled" ? reader.value.close() : undefined)));
  // The store's close() would close the main connection too; the caller closes that.
  if (store.status === "fulfilled") await store.value.stopThreads();
  throw failed.reason;
}
