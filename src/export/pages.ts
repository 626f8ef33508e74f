import type { EventReader } from "../db/interfaces";
import type { EventFilter, EventPosition, StoredEvent } from "../db/model";

/**
 * Every matching event, newest first, one keyset page at a time. Each page is its own short
 * query, so a slow download never holds a read transaction open (which would stop SQLite from
 * checkpointing its WAL), and memory stays one page however many rows match. Events stored
 * after the first page are newer than it, so they are not included.
 */
export async function* eventPages(reader: EventReader, filter: EventFilter, pageSize: number): AsyncGenerator<StoredEvent[]> {
  let after: EventPosition | undefined;
  for (;;) {
    // Only the first page may be refused as busy; once the download has begun it queues.
    const page = await reader.listNewestFirst(filter, after, pageSize, { continuing: after !== undefined });
    if (page.length > 0) yield page;
    const last = page.at(-1);
    if (page.length < pageSize || !last) return;
    after = { createdAt: last.createdAt.getTime(), id: last.id };
  }
}
