import { Database } from "bun:sqlite";
import { parseConfig } from "../../src/config";
import { open as openSqlite } from "../../src/db/sqlite";

/** Creates the service's schema in a new SQLite file, as the service's first boot does. */
export async function createSchema(databaseUrl: string): Promise<void> {
  await (await openSqlite(parseConfig({ DATABASE_URL: databaseUrl }))).close();
}

/**
 * Writes rows straight into the file (not through HTTP or the write path: millions of events in
 * seconds), then records them as not yet rolled up, exactly as the first boot of a version with
 * rollups records the events an older version stored.
 */
export function insertRows(databaseUrl: string, rows: Iterable<{ session_id: string; event_type: string; payload: string; created_at: number }>): number {
  const sqlite = new Database(databaseUrl);
  const insert = sqlite.prepare("INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES (?, ?, ?, ?)");
  let count = 0;
  let pending: { session_id: string; event_type: string; payload: string; created_at: number }[] = [];
  const flush = sqlite.transaction((batch: typeof pending) => {
    for (const row of batch) insert.run(row.session_id, row.event_type, row.payload, row.created_at);
  });
  for (const row of rows) {
    pending.push(row);
    count += 1;
    if (pending.length === 100_000) {
      flush(pending);
      pending = [];
    }
  }
  flush(pending);
  sqlite.run("UPDATE rollup_backfill SET upto_id = (SELECT coalesce(max(id), 0) FROM user_events) WHERE id = 1");
  sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite.close();
  return count;
}

/**
 * Runs the service's own rollup backfill to the end, then counts the sessions of every closed
 * bucket (as the server does in the background after an upgrade).
 */
export async function rollUpStoredEvents(databaseUrl: string, chunkRows = 50_000): Promise<{ rows: number; seconds: number }> {
  const database = await openSqlite(parseConfig({ DATABASE_URL: databaseUrl }));
  const started = performance.now();
  let rows = 0;
  try {
    for (;;) {
      const step = await database.rollups.backfillStep(chunkRows);
      rows += step.rows;
      if (step.complete) break;
    }
    while ((await database.rollups.countSessions(new Date(), 500)).found === 500);
  } finally {
    await database.close();
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}
