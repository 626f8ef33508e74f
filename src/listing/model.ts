import { t } from "elysia";
import type { StoredEvent } from "../db/model";
import { eventFilterQuery } from "../query/event-filter";
import { registerFormat } from "../http/validation";
import { invalidQuery } from "../query/instant";
import { CURSOR_FORMAT } from "./cursor";
import { apiOrigin, toApiOrigin } from "./origin";

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/** One stored event as the read endpoints show it. */
export const apiEvent = t.Object({
  id: t.Integer(),
  session_id: t.String(),
  event_type: t.String(),
  event_id: t.Union([t.String(), t.Null()], { description: "The client's UUID for the event; null if it sent none." }),
  payload: t.Object({}, { additionalProperties: true, description: "The payload as sent, parsed." }),
  occurred_at: t.String({
    format: "date-time",
    description: "When the event happened (client time, skew-corrected); created_at for events stored without one.",
  }),
  created_at: t.String({ format: "date-time", description: "When the server received the event (UTC)." }),
  ...apiOrigin,
});
export type ApiEvent = typeof apiEvent.static;

export function toApiEvent(row: StoredEvent): ApiEvent {
  return {
    id: row.id,
    session_id: row.sessionId,
    event_type: row.eventType,
    event_id: row.eventId,
    payload: JSON.parse(row.payload),
    occurred_at: (row.occurredAt ?? row.createdAt).toISOString(),
    created_at: row.createdAt.toISOString(),
    ...toApiOrigin(row),
  };
}

const readLimit = (raw: string) => {
  const limit = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  return limit >= 1 && limit <= MAX_PAGE_SIZE ? limit : undefined;
};
const limitMessage = (raw: string) => `must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${JSON.stringify(raw)}`;
const PAGE_SIZE_FORMAT = "page-size";
registerFormat(PAGE_SIZE_FORMAT, (raw) => readLimit(raw) !== undefined, limitMessage);

export const listQuery = t.Object({
  ...eventFilterQuery,
  // A string of a registered format: Elysia's numeric coercion reports a range error without the field name.
  limit: t.Optional(t.String({ format: PAGE_SIZE_FORMAT, description: `Events per page, 1 to ${MAX_PAGE_SIZE}. Default: ${DEFAULT_PAGE_SIZE}.` })),
  cursor: t.Optional(t.String({ maxLength: 200, format: CURSOR_FORMAT, description: "next_cursor of the previous page; omit for the first page." })),
});

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const limit = readLimit(raw);
  if (limit === undefined) throw invalidQuery("limit", limitMessage(raw));
  return limit;
}

export const listResponse = t.Object({
  events: t.Array(apiEvent, { description: "Newest first (by created_at, then id)." }),
  next_cursor: t.Union([t.String(), t.Null()], { description: "Pass as `cursor` for the next page; null on the last page." }),
});

export const listExample: typeof listResponse.static = {
  events: [
    {
      id: 7,
      session_id: "3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10",
      event_type: "card_click",
      event_id: "0b6f5d2e-3c1a-4f7e-9a51-8d2c4b6e7f10",
      payload: { card_id: "c_123", position: 4, list: "recommended" },
      occurred_at: "2024-05-01T09:12:43.020Z",
      created_at: "2024-05-01T09:12:44.512Z",
      context: {
        path: "/search",
        referrer: "https://www.example.org/",
        utm_source: "newsletter",
        utm_medium: "email",
        utm_campaign: "spring",
        utm_term: null,
        utm_content: null,
        screen_width: 1440,
      },
      client: { browser: "Chrome", os: "Windows", device: "desktop", is_bot: false, user_agent: null },
      violations: null,
    },
  ],
  next_cursor: "v1.MTcxNDU1NDc2NDUxMjo3",
};
