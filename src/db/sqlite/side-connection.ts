import { Database } from "bun:sqlite";
import type { Config } from "../../config";

export type SideConnectionOptions = Pick<Config, "databaseUrl" | "sqliteBusyTimeoutMs">;

export interface SideConnection {
  sqlite: Database;
  /** Closes the connection if it is this side's own; a shared one belongs to the store. */
  close(): void;
}

/**
 * A connection of its own to the store's database, for the read side and retention, so they
 * never depend on how the write path manages its connection. Open it after the store's `main`
 * connection, which created the file, set WAL and pushed the schema. A `:memory:` database
 * exists only inside one connection, so there `main` is shared.
 */
export function openSideConnection(options: SideConnectionOptions, main: Database): SideConnection {
  if (options.databaseUrl === ":memory:") return { sqlite: main, close: () => {} };
  const sqlite = new Database(options.databaseUrl, { readwrite: true, create: false, strict: true });
  sqlite.run(`PRAGMA busy_timeout = ${options.sqliteBusyTimeoutMs}`);
  // Retention deletes commit on this connection, on the event loop: the store's checkpointer
  // thread does the checkpoints (see connection.ts).
  sqlite.run("PRAGMA wal_autocheckpoint = 0");
  return { sqlite, close: () => sqlite.close() };
}
