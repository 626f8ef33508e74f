import { StoreOverloadedError, StoreUnavailableError } from "./errors";
import type { AppendResult } from "./model";
import type { WriteHealth } from "./write-health";

/** What one transaction did: how long it took, and which of its rows (by index) were duplicates, not stored again. */
export interface CommitResult {
  durationMs: number;
  duplicates: readonly number[];
}

export interface WriteQueueOptions<Row> {
  /**
   * Most events accepted and not yet committed; an append that would go beyond it is refused at
   * once. Only into an empty queue may a larger append go, alone, so that it is not refused forever.
   */
  maxPending: number;
  /** Most events per transaction; one append's events always share a transaction. */
  maxBatch: number;
  /** Stores `rows` in one transaction; rejects if nothing was stored. */
  commit: (rows: Row[]) => Promise<CommitResult>;
  /** Told the outcome of every commit, for /health. */
  health?: WriteHealth;
}

export type CommitListener = (events: number, durationMs: number) => void;

/** Cumulative write-path figures since the queue was created. */
export interface WriteStats {
  /** Events accepted and not yet committed: queued plus the batch being committed. */
  queueDepth: number;
  commits: number;
  committedEvents: number;
  failedCommits: number;
  /** Events refused because the queue was full. */
  refusedEvents: number;
  /** Successful commits by events per commit, in power-of-two buckets ("1", "2-3", "4-7", ...). */
  batchSizes: Record<string, number>;
}

interface Waiter {
  /** How many of the queued rows, in order, are this append's. */
  count: number;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

/**
 * Group commit with backpressure, independent of the database: appends wait in a bounded queue.
 * One commit runs at a time and takes everything queued (up to `maxBatch` events): on the next
 * event-loop turn when idle, so every request parsed in that turn joins it, otherwise the moment
 * the previous commit finishes. (Handing the writer a second batch before the first finished was
 * measured: no faster, and smaller batches.) Callers are answered only after the transaction
 * holding their events committed, or failed, in which case none of it is stored.
 */
export class WriteQueue<Row> {
  private rows: Row[] = [];
  private waiters: Waiter[] = [];
  /** Events in the commit under way; 0 when none is. */
  private committing = 0;
  private scheduled = false;
  private closed = false;
  private drained: (() => void) | undefined;
  private readonly counts = { commits: 0, committedEvents: 0, failedCommits: 0, refusedEvents: 0 };
  private readonly buckets: number[] = [];
  private readonly commitListeners: CommitListener[] = [];

  constructor(private readonly options: WriteQueueOptions<Row>) {}

  /** `listener` is told the size and duration of every successful commit, e.g. for a metrics histogram. */
  onCommit(listener: CommitListener): void {
    this.commitListeners.push(listener);
  }

  /** Events accepted and not yet committed. */
  get depth(): number {
    return this.rows.length + this.committing;
  }

  /** Resolves once `rows` are committed. Rejects with StoreOverloadedError when full, StoreUnavailableError when closed or the commit failed. */
  enqueue(rows: readonly Row[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError("the store is shutting down"));
    if (rows.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0 });
    if (this.depth > 0 && this.depth + rows.length > this.options.maxPending) {
      this.counts.refusedEvents += rows.length;
      return Promise.reject(new StoreOverloadedError(this.options.maxPending));
    }
    return new Promise<AppendResult>((resolve, reject) => {
      for (const row of rows) this.rows.push(row);
      this.waiters.push({ count: rows.length, resolve, reject });
      if (!this.scheduled && this.committing === 0) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.dispatch();
        });
      }
    });
  }

  /** Refuses new appends and resolves once everything accepted has been committed (or failed). */
  close(): Promise<void> {
    this.closed = true;
    this.options.health?.close();
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  stats(): WriteStats {
    const batchSizes: Record<string, number> = {};
    this.buckets.forEach((count, bucket) => {
      if (count) batchSizes[bucket === 0 ? "1" : `${2 ** bucket}-${2 ** (bucket + 1) - 1}`] = count;
    });
    return { queueDepth: this.depth, ...this.counts, batchSizes };
  }

  private isIdle(): boolean {
    return this.committing === 0 && this.waiters.length === 0 && !this.scheduled;
  }

  private dispatch(): void {
    if (this.committing === 0 && this.waiters.length > 0) {
      const [rows, waiters] = this.takeBatch();
      this.committing = rows.length;
      this.options.commit(rows).then(
        (result) => this.settle(rows.length, waiters, result),
        (cause: unknown) => this.settle(rows.length, waiters, undefined, cause),
      );
    }
    if (this.isIdle()) this.drained?.();
  }

  private settle(events: number, waiters: Waiter[], result: CommitResult | undefined, cause?: unknown): void {
    this.committing = 0;
    if (result === undefined) {
      this.counts.failedCommits++;
      const error = cause instanceof StoreUnavailableError ? cause : new StoreUnavailableError("could not commit events", { cause });
      this.options.health?.failed(error);
      for (const waiter of waiters) waiter.reject(error);
    } else {
      this.options.health?.succeeded();
      this.counts.commits++;
      this.counts.committedEvents += events;
      const bucket = 31 - Math.clz32(events);
      this.buckets[bucket] = (this.buckets[bucket] ?? 0) + 1;
      answer(waiters, result.duplicates);
    }
    // What queued meanwhile goes out at once, before those answers are written.
    this.dispatch();
    if (result === undefined) return;
    try {
      for (const listener of this.commitListeners) listener(events, result.durationMs);
    } catch (error) {
      // A faulty observer must neither fail committed events nor stop the queue.
      reportError(error);
    }
  }

  /** Whole appends, oldest first, up to maxBatch events (at least one append, whatever its size). */
  private takeBatch(): [Row[], Waiter[]] {
    let events = 0;
    let count = 0;
    for (const waiter of this.waiters) {
      if (count > 0 && events + waiter.count > this.options.maxBatch) break;
      events += waiter.count;
      count++;
    }
    if (count === this.waiters.length) {
      const taken: [Row[], Waiter[]] = [this.rows, this.waiters];
      this.rows = [];
      this.waiters = [];
      return taken;
    }
    return [this.rows.splice(0, events), this.waiters.splice(0, count)];
  }
}

/** Resolves each append with its own count of stored and duplicate events. */
function answer(waiters: readonly Waiter[], duplicates: readonly number[]): void {
  let start = 0;
  let next = 0;
  for (const waiter of waiters) {
    const end = start + waiter.count;
    let skipped = 0;
    while (next < duplicates.length && duplicates[next]! < end) {
      skipped++;
      next++;
    }
    waiter.resolve({ inserted: waiter.count - skipped, duplicates: skipped });
    start = end;
  }
}
