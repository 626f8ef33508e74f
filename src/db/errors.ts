import type { StorageFailureReason } from "./write-health";

/** Storage could not commit; nothing from the failed batch was stored. Retrying later is safe. */
export class StoreUnavailableError extends Error {
  /** Why, as /health reports it. */
  readonly reason: StorageFailureReason;

  constructor(message: string, options?: { cause?: unknown; reason?: StorageFailureReason }) {
    super(message, options);
    this.name = "StoreUnavailableError";
    this.reason = options?.reason ?? "commit_failing";
  }
}

/** The write queue is full: the events were refused without being queued. Retrying later is safe. */
export class StoreOverloadedError extends Error {
  constructor(readonly maxPendingEvents: number) {
    super(`the write queue is full (${maxPendingEvents} events pending)`);
    this.name = "StoreOverloadedError";
  }
}

/** Every reader is busy and enough reads already wait: the read was refused without being queued. Retrying later is safe. */
export class StoreBusyError extends Error {
  constructor(readonly maxQueuedReads: number) {
    super(`every reader is busy and ${maxQueuedReads} reads are waiting`);
    this.name = "StoreBusyError";
  }
}

/** Raised when applying the schema would lose or rewrite data; the server must not start. */
export class UnsafeSchemaChangeError extends Error {
  constructor(readonly statement: string) {
    super(`refusing to apply schema change that could lose or rewrite data: ${statement}`);
    this.name = "UnsafeSchemaChangeError";
  }
}
