import type { SqliteEventStore } from "./sqlite";
import { openSideConnection, type SideConnection, type SideConnectionOptions } from "./sqlite-side-connection";
import { storedEventTypes } from "./sqlite-event-types";
import type { EventPruner } from "./store";

// Naming the types makes each chunk a search of ix_user_events_type_created for `created_at <
// cutoff`, so finding the next chunk costs no table scan even when nothing old is left.
export const DELETE_CHUNK_SQL = `
DELETE FROM user_events WHERE id IN (
  SELECT id FROM user_events
  WHERE event_type IN (SELECT value FROM json_each($types)) AND created_at < $cutoff
  LIMIT $limit
)`;

/** Retention deletes on SQLite; each call is one short autocommit transaction. */
export class SqliteEventPruner implements EventPruner {
  private constructor(private readonly connection: SideConnection) {}

  static open(options: SideConnectionOptions, store: SqliteEventStore): SqliteEventPruner {
    return new SqliteEventPruner(openSideConnection(options, store));
  }

  async deleteOlderThan(cutoff: Date, maxRows: number): Promise<number> {
    const { sqlite } = this.connection;
    const types = storedEventTypes(sqlite);
    if (types.length === 0) return 0;
    return sqlite.query(DELETE_CHUNK_SQL).run({ types: JSON.stringify(types), cutoff: cutoff.getTime(), limit: maxRows }).changes;
  }

  close(): void {
    this.connection.close();
  }
}
