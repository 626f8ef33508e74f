/**
 * The rows and queries of storage, declared once for every backend. Each backend's table maps
 * to these (sqlite/schema.ts and pg/schema.ts check it at compile time), so routes and services
 * never depend on one backend's column types.
 */

/**
 * Where an event came from and what the tracking plan found: nullable columns added in place
 * (an additive push) with the tracking plan, so rows stored before them read as NULL.
 */
export interface EventOrigin {
  /** The page path, referrer, campaign and screen width the client sent in `context`. */
  path: string | null;
  referrer: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
  screenWidth: number | null;
  /** Derived from the User-Agent header by the server. */
  browser: string | null;
  os: string | null;
  device: string | null;
  /** On the bot list (BOT_FILTER=flag marks them; with drop only non-bots are stored); NULL = not checked. */
  isBot: boolean | null;
  /** JSON text of the payload's tracking-plan violations ([{path, reason, message}]); NULL = none found, or not checked. */
  violations: string | null;
  /** The raw User-Agent, stored only with STORE_USER_AGENT=true. */
  userAgent: string | null;
}

/** The origin columns, in one order: how each backend's write path lists them. */
export const ORIGIN_FIELDS = [
  "path",
  "referrer",
  "utmSource",
  "utmMedium",
  "utmCampaign",
  "utmTerm",
  "utmContent",
  "screenWidth",
  "browser",
  "os",
  "device",
  "isBot",
  "violations",
  "userAgent",
] as const satisfies readonly (keyof EventOrigin)[];
// Every origin column is listed (checked when compiling).
true satisfies [Exclude<keyof EventOrigin, (typeof ORIGIN_FIELDS)[number]>] extends [never] ? true : false;

/** One event ready to store: everything but the id, which the database assigns. */
export interface NewEvent extends Partial<EventOrigin> {
  sessionId: string;
  eventType: string;
  /** The payload as JSON text; `{}` when absent. */
  payload?: string;
  /** When the server received it. */
  createdAt: Date;
  /** The client's id for deduplication; absent or null when it sent none. */
  eventId?: string | null;
  /** When the client says it happened; absent or null means created_at. */
  occurredAt?: Date | null;
}

/** One stored event as the read side returns it; `payload` is the stored JSON text. */
export interface StoredEvent extends EventOrigin {
  id: number;
  sessionId: string;
  eventType: string;
  payload: string;
  createdAt: Date;
  eventId: string | null;
  /** NULL for rows stored before client time existed: read it as created_at. */
  occurredAt: Date | null;
}

/** What one append did with its events: every event is counted exactly once. */
export interface AppendResult {
  /** Events written by this append. */
  inserted: number;
  /** Events whose event_id was already stored (by an earlier append, a concurrent one, or earlier in this one). */
  duplicates: number;
}

/** Which events a read covers. Times are a half-open range: `from` inclusive, `to` exclusive. */
export interface EventFilter {
  sessionId?: string;
  /** Any of these types; absent means every type. */
  eventTypes?: readonly string[];
  from?: Date;
  to?: Date;
  /** Exact matches on origin columns. */
  path?: string;
  browser?: string;
  device?: string;
  utmSource?: string;
  /** true: only events with tracking-plan violations; false: only those without. */
  flagged?: boolean;
  /** true: only events marked as bots; false: only those not marked (NULL counts as not). */
  bot?: boolean;
}

/** A place in the newest-first order: events strictly older than this come next. */
export interface EventPosition {
  createdAt: number;
  id: number;
}

export interface BucketCountQuery {
  from: Date;
  to: Date;
  /** Bucket width; buckets start at multiples of it since the Unix epoch (so they align to UTC). */
  bucketMs: number;
  eventTypes?: readonly string[];
}

export interface BucketCount {
  bucketStart: number;
  eventType: string;
  count: number;
  /** Distinct session_ids among those events. */
  sessions: number;
}

/** The most frequent values of one payload property (or stored column) of one event type. */
export interface TopValuesQuery {
  eventType: string;
  /** A payload property name (checked by the caller: letters, digits, `_`, `-`). */
  property?: string;
  /** A stored column name the backend maps to its column; used instead of `property`. */
  column?: string;
  from: Date;
  to: Date;
  sessionId?: string;
  limit: number;
}

export interface TopValue {
  /** The value as JSON would read it: a string, number, boolean, null, or an array or object. */
  value: unknown;
  count: number;
  sessions: number;
}

/**
 * The instants every backend can store, years 1 to 9999 UTC: PostgreSQL's timestamptz starts in
 * 4713 BC, but a JavaScript Date reaches years that neither that nor ISO-8601 text round-trips.
 * Times outside are refused at the edge (422), never left to fail a shared commit.
 */
export const EARLIEST_STORABLE_MS = Date.parse("0001-01-01T00:00:00.000Z");
export const LATEST_STORABLE_MS = Date.parse("9999-12-31T23:59:59.999Z");

export function isStorableTime(ms: number): boolean {
  return ms >= EARLIEST_STORABLE_MS && ms <= LATEST_STORABLE_MS;
}

/** Both ways, at compile time: `A` and `B` describe the same rows (used by each backend's schema). */
export type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
