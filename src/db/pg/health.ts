import type { SQL } from "bun";
import { StoreUnavailableError } from "../errors";
import type { StorageFailureReason } from "../write-health";

/** Why a PostgreSQL call failed, from its SQLSTATE (`errno` in Bun's client) or the client's own code. */
export function pgFailureReason(error: unknown): StorageFailureReason {
  if (error instanceof StoreUnavailableError) return error.reason;
  const { code, errno, cause } = (error ?? {}) as { code?: unknown; errno?: unknown; cause?: unknown };
  // Drizzle wraps the driver's error ("Failed query: ...") with it as the cause.
  if (code === undefined && errno === undefined && cause !== undefined) return pgFailureReason(cause);
  const state = typeof errno === "string" ? errno : "";
  if (state === "53100") return "storage_full";
  // 25006: read_only_sql_transaction (a standby, or default_transaction_read_only).
  if (state === "25006") return "read_only";
  // Class 08: connection exceptions; 57P01-57P03: the server is shutting down or starting.
  if (state.startsWith("08") || /^57P0[123]$/.test(state)) return "unreachable";
  if (typeof code === "string" && code.startsWith("ERR_POSTGRES_CONNECTION")) return "unreachable";
  return "commit_failing";
}

/** A failed PostgreSQL call as the write path reports it: nothing stored, with its reason. */
export function pgUnavailable(message: string, cause: unknown): StoreUnavailableError {
  return cause instanceof StoreUnavailableError ? cause : new StoreUnavailableError(message, { cause, reason: pgFailureReason(cause) });
}

/**
 * The health probe: one round trip that says whether this server takes writes (a hot standby or
 * default_transaction_read_only does not), given up after `deadlineMs`.
 */
export async function probeWritable(client: SQL, deadlineMs: number): Promise<void> {
  let rows: { standby: boolean; read_only: string }[];
  try {
    rows = await withDeadline(
      client`SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS read_only`,
      deadlineMs,
      "health probe",
    );
  } catch (cause) {
    throw pgUnavailable("the health probe failed", cause);
  }
  if (rows[0]?.standby || rows[0]?.read_only === "on") {
    throw new StoreUnavailableError("the database server accepts no writes (a standby, or read-only transactions)", { reason: "read_only" });
  }
}

/** Rejects with StoreUnavailableError (unreachable) if `work` has not settled after `ms`; the work itself may still finish. */
export function withDeadline<T>(work: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`${what} took longer than ${ms} ms`, { reason: "unreachable" })), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
