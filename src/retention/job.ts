import type { EventPruner } from "../db/interfaces";
import type { Logger } from "../logger";

const DAY_MS = 86_400_000;

export interface RetentionRun {
  cutoff: Date;
  deleted: number;
  durationMs: number;
}

export interface RetentionJobOptions {
  pruner: EventPruner;
  /** Unset keeps events forever: the job never deletes anything. */
  retentionDays: number | undefined;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
  /** Rows per delete; small enough that one delete holds the write lock for a few milliseconds. */
  chunkRows?: number;
  /** Breather between chunks, so ingest commits interleave with a long purge. */
  pauseMs?: number;
}

/**
 * Deletes events older than RETENTION_DAYS in small chunks: at start-up, every interval, and on
 * demand. Runs never overlap: asking while one is in progress joins it.
 */
export class RetentionJob {
  readonly retentionDays: number | undefined;
  private readonly pruner: EventPruner;
  private readonly intervalMs: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly chunkRows: number;
  private readonly pauseMs: number;
  private running: Promise<RetentionRun> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopping = false;

  constructor(options: RetentionJobOptions) {
    this.pruner = options.pruner;
    this.retentionDays = options.retentionDays;
    this.intervalMs = options.intervalMs;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.chunkRows = options.chunkRows ?? 1000;
    this.pauseMs = options.pauseMs ?? 10;
  }

  get enabled(): boolean {
    return this.retentionDays !== undefined;
  }

  /** Runs once now and then every interval, in the background; failures are logged, not thrown. */
  start(): void {
    if (!this.enabled || this.timer) return;
    const runLogged = () => void this.run().catch((error) => this.logger.error({ err: error }, "retention: purge failed; retrying next interval"));
    runLogged();
    this.timer = setInterval(runLogged, this.intervalMs);
    this.timer.unref();
  }

  /** Deletes everything older than the retention period now (or joins the run in progress). */
  run(): Promise<RetentionRun> {
    if (this.retentionDays === undefined) return Promise.reject(new Error("retention is off: RETENTION_DAYS is not set"));
    this.running ??= this.purge(new Date(this.now() - this.retentionDays * DAY_MS)).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the schedule and lets a run in progress finish its current chunk. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.catch(() => {});
  }

  private async purge(cutoff: Date): Promise<RetentionRun> {
    const started = performance.now();
    let deleted = 0;
    for (;;) {
      const removed = await this.pruner.deleteOlderThan(cutoff, this.chunkRows);
      deleted += removed;
      if (removed < this.chunkRows || this.stopping) break;
      await Bun.sleep(this.pauseMs);
    }
    const run = { cutoff, deleted, durationMs: Math.round(performance.now() - started) };
    this.logger.info(
      { deleted, cutoff: cutoff.toISOString(), retentionDays: this.retentionDays, durationMs: run.durationMs },
      `retention: deleted ${deleted} events created before ${cutoff.toISOString()}`,
    );
    return run;
  }
}
