import { Database } from "bun:sqlite";
import type { Config } from "../../config";

export interface ConnectionOptions {
  /** File path, or `:memory:`. */
  path: string;
  synchronous: Config["sqliteSynchronous"];
  busyTimeoutMs: number;
}

/**
 * Opens one connection with the settings every connection to the file shares. No connection
 * checkpoints on commit: a checkpoint copies the WAL into the database file and fsyncs it, a
 * stall of many milliseconds, so a dedicated connection on its own thread does it
 * (checkpointer.worker.ts).
 */
export function openConnection({ path, synchronous, busyTimeoutMs }: ConnectionOptions): Database {
  const sqlite = new Database(path, { create: true, strict: true });
  try {
    sqlite.run(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    sqlite.run("PRAGMA journal_mode = WAL");
    sqlite.run(`PRAGMA synchronous = ${synchronous}`);
    sqlite.run("PRAGMA wal_autocheckpoint = 0");
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/**
 * A read-only connection for a reader thread: opened after the store's (which created the file
 * and set WAL), and `query_only`, so a bug on the read side can never write.
 */
export function openReadConnection({ path, busyTimeoutMs }: ConnectionOptions): Database {
  const sqlite = new Database(path, { readwrite: true, create: false, strict: true });
  try {
    sqlite.run(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    sqlite.run("PRAGMA query_only = 1");
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** A message-safe description of a failure, for replies from worker threads. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${code}: ${error.message}` : error.message;
}
