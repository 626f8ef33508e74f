import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../src/config";
import { openStore, type TestStore } from "./support/store";
import { appWith } from "./support/app";
import { postgresBackend, type TestDatabase } from "./support/backends";
import { TcpProxy } from "./support/tcp-proxy";

// Short limits so a stuck database shows within a test: connect 300 ms + statement 700 ms.
const LIMITS = { DATABASE_CONNECT_TIMEOUT_MS: "300", DATABASE_STATEMENT_TIMEOUT_MS: "700" };
const DEADLINE_MS = 1000;

describe.if(postgresBackend !== undefined)("PostgreSQL down or unreachable", () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let store: TestStore;
  let app: Awaited<ReturnType<typeof appWith>>;

  const post = (session: string) =>
    app.handle(
      new Request("http://localhost/api/events", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ session_id: session, event_type: "card_click", payload: { session } }),
      }),
    );
  const health = () => app.handle(new Request("http://localhost/health"));
  const timed = async <T>(work: () => Promise<T>) => {
    const started = performance.now();
    const result = await work();
    return { result, ms: performance.now() - started };
  };
  const storedSessions = async () => (await db.rows()).map((row) => row.session_id).sort();

  beforeEach(async () => {
    db = await postgresBackend!.database();
    const target = new URL(db.env.DATABASE_URL!);
    proxy = TcpProxy.start(target.hostname, Number(target.port));
    const config = parseConfig({ ...db.env, ...LIMITS, DATABASE_URL: proxy.rewrite(db.env.DATABASE_URL!), DATABASE_POOL_SIZE: "4" });
    store = await openStore(config);
    app = await appWith({ config, store });
  });
  afterEach(async () => {
    proxy.setMode("forward");
    await store.close();
    proxy.stop();
    await db.drop();
  });

  async function expectUnavailable(response: Response) {
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: "storage_unavailable", details: [] });
    expect(JSON.stringify(body)).not.toMatch(/postgres|127\.0\.0\.1|ECONN|SELECT|INSERT/i);
  }

  describe("a database that is down (connections refused and dropped)", () => {
    test("ingest answers 503 with Retry-After at once, /health 503, and both recover by themselves", async () => {
      expect((await post("before")).status).toBe(202);
      proxy.setMode("refuse");

      const { result: refused, ms } = await timed(() => post("while-down"));
      await expectUnavailable(refused);
      expect(ms).toBeLessThan(DEADLINE_MS + 2000);
      const down = await health();
      expect({ status: down.status, body: await down.json() }).toEqual({ status: 503, body: { status: "unavailable", reason: "unreachable" } });

      proxy.setMode("forward");
      // The pool reconnects on its own; the first request after the outage already succeeds.
      expect((await post("after")).status).toBe(202);
      expect((await health()).status).toBe(200);
      expect(await storedSessions()).toEqual(["after", "before"]);
    });
  });

  describe("a database that stops answering (a partition, a stuck server)", () => {
    test("ingest and /health answer 503 within the deadline instead of hanging, then recover", async () => {
      expect((await post("before")).status).toBe(202);
      proxy.setMode("blackhole");

      const [ingest, probe] = await Promise.all([timed(() => post("lost")), timed(health)]);
      await expectUnavailable(ingest.result);
      expect(ingest.ms).toBeLessThan(DEADLINE_MS + 2000);
      expect(probe.result.status).toBe(503);
      expect(await probe.result.json()).toEqual({ status: "unavailable", reason: "unreachable" });
      expect(probe.ms).toBeLessThan(DEADLINE_MS + 2000);

      proxy.setMode("forward");
      let recovered = 0;
      for (let attempt = 0; attempt < 50 && recovered === 0; attempt++) {
        if ((await post(`after-${attempt}`)).status === 202) recovered++;
        else await Bun.sleep(100);
      }
      expect(recovered).toBe(1);
      expect((await health()).status).toBe(200);
      expect((await storedSessions()).filter((session) => session === "lost")).toEqual([]);
    });
  });

  describe("an outage in the middle of steady traffic", () => {
    test("every 202 is stored, requests during the outage get 503, traffic after it is accepted again", async () => {
      const WAVES = 10;
      const PER_WAVE = 30;
      const waves: { session: string; status: number }[][] = [];
      for (let wave = 0; wave < WAVES; wave++) {
        const answers = Array.from({ length: PER_WAVE }, (_, i) => `w${wave}-${i}`).map(async (session) => ({ session, status: (await post(session)).status }));
        // The database goes down while wave 4 is being committed, and comes back after wave 7.
        if (wave === 4) proxy.setMode("refuse");
        waves.push(await Promise.all(answers));
        if (wave === 7) proxy.setMode("forward");
      }
      const statuses = (wave: number) => new Set(waves[wave]!.map(({ status }) => status));

      for (const wave of [0, 1, 2, 3, 8, 9]) expect(statuses(wave)).toEqual(new Set([202]));
      for (const wave of [5, 6, 7]) expect(statuses(wave)).toEqual(new Set([503]));
      expect([...statuses(4)].every((status) => status === 202 || status === 503)).toBe(true);

      const sent = waves.flat();
      const acknowledged = sent.filter(({ status }) => status === 202).map(({ session }) => session);
      const stored = await storedSessions();
      expect(stored).toEqual(expect.arrayContaining(acknowledged));
      // A connection cut after the server committed leaves an unacknowledged event stored (the
      // client retries it; event_id makes that retry a no-op): stored may exceed the 202s.
      expect(stored.every((session) => sent.some((request) => request.session === session))).toBe(true);
      expect(new Set(stored).size).toBe(stored.length);
    });
  });
});
