// Compile-time specification of the client's API, checked by `bun run typecheck` (not run).
import { createTracker } from "../src/client/tracker";

export function typedTrack(): void {
  const tracker = createTracker({ endpoint: "https://events.example.com" });
  tracker.track("card_click", { card_id: "c_1" });
  tracker.track("sage_query");
  // @ts-expect-error: an event type the server does not know is a compile error
  tracker.track("card_hover", {});
  // @ts-expect-error: the payload is a JSON object, not a string
  tracker.track("filter_change", "price");
  // @ts-expect-error: the endpoint is required
  createTracker({});
}
