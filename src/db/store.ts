import type { userEvents } from "./schema";

/** One event ready to store: everything but the id, which the database assigns. */
export type NewEvent = Omit<typeof userEvents.$inferInsert, "id">;

/** What one append did with its events: every event is counted exactly once. */
export interface AppendResult {
  /** Events written by this append. */
  inserted: number;
  /** Events whose event_id was already stored (by an earlier append, a concurrent one, or earlier in this one). */
  duplicates: number;
}

/**
 * What the HTTP layer needs from storage. Each backend implements it; routes and services
 * never know which one runs.
 */
export interface EventStore {
  /**
   * Resolves once every event is committed or found to be a duplicate of a stored event_id;
   * rejects with StoreUnavailableError otherwise.
   */
  append(events: readonly NewEvent[]): Promise<AppendResult>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Commits what is queued, then releases the database. Appends after this are refused. */
  close(): Promise<void>;
}

/** Storage could not commit; nothing from the failed batch was stored. Retrying later is safe. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}
