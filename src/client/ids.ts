/** A random UUID v4. crypto.randomUUID exists only in secure contexts (https, localhost). */
export function randomId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
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
    const fresh = randomId();
    sessionStorage.setItem(SESSION_KEY, fresh);
    return fresh;
  } catch {
    // Storage is off (privacy settings, sandboxed iframe): the session is this page.
    return randomId();
  }
}
