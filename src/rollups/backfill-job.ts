import type { RollupBackfiller } from "../db/interfaces";
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
}

/**
 * Brings the events stored before the rollups existed into them, in the background from start-up
 * until done (a database created with rollups has nothing to do). Stats read the events
 * themselves until it finishes, so answers are right throughout; a restart resumes where the
 * last step committed.
 */
export class RollupBackfillJob {
  private readonly options: Required<BackfillJobOptions>;
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(options: BackfillJobOptions) {
    this.options = { chunkRows: 2000, pauseMs: 5, retryMs: 1000, ...options };
  }

  /** Starts in the background; resolves `finished` when every old event is rolled up (or on stop). */
  start(): void {
    this.running ??= this.run();
  }

  get finished(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async run(): Promise<void> {
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
