import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import packageJson from "../package.json";
import { describeDatabase } from "../src/db/open";
import { EVENT_TYPES } from "../src/events/model";
import { backends, type TestDatabase } from "./support/backends";
import { fireLoad } from "./support/load";
import { type RunningServer, startServer } from "./support/server";

function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function post(server: RunningServer, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) {
  return fetch(`${server.url}/api/events`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

for (const backend of backends) {
  describe(backend.name, () => {
    let db: TestDatabase;
    const running: RunningServer[] = [];

    beforeEach(async () => {
      db = await backend.database();
    });
    afterEach(async () => {
      // Whatever a failed test left running is killed, so every test ends by itself.
      await Promise.all(running.splice(0).filter((server) => server.process.exitCode === null).map((server) => server.stop("SIGKILL")));
      await db.drop();
    });

    // Debug, for the line with the effective config and the schema changes it applied.
    async function start(env: Record<string, string> = {}): Promise<RunningServer> {
      const server = await startServer({ ...db.env, LOG_LEVEL: "debug", ...env });
      running.push(server);
      return server;
    }

    const storedSessions = async () => (await db.rows()).map((row) => row.session_id);

    describe("startup", () => {
      test("logs human-readable lines with the URLs at info; the config and the DDL in one debug line; stdout is JSON lines only", async () => {
        const server = await start({ CORS_ORIGINS: "https://shop.example.com", MAX_BODY_BYTES: "4096", SQLITE_SYNCHRONOUS: "full" });
        const port = Number(new URL(server.url).port);
        expect(await server.stop("SIGTERM")).toBe(0);

        const lines = jsonLines(server.stdout());
        const startup = lines.filter((line) => "config" in line);
        expect(startup).toHaveLength(1);
        const base = `http://127.0.0.1:${port}`;
        expect(lines.filter((line) => line.level === 30).map((line) => line.msg).slice(0, 8)).toEqual([
          `event-ingest ${packageJson.version} listening on ${base}`,
          `API               ${base}/api/events`,
          `Swagger UI        ${base}/swagger`,
          `OpenAPI document  ${base}/swagger/json`,
          `example page      ${base}/sdk/example`,
          `dashboard         ${base}/dashboard`,
          `health            ${base}/health`,
          // user_events and its three indexes, the two rollup tables and rollup_counts' index.
          expect.stringMatching(/^database {10}\S+ \(7 schema changes applied\)$/),
        ]);
        expect(startup[0]).toMatchObject({
          level: 20,
          config: {
            port,
            host: "127.0.0.1",
            databaseUrl: describeDatabase(db.env.DATABASE_URL!),
            corsOrigins: ["https://shop.example.com"],
            maxBodyBytes: 4096,
            logLevel: "debug",
            sqliteSynchronous: "FULL",
          },
        });
        expect(typeof startup[0]!.msg).toBe("string");
      });

      test("the first boot creates the table and its indexes and reports the schema it applied", async () => {
        const server = await start();
        expect(await server.stop()).toBe(0);
        const startup = jsonLines(server.stdout()).find((line) => "config" in line)!;
        // user_events and its three indexes; the rollup tables (two) and rollup_counts' index.
        const changes = startup.schemaChanges as string[];
        expect(changes.filter((statement) => statement.includes("user_events"))).toHaveLength(4);
        expect(changes).toHaveLength(7);
        expect(await storedSessions()).toEqual([]);
      });
    });

    describe("the real server answers with the envelope", () => {
      test("a body over MAX_BODY_BYTES is a JSON 413, not Bun's bare one", async () => {
        const server = await start({ MAX_BODY_BYTES: "4096" });
        const response = await post(server, { session_id: "big", event_type: EVENT_TYPES[0], payload: { pad: "x".repeat(100_000) } });
        expect(response.status).toBe(413);
        const body = (await response.json()) as { error: string; request_id: string };
        expect(body.error).toBe("payload_too_large");
        expect(response.headers.get("x-request-id")).toBe(body.request_id);
        expect(await server.stop()).toBe(0);
        expect(await storedSessions()).toEqual([]);
      });

      test("sendBeacon's text/plain body is accepted over the wire", async () => {
        const server = await start();
        const response = await post(server, { session_id: "beacon", event_type: EVENT_TYPES[1] }, { "content-type": "text/plain;charset=UTF-8" });
        expect(response.status).toBe(202);
        expect(await server.stop()).toBe(0);
        expect(await storedSessions()).toEqual(["beacon"]);
      });
    });

    describe("restart keeps every row", () => {
      test("events from two runs are all there after the second", async () => {
        const first = await start();
        const firstIds = Array.from({ length: 30 }, (_, i) => `run1-${i}`);
        for (const [i, id] of firstIds.entries()) {
          expect((await post(first, { session_id: id, event_type: EVENT_TYPES[i % EVENT_TYPES.length], payload: { i } })).status).toBe(202);
        }
        expect(await first.stop()).toBe(0);

        const second = await start();
        const startup = jsonLines(second.stdout()).find((line) => "config" in line)!;
        expect(startup.schemaChanges).toEqual([]);
        const secondIds = Array.from({ length: 10 }, (_, i) => `run2-${i}`);
        for (const id of secondIds) expect((await post(second, { session_id: id, event_type: EVENT_TYPES[0] })).status).toBe(202);
        expect(await second.stop()).toBe(0);

        expect(await storedSessions()).toEqual([...firstIds, ...secondIds]);
        expect((await db.rows()).find((row) => row.session_id === "run1-7")!.payload).toEqual({ i: 7 });
      });
    });

    describe("graceful shutdown", () => {
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        test(`${signal} on an idle server exits 0 and logs a clean stop`, async () => {
          const server = await start();
          expect(await server.stop(signal)).toBe(0);
          const lines = jsonLines(server.stdout());
          expect(lines.some((line) => line.signal === signal)).toBe(true);
          expect(lines.at(-1)!.msg).toBe("stopped cleanly");
        });
      }

      test("a request whose body is still arriving when SIGTERM lands is finished and committed", async () => {
        const server = await start();
        const body = JSON.stringify({ session_id: "in-flight", event_type: EVENT_TYPES[2], payload: { slow: true } });
        const encoder = new TextEncoder();
        let sendRest: () => void = () => {};
        const restSent = new Promise<void>((resolve) => {
          sendRest = resolve;
        });
        const stream = new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(encoder.encode(body.slice(0, 20)));
            await restSent;
            controller.enqueue(encoder.encode(body.slice(20)));
            controller.close();
          },
        });
        const answer = fetch(`${server.url}/api/events`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: stream,
          signal: AbortSignal.timeout(10_000),
        });
        await Bun.sleep(200);
        const exited = server.stop("SIGTERM");
        await Bun.sleep(300);
        sendRest();

        const response = await answer;
        expect(response.status).toBe(202);
        expect(await exited).toBe(0);
        expect(await storedSessions()).toEqual(["in-flight"]);
      });

      test("SIGTERM under load: exits 0 within 10 s and every 202 is a row, nothing else", async () => {
        const server = await start();
        let signalled: Promise<number> | undefined;
        let signalledAt = 0;
        const result = await fireLoad(server.url, {
          workers: 25,
          perWorker: 16,
          onAnswered: (answered) => {
            if (answered === 120) {
              signalledAt = performance.now();
              signalled = server.stop("SIGTERM");
            }
          },
        });
        expect(signalled).toBeDefined();
        const code = await signalled!;
        const shutdownMs = performance.now() - signalledAt;

        expect(code).toBe(0);
        expect(shutdownMs).toBeLessThan(10_000);
        // The signal landed mid-way: some requests were accepted, and later ones were turned away.
        expect(result.accepted.length).toBeGreaterThanOrEqual(100);
        expect(result.accepted.length).toBeLessThan(result.sent.length);
        expect(result.other.every((outcome) => outcome === "error" || outcome === 503)).toBe(true);
        expect((await storedSessions()).sort()).toEqual([...result.accepted].sort());
      });
    });

    describe("crash safety", () => {
      test("SIGKILL under load, then restart: every event that got 202 is in the database", async () => {
        const server = await start();
        let killed: Promise<number> | undefined;
        const result = await fireLoad(server.url, {
          workers: 25,
          perWorker: 16,
          onAnswered: (answered) => {
            if (answered === 120) killed = server.stop("SIGKILL");
          },
        });
        expect(killed).toBeDefined();
        expect(await killed!).not.toBe(0);
        expect(result.accepted.length).toBeGreaterThanOrEqual(100);
        expect(result.accepted.length).toBeLessThan(result.sent.length);

        // The restart recovers the WAL; nothing acknowledged is missing, nothing is duplicated or invented.
        const restarted = await start();
        expect((await fetch(`${restarted.url}/health`)).status).toBe(200);
        expect(await restarted.stop()).toBe(0);
        const stored = await storedSessions();
        expect(stored).toEqual(expect.arrayContaining(result.accepted));
        expect(new Set(stored).size).toBe(stored.length);
        for (const id of stored) expect(result.sent).toContain(id);
      });
    });
  });
}
