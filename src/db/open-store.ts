import type { Config } from "../config";
import { PgEventPruner } from "./pg/pruner";
import { PgEventReader } from "./pg/reader";
import { PgEventStore } from "./pg/store";
import type { PushResult } from "./push";
import { SqliteEventStore } from "./sqlite";
import { SqliteEventPruner } from "./sqlite-pruner";
import { SqliteEventReader } from "./sqlite-reader";
import type { EventPruner, EventReader, EventStore, WritePathGauges } from "./store";
import type { WriteStats } from "./write-queue";

/** A store with its write-path figures: queue depth and commit sizes for metrics, totals for the shutdown log. */
export type MeasuredStore = EventStore & WritePathGauges & { stats(): WriteStats };

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

/** Everything the app needs from the database DATABASE_URL names; routes never see which backend it is. */
export interface OpenDatabase {
  store: MeasuredStore;
  reader: EventReader;
  pruner: EventPruner;
  pushed: PushResult;
  /** The SQLite file, for the database-size metric; absent for `:memory:` and PostgreSQL. */
  databaseFile?: string;
  /** Releases the read side's connections; the store is closed on its own, first. */
  closeReadSide(): Promise<void>;
}

/** Opens the store DATABASE_URL names, pushing the schema; throws UnsafeSchemaChangeError and connection errors. */
export async function openStore(config: Config): Promise<MeasuredStore & { pushed: PushResult }> {
  return backendFor(config.databaseUrl) === "postgres" ? PgEventStore.open(config) : SqliteEventStore.open(config);
}

/** Opens the store and the read side on it. */
export async function openDatabase(config: Config): Promise<OpenDatabase> {
  if (backendFor(config.databaseUrl) === "postgres") {
    const store = await PgEventStore.open(config);
    // The read side shares the store's pool: one set of connections per node.
    return {
      store,
      reader: new PgEventReader(store.db, store.table),
      pruner: new PgEventPruner(store.db, store.table),
      pushed: store.pushed,
      closeReadSide: async () => {},
    };
  }
  const store = await SqliteEventStore.open(config);
  const reader = SqliteEventReader.open(config, store);
  const pruner = SqliteEventPruner.open(config, store);
  return {
    store,
    reader,
    pruner,
    pushed: store.pushed,
    databaseFile: config.databaseUrl === ":memory:" ? undefined : config.databaseUrl,
    closeReadSide: async () => {
      await reader.close();
      pruner.close();
    },
  };
}
