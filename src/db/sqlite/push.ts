import { Database } from "bun:sqlite";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { UnsafeSchemaChangeError } from "../errors";
import type { PushResult } from "../interfaces";
import { refuseUnknownColumns, withoutTerminal } from "../push-guard";

// Only additive statements may run unattended: anything else (DROP, table rebuilds,
// data copies, PRAGMA toggles) means drizzle-kit wants to rewrite existing data.
const ADDITIVE = [
  /^CREATE TABLE [`"]?\w+[`"]? \(/i,
  /^CREATE (UNIQUE )?INDEX [`"]?\w+[`"]? ON [`"]?\w+[`"]? /i,
  /^ALTER TABLE [`"]?\w+[`"]? ADD [`"]?\w+[`"]? /i,
];

/**
 * Brings the owned tables of `schema` up to date in `sqlite`, using drizzle-kit's own diff.
 *
 * drizzle-kit introspects the whole database and plans DROP TABLE for anything not in the
 * schema (or prompts on a TTY, crashing without one). So the diff runs against an in-memory
 * copy holding only the DDL of the tables and indexes this schema declares (an index an
 * operator added by hand is theirs, and stays); the planned statements are then checked
 * against an additive allowlist and applied to the real file in the same transaction.
 */
export async function pushSchema(sqlite: Database, schema: Record<string, unknown>): Promise<PushResult> {
  const tables = Object.values(schema)
    .filter((value) => is(value, SQLiteTable))
    .map((table) => getTableConfig(table));
  const owned = [
    ...tables.map((table) => ({ type: "table", name: table.name })),
    ...tables.flatMap((table) => table.indexes.map((index) => ({ type: "index", name: index.config.name }))),
  ];
  const shadow = new Database(":memory:");
  // The write lock is held from reading the current DDL to applying the diff, so two
  // processes booting against one file cannot both plan and apply the same CREATE.
  sqlite.run("BEGIN IMMEDIATE");
  try {
    const ddl = sqlite
      .query<{ type: string; name: string; sql: string }, []>(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END",
      )
      .all()
      .filter((object) => owned.some((mine) => mine.type === object.type && mine.name === object.name));
    for (const { sql } of ddl) shadow.run(sql);
    await refuseUnknownColumns(
      tables,
      (table) => sqlite.query<{ name: string }, [string]>("SELECT name FROM pragma_table_info(?) ORDER BY cid").all(table).map((column) => column.name),
      (table, column) => `ALTER TABLE \`${table}\` DROP COLUMN \`${column}\`;`,
    );

    // Loaded here, not at the top: drizzle-kit is ~40 MB of resident code that only a push needs,
    // and the server runs its push on a short-lived thread (push.worker.ts) to leave it behind.
    const { pushSQLiteSchema } = await import("drizzle-kit/api");
    const plan = await withoutTerminal(() => pushSQLiteSchema(schema, drizzle(shadow) as never));
    const statements = plan.statementsToExecute.map((statement) => statement.trim());
    const unsafe = statements.find((statement) => !ADDITIVE.some((pattern) => pattern.test(statement)));
    if (plan.hasDataLoss || unsafe !== undefined) {
      throw new UnsafeSchemaChangeError(unsafe ?? statements.join("; "));
    }
    for (const statement of statements) sqlite.run(statement);
    sqlite.run("COMMIT");
    return { statements };
  } catch (error) {
    sqlite.run("ROLLBACK");
    throw error;
  } finally {
    shadow.close();
  }
}
