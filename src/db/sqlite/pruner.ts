import type { EventPruner } from "../interfaces";
import { storedEventTypes } from "./event-types";
import { backfillState, isRolledUp, type RolledEvent, SqliteRollupWriter } from "./rollup";
import type { SideConnection } from "./side-connection";

type DeletedRow = RolledEvent & { id: number };

// Naming the types makes each chunk a search of ix_user_events_type_created for `created_at <
// cutoff`, so finding the next chunk costs no table scan even when nothing old is left.
export const DELETE_CHUNK_SQL = `
DELETE FROM user_events WHERE id IN (
  SELECT id FROM user_events
  WHERE event_type IN (SELECT value FROM json_each($types)) AND created_at < $cutoff
  LIMIT $limit
)
RETURNING id, event_type AS eventType, session_id AS sessionId, created_at AS createdAt`;

const BUSY_RETRY_MS = 5;

/**
 * Retention deletes on SQLite; each call is one short transaction (the rows and their rollups). They run on the
 * event loop, so the connection never waits inside SQLite for the write lock (busy_timeout 0,
 * which would block every request for as long as the writer holds it): a busy chunk is retried
 * after an asynchronous pause, up to SQLITE_BUSY_TIMEOUT_MS.
 */
export class SqliteEventPruner implements EventPruner {
  /** `connection` has busy_timeout 0; `busyTimeoutMs` is how long a chunk keeps retrying a busy lock. */
  private rollups: SqliteRollupWriter | undefined;

  constructor(
    private readonly connection: SideConnection,
    private readonly busyTimeoutMs: number,
  ) {}

  async deleteOlderThan(cutoff: Date, maxRows: number): Promise<number> {
    const started = performance.now();
    for (;;) {
      try {
        return this.deleteChunk(cutoff, maxRows);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "SQLITE_BUSY" || performance.now() - started >= this.busyTimeoutMs) throw error;
        await Bun.sleep(BUSY_RETRY_MS);
      }
    }
  }

  close(): void {
    this.connection.close();
  }

  private deleteChunk(cutoff: Date, maxRows: number): number {
    const { sqlite } = this.connection;
    const types = storedEventTypes(sqlite);
    if (types.length === 0) return 0;
    this.rollups ??= new SqliteRollupWriter(sqlite);
    const rollups = this.rollups;
    // The rollups lose the deleted events in the same transaction, so they always match the rows
    // (events the backfill has not reached were never counted, and are not uncounted).
    return sqlite.transaction(() => {
      const gone = sqlite.query<DeletedRow, [Record<string, string | number>]>(DELETE_CHUNK_SQL).all({ types: JSON.stringify(types), cutoff: cutoff.getTime(), limit: maxRows });
      const state = backfillState(sqlite);
      rollups.removed(gone.filter((row) => isRolledUp(row.id, state)));
      return gone.length;
    }).immediate();
  }
}
