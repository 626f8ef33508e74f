import { type SQL, sql } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import type { EventPruner } from "../interfaces";
import { storedEventTypes } from "./reader";
import { dropEmptySql, lockBackfillSql, rollupRemoveSql } from "./rollup";
import type { PgRollupTables, PgUserEvents } from "./schema";

/**
 * Retention deletes on PostgreSQL; each call is one short autocommit statement. Naming the
 * types makes the search for old rows a range scan of ix_user_events_type_created, as on SQLite.
 */
export class PgEventPruner implements EventPruner {
  constructor(
    private readonly db: BunSQLDatabase,
    private readonly table: PgUserEvents,
    private readonly rollups: PgRollupTables,
  ) {}

  async deleteOlderThan(cutoff: Date, maxRows: number): Promise<number> {
    const types = await storedEventTypes(this.db, this.table);
    if (types.length === 0) return 0;
    // The rows and their rollups in one transaction, so the rollups always match the rows; the
    // backfill's progress row is held throughout (events it has not counted are not uncounted).
    return this.db.transaction(async (tx) => {
      const [state] = await tx.execute<{ upto: number; done: number }>(lockBackfillSql(this.rollups));
      const progress = { upto: Number(state?.upto ?? 0), done: Number(state?.done ?? 0) };
      const gone = await tx.execute<{ id: number; event_type: string; created_at: string }>(deleteChunkSql(this.table, types, cutoff, maxRows));
      const counted = gone.filter((row) => Number(row.id) <= progress.done || Number(row.id) > progress.upto);
      if (counted.length > 0) {
        await tx.execute(
          rollupRemoveSql(this.rollups, {
            eventTypes: counted.map((row) => row.event_type),
            createdAt: counted.map((row) => new Date(row.created_at).toISOString()),
          }),
        );
        await tx.execute(dropEmptySql(this.rollups));
      }
      return gone.length;
    });
  }
}

/**
 * One retention chunk, exported so a test can check its plan: the old rows' ids are found on
 * ix_user_events_type_created, then deleted through the primary key (no join, no table scan).
 */
export function deleteChunkSql(t: PgUserEvents, eventTypes: readonly string[], cutoff: Date, maxRows: number): SQL {
  return sql`
    DELETE FROM ${t} WHERE ${t.id} = ANY(ARRAY(
      SELECT ${t.id} FROM ${t}
      WHERE ${t.eventType} = ANY(${sql.param(eventTypes)}::varchar[]) AND ${t.createdAt} < ${cutoff.toISOString()}::timestamptz
      LIMIT ${maxRows}
    ))
    RETURNING ${t.id} AS id, ${t.eventType} AS event_type, ${t.createdAt} AS created_at`;
}
