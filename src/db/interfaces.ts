import type { AppendResult, BucketCount, BucketCountQuery, EventFilter, EventPosition, NewEvent, StoredEvent, TopValue, TopValuesQuery } from "./model";
import type { CountedSessions } from "./rollup";
import type { StorageListener, StoreHealth } from "./write-health";
import type { WriteStats } from "./write-queue";

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
  /** Whether events can be committed now: the outcome of the last commit, or of a probe after a quiet spell. */
  health(): Promise<StoreHealth>;
  /** Commits what is queued, then releases the database. Appends after this are refused. */
  close(): Promise<void>;
}

/** What the read endpoints need from storage; each backend implements it next to its EventStore. */
export interface EventReader {
  /**
   * Event counts and distinct sessions per time bucket and type in [from, to), read from the
   * events themselves; empty buckets are left out.
   */
  countByBucket(query: BucketCountQuery): Promise<BucketCount[]>;
  /**
   * The stats answer, in one read: whole buckets of a rolled-up width from the rollups, cut
   * buckets and other widths from the events (combineBucketCounts in ./rollup.ts).
   */
  bucketCounts(query: BucketCountQuery): Promise<BucketCount[]>;
  /**
   * The same answer from the rollup tables, for a width in ROLLUP_GRAINS_MS over a range of whole
   * buckets; undefined while the backfill is still under way (see ./rollup.ts).
   */
  rolledUpByBucket(query: BucketCountQuery): Promise<BucketCount[] | undefined>;
  /**
   * Up to `maxBuckets` closed buckets (ended at or before `before`) whose sessions are not
   * counted, oldest first, counted from the rows in one snapshot (for the sessions job, ./rollup.ts).
   */
  countSessions(before: Date, maxBuckets: number): Promise<CountedSessions[]>;
  /** The most frequent values, most frequent first (ties: more sessions, then the value's JSON text). */
  topValues(query: TopValuesQuery): Promise<TopValue[]>;
  /**
   * Up to `limit` events matching `filter`, newest first (ties by id), after `after` if given.
   * `continuing`: the next page of a read already under way (an export), which queues but is
   * never refused as busy, so a download that has begun is not cut short.
   */
  listNewestFirst(filter: EventFilter, after: EventPosition | undefined, limit: number, options?: { continuing?: boolean }): Promise<StoredEvent[]>;
}

/** What one step of the rollup backfill did (see ./rollup.ts). */
export interface BackfillStep {
  /** Events rolled up by this step. */
  rows: number;
  /** True once every event stored before the rollups existed is in them. */
  complete: boolean;
}

/** Brings events stored before the rollups existed into them, a bounded number at a time. */
export interface RollupBackfiller {
  backfillStep(maxRows: number): Promise<BackfillStep>;
  /**
   * Counts the sessions of up to `maxBuckets` closed buckets that lack them (on a reader) and
   * stores them (on the write path) where the bucket has not changed since. `found`: buckets
   * found lacking them; `stored`: buckets that took their count.
   */
  countSessions(before: Date, maxBuckets: number): Promise<{ found: number; stored: number }>;
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
  /** Registers a listener told of failed commits and checkpoints, and of recovery (for the failure log and metrics). */
  onStorageEvent(listener: StorageListener): void;
}

/** A store with its write-path figures: queue depth and commit sizes for metrics, totals for the shutdown log. */
export type MeasuredStore = EventStore & WritePathGauges & { stats(): WriteStats };

/** What a schema push applied on boot. */
export interface PushResult {
  statements: string[];
}

/**
 * Everything the app needs from one open database, whichever backend it is: each backend's
 * `open(config)` returns one, and keeps its connections to itself.
 */
export interface EventDatabase {
  store: MeasuredStore;
  reader: EventReader;
  pruner: EventPruner;
  rollups: RollupBackfiller;
  pushed: PushResult;
  /** The SQLite file, for the database-size metric; absent for `:memory:` and PostgreSQL. */
  databaseFile?: string;
  /** Commits what the store has accepted, then releases every connection. */
  close(): Promise<void>;
}
