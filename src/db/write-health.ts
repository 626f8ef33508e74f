/**
 * Whether the write path can commit, as /health reports it: the outcome of the last commit (or
 * probe), not whether a read answers. Shared by both backends; each gives it a cheap probe.
 */

/** Why commits fail, from what the database said. */
export const STORAGE_FAILURE_REASONS = [
  /** The disk (or the database's quota) is full: SQLITE_FULL, PostgreSQL 53100. */
  "storage_full",
  /** The file, its folder or the server refuses writes: SQLITE_READONLY, PostgreSQL 25006, a standby. */
  "read_only",
  /** The database server cannot be reached, or does not answer within its deadline. */
  "unreachable",
  /** The thread that commits has stopped; only a restart brings it back. */
  "writer_stopped",
  /** Any other failure to commit. */
  "commit_failing",
] as const;
export type StorageFailureReason = (typeof STORAGE_FAILURE_REASONS)[number];

export type StoreHealth = { status: "ok" } | { status: "unavailable"; reason: StorageFailureReason | "closed" };

/** What the write path tells its observers (the failure log, the metrics). */
export type StorageEvent =
  | { kind: "commit_failed"; reason: StorageFailureReason; message: string }
  | { kind: "commits_recovered"; failures: number; reason: StorageFailureReason }
  | { kind: "checkpoint_failed"; count: number; message: string };
export type StorageListener = (event: StorageEvent) => void;

export interface WriteHealthOptions {
  /** A write that commits (almost) nothing; rejects, as a commit would, when the write path is down. */
  probe: () => Promise<void>;
  /** While failing, probe this often so an idle service recovers by itself. */
  retryMs?: number;
  /** A health check after this long without any commit probes first, so an idle service notices a failure. */
  idleProbeMs?: number;
}

/** A failure carries its reason (StoreUnavailableError); anything else is `commit_failing`. */
export function failureReason(error: unknown): StorageFailureReason {
  const reason = (error as { reason?: unknown } | undefined)?.reason;
  return STORAGE_FAILURE_REASONS.includes(reason as StorageFailureReason) ? (reason as StorageFailureReason) : "commit_failing";
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return error.message + cause;
}

export class WriteHealth {
  private failing: { reason: StorageFailureReason; failures: number } | undefined;
  private lastOutcomeAt = performance.now();
  /** Commits and probes that succeeded so far: a probe's failure is stale if one succeeded since it began. */
  private successes = 0;
  private probing: Promise<void> | undefined;
  private retry: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly listeners: StorageListener[] = [];
  private readonly retryMs: number;
  private readonly idleProbeMs: number;

  constructor(private readonly options: WriteHealthOptions) {
    this.retryMs = options.retryMs ?? 1000;
    this.idleProbeMs = options.idleProbeMs ?? 10_000;
  }

  onEvent(listener: StorageListener): void {
    this.listeners.push(listener);
  }

  emit(event: StorageEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // An observer's fault must not stop the write path.
        reportError(error);
      }
    }
  }

  /** A commit (or probe) committed: the write path works. */
  succeeded(): void {
    this.lastOutcomeAt = performance.now();
    this.successes++;
    const failing = this.failing;
    if (!failing) return;
    this.failing = undefined;
    clearInterval(this.retry);
    this.retry = undefined;
    this.emit({ kind: "commits_recovered", failures: failing.failures, reason: failing.reason });
  }

  /** A commit (or probe) failed, having stored nothing. */
  failed(error: unknown): void {
    this.lastOutcomeAt = performance.now();
    const reason = failureReason(error);
    this.failing = { reason, failures: (this.failing?.failures ?? 0) + 1 };
    this.emit({ kind: "commit_failed", reason, message: messageOf(error) });
    if (!this.retry && !this.closed) {
      this.retry = setInterval(() => void this.probe(), this.retryMs);
      // A store that is never closed must not keep the process alive.
      this.retry.unref?.();
    }
  }

  /** The last outcome; after a quiet spell, a probe first (never more than one at a time). */
  async status(): Promise<StoreHealth> {
    if (this.closed) return { status: "unavailable", reason: "closed" };
    if (!this.failing && performance.now() - this.lastOutcomeAt >= this.idleProbeMs) await this.probe();
    return this.failing ? { status: "unavailable", reason: this.failing.reason } : { status: "ok" };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.retry);
    this.retry = undefined;
  }

  private probe(): Promise<void> {
    const successesBefore = this.successes;
    this.probing ??= this.options
      .probe()
      .then(
        () => this.succeeded(),
        (error: unknown) => {
          // A commit succeeded while this probe was under way (it began while the disk was still
          // full, say): the failure is older news than that success, so it must not undo it.
          if (this.successes !== successesBefore) return;
          // A probe's failure counts once for health; repeating it every second is not news for the log.
          const reason = failureReason(error);
          if (this.failing?.reason === reason) this.lastOutcomeAt = performance.now();
          else this.failed(error);
        },
      )
      .finally(() => (this.probing = undefined));
    return this.probing;
  }
}
