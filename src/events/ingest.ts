import { UserAgentClassifier } from "../agent/user-agent";
import type { Config } from "../config";
import type { EventStore } from "../db/interfaces";
import type { AppendResult, NewEvent } from "../db/model";
import type { Metrics } from "../metrics/metrics";
import { MAX_USER_AGENT_LENGTH } from "./context-limits";
import type { EventBody } from "./model";
import { type PreparedEvent, prepareEvent } from "./service";

import type { RequestOrigin } from "./service";

export interface IngestDeps {
  config: Pick<Config, "payloadSchema" | "botFilter" | "storeUserAgent">;
  store: EventStore;
  metrics: Metrics;
}

/**
 * The ingest rules both event routes share: the tracking-plan policy (PAYLOAD_SCHEMA), the
 * request's origin (user agent, bots: BOT_FILTER) and what is stored. The client's IP address
 * is never read here, so it is never stored.
 */
export function createIngest({ config, store, metrics }: IngestDeps) {
  const agents = new UserAgentClassifier();

  return {
    /** Reads the request's User-Agent once per request: every event of a batch shares it. */
    origin(request: Request): RequestOrigin {
      const header = request.headers.get("user-agent");
      const { browser, os, device, isBot } = agents.classify(header);
      return {
        browser,
        os,
        device,
        isBot: config.botFilter === "off" ? null : isBot,
        userAgent: config.storeUserAgent && header ? header.slice(0, MAX_USER_AGENT_LENGTH) : null,
      };
    },

    /** A schema-valid event as a row, under PAYLOAD_SCHEMA; violations found are counted. */
    prepare(body: EventBody, receivedAt: Date, origin: RequestOrigin, options: { path?: string; sentAt?: number } = {}): PreparedEvent {
      const prepared = prepareEvent(body, receivedAt, { ...options, policy: config.payloadSchema, origin });
      for (const { reason } of prepared.violations) metrics.payloadViolations.inc({ event_type: body.event_type, reason });
      return prepared;
    },

    /**
     * Stores the events, unless the client is a bot and BOT_FILTER=drop: then they are counted
     * and acknowledged as if stored, so the bot does not retry (and cannot tell it was filtered).
     */
    async record(events: NewEvent[], origin: RequestOrigin): Promise<AppendResult> {
      if (events.length === 0) return { inserted: 0, duplicates: 0 };
      if (origin.isBot === true && config.botFilter === "drop") {
        metrics.botEvents.inc({ action: "dropped" }, events.length);
        return { inserted: events.length, duplicates: 0 };
      }
      const result = await store.append(events);
      if (origin.isBot === true) metrics.botEvents.inc({ action: "flagged" }, events.length);
      return result;
    },
  };
}
export type Ingest = ReturnType<typeof createIngest>;
