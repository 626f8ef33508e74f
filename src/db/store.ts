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

/** The write queue is full: the events were refused without being queued. Retrying later is safe. */
export class StoreOverloadedError extends Error {
  constructor(readonly maxPendingEvents: number) {
    super(`the write queue is full (${maxPendingEvents} events pending)`);
    this.name = "StoreOverloadedError";
  }
}

/** One stored event as the read side returns it; `payload` is the stored JSON text. */
export type StoredEvent = typeof userEvents.$inferSelect;

/** Which events a read covers. Times are a half-open range: `from` inclusive, `to` exclusive. */
export interface EventFilter {
  sessionId?: string;
  /** Any of these types; absent means every type. */
  eventTypes?: readonly string[];
  from?: Date;
  to?: Date;
}

/** A place in the newest-first order: events strictly older than this come next. */
export interface EventPosition {
  createdAt: number;
  id: number;
}

export interface BucketCountQuery {
  from: Date;
  to: Date;
  /** Bucket width; buckets start at multiples of it since the Unix epoch (so they align to UTC). */
  bucketMs: number;
  eventTypes?: readonly string[];
}

export interface BucketCount {
  bucketStart: number;
  eventType: string;
  count: number;
}

/** What the read endpoints need from storage; each backend implements it next to its EventStore. */
export interface EventReader {
  /** Event counts per time bucket and type, in [from, to); empty buckets are left out. */
  countByBucket(query: BucketCountQuery): Promise<BucketCount[]>;
  /** Up to `limit` events matching `filter`, newest first (ties by id), after `after` if given. */
  listNewestFirst(filter: EventFilter, after: EventPosition | undefined, limit: number): Promise<StoredEvent[]>;
  /** Releases the reader's own connection, if it has one. */
  close(): Promise<void>;
}

/** Deletes old events for retention, a bounded number at a time so writers are never held up long. */
export interface EventPruner {
  /** Deletes at most `maxRows` events created before `cutoff`; resolves with how many it deleted. */
  deleteOlderThan(cutoff: Date, maxRows: number): Promise<number>;
}

/** Figures a write path can expose for metrics. */
export interface WritePathGauges {
  /** Events accepted by append() and not yet committed: waiting, or in the commit under way. */
  queuedEvents(): number;
  /** Registers a listener told, after every commit, its number of events and how long the transaction took. */
  onCommit(listener: (events: number, durationMs: number) => void): void;
}

/**
 * The instants every backend can store, years 1 to 9999 UTC: PostgreSQL's timestamptz starts in
 * 4713 BC, but a JavaScript Date reaches years that neither that nor ISO-8601 text round-trips.
 * Times outside are refused at the edge (422), never left to fail a shared commit.
 */
export const EARLIEST_STORABLE_MS = Date.parse("0001-01-01T00:00:00.000Z");
export const LATEST_STORABLE_MS = Date.parse("9999-12-31T23:59:59.999Z");

export function isStorableTime(ms: number): boolean {
  return ms >= EARLIEST_STORABLE_MS && ms <= LATEST_STORABLE_MS;
}
