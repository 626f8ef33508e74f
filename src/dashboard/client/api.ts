/** The admin token for this tab: sessionStorage, so it never outlives the tab and is never in a URL. */
const TOKEN_KEY = "event-ingest.admin-token";

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An API answer that was not 2xx, with the service's error envelope when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GET with the bearer header; query values are never secrets, the token travels in the header only. */
export async function apiGet(path: string, query: Record<string, string | string[] | undefined> = {}, bearer = token.get()): Promise<Response> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of value === undefined ? [] : Array.isArray(value) ? value : [value]) params.append(name, item);
  }
  const search = params.size > 0 ? `?${params}` : "";
  const response = await fetch(`${path}${search}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {}, cache: "no-store" });
  if (!response.ok) {
    const envelope = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
    throw new ApiError(response.status, envelope.error ?? "http_error", envelope.message ?? `HTTP ${response.status}`);
  }
  return response;
}

export async function apiJson<T>(path: string, query: Record<string, string | string[] | undefined> = {}): Promise<T> {
  return (await (await apiGet(path, query)).json()) as T;
}

/** What GET /api/stats/events answers (the fields the dashboard reads). */
export interface Stats {
  from: string;
  to: string;
  bucket: "minute" | "hour" | "day";
  series: { bucket_start: string; event_type: string; count: number; sessions: number }[];
  totals: Record<string, number>;
}

/** One event as GET /api/events lists it. */
export interface ListedEvent {
  id: number;
  session_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  created_at: string;
  /** What broke the tracking plan; null when nothing did (or payloads are not checked). */
  violations?: { path: string; reason: string; message: string }[] | null;
  [field: string]: unknown;
}

/** What GET /api/stats/top answers (the fields the dashboard reads). */
export interface TopValues {
  values: { value: unknown; count: number; sessions: number }[];
}
