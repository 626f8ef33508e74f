import { t } from "elysia";
import type { StoredEvent } from "../db/model";
import { ORIGIN_CSV_COLUMNS, originCsvFields, originJson } from "../listing/origin";

// Literals spelled out: t.Union over a mapped array types its value as never.
export const exportFormat = t.Union([t.Literal("ndjson"), t.Literal("csv")]);
export type ExportFormat = typeof exportFormat.static;

export interface ExportEncoding {
  contentType: string;
  extension: string;
  /** Written once before the first row. */
  header: string;
  row: (event: StoredEvent) => string;
}

export const CSV_COLUMNS = ["id", "session_id", "event_type", "event_id", "occurred_at", "created_at", "payload", ...ORIGIN_CSV_COLUMNS] as const;

/** One RFC 4180 field: quoted, with quotes doubled, when it holds a quote, comma, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One RFC 4180 record, CRLF-terminated. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

export const EXPORT_ENCODINGS: Record<ExportFormat, ExportEncoding> = {
  ndjson: {
    contentType: "application/x-ndjson; charset=utf-8",
    extension: "ndjson",
    header: "",
    // The listing's fields, with the stored payload text spliced in rather than parsed and
    // re-serialised: it was written by JSON.stringify, and this is the export's hot loop.
    row: (event) =>
      `{"id":${event.id},"session_id":${JSON.stringify(event.sessionId)},"event_type":${JSON.stringify(event.eventType)},` +
      `"event_id":${JSON.stringify(event.eventId)},"payload":${event.payload},` +
      `"occurred_at":"${(event.occurredAt ?? event.createdAt).toISOString()}","created_at":"${event.createdAt.toISOString()}",` +
      `${originJson(event)}}\n`,
  },
  csv: {
    contentType: "text/csv; charset=utf-8; header=present",
    extension: "csv",
    header: csvRecord(CSV_COLUMNS),
    // The payload column is the stored JSON text, so a CSV reader gets it back byte for byte.
    // A missing event_id, and any NULL origin column, is an empty field.
    row: (event) =>
      csvRecord([
        String(event.id),
        event.sessionId,
        event.eventType,
        event.eventId ?? "",
        (event.occurredAt ?? event.createdAt).toISOString(),
        event.createdAt.toISOString(),
        event.payload,
        ...originCsvFields(event),
      ]),
  },
};
