import { describe, expect, test } from "bun:test";
import { StoreOverloadedError, StoreUnavailableError } from "../src/db/errors";
import { type CommitResult, WriteQueue } from "../src/db/write-queue";

// The group-commit policy on its own, against a commit the test finishes by hand.

function harness(options: { maxPending?: number; maxBatch?: number } = {}) {
  const commits: { rows: string[]; finish: (duplicates?: number[]) => void; fail: (error: Error) => void }[] = [];
  const queue = new WriteQueue<string>({
    maxPending: options.maxPending ?? 100,
    maxBatch: options.maxBatch ?? 100,
    commit: (rows) =>
      new Promise<CommitResult>((resolve, reject) => {
        commits.push({ rows: [...rows], finish: (duplicates = []) => resolve({ durationMs: 1, duplicates }), fail: reject });
      }),
  });
  /** Resolves once the queue has started its next commit. */
  const nextCommit = async (index: number) => {
    while (commits.length <= index) await new Promise((resolve) => setImmediate(resolve));
    return commits[index]!;
  };
  return { queue, commits, nextCommit };
}

describe("group commit", () => {
  test("appends made in one event-loop turn share one commit, answered only when it finishes", async () => {
    const { queue, nextCommit } = harness();
    let answered = 0;
    const appends = [["a"], ["b", "c"], ["d"]].map((rows) => queue.enqueue(rows).then(() => answered++));
    const commit = await nextCommit(0);
    expect(commit.rows).toEqual(["a", "b", "c", "d"]);
    await Bun.sleep(1);
    expect(answered).toBe(0);
    commit.finish();
    await Promise.all(appends);
    expect(answered).toBe(3);
  });

  test("appends arriving during a commit form the next one, started as soon as the first finishes", async () => {
    const { queue, nextCommit, commits } = harness();
    const first = queue.enqueue(["a"]);
    const commit = await nextCommit(0);
    const later = [queue.enqueue(["b"]), queue.enqueue(["c"])];
    await Bun.sleep(1);
    expect(commits).toHaveLength(1); // one transaction at a time
    expect(queue.depth).toBe(3);
    commit.finish();
    await first;
    expect((await nextCommit(1)).rows).toEqual(["b", "c"]);
    commits[1]!.finish();
    await Promise.all(later);
    expect(queue.stats()).toMatchObject({ commits: 2, committedEvents: 3, batchSizes: { "1": 1, "2-3": 1 } });
  });

  test("a batch holds whole appends up to maxBatch events; an append larger than that goes alone, unsplit", async () => {
    const { queue, nextCommit } = harness({ maxBatch: 3 });
    const blocker = queue.enqueue(["x"]);
    const commit = await nextCommit(0);
    const appends = [["a", "b"], ["c", "d"], ["e", "f", "g", "h"], ["i"]].map((rows) => queue.enqueue(rows));
    commit.finish();
    await blocker;
    for (const [index, expected] of [[1, ["a", "b"]], [2, ["c", "d"]], [3, ["e", "f", "g", "h"]], [4, ["i"]]] as const) {
      const next = await nextCommit(index);
      expect(next.rows).toEqual([...expected]);
      next.finish();
    }
    await Promise.all(appends);
  });
});

describe("each append is answered with its own stored and duplicate counts", () => {
  test("duplicates reported by the commit (row indexes) are attributed to the append that sent them", async () => {
    const { queue, nextCommit } = harness();
    const appends = [["a", "b"], ["c"], ["d", "e", "f"]].map((rows) => queue.enqueue(rows));
    (await nextCommit(0)).finish([1, 3, 5]);
    expect(await Promise.all(appends)).toEqual([
      { inserted: 1, duplicates: 1 },
      { inserted: 1, duplicates: 0 },
      { inserted: 1, duplicates: 2 },
    ]);
  });
});

describe("backpressure", () => {
  test("beyond maxPending events (queued plus committing) an append is refused at once and nothing is queued", async () => {
    const { queue, nextCommit } = harness({ maxPending: 3 });
    const accepted = [queue.enqueue(["a", "b"])];
    await nextCommit(0);
    accepted.push(queue.enqueue(["c"]));
    expect(queue.depth).toBe(3);
    await expect(queue.enqueue(["d"])).rejects.toBeInstanceOf(StoreOverloadedError);
    await expect(queue.enqueue(["e", "f"])).rejects.toBeInstanceOf(StoreOverloadedError);
    expect(queue.stats()).toMatchObject({ queueDepth: 3, refusedEvents: 3 });
  });

  test("an append larger than maxPending is admitted alone into an empty queue, never into a busy one", async () => {
    const { queue, nextCommit } = harness({ maxPending: 2 });
    const large = queue.enqueue(["a", "b", "c", "d"]);
    await expect(queue.enqueue(["e"])).rejects.toBeInstanceOf(StoreOverloadedError);
    (await nextCommit(0)).finish();
    expect(await large).toEqual({ inserted: 4, duplicates: 0 });
  });
});

describe("a failed commit", () => {
  test("rejects every append in that batch with StoreUnavailableError carrying the cause; the next batch is unaffected", async () => {
    const { queue, nextCommit } = harness();
    const blocker = queue.enqueue(["x"]);
    const first = await nextCommit(0);
    const failing = [queue.enqueue(["a"]), queue.enqueue(["b"])];
    first.finish();
    await blocker;
    const cause = new Error("SQLITE_FULL: database or disk is full");
    (await nextCommit(1)).fail(cause);
    for (const result of await Promise.allSettled(failing)) {
      expect(result.status).toBe("rejected");
      const reason = (result as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(StoreUnavailableError);
      expect(reason.cause).toBe(cause);
    }
    const after = queue.enqueue(["c"]);
    (await nextCommit(2)).finish();
    await after;
    expect(queue.stats()).toMatchObject({ commits: 2, committedEvents: 2, failedCommits: 1, queueDepth: 0 });
  });
});

describe("closing", () => {
  test("waits for every accepted append to commit, refusing new ones meanwhile", async () => {
    const { queue, nextCommit } = harness();
    const accepted = queue.enqueue(["a"]);
    const commit = await nextCommit(0);
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    await expect(queue.enqueue(["late"])).rejects.toBeInstanceOf(StoreUnavailableError);
    await Bun.sleep(1);
    expect(closed).toBe(false);
    commit.finish();
    await closing;
    await accepted;
    expect(closed).toBe(true);
  });

  test("resolves at once when nothing is pending", async () => {
    const { queue } = harness();
    await queue.close();
    await expect(queue.enqueue(["late"])).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
