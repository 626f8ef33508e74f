import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { postgresBackend, type TestDatabase } from "./support/backends";
import { type RunningNginx, startNginx } from "./support/nginx";
import { freePort, type RunningServer, startServer } from "./support/server";

const EVENTS = 2400;
const CONCURRENCY = 24;

describe.if(postgresBackend !== undefined)("several ingest nodes behind nginx on one PostgreSQL", () => {
  let db: TestDatabase;
  let nodes: RunningServer[] = [];
  let nginx: RunningNginx | undefined;

  beforeEach(async () => {
    db = await postgresBackend!.database();
  });
  afterEach(async () => {
    await nginx?.stop();
    await Promise.all(nodes.map((node) => node.stop("SIGKILL").catch(() => undefined)));
    nodes = [];
    nginx = undefined;
    await db.drop();
  });

  const startNodes = (count: number) =>
    Promise.all(Array.from({ length: count }, () => startServer({ ...db.env, DATABASE_POOL_SIZE: "4", LOG_LEVEL: "debug" }, 30_000)));

  describe("nodes booting together on an empty database", () => {
    test("all start, and exactly one of them creates the schema", async () => {
      nodes = await startNodes(3);
      const creators = nodes.filter((node) => /"schemaChanges":\["CREATE TABLE/.test(node.output()));
      expect(creators).toHaveLength(1);
      const others = nodes.filter((node) => node.output().includes('"schemaChanges":[]'));
      expect(others).toHaveLength(2);
    });
  });

  describe("a node killed mid-load", () => {
    test("every event is stored exactly once: nginx routes around the dead node and the client's retries are deduplicated", async () => {
      nodes = await startNodes(2);
      const [victim, survivor] = nodes as [RunningServer, RunningServer];
      nginx = await startNginx(nodes.map((node) => Number(new URL(node.url).port)));

      // As the browser client does: every event carries its own event_id, and an answer other
      // than 202 (here nginx's 503 for a request its node died holding) is retried with it.
      const eventIds = Array.from({ length: EVENTS }, () => crypto.randomUUID());
      const firstStatus: number[] = new Array(EVENTS);
      const finalStatus: number[] = new Array(EVENTS);
      let next = 0;
      let acknowledged = 0;
      let killedAt = -1;
      const post = async (i: number) => {
        const response = await fetch(`${nginx!.url}/api/events`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ session_id: `ev-${i}`, event_type: "card_click", payload: { i }, event_id: eventIds[i] }),
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        // A retry of a request the victim committed before dying is a 202 flagged duplicate.
        return response.status;
      };
      const deliver = async (i: number) => {
        let status = await post(i);
        firstStatus[i] = status;
        for (let attempt = 1; status !== 202 && attempt < 5; attempt++) {
          await Bun.sleep(100 * attempt);
          status = await post(i);
        }
        finalStatus[i] = status;
        if (firstStatus[i] === 202 && ++acknowledged === EVENTS / 3) {
          killedAt = next;
          await victim.stop("SIGKILL");
        }
      };
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < EVENTS) await deliver(next++);
        }),
      );

      expect(killedAt).toBeGreaterThan(0);
      await expect(fetch(`${victim.url}/health`)).rejects.toThrow();
      // Only requests in flight on the victim when it died failed the first time, as nginx 503s.
      const failed = firstStatus.flatMap((status, i) => (status === 202 ? [] : [{ i, status }]));
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every(({ status }) => status === 503)).toBe(true);
      expect(failed.length).toBeLessThanOrEqual(CONCURRENCY);
      expect(failed.every(({ i }) => i < killedAt + 2 * CONCURRENCY)).toBe(true);
      // Every event was acknowledged in the end, by the survivor.
      expect(finalStatus.every((status) => status === 202)).toBe(true);

      const stored = await db.rows();
      expect(stored).toHaveLength(EVENTS);
      expect(new Set(stored.map((row) => row.event_id)).size).toBe(EVENTS);
      expect(stored.map((row) => row.session_id).sort()).toEqual(eventIds.map((_, i) => `ev-${i}`).sort());
      expect((await fetch(`${survivor.url}/health`)).status).toBe(200);
    });
  });

  describe("when no node can answer, nginx still answers with the service's envelope", () => {
    test("503 upstream_unavailable with Retry-After, and a JSON 413 for a body far over the limit", async () => {
      nginx = await startNginx([await freePort(), await freePort()]);
      const response = await fetch(`${nginx.url}/api/events`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "edge-test-1" },
        body: JSON.stringify({ session_id: "s", event_type: "card_click" }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(response.headers.get("content-type")).toStartWith("application/json");
      expect(await response.json()).toEqual({ error: "upstream_unavailable", message: expect.any(String), details: [], request_id: "edge-test-1" });

      const huge = await fetch(`${nginx.url}/api/events`, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(3 * 1024 * 1024) });
      expect(huge.status).toBe(413);
      expect(await huge.json()).toMatchObject({ error: "payload_too_large", details: [] });
    });
  });
});
