import type { RejectedEvent } from "../events/batch";
import type { EventType, PlanPayload } from "../events/plan";
import { keepForNextPage, takeFromLastPage } from "./carry-over";
import { pageContext, tabCampaign } from "./context";
import { isValidSessionId, tabSessionId, timeOrderedId } from "./ids";
import {
  backoffMs,
  batchBody,
  chunkLength,
  postBatch,
  type QueuedEvent,
  queuedEvent,
  sendOnUnload,
  tooLargeToSend,
} from "./transport";

export type { EventType };

/**
 * The payload of an event type: the properties its tracking plan (src/events/plan.ts) knows,
 * with their types (so leaving out a required one is a compile error), plus any others.
 */
export type EventPayload<T extends EventType = EventType> = PlanPayload<T> & Record<string, unknown>;

/** The payload argument: optional only for a type whose plan requires no property. */
type PayloadArgument<T extends EventType> = {} extends PlanPayload<T> ? [payload?: EventPayload<T>] : [payload: EventPayload<T>];

/** What happened to tracked events; for logging and debugging, never needed for delivery. */
export type DeliveryReport =
  | { type: "sent"; events: number; accepted: number; duplicates: number; rejected: RejectedEvent[] }
  | { type: "retry"; events: number; attempt: number; delayMs: number; reason: string }
  | { type: "dropped"; events: number; reason: string }
  | { type: "unload"; events: number; requests: number; refused: number };

export interface TrackerOptions {
  /** Base URL of the event-ingest service, e.g. "https://events.example.com". */
  endpoint: string;
  /** Session id (1..64 characters); by default one per tab, kept in sessionStorage. */
  sessionId?: string;
  /** Longest an event waits in the queue before a batch is sent. Default 5000. */
  flushIntervalMs?: number;
  /** A batch is sent as soon as this many events are queued. Default 50 (the server allows up to MAX_BATCH_EVENTS). */
  maxBatchEvents?: number;
  /** Queue bound: past it the oldest events are dropped, so a dead server cannot eat the page's memory. Default 1000. */
  maxQueueEvents?: number;
  /** Attempts per batch (network errors, 408, 429, 5xx) before it is dropped. Default 10. */
  maxAttempts?: number;
  /** First retry delay; it doubles per attempt, with jitter, up to `retryMaxMs`. Retry-After wins when longer. Default 1000. */
  retryBaseMs?: number;
  /** Default 60000. */
  retryMaxMs?: number;
  /** Called with every delivery outcome. */
  onReport?: (report: DeliveryReport) => void;
  /** Send the page context (path, referrer, utm_*, screen width) with each event. Default true. */
  sendContext?: boolean;
  /**
   * Send events from a browser under automation (navigator.webdriver is true: Playwright,
   * Puppeteer, Selenium). Default false: such events are dropped with a report. Tests that drive
   * a real browser set this, or `window.EVENT_INGEST_ALLOW_AUTOMATION = true` before the SDK runs.
   */
  allowAutomation?: boolean;
}

export interface Tracker {
  readonly sessionId: string;
  /** Queues one event; never throws, never blocks. */
  track<T extends EventType>(eventType: T, ...payload: PayloadArgument<T>): void;
  /** Sends what is queued now (unless a retry is already scheduled); resolves when that attempt is over. */
  flush(): Promise<void>;
  /** Sends what is left, detaches from the page, and ignores later track() calls. */
  shutdown(): Promise<void>;
}

const DEFAULTS = {
  flushIntervalMs: 5000,
  maxBatchEvents: 50,
  maxQueueEvents: 1000,
  maxAttempts: 10,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
};

