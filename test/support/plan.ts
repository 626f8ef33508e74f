import type { Database } from "bun:sqlite";

/**
 * The steps of SQLite's EXPLAIN QUERY PLAN for `sql`. Prepared and finalized explicitly: a
 * cached EXPLAIN of a DELETE is left mid-step by bun:sqlite and would block later commits.
 */
export function queryPlan(sqlite: Database, sql: string, params: Record<string, string | number>): string[] {
  const statement = sqlite.prepare<{ detail: string }, [Record<string, string | number>]>(`EXPLAIN QUERY PLAN ${sql}`);
  try {
    return statement.all(params).map((row) => row.detail);
  } finally {
    statement.finalize();
  }
}
