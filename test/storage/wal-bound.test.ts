import { afterEach, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { buildApp, closeApps, postJson } from "../support/app";
import { backends } from "../support/backends";

afterEach(closeApps);

const walSize = (file: string) => statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
const dbSize = (file: string) => statSync(file).size;

describe("SQLite: the WAL is truncated once a checkpoint has caught up", () => {
  test("after a burst of small commits, an idle WAL shrinks to nothing within a few seconds, every event in the database file", async () => {
    const ctx = await buildApp(backends[0]);
    const file = ctx.config.databaseUrl;
    // One event per commit: each writes a few WAL pages, so the log soon outgrows the database.
    for (let i = 0; i < 300; i++) {
      const response = await postJson(ctx.app, "/api/events", { session_id: `wal-${i}`, event_type: "sage_query", payload: { i } });
      expect(response.status).toBe(202);
    }
    const grown = walSize(file);
    expect(grown).toBeGreaterThan(dbSize(file));

    const deadline = Date.now() + 5_000;
    while (walSize(file) > 0 && Date.now() < deadline) await Bun.sleep(100);
    expect({ wal: walSize(file), grown }).toEqual({ wal: 0, grown });
    expect(await ctx.db.count()).toBe(300);
  }, 30_000);
});
