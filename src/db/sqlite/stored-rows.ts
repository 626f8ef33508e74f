import { ORIGIN_FIELDS, type StoredEvent } from "../model";

const STORED_FIELDS = 7 + ORIGIN_FIELDS.length;

/** Rows cross from a reader thread as one JSON string of flat tuples, as commits cross to the writer (batch-writer.ts). */
export function encodeStoredRows(rows: readonly StoredEvent[]): string {
  const flat: unknown[] = [];
  for (const row of rows) {
    flat.push(row.id, row.sessionId, row.eventType, row.payload, row.createdAt.getTime(), row.eventId, row.occurredAt?.getTime() ?? null);
    for (const field of ORIGIN_FIELDS) flat.push(row[field]);
  }
  return JSON.stringify(flat);
}

export function decodeStoredRows(encoded: string): StoredEvent[] {
  const flat = JSON.parse(encoded) as (string | number | boolean | null)[];
  const rows: StoredEvent[] = [];
  for (let i = 0; i < flat.length; i += STORED_FIELDS) {
    const occurredAt = flat[i + 6] as number | null;
    const row = {
      id: flat[i] as number,
      sessionId: flat[i + 1] as string,
      eventType: flat[i + 2] as string,
      payload: flat[i + 3] as string,
      createdAt: new Date(flat[i + 4] as number),
      eventId: flat[i + 5] as string | null,
      occurredAt: occurredAt === null ? null : new Date(occurredAt),
    } as StoredEvent;
    ORIGIN_FIELDS.forEach((field, offset) => ((row as unknown as Record<string, unknown>)[field] = flat[i + 7 + offset]));
    rows.push(row);
  }
  return rows;
}
