import type { EventStore, WritePathGauges } from "./interfaces";
import type { AppendResult, NewEvent } from "./model";
import { type StorageListener, type StoreHealth, WriteHealth } from "./write-health";
import { type CommitListener, type CommitResult, WriteQueue, type WriteStats } from "./write-queue";

/**
 * An EventStore group-committed through a bounded WriteQueue: what both backends share. A
 * backend gives how one batch commits, how big a batch may be, a write probe for health, and
 * its own close. Health is the outcome of the last commit or probe (src/db/write-health.ts).
 */
export abstract class QueuedEventStore implements EventStore, WritePathGauges {
  private readonly queue: WriteQueue<NewEvent>;
  protected readonly writeHealth: WriteHealth;

  /** `idleProbeMs`: a health check this long after the last commit probes first (0: every check). */
  protected constructor({ maxPendingEvents, maxEventsPerCommit, idleProbeMs }: { maxPendingEvents: number; maxEventsPerCommit: number; idleProbeMs?: number }) {
    this.writeHealth = new WriteHealth({ probe: () => this.probe(), idleProbeMs });
    this.queue = new WriteQueue({ maxPending: maxPendingEvents, maxBatch: maxEventsPerCommit, commit: (rows) => this.commit(rows), health: this.writeHealth });
  }

  /** Stores `rows` in one transaction; rejects if nothing was stored. */
  protected abstract commit(rows: NewEvent[]): Promise<CommitResult>;
  /** A write that stores nothing, or as close to one as the backend has; rejects with StoreUnavailableError as a commit would. */
  protected abstract probe(): Promise<void>;

  health(): Promise<StoreHealth> {
    return this.writeHealth.status();
  }

  /** Failed commits and checkpoints, and recovery: for the failure log and /metrics. */
  onStorageEvent(listener: StorageListener): void {
    this.writeHealth.onEvent(listener);
  }
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
