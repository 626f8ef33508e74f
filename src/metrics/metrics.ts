import { statSync } from "node:fs";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { WritePathGauges } from "../db/interfaces";
import { STORAGE_FAILURE_REASONS } from "../db/write-health";
import { EVENT_TYPES } from "../events/model";
import { VIOLATION_REASONS } from "../events/violations";

export interface MetricsOptions {
  /** The SQLite file whose size (with its WAL) is reported; absent for `:memory:`. */
  databaseFile?: string;
}

/** One registry per app, so tests can build many apps without metric name clashes. */
export class Metrics {
  readonly registry = new Registry();

  readonly eventsAccepted = new Counter({
    name: "event_ingest_events_accepted_total",
    help: "Events acknowledged as stored (committed, or already stored under the same event_id), by event type.",
    labelNames: ["event_type"] as const,
    registers: [this.registry],
  });

  readonly eventsDuplicate = new Counter({
    name: "event_ingest_events_duplicate_total",
    help: "Accepted events whose event_id was already stored, so they were not stored again.",
    registers: [this.registry],
  });

  readonly eventsRejected = new Counter({
    name: "event_ingest_events_rejected_total",
    help: "Ingest requests refused, by reason (the error code of the response envelope).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly payloadViolations = new Counter({
    name: "event_ingest_payload_violations_total",
    help: "Payload violations of the tracking plan found at ingest (PAYLOAD_SCHEMA flag: event stored and marked; enforce: refused), by event type and reason.",
    labelNames: ["event_type", "reason"] as const,
    registers: [this.registry],
  });

  readonly botEvents = new Counter({
    name: "event_ingest_bot_events_total",
    help: "Events from a bot's user agent, by what BOT_FILTER did: dropped (answered 202, not stored) or flagged (stored and marked).",
    labelNames: ["action"] as const,
    registers: [this.registry],
  });

  readonly commitFailures = new Counter({
    name: "event_ingest_commit_failures_total",
    help: "Commits (and write probes) that failed, storing nothing, by reason (as /health reports it).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  /** SQLite only: a file has a checkpointer. */
  private readonly checkpointFailures: Counter | undefined;

  readonly httpDuration = new Histogram({
    name: "event_ingest_http_request_duration_seconds",
    help: "Time from request arrival to response (to the first byte, for streamed exports), by route and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor({ databaseFile }: MetricsOptions = {}) {
    collectDefaultMetrics({ register: this.registry });
    // Every type starts at 0, so a rate() over a type with no events yet is 0, not absent.
    for (const type of EVENT_TYPES) this.eventsAccepted.inc({ event_type: type }, 0);
    for (const action of ["dropped", "flagged"]) this.botEvents.inc({ action }, 0);
    for (const reason of STORAGE_FAILURE_REASONS) this.commitFailures.inc({ reason }, 0);

    if (databaseFile) {
      this.checkpointFailures = new Counter({
        name: "event_ingest_checkpoint_failures_total",
        help: "WAL checkpoints that failed (e.g. a full disk cannot take the pages they copy); busy ones, retried at once, are not counted.",
        registers: [this.registry],
      });
      new Gauge({
        name: "event_ingest_database_size_bytes",
        help: "Size on disk of the SQLite database file and of its write-ahead log.",
        labelNames: ["file"] as const,
        registers: [this.registry],
        collect() {
          this.set({ file: "database" }, fileSize(databaseFile));
          this.set({ file: "wal" }, fileSize(`${databaseFile}-wal`));
        },
      });
    }
  }

  private writePath: WritePathGauges | undefined;
  private readonly watchedWritePaths = new WeakSet<WritePathGauges>();
  private readonly commitBatchSize = new Histogram({
    name: "event_ingest_commit_batch_size",
    help: "Events per group commit.",
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    registers: [],
  });

  /**
   * Reports the write path's queue depth and commit sizes; called by instrument (./instrument.ts).
   * The series appear with the first write path watched; an app built again on the same
   * metrics and store (as a test may) subscribes once.
   */
  watchWritePath(writePath: WritePathGauges): void {
    if (this.writePath === undefined) {
      const metrics = this;
      new Gauge({
        name: "event_ingest_write_queue_depth",
        help: "Events accepted by the write path and not yet committed (waiting, or in the commit under way).",
        registers: [this.registry],
        collect() {
          this.set(metrics.writePath?.queuedEvents() ?? 0);
        },
      });
      this.registry.registerMetric(this.commitBatchSize);
    }
    this.writePath = writePath;
    if (this.watchedWritePaths.has(writePath)) return;
    this.watchedWritePaths.add(writePath);
    writePath.onCommit((events) => this.commitBatchSize.observe(events));
    writePath.onStorageEvent((event) => {
      if (event.kind === "commit_failed") this.commitFailures.inc({ reason: event.reason });
      if (event.kind === "checkpoint_failed") this.checkpointFailures?.inc(event.count);
    });
  }
}

function fileSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}
