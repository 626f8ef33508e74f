import { Elysia, t } from "elysia";
import { adminSecurity, requireAdmin } from "../auth/admin-token";
import type { EventReader } from "../db/interfaces";
import type { StoredEvent } from "../db/model";
import { errorEnvelope } from "../http/errors";
import { ADMIN_FAILURES, FAILURES, READ_BUSY, success } from "../http/openapi";
import { listExample } from "../listing/model";
import type { Logger } from "../logger";
import { eventFilterQuery, parseEventFilter } from "../query/event-filter";
import { CSV_COLUMNS, EXPORT_ENCODINGS, type ExportEncoding, exportFormat, type ExportFormat } from "./formats";
import { eventPages } from "./pages";

/** Rows read per query; the stream holds at most about one page in memory. */
export const EXPORT_PAGE_SIZE = 1000;

export interface ExportRoutesDeps {
  reader: EventReader;
  adminToken: string | undefined;
  logger: Logger;
  now: () => number;
}

const exportQuery = t.Object({
  ...eventFilterQuery,
  format: t.Optional(t.Union(exportFormat.anyOf, { description: "Default: ndjson." })),
});

/** What a one-event export looks like, written by the export's own encoders. */
function exampleFile(format: ExportFormat): string {
  const event = listExample.events[0]!;
  const stored: StoredEvent = {
    id: event.id,
    sessionId: event.session_id,
    eventType: event.event_type,
    eventId: event.event_id,
    payload: JSON.stringify(event.payload),
    occurredAt: new Date(event.occurred_at),
    createdAt: new Date(event.created_at),
    path: event.context.path,
    referrer: event.context.referrer,
    utmSource: event.context.utm_source,
    utmMedium: event.context.utm_medium,
    utmCampaign: event.context.utm_campaign,
    utmTerm: event.context.utm_term,
    utmContent: event.context.utm_content,
    screenWidth: event.context.screen_width,
    ...event.client,
    isBot: event.client.is_bot,
    userAgent: event.client.user_agent,
    violations: event.violations === null ? null : JSON.stringify(event.violations),
  };
  return EXPORT_ENCODINGS[format].header + EXPORT_ENCODINGS[format].row(stored);
}

export function exportRoutes({ reader, adminToken, logger, now }: ExportRoutesDeps) {
  return new Elysia({ prefix: "/api" })
    .use(requireAdmin(adminToken))
    .get(
      "/events/export",
      async ({ query, set }) => {
        const filter = parseEventFilter(query);
        const format = query.format ?? "ndjson";
        const pages = eventPages(reader, filter, EXPORT_PAGE_SIZE);
        // The first page is read before answering, so a failing database still gets an error
        // envelope; once streaming has begun, a failure can only cut the download short.
        const first = await pages.next();
        const stamp = new Date(now()).toISOString().replace(/[-:]|\.\d+/g, "");
        const requestId = String(set.headers["x-request-id"]);
        return new Response(exportStream(pages, first.done ? [] : first.value, EXPORT_ENCODINGS[format], logger.child({ requestId, format })), {
          headers: {
            "content-type": EXPORT_ENCODINGS[format].contentType,
            "content-disposition": `attachment; filename="events-${stamp}.${EXPORT_ENCODINGS[format].extension}"`,
            "cache-control": "no-store",
          },
        });
      },
      {
        query: exportQuery,
        response: { 200: t.String({ description: "NDJSON (one event per line) or CSV" }), 401: errorEnvelope, 403: errorEnvelope, 422: errorEnvelope, 503: errorEnvelope },
        detail: {
          tags: ["Read"],
          security: adminSecurity,
          summary: "Download matching events as NDJSON or CSV",
          description:
            "Streams every event matching the filters, newest first, in constant memory; stops reading the database as soon " +
            "as the client disconnects. NDJSON lines have the same fields as the listing. CSV (RFC 4180, CRLF, header row) " +
            `has the columns ${CSV_COLUMNS.join(", ")}; payload is the JSON text. Needs the admin token.`,
          responses: {
            200: {
              ...success("The events, as an attachment named after the time of the export.", undefined, { headers: ["content-disposition"] }),
              content: {
                "application/x-ndjson": { schema: { type: "string" }, example: exampleFile("ndjson") },
                "text/csv": { schema: { type: "string" }, example: exampleFile("csv") },
              },
            },
            ...ADMIN_FAILURES,
            422: FAILURES[422],
            503: READ_BUSY,
          },
        },
      },
    );
}

function exportStream(pages: AsyncGenerator<StoredEvent[]>, first: StoredEvent[], encoding: ExportEncoding, logger: Logger): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let rows = 0;
  const encode = (page: StoredEvent[]) => {
    rows += page.length;
    return page.map(encoding.row).join("");
  };
  // Pull-based: the next page is read only when the client has taken the previous one.
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(encoding.header + encode(first)));
    },
    async pull(controller) {
      try {
        const next = await pages.next();
        if (next.done) {
          logger.info({ rows }, "export finished");
          controller.close();
        } else {
          controller.enqueue(encoder.encode(encode(next.value)));
        }
      } catch (error) {
        logger.error({ err: error, rows }, "export failed part-way; the download is cut short");
        controller.error(error);
      }
    },
    async cancel() {
      logger.info({ rows }, "export stopped: the client disconnected");
      await pages.return(undefined);
    },
  });
}
