// Imported by the browser SDK too (to cut values to fit before sending), so this file imports nothing.

/** The campaign parameters the SDK reads from the page URL and the server stores, in this order. */
export const UTM_PARAMETERS = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"] as const;
export type UtmParameter = (typeof UTM_PARAMETERS)[number];

/**
 * Longest value, in characters, of each text field of an event's context: the server refuses a
 * longer one (422) and the SDK cuts values to fit before sending. A path or referrer past 1-2 KB
 * is a tracking id or a bug, not a page; campaign names are short.
 */
export const CONTEXT_TEXT_LIMITS = {
  path: 1024,
  referrer: 2048,
  utm_source: 256,
  utm_medium: 256,
  utm_campaign: 256,
  utm_term: 256,
  utm_content: 256,
} as const satisfies Record<"path" | "referrer" | UtmParameter, number>;

/** Widest screen_width accepted, in CSS pixels: beyond any display, far below an integer column's range. */
export const MAX_SCREEN_WIDTH = 100_000;

/** Longest User-Agent read (and stored, with STORE_USER_AGENT): real ones are 100-300 characters. */
export const MAX_USER_AGENT_LENGTH = 512;

/** Longest browser, OS or device name kept (bowser's longest is about 30 characters). */
export const MAX_AGENT_FIELD_LENGTH = 64;