export function createTracker(options: TrackerOptions): Tracker {
  const settings = { ...DEFAULTS, ...withoutUndefined(options) };
  for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    if (!(Number.isFinite(settings[name]) && settings[name] >= 1)) throw new TypeError(`createTracker: ${name} must be a number >= 1`);
  }
  if (settings.maxBatchEvents > settings.maxQueueEvents) throw new TypeError("createTracker: maxBatchEvents must not exceed maxQueueEvents");
  const sessionId = options.sessionId ?? tabSessionId();
  if (!isValidSessionId(sessionId)) throw new TypeError("createTracker: sessionId must be 1 to 64 characters");
  const base = new URL(options.endpoint, location.href);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const url = new URL("api/events/batch", base).href;

  let queue: QueuedEvent[] = takeFromLastPage(url);
  // The batch fetch is sending; handedOff once the unload path has sent it again.
  let inflight: { events: QueuedEvent[]; handedOff: boolean } | undefined;
  let sending: Promise<void> | undefined;
  let attempt = 0;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const campaign = options.sendContext === false ? undefined : tabCampaign();
  const automated =
    navigator.webdriver === true &&
    !(options.allowAutomation ?? (globalThis as { EVENT_INGEST_ALLOW_AUTOMATION?: unknown }).EVENT_INGEST_ALLOW_AUTOMATION === true);

  const report = (entry: DeliveryReport) => {
    try {
      settings.onReport?.(entry);
    } catch {
      // A failing listener must not stop delivery.
    }
  };

  // Typed per event type through the Tracker interface; here any event type and object.
  function track(eventType: EventType, payload: object = {}): void {
    if (stopped) return report({ type: "dropped", events: 1, reason: "the tracker is shut down" });
    if (automated) return report({ type: "dropped", events: 1, reason: "automated browser (navigator.webdriver); see allowAutomation" });
    let event: QueuedEvent;
    try {
      const context = campaign === undefined ? undefined : pageContext(campaign);
      event = queuedEvent(JSON.stringify({ event_id: timeOrderedId(), session_id: sessionId, event_type: eventType, payload, context, timestamp: Date.now() }));
    } catch {
      return report({ type: "dropped", events: 1, reason: "the payload cannot be serialised to JSON" });
    }
    if (tooLargeToSend(event)) return report({ type: "dropped", events: 1, reason: "the event is larger than 64 KB" });
    queue.push(event);
    enforceBound();
    if (queue.length >= settings.maxBatchEvents) void flush();
    else scheduleFlush();
  }

  function enforceBound(): void {
    const excess = queue.length + (inflight?.events.length ?? 0) - settings.maxQueueEvents;
    if (excess <= 0) return;
    queue.splice(0, excess);
    report({ type: "dropped", events: excess, reason: "the queue is full" });
  }

  function scheduleFlush(): void {
    if (flushTimer !== undefined || retryTimer !== undefined || sending !== undefined || queue.length === 0) return;
    flushTimer = setTimeout(() => void flush(), settings.flushIntervalMs);
  }

  function flush(): Promise<void> {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (retryTimer !== undefined) return Promise.resolve();
    sending ??= drain().finally(() => {
      sending = undefined;
      if (!stopped) scheduleFlush();
    });
    return sending;
  }

  async function drain(): Promise<void> {
    while (queue.length > 0 && retryTimer === undefined) {
      const batch = { events: queue.splice(0, chunkLength(queue, settings.maxBatchEvents)), handedOff: false };
      inflight = batch;
      const outcome = await postBatch(url, batchBody(batch.events));
      inflight = undefined;
      if (batch.handedOff) continue;
      const events = batch.events.length;
      if (outcome.kind === "delivered") {
        attempt = 0;
        const { accepted, duplicates, rejected } = outcome.answer;
        report({ type: "sent", events, accepted, duplicates, rejected });
      } else if (outcome.kind === "rejected") {
        attempt = 0;
        report({ type: "dropped", events, reason: `the server refused the batch (${outcome.reason})` });
      } else if (++attempt >= settings.maxAttempts) {
        attempt = 0;
        report({ type: "dropped", events, reason: `gave up after ${settings.maxAttempts} attempts (${outcome.reason})` });
      } else {
        queue.unshift(...batch.events);
        enforceBound();
        if (stopped) return; // shutdown() hands what is left to the unload path
        const delayMs = Math.max(backoffMs(attempt, settings.retryBaseMs, settings.retryMaxMs), outcome.retryAfterMs ?? 0);
        report({ type: "retry", events, attempt, delayMs, reason: outcome.reason });
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          void flush();
        }, delayMs);
      }
    }
  }

  /** The page is going away (or may be): hand everything to the browser now, in ≤ 64 KB beacons. */
  function sendAllOnUnload(): void {
    clearTimeout(flushTimer);
    clearTimeout(retryTimer);
    flushTimer = retryTimer = undefined;
    attempt = 0;
    // The batch on the wire may be cancelled with the page: send it again; event_id dedupes.
    const events = [...(inflight?.events ?? []), ...queue];
    if (inflight) inflight.handedOff = true;
    queue = [];
    if (events.length === 0) return;
    const refused: QueuedEvent[] = [];
    let requests = 0;
    for (let start = 0; start < events.length; requests++) {
      const chunk = events.slice(start, start + chunkLength(events.slice(start), settings.maxBatchEvents));
      start += chunk.length;
      if (!sendOnUnload(url, batchBody(chunk))) refused.push(...chunk);
    }
    keepForNextPage(url, refused);
    report({ type: "unload", events: events.length, requests, refused: refused.length });
  }

  const onVisibilityChange = () => {
    if (document.visibilityState === "hidden") sendAllOnUnload();
  };
  document.addEventListener("visibilitychange", onVisibilityChange);
  window.addEventListener("pagehide", sendAllOnUnload);

  async function shutdown(): Promise<void> {
    if (stopped) return;
    stopped = true;
    document.removeEventListener("visibilitychange", onVisibilityChange);
    window.removeEventListener("pagehide", sendAllOnUnload);
    clearTimeout(retryTimer);
    retryTimer = undefined;
    await flush();
    if (queue.length > 0) sendAllOnUnload();
  }

  // Left over from the previous page of this tab: send them now.
  if (queue.length > 0) void flush();
  return { sessionId, track, flush, shutdown };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
