import { describe, expect, test } from "bun:test";
import { type StorageEvent, WriteHealth } from "../../src/db/write-health";

const full = Object.assign(new Error("could not commit events"), { reason: "storage_full" });

/** A probe the test breaks and repairs, counting its calls. */
function switchableProbe() {
  const state = { error: undefined as Error | undefined, calls: 0 };
  const probe = async () => {
    state.calls++;
    if (state.error) throw state.error;
  };
  return { state, probe };
}

describe("WriteHealth: the outcome of the last commit or probe", () => {
  test("ok, then unavailable with the failure's reason, then ok once a commit succeeds", async () => {
    const { probe } = switchableProbe();
    const health = new WriteHealth({ probe, retryMs: 60_000 });
    const events: StorageEvent[] = [];
    health.onEvent((event) => events.push(event));
    expect(await health.status()).toEqual({ status: "ok" });
    health.failed(full);
    health.failed(new Error("no reason given"));
    expect(await health.status()).toEqual({ status: "unavailable", reason: "commit_failing" });
    health.succeeded();
    expect(await health.status()).toEqual({ status: "ok" });
    expect(events.map((event) => event.kind)).toEqual(["commit_failed", "commit_failed", "commits_recovered"]);
    expect(events[2]).toMatchObject({ failures: 2 });
    health.close();
    expect(await health.status()).toEqual({ status: "unavailable", reason: "closed" });
  });

  test("while failing it probes by itself, so an idle service recovers without a commit", async () => {
    const { state, probe } = switchableProbe();
    state.error = full;
    const health = new WriteHealth({ probe, retryMs: 20 });
    health.failed(full);
    await Bun.sleep(100);
    expect(state.calls).toBeGreaterThan(1);
    expect(await health.status()).toEqual({ status: "unavailable", reason: "storage_full" });
    state.error = undefined;
    await Bun.sleep(100);
    expect(await health.status()).toEqual({ status: "ok" });
    const calls = state.calls;
    await Bun.sleep(100);
    // Healthy again: the retries stopped.
    expect(state.calls).toBe(calls);
    health.close();
  });

  test("a health check after a quiet spell probes first, so an idle service notices a failure", async () => {
    const { state, probe } = switchableProbe();
    const health = new WriteHealth({ probe, retryMs: 60_000, idleProbeMs: 0 });
    state.error = Object.assign(new Error("read-only"), { reason: "read_only" });
    expect(await health.status()).toEqual({ status: "unavailable", reason: "read_only" });
    expect(state.calls).toBe(1);
    health.close();
  });
});
