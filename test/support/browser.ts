import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's chromium (never a downloaded browser); CHROMIUM_PATH points elsewhere, e.g. on a laptop. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Whether the browser suites run. In CI (CI set) they always run, so a missing chromium fails
 * loudly; on a developer machine without chromium they are skipped with a note on stderr.
 */
export function browserTestsEnabled(): boolean {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return true;
  if (!warned) {
    warned = true;
    process.stderr.write(
      `\n[browser tests skipped] no chromium at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH; CI never skips them.\n`,
    );
  }
  return false;
}
let warned = false;

export interface Browser {
  context: BrowserContext;
  close: () => Promise<void>;
}

/**
 * Chromium with a fresh profile, removed on close. Under Playwright navigator.webdriver is true,
 * so the SDK declines to send unless told otherwise: every page gets the documented opt-in
 * (window.EVENT_INGEST_ALLOW_AUTOMATION = true) before its scripts run, unless
 * `allowAutomation` is false (to test the SDK's refusal itself).
 */
export async function launchBrowser({ allowAutomation = true }: { allowAutomation?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`);
  const profile = mkdtempSync(join(tmpdir(), "event-ingest-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
  if (allowAutomation) await context.addInitScript("window.EVENT_INGEST_ALLOW_AUTOMATION = true;");
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** One request the browser made to the batch endpoint, as the proxy saw it. */
export interface SeenBatch {
  at: number;
  contentType: string | null;
  fetchMode: string | null;
  bytes: number;
  eventIds: string[];
  status: number;
}

export type Fault = { status: number; error?: string; headers?: Record<string, string> };

/**
 * A reverse proxy in front of the real server, on its own port (so its own origin). It records
 * every batch request, and answers the next ones with `faults` (in order) instead of forwarding.
 */
export function startProxy(target: string) {
  const seen: SeenBatch[] = [];
  const faults: Fault[] = [];
  /** Every request, as "METHOD /path". */
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      requests.push(`${request.method} ${url.pathname}`);
      const body = request.method === "POST" ? await request.text() : undefined;
      if (request.method === "POST" && url.pathname === "/api/events/batch") {
        const parsed = JSON.parse(body!) as { batch: { event_id: string }[] };
        const fault = faults.shift();
        const forwarded = fault ? undefined : await forward(target, url, request, body);
        seen.push({
          at: Date.now(),
          contentType: request.headers.get("content-type"),
          fetchMode: request.headers.get("sec-fetch-mode"),
          bytes: Buffer.byteLength(body!),
          eventIds: parsed.batch.map((event) => event.event_id),
          status: fault?.status ?? forwarded!.status,
        });
        if (fault) {
          const envelope = { error: fault.error ?? "injected_fault", message: "injected by the test proxy", details: [], request_id: "proxy" };
          return Response.json(envelope, { status: fault.status, headers: fault.headers });
        }
        return forwarded!;
      }
      return forward(target, url, request, body);
    },
  });
  /** Resolves once `count` batch requests have been answered (a row can be committed just before). */
  const answered = (count: number) => eventually(() => (seen.length >= count ? seen : undefined), `${count} batch requests`);
  return { url: `http://127.0.0.1:${server.port}`, seen, faults, requests, answered, stop: () => server.stop(true) };
}

async function forward(target: string, url: URL, request: Request, body: string | undefined): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.delete("host");
  headers.delete("accept-encoding"); // keep bodies plain, so the proxy need not re-encode
  const response = await fetch(`${target}${url.pathname}${url.search}`, { method: request.method, headers, body, redirect: "manual" });
  return new Response(await response.arrayBuffer(), { status: response.status, headers: withoutEncoding(response.headers) });
}

function withoutEncoding(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete("content-encoding");
  copy.delete("content-length");
  return copy;
}

/** Reads the server's database file (WAL allows it while the server writes). */
export function storedEvents(path: string): { event_id: string | null; event_type: string; payload: string; session_id: string }[] {
  const db = new Database(path, { readonly: true, strict: true });
  try {
    return db.query<{ event_id: string | null; event_type: string; payload: string; session_id: string }, []>(
      "SELECT event_id, event_type, payload, session_id FROM user_events ORDER BY id",
    ).all();
  } finally {
    db.close();
  }
}

/** Polls until `check` returns a value that is not undefined; fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}
