import { SQL } from "bun";
import { Database } from "bun:sqlite";
import type { SQL as DrizzleSql } from "drizzle-orm";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/bun-sql";
import { type PgUserEvents, userEventsIn } from "../../src/db/pg/schema";

/**
 * The steps of SQLite's EXPLAIN QUERY PLAN for `sql`, on a connection of the test's own to the
 * file at `path`. Prepared and finalized explicitly: a cached EXPLAIN of a DELETE is left
 * mid-step by bun:sqlite and would block later commits.
 */
export function queryPlan(path: string, sql: string, params: Record<string, string | number>): string[] {
  const sqlite = new Database(path, { readonly: true, strict: true });
  const statement = sqlite.prepare<{ detail: string }, [Record<string, string | number>]>(`EXPLAIN QUERY PLAN ${sql}`);
  try {
    return statement.all(params).map((row) => row.detail);
  } finally {
    statement.finalize();
    sqlite.close();
  }
}

/** A connection of the test's own to the PostgreSQL schema `env` selects, to ANALYZE and EXPLAIN there. */
export function pgPlanner(env: Record<string, string>) {
  const client = new SQL(env.DATABASE_URL!, { max: 1 });
  const db = drizzle({ client });
  const table: PgUserEvents = userEventsIn(env.DATABASE_SCHEMA ?? "public");
  return {
    table,
    /** Statistics and a visibility map, as autovacuum gives a live table (VACUUM runs outside a transaction). */
    analyze: async () => void (await db.execute(sql`VACUUM ANALYZE ${table}`)),
    explain: async (statement: DrizzleSql) => (await db.execute(sql`EXPLAIN ${statement}`)).map((row) => String(row["QUERY PLAN"])).join("\n"),
    close: () => client.close(),
  };
}
