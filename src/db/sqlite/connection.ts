import { Database } from "bun:sqlite";
import type { Config } from "../../config";
import type { StorageFailureReason } from "../write-health";

export interface ConnectionOptions {
  /** File path, or `:memory:`. */
  path: string;
  synchronous: Config["sqliteSynchronous"];
  busyTimeoutMs: number;
}

/** What a WAL that has been checkpointed is cut back to (see sqlite-checkpointer.worker.ts). */
export const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

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
    // When a checkpoint has caught up and the next commit starts the log from its start, the
    // file is cut back to this size instead of staying as large as it ever grew.
    sqlite.run(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
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
  const code = errorCode(error);
  return code ? `${code}: ${error.message}` : error.message;
}

/** SQLite's error code (e.g. SQLITE_FULL, SQLITE_READONLY_DBMOVED), if the error carries one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Why a commit failed, from SQLite's code, as /health reports it. */
export function failureReasonOf(code: string | undefined): StorageFailureReason {
  if (code === "SQLITE_FULL") return "storage_full";
  if (code?.startsWith("SQLITE_READONLY") || code === "SQLITE_PERM") return "read_only";
  return "commit_failing";
}
