// Compile-time specification of the client's API, checked by `bun run typecheck` (not run).
import { createTracker } from "../src/client/tracker";

export function typedTrack(): void {
  const tracker = createTracker({ endpoint: "https://events.example.com" });
  tracker.track("card_click", { card_id: "c_1" });
  // The plan's known properties, plus any others.
  tracker.track("card_click", { card_id: "c_1", position: 3, list: "recommended", experiment: "b" });
  tracker.track("sage_query", { query: "quiet hotels" });
  tracker.track("filter_change", { filter: "price", from: null, to: 100 });
  // @ts-expect-error: a card_click without its card_id is a compile error (the tracking plan requires it)
  tracker.track("card_click", { position: 3 });
  // @ts-expect-error: a known property of the wrong type is a compile error
  tracker.track("card_click", { card_id: "c_1", position: "third" });
  // @ts-expect-error: a sage_query's payload is required, since its query is
  tracker.track("sage_query");
  // @ts-expect-error: a filter_change value is a string, number, boolean or null
  tracker.track("filter_change", { filter: "price", to: { max: 100 } });
  // @ts-expect-error: an event type the server does not know is a compile error
  tracker.track("card_hover", {});
  // @ts-expect-error: the payload is a JSON object, not a string
  tracker.track("filter_change", "price");
  // @ts-expect-error: the endpoint is required
  createTracker({});
}
