import { describe, expect, test } from "bun:test";
import { StorageFailureLog } from "../../src/health/failure-log";
import { capturingLogger } from "../support/log-capture";

const full = { kind: "commit_failed", reason: "storage_full", message: "could not commit events: SQLITE_FULL: database or disk is full" } as const;

describe("failing commits log one line per kind of failure per interval, with a count", () => {
  test("the first failure at once, the rest of the interval as one line with their count, no stack", () => {
    const { logger, lines } = capturingLogger("info");
    const log = new StorageFailureLog(logger, 60_000);
    for (let i = 0; i < 5038; i++) log.record(full);
    log.record({ kind: "commit_failed", reason: "read_only", message: "SQLITE_READONLY" });
    expect(lines().map(({ msg, reason, count }) => ({ msg, reason, count }))).toEqual([
      { msg: "commits failing", reason: "storage_full", count: 1 },
      { msg: "commits failing", reason: "read_only", count: 1 },
    ]);
    log.flush();
    const flushed = lines().slice(2);
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toMatchObject({ level: 40, msg: "commits failing", reason: "storage_full", count: 5037, intervalMs: 60_000, error: full.message });
    expect(JSON.stringify(lines())).not.toContain("stack");
    log.close();
  });

  test("a kind quiet for a whole interval is logged at once when it comes back", () => {
    const { logger, lines } = capturingLogger("info");
    const log = new StorageFailureLog(logger, 60_000);
    log.record(full);
    log.flush(); // nothing more in this interval
    log.flush(); // a quiet interval: forgotten
    log.record(full);
    expect(lines().map((line) => line.count)).toEqual([1, 1]);
    log.close();
  });

  test("recovery logs what was still counted, then one info line with the number of failed commits", () => {
    const { logger, lines } = capturingLogger("info");
    const log = new StorageFailureLog(logger, 60_000);
    for (let i = 0; i < 3; i++) log.record(full);
    log.record({ kind: "commits_recovered", failures: 3, reason: "storage_full" });
    expect(lines().map(({ level, msg, count, failedCommits }) => ({ level, msg, count, failedCommits }))).toEqual([
      { level: 40, msg: "commits failing", count: 1, failedCommits: undefined },
      { level: 40, msg: "commits failing", count: 2, failedCommits: undefined },
      { level: 30, msg: "commits succeed again", count: undefined, failedCommits: 3 },
    ]);
    log.close();
  });

  test("checkpoint failures are rate-limited the same way, counting what the checkpointer reports", () => {
    const { logger, lines } = capturingLogger("info");
    const log = new StorageFailureLog(logger, 60_000);
    log.record({ kind: "checkpoint_failed", count: 1, message: "SQLITE_FULL" });
    log.record({ kind: "checkpoint_failed", count: 9, message: "SQLITE_FULL" });
    log.flush();
    expect(lines().map(({ msg, count }) => ({ msg, count }))).toEqual([
      { msg: "checkpoints failing", count: 1 },
      { msg: "checkpoints failing", count: 9 },
    ]);
    log.close();
  });
});
