import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import type { EventOrigin } from "../db/model";

const text = (description: string) => t.Union([t.String(), t.Null()], { description });

/** Where an event came from and what the tracking plan found, as the read endpoints show it. */
export const apiOrigin = {
  context: t.Object(
    {
      path: text("Page path the client sent."),
      referrer: text("Referrer (origin and path)."),
      utm_source: text("Campaign source."),
      utm_medium: text("Campaign medium."),
      utm_campaign: text("Campaign name."),
      utm_term: text("Campaign term."),
      utm_content: text("Campaign content."),
      // TypeBox's own Integer: Elysia's t.Integer also admits numeric strings.
      screen_width: t.Union([Type.Integer(), t.Null()], { description: "Screen width in CSS pixels." }),
    },
    { description: "The context the client sent; every field null when it sent none (and for events stored before context existed)." },
  ),
  client: t.Object(
    {
      browser: text("Browser, from the User-Agent."),
      os: text("Operating system, from the User-Agent."),
      device: text("desktop, mobile, tablet, tv or bot, from the User-Agent."),
      is_bot: t.Union([t.Boolean(), t.Null()], { description: "On the bot list (BOT_FILTER=flag); null when not checked." }),
      user_agent: text("The raw User-Agent, only with STORE_USER_AGENT=true."),
    },
    { description: "What the server derived from the request. The client's IP address is never stored." },
  ),
  violations: t.Union(
    [
      t.Array(
        t.Object({
          path: t.String({ description: "JSON Pointer into the event." }),
          reason: t.String({ description: "missing, wrong_type, too_short, too_long, too_small, too_large or invalid." }),
          message: t.String(),
        }),
      ),
      t.Null(),
    ],
    { description: "Where the payload broke its tracking plan (PAYLOAD_SCHEMA=flag); null when it did not, or was not checked." },
  ),
};

type ApiOrigin = { [K in keyof typeof apiOrigin]: (typeof apiOrigin)[K]["static"] };

export function toApiOrigin(row: EventOrigin): ApiOrigin {
  return {
    context: {
      path: row.path,
      referrer: row.referrer,
      utm_source: row.utmSource,
      utm_medium: row.utmMedium,
      utm_campaign: row.utmCampaign,
      utm_term: row.utmTerm,
      utm_content: row.utmContent,
      screen_width: row.screenWidth,
    },
    client: { browser: row.browser, os: row.os, device: row.device, is_bot: row.isBot, user_agent: row.userAgent },
    violations: row.violations === null ? null : JSON.parse(row.violations),
  };
}

/** The same fields as JSON text for the NDJSON export, with the stored violations text spliced in. */
export function originJson(row: EventOrigin): string {
  const { context, client } = toApiOrigin({ ...row, violations: null });
  return `"context":${JSON.stringify(context)},"client":${JSON.stringify(client)},"violations":${row.violations ?? "null"}`;
}

/** CSV columns after the original ones (so readers by position keep working), and their values. */
export const ORIGIN_CSV_COLUMNS = [
  "path",
  "referrer",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_term",
  "utm_content",
  "screen_width",
  "browser",
  "os",
  "device",
  "is_bot",
  "violations",
  "user_agent",
] as const;

/** NULL is an empty field; violations are their JSON text. */
export function originCsvFields(row: EventOrigin): string[] {
  const values = [
    row.path,
    row.referrer,
    row.utmSource,
    row.utmMedium,
    row.utmCampaign,
    row.utmTerm,
    row.utmContent,
    row.screenWidth,
    row.browser,
    row.os,
    row.device,
    row.isBot,
    row.violations,
    row.userAgent,
  ];
  return values.map((value) => (value === null ? "" : String(value)));
}
