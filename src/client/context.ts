import { CONTEXT_TEXT_LIMITS, MAX_SCREEN_WIDTH, UTM_PARAMETERS, type UtmParameter } from "../events/context-limits";

/** What the SDK sends as `context` with each event: where the page is and how the user got there. */
export type PageContext = Partial<Record<"path" | "referrer" | UtmParameter, string>> & { screen_width?: number };

const UTM_KEY = "event-ingest:utm";

/**
 * The campaign of this tab: the utm_* parameters of the page URL when it has any (and they are
 * kept in sessionStorage), else those kept from an earlier page of the tab, so events on the
 * second page of a visit still name the campaign that brought the user in.
 */
export function tabCampaign(): PageContext {
  const campaign: PageContext = {};
  const params = new URLSearchParams(location.search);
  for (const name of UTM_PARAMETERS) {
    const value = params.get(name);
    if (value) campaign[name] = value.slice(0, CONTEXT_TEXT_LIMITS[name]);
  }
  try {
    if (Object.keys(campaign).length > 0) sessionStorage.setItem(UTM_KEY, JSON.stringify(campaign));
    else return JSON.parse(sessionStorage.getItem(UTM_KEY) ?? "{}") as PageContext;
  } catch {
    // No storage: the campaign is this page's.
  }
  return campaign;
}

/**
 * The context of an event tracked now: the path at this moment (single-page apps change it),
 * the referrer and the tab's campaign. Query strings and fragments are left out of both URLs:
 * they often carry personal data or one-off tokens. Every value is cut to the server's limit.
 */
export function pageContext(campaign: PageContext): PageContext {
  const context: PageContext = { ...campaign, path: location.pathname.slice(0, CONTEXT_TEXT_LIMITS.path) };
  const referrer = referrerWithoutQuery(document.referrer);
  if (referrer) context.referrer = referrer.slice(0, CONTEXT_TEXT_LIMITS.referrer);
  const width = Math.round(screen.width);
  if (width > 0 && width <= MAX_SCREEN_WIDTH) context.screen_width = width;
  return context;
}

function referrerWithoutQuery(referrer: string): string | undefined {
  if (!referrer) return undefined;
  try {
    const url = new URL(referrer);
    return url.origin + url.pathname;
  } catch {
    return undefined;
  }
}
