import type { Database } from "bun:sqlite";

/**
 * Everything a database holds, as comparable text: every schema object's DDL and every row of
 * every table (blobs as hex), in a stable order. Two equal dumps mean nothing was changed.
 */
/** The service's rollup tables (src/db/rollup.ts), created by the same push as user_events. */
export const ROLLUP_TABLES = ["rollup_backfill", "rollup_counts"];

export function dump(db: Database, { except = [] as string[] } = {}): string {
  const objects = db
    .query<{ type: string; name: string; tbl_name: string; sql: string | null }, []>(
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name",
    )
    .all()
    .filter((object) => !except.includes(object.tbl_name));
  const tables = objects.filter((object) => object.type === "table").map((object) => object.name);
  const rows = Object.fromEntries(
    tables.map((table) => [
      table,
      db
        .query<Record<string, unknown>, []>(`SELECT * FROM "${table}" ORDER BY rowid`)
        .all()
        .map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value instanceof Uint8Array ? `x'${Buffer.from(value).toString("hex")}'` : value]))),
    ]),
  );
  return JSON.stringify({ objects, rows }, null, 1);
}
