import type { RollupBackfiller } from "../db/interfaces";
import { SESSIONS_COUNTED_AFTER_MS } from "../db/rollup";
import type { Logger } from "../logger";

export interface BackfillJobOptions {
  backfiller: RollupBackfiller;
  logger: Logger;
  /**
   * Events per step. Each step is one write transaction queued between ingest commits: 2,000
   * events take about 20 ms on SQLite (measured on the shared 2-core machine), so a commit waits
   * at most that long behind one.
   */
  chunkRows?: number;
  /** Breather between steps, so ingest keeps most of the writer while a large backfill runs. */
  pauseMs?: number;
  /** Wait after a failed step (the database busy or away) before trying again. */
  retryMs?: number;
  /**
   * How often closed buckets get their sessions counted, once the backfill is done: a minute,
   * so a bucket is read from the rows for at most SESSIONS_COUNTED_AFTER_MS and a minute after it closes.
   */
  sessionsIntervalMs?: number;
  /** Buckets counted per step: one read of their rows, then one short write. */
  sessionBuckets?: number;
  now?: () => number;
}

/**
 * Brings the events stored before the rollups existed into them, in the background from start-up
 * until done (a database created with rollups has nothing to do). Stats read the events
 * themselves until it finishes, so answers are right throughout; a restart resumes where the
 * last step committed. Then, every minute until stopped, counts the distinct sessions of the
 * buckets that closed (../db/rollup.ts).
 */
export class RollupBackfillJob {
  private readonly options: Required<BackfillJobOptions>;
  private stopping = false;
  private running: Promise<void> | undefined;
  private backfill: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(options: BackfillJobOptions) {
    this.options = { chunkRows: 2000, pauseMs: 5, retryMs: 1000, sessionsIntervalMs: 60_000, sessionBuckets: 200, now: Date.now, ...options };
  }

  /** Starts in the background; `backfilled` resolves when every old event is rolled up (or on stop). */
  start(): void {
    this.backfill ??= this.runBackfill();
    this.running ??= this.backfill.then(() => this.countSessions());
  }

  get backfilled(): Promise<void> {
    return this.backfill ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  /** Waits `ms`, or less if the job is stopped meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) return resolve();
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async countSessions(): Promise<void> {
    const { backfiller, logger, sessionsIntervalMs, sessionBuckets, retryMs, now } = this.options;
    while (!this.stopping) {
      try {
        let step;
        do step = await backfiller.countSessions(new Date(now() - SESSIONS_COUNTED_AFTER_MS), sessionBuckets);
        while (step.found === sessionBuckets && step.stored > 0 && !this.stopping);
        await this.pause(sessionsIntervalMs);
      } catch (error) {
        logger.error({ err: error }, "rollups: counting the sessions of closed buckets failed; retrying");
        await this.pause(retryMs);
      }
    }
  }

  private async runBackfill(): Promise<void> {
    const { backfiller, logger, chunkRows, pauseMs, retryMs } = this.options;
    const started = performance.now();
    let rows = 0;
    let steps = 0;
    while (!this.stopping) {
      try {
        const step = await backfiller.backfillStep(chunkRows);
        rows += step.rows;
        steps += 1;
        if (step.complete) {
          if (rows > 0) logger.info({ rows, steps, durationMs: Math.round(performance.now() - started) }, "rollups: backfill finished");
          return;
        }
        if (steps === 1) logger.info({ chunkRows }, "rollups: backfilling events stored before the rollups existed");
        await Bun.sleep(pauseMs);
      } catch (error) {
        logger.error({ err: error, rows }, "rollups: a backfill step failed; retrying");
        await Bun.sleep(retryMs);
      }
    }
  }
}
