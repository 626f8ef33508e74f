import { type SQL, sql } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import type { EventPruner } from "../interfaces";
import { storedEventTypes } from "./reader";
import type { PgUserEvents } from "./schema";

/**
 * Retention deletes on PostgreSQL; each call is one short autocommit statement. Naming the
 * types makes the search for old rows a range scan of ix_user_events_type_created, as on SQLite.
 */
export class PgEventPruner implements EventPruner {
  constructor(
    private readonly db: BunSQLDatabase,
    private readonly table: PgUserEvents,
  ) {}

  async deleteOlderThan(cutoff: Date, maxRows: number): Promise<number> {
    const types = await storedEventTypes(this.db, this.table);
    if (types.length === 0) return 0;
    const [row] = await this.db.execute(deleteChunkSql(this.table, types, cutoff, maxRows));
    return Number(row?.deleted ?? 0);
  }
}

/**
 * One retention chunk, exported so a test can check its plan: the old rows' ids are found on
 * ix_user_events_type_created, then deleted through the primary key (no join, no table scan).
 */
export function deleteChunkSql(t: PgUserEvents, eventTypes: readonly string[], cutoff: Date, maxRows: number): SQL {
  return sql`
    WITH gone AS (
      DELETE FROM ${t} WHERE ${t.id} = ANY(ARRAY(
        SELECT ${t.id} FROM ${t}
        WHERE ${t.eventType} = ANY(${sql.param(eventTypes)}::varchar[]) AND ${t.createdAt} < ${cutoff.toISOString()}::timestamptz
        LIMIT ${maxRows}
      ))
      RETURNING 1
    )
    SELECT count(*)::int AS deleted FROM gone`;
}
