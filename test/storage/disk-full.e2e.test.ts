import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type RunningServer, startServer } from "../support/server";
import { mountTmpfs, type Tmpfs } from "../support/tmpfs";

const disk = mountTmpfs("8m");
if (typeof disk === "string") console.warn(`skipping the disk-full tests: ${disk}`);

// Large enough payloads that a few hundred KB of free space fill within a few hundred requests.
const PAYLOAD = { text: "x".repeat(2000) };
const MAX_REQUESTS = 3000;

/** Posts one event per session id; resolves with the status. */
async function post(url: string, sessionId: string): Promise<number> {
  const response = await fetch(`${url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ session_id: sessionId, event_type: "sage_query", payload: PAYLOAD }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { error?: string };
  if (response.status === 503) expect(body.error).toBe("storage_unavailable");
  return response.status;
}

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls /health until it answers `status`, for at most `ms`. */
async function healthBecomes(url: string, status: number, ms: number) {
  const deadline = Date.now() + ms;
  let last = await health(url);
  while (last.status !== status && Date.now() < deadline) {
    await Bun.sleep(100);
    last = await health(url);
  }
  return last;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((row) => row.startsWith(`${name} `) || row.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.split(" ").at(-1));
}

function logLines(server: RunningServer): Record<string, unknown>[] {
  return server
    .stdout()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe.skipIf(typeof disk === "string")("SQLite on a disk that fills up (a small tmpfs)", () => {
  const tmpfs = disk as Tmpfs;
  const file = join(tmpfs.path ?? "", "events.db");
  const acknowledged: string[] = [];
  let server: RunningServer;
  let freeSpace: () => void;
  let failures = 0;

  beforeAll(async () => {
    server = await startServer({ DATABASE_URL: file, METRICS_PUBLIC: "true" });
    for (let i = 0; i < 20; i++) if ((await post(server.url, `before-${i}`)) === 202) acknowledged.push(`before-${i}`);
    freeSpace = tmpfs.fill(256 * 1024);
    // Eight at a time, until a few dozen requests were refused (or a bound on requests is reached).
    for (let sent = 0; failures < 40 && sent < MAX_REQUESTS; sent += 8) {
      const ids = Array.from({ length: 8 }, (_, i) => `full-${sent + i}`);
      const statuses = await Promise.all(ids.map((id) => post(server.url, id)));
      statuses.forEach((status, i) => {
        if (status === 202) acknowledged.push(ids[i]!);
        else failures++;
      });
    }
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    tmpfs.unmount();
  }, 20_000);

  test("ingest answers 503 storage_unavailable once the disk is full", () => {
    expect(failures).toBeGreaterThanOrEqual(40);
  });

  test("/health answers 503 with reason storage_full while commits fail", async () => {
    expect(await health(server.url)).toEqual({ status: 503, body: { status: "unavailable", reason: "storage_full" } });
  });

  test("checkpoints that cannot grow the database file are counted in /metrics and logged", async () => {
    const deadline = Date.now() + 5_000;
    while ((await metric(server.url, "event_ingest_checkpoint_failures_total")) === 0 && Date.now() < deadline) await Bun.sleep(100);
    expect(await metric(server.url, "event_ingest_checkpoint_failures_total")).toBeGreaterThan(0);
    const lines = logLines(server).filter((line) => line.msg === "checkpoints failing");
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
  }, 10_000);

  test("failing commits log one line per kind of failure per interval, with a count and no stack", () => {
    const lines = logLines(server).filter((line) => line.msg === "commits failing");
    expect(lines.length).toBeGreaterThanOrEqual(1);
    // The first failure is logged at once, the rest are counted into a line at the end of each
    // 10 s interval: a few lines for this run, however many commits failed.
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines.map((line) => line.reason)).toContain("storage_full");
    for (const line of lines) {
      expect(typeof line.count).toBe("number");
      expect(JSON.stringify(line)).not.toContain("stack");
      expect(JSON.stringify(line)).not.toContain("    at ");
    }
  });

  test("once space is freed, /health is 200 again by itself and ingest accepts events, without a restart", async () => {
    const freedAt = Date.now();
    freeSpace();
    // No ingest meanwhile: an idle service notices the recovery too.
    expect(await healthBecomes(server.url, 200, 8_000)).toEqual({ status: 200, body: { status: "ok" } });
    for (let i = 0; i < 20; i++) {
      expect(await post(server.url, `after-${i}`)).toBe(202);
      acknowledged.push(`after-${i}`);
    }
    // While the disk was filling, a small commit could still fit between failing ones, and each
    // such recovery is logged (seen: one at the start of the fill). Once space is freed, the
    // recovery is announced exactly once.
    const recovered = logLines(server).filter((line) => line.msg === "commits succeed again" && Number(line.time) >= freedAt);
    expect(recovered).toHaveLength(1);
  }, 15_000);

  test("every event answered 202 is in the database after a clean stop", async () => {
    expect(await server.stop()).toBe(0);
    const db = new Database(file, { readonly: true });
    try {
      const stored = new Set(db.query<{ session_id: string }, []>("SELECT session_id FROM user_events").all().map((row) => row.session_id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      expect(acknowledged.length).toBeGreaterThan(40);
    } finally {
      db.close();
    }
  }, 20_000);
});
