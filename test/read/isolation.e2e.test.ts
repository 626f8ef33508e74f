import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config";
import { ADMIN_TOKEN } from "../support/app";
import { backends, type TestDatabase } from "../support/backends";
import { seedEvents } from "../support/events";
import { type RunningServer, startServer } from "../support/server";
import { openStore } from "../support/store";

/**
 * Reads never stall ingest: the real server answers an ingest during a large export, and during
 * a stats loop, within a generous multiple of its idle time. The bounds are loose on purpose (a
 * busy 2-core machine); the measured figures live in `bun bench/isolation.ts`. Before reads
 * left the event loop, each export page and stats query ran between ingest requests, and an
 * export loop kept ingest waiting for whole exports.
 */
const ROWS = 20_000;
const T0 = Date.now() - 3_600_000;
const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function ingestTimes(server: RunningServer, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`${server.url}/api/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: `iso-${i}`, event_type: "card_click", payload: { i } }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(202);
    await response.arrayBuffer();
    times.push(performance.now() - started);
    await Bun.sleep(10);
  }
  return times;
}

/** Runs `once` back to back until `stop()`; resolves with how many completed. */
function loop(once: () => Promise<void>) {
  let running = true;
  let runs = 0;
  const done = (async () => {
    while (running) {
      await once();
      runs++;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return runs;
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function withServer(backend: (typeof backends)[number], run: (server: RunningServer, db: TestDatabase) => Promise<void>) {
  const db = await backend.database();
  try {
    const store = await openStore(parseConfig(db.env));
    for (let i = 0; i < ROWS; i += 2000) {
      await seedEvents(store, Array.from({ length: 2000 }, (_, j) => ({ createdAt: T0 + i + j, payload: { n: i + j } })));
    }
    await store.close();
    const server = await startServer({ ...db.env, ADMIN_TOKEN, LOG_LEVEL: "warn" }, 30_000);
    try {
      await run(server, db);
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

for (const backend of backends) {
  describe(`${backend.name}: ingest is answered promptly while the read side works`, () => {
    test(
      "during an export loop and during a stats loop, ingest stays within a generous multiple of its idle time",
      async () => {
        await withServer(backend, async (server) => {
          await ingestTimes(server, 5); // warm up
          const idle = median(await ingestTimes(server, 20));
          const bound = Math.max(10 * idle, 100);

          const exports = loop(async () => {
            const response = await fetch(`${server.url}/api/events/export`, { headers, signal: AbortSignal.timeout(30_000) });
            expect(response.status).toBe(200);
            let lines = 0;
            for await (const chunk of response.body!) for (const byte of chunk) if (byte === 10) lines++;
            expect(lines).toBeGreaterThanOrEqual(ROWS);
          });
          await Bun.sleep(100);
          const duringExport = await ingestTimes(server, 20);
          expect(await exports.stop()).toBeGreaterThanOrEqual(1);

          const from = new Date(T0 - 86_400_000).toISOString();
          const stats = loop(async () => {
            const response = await fetch(`${server.url}/api/stats/events?bucket=minute&from=${from}`, { headers, signal: AbortSignal.timeout(30_000) });
            expect(response.status).toBe(200);
            await response.arrayBuffer();
          });
          await Bun.sleep(100);
          const duringStats = await ingestTimes(server, 20);
          expect(await stats.stop()).toBeGreaterThanOrEqual(1);

          const figures = { idle, bound, export: median(duringExport), stats: median(duringStats), worst: Math.max(...duringExport, ...duringStats) };
          // All figures in the failure message, so a miss says by how much.
          expect({ ...figures, exportWithin: figures.export <= bound, statsWithin: figures.stats <= bound, worstWithin: figures.worst <= 2000 }).toMatchObject({
            exportWithin: true,
            statsWithin: true,
            worstWithin: true,
          });
        });
      },
      120_000,
    );
  });
}
