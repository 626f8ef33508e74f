import { sql } from "drizzle-orm";
import type { BunSQLQueryResultHKT } from "drizzle-orm/bun-sql/session";
import { getTableConfig, type PgDatabase, type PgTable, pgSchema } from "drizzle-orm/pg-core";
import { UnsafeSchemaChangeError } from "../errors";
import type { PushResult } from "../interfaces";
import { refuseUnknownColumns, withoutTerminal } from "../push-guard";

// The pool or a transaction: push only runs queries through `execute`.
type Database = PgDatabase<BunSQLQueryResultHKT, any, any>;

/**
 * Brings `tables` up to date in schema `schemaName`, using drizzle-kit's own diff, with the
 * guarantees of the SQLite push (../sqlite/push.ts): only our tables are touched, only additive
 * statements run, and anything else stops the boot naming the statement.
 *
 * What drizzle-kit does on its own, and how each is contained here:
 * - it introspects the whole schema and plans DROP TABLE for every table it does not know:
 *   introspection is filtered to our table names;
 * - it plans DROP SCHEMA when the schema object is not among the imports: it is passed;
 * - it still plans DROP TYPE / DROP SEQUENCE for other applications' enums and sequences in
 *   the same schema, and DROP INDEX for indexes an operator added to our table: statements that
 *   name none of our tables, declared indexes or schema are left out, never run;
 * - a column that was removed from the schema while another was added makes it ask "renamed or
 *   new?" on a terminal: extra columns are refused before drizzle-kit runs, and push runs with
 *   the terminal hidden, so any other question fails instead of waiting for an answer.
 *
 * Everything runs in one transaction holding an advisory lock on the schema name, so several
 * nodes booting at once against an empty database apply the DDL once: the others wait, then
 * find it done. PostgreSQL DDL is transactional, so a refused or failed push leaves nothing.
 */
export async function pushPgSchema(db: Database, schemaName: string, tables: readonly PgTable[]): Promise<PushResult> {
  const owned = tables.map((table) => getTableConfig(table));
  const names = owned.map((table) => table.name);
  const imports: Record<string, unknown> = Object.fromEntries(owned.map((table, i) => [table.name, tables[i]]));
  // pgSchema refuses "public", which drizzle-kit handles without a schema object.
  if (schemaName !== "public") imports.schema = pgSchema(schemaName);
  const rules = statementRules(schemaName, names, owned.flatMap((table) => table.indexes.flatMap((index) => index.config.name ?? [])));

  return db.transaction(async (tx) => {
    // Building an index on a large existing table (an upgrade) may take longer than requests
    // may: the push runs without the statement timeout, and nodes booting meanwhile wait here.
    await tx.execute(sql`SET LOCAL statement_timeout = 0`);
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`event-ingest schema push ${schemaName}`}, 0))`);
    await refuseUnknownColumns(
      owned,
      async (table) =>
        (
          await tx.execute<{ column_name: string }>(
            sql`SELECT column_name FROM information_schema.columns WHERE table_schema = ${schemaName} AND table_name = ${table} ORDER BY ordinal_position`,
          )
        ).map((row) => row.column_name),
      (table, column) => `ALTER TABLE ${schemaName === "public" ? `"${table}"` : `"${schemaName}"."${table}"`} DROP COLUMN "${column}";`,
    );

    const introspect = { execute: async (query: unknown) => ({ rows: await tx.execute(query as never) }) };
    // Loaded here, not at the top: drizzle-kit is ~40 MB of code that only a PostgreSQL push
    // needs, and a SQLite node imports this module without ever calling it.
    const { pushSchema } = await import("drizzle-kit/api");
    const plan = await withoutTerminal(() => pushSchema(imports, introspect as never, [schemaName], names));
    const statements = plan.statementsToExecute.map((statement) => statement.trim()).filter(rules.ours);
    const unsafe = statements.find((statement) => !rules.additive(statement));
    if (unsafe !== undefined) throw new UnsafeSchemaChangeError(unsafe);
    for (const statement of statements) await tx.execute(sql.raw(statement));
    return { statements };
  });
}

function statementRules(schemaName: string, tables: readonly string[], indexes: readonly string[]) {
  const schema = `"${schemaName}"`;
  // drizzle-kit leaves the public schema out of names; introspected ones may carry it.
  const qualified = (table: string) => (schemaName === "public" ? `(?:"public"\\.)?"${table}"` : `${schema}\\."${table}"`);
  const tableNames = tables.map(qualified).join("|");
  const additive = [
    new RegExp(`^CREATE SCHEMA ${schema};?$`, "i"),
    new RegExp(`^CREATE TABLE (${tableNames}) \\(`, "i"),
    new RegExp(`^CREATE (UNIQUE )?INDEX "\\w+" ON (${tableNames}) `, "i"),
    new RegExp(`^ALTER TABLE (${tableNames}) ADD COLUMN "\\w+" `, "i"),
  ];
  // DROP INDEX names only the index: one we declare is ours; any other (an index an operator
  // added to our table by hand) is theirs, and its DROP is left out like any foreign statement.
  const mentionsOurs = new RegExp(`"(${[...tables, ...indexes].join("|")})"|^\\w+ SCHEMA ${schema}`, "i");
  return {
    ours: (statement: string) => mentionsOurs.test(statement),
    additive: (statement: string) => additive.some((pattern) => pattern.test(statement)),
  };
}
