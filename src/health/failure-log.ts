import type { StorageEvent } from "../db/write-health";
import type { Logger } from "../logger";

/**
 * Logs write-path failures so the log stays readable while they last: the first failure of a
 * kind is logged at once; the ones after it are counted, and at the end of each interval one line
 * per kind gives the count and the last message. No stack: the message says what the database
 * said, and a stack per commit (one disk-full run wrote 5,038 of them) says nothing more.
 */
export class StorageFailureLog {
  /** Kinds of failure seen lately, with what was counted and not logged yet. */
  private readonly active = new Map<string, { msg: string; fields: Record<string, unknown>; count: number; message: string }>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref?.();
  }

  /** Takes the write path's events (WriteHealth.onEvent). */
  readonly record = (event: StorageEvent): void => {
    switch (event.kind) {
      case "commit_failed":
        return this.count(`commit:${event.reason}`, "commits failing", { reason: event.reason }, 1, event.message);
      case "checkpoint_failed":
        return this.count("checkpoint", "checkpoints failing", {}, event.count, event.message);
      case "commits_recovered":
        this.flush();
        this.logger.info({ failedCommits: event.failures, reason: event.reason }, "commits succeed again");
    }
  };

  /** Logs the counts of the interval that ends, and starts the next. */
  flush(): void {
    for (const [key, entry] of this.active) {
      // A kind quiet for a whole interval is forgotten: its next failure is news again.
      if (entry.count === 0) this.active.delete(key);
      else this.logger.warn({ ...entry.fields, count: entry.count, intervalMs: this.intervalMs, error: entry.message }, entry.msg);
      entry.count = 0;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private count(key: string, msg: string, fields: Record<string, unknown>, count: number, message: string): void {
    const entry = this.active.get(key);
    if (entry) {
      entry.count += count;
      entry.message = message;
      return;
    }
    this.active.set(key, { msg, fields, count: 0, message });
    this.logger.warn({ ...fields, count, error: message }, msg);
  }
}
