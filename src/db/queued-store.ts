import type { EventStore, WritePathGauges } from "./interfaces";
import type { AppendResult, NewEvent } from "./model";
import { type CommitListener, type CommitResult, WriteQueue, type WriteStats } from "./write-queue";

/**
 * An EventStore group-committed through a bounded WriteQueue: what both backends share. A
 * backend gives how one batch commits, how big a batch may be, and its own ping and close.
 */
export abstract class QueuedEventStore implements EventStore, WritePathGauges {
  private readonly queue: WriteQueue<NewEvent>;

  protected constructor({ maxPendingEvents, maxEventsPerCommit }: { maxPendingEvents: number; maxEventsPerCommit: number }) {
    this.queue = new WriteQueue({ maxPending: maxPendingEvents, maxBatch: maxEventsPerCommit, commit: (rows) => this.commit(rows) });
  }

  /** Stores `rows` in one transaction; rejects if nothing was stored. */
  protected abstract commit(rows: NewEvent[]): Promise<CommitResult>;
  abstract ping(): Promise<boolean>;
  /** Releases the backend once everything accepted has been committed. */
  protected abstract release(): Promise<void>;

  append(events: readonly NewEvent[]): Promise<AppendResult> {
    return this.queue.enqueue(events);
  }

  /** Metrics hook: events accepted and not yet committed (waiting, or in the commit under way). */
  queuedEvents(): number {
    return this.queue.depth;
  }

  /** Metrics hook: `listener` is told the size and duration of every commit. */
  onCommit(listener: CommitListener): void {
    this.queue.onCommit(listener);
  }

  /** Cumulative write-path figures: commits, batch sizes, failures, refusals. */
  stats(): WriteStats {
    return this.queue.stats();
  }

  /** Refuses new appends, commits everything already accepted, then releases the backend. */
  async close(): Promise<void> {
    await this.queue.close();
    await this.release();
  }
}
