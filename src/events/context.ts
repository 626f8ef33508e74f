import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { CONTEXT_TEXT_LIMITS, MAX_SCREEN_WIDTH } from "./context-limits";

const text = (field: keyof typeof CONTEXT_TEXT_LIMITS, description: string) =>
  t.Optional(t.String({ maxLength: CONTEXT_TEXT_LIMITS[field], description: `${description} At most ${CONTEXT_TEXT_LIMITS[field]} characters.` }));

/**
 * Where an event came from, as the browser sees it. The SDK fills it in; every field is optional,
 * so a client that sends none (or an old SDK) keeps working. Unknown fields are refused, as on
 * the event itself, so a misspelt field is an error instead of silently lost.
 */
export const eventContext = t.Object(
  {
    path: text("path", "The page's path (location.pathname), without query string or fragment."),
    referrer: text("referrer", "The page the user came from (document.referrer), origin and path only."),
    utm_source: text("utm_source", "utm_source of the landing page URL."),
    utm_medium: text("utm_medium", "utm_medium of the landing page URL."),
    utm_campaign: text("utm_campaign", "utm_campaign of the landing page URL."),
    utm_term: text("utm_term", "utm_term of the landing page URL."),
    utm_content: text("utm_content", "utm_content of the landing page URL."),
    // TypeBox's own Integer: Elysia's t.Integer also admits numeric strings.
    screen_width: t.Optional(Type.Integer({ minimum: 0, maximum: MAX_SCREEN_WIDTH, description: "screen.width in CSS pixels." })),
  },
  {
    additionalProperties: false,
    description: "Where the event came from. Sent by the SDK with every event; all fields optional.",
    example: { path: "/search", referrer: "https://www.example.org/", utm_source: "newsletter", utm_medium: "email", screen_width: 1440 },
  },
);
export type EventContext = typeof eventContext.static;
