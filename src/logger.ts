import pino from "pino";
import pretty from "pino-pretty";
import type { LogFormat, LogLevel } from "./config";

export type Logger = pino.Logger;

// scheme://user:password@ -> scheme://user:***@ wherever a URL appears in a log line.
const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):([^\s/@]+)@/gi;

/** `text` with the password of every URL in it replaced by ***. */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIALS, "$1$2:***@");
}

/** A copy of `error` (same class, fields and cause) whose message and stack are redacted. */
function redactError(error: Error): Error {
  const copy: Error = Object.assign(Object.create(Object.getPrototypeOf(error)) as Error, error);
  Object.defineProperty(copy, "message", { value: redactCredentials(error.message), enumerable: false, writable: true });
  Object.defineProperty(copy, "stack", { value: error.stack && redactCredentials(error.stack), enumerable: false, writable: true });
  if (error.cause instanceof Error) Object.defineProperty(copy, "cause", { value: redactError(error.cause), enumerable: false, writable: true });
  return copy;
}

function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactCredentials(value);
  if (value instanceof Error) return redactError(value);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, depth + 1)]));
}

/**
 * pino on stdout: JSON lines for a log collector, or human-readable lines (pino-pretty, written
 * synchronously) for a person at a terminal. Every message, field and error has the password
 * of any URL in it replaced, whoever logs it (a driver's error may quote its connection string).
 * Written synchronously: `pino.destination(1)` buffers, and the last line before process.exit
 * ("stopped cleanly") went missing under load (test/lifecycle.e2e.test.ts, graceful shutdown).
 */
export function createLogger(level: LogLevel, format: LogFormat = "json", destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "event-ingest" },
    formatters: { log: (object) => redactValue(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => redactValue(arg, 5)) as Parameters<typeof method>);
      },
    },
  };
  if (format === "pretty") {
    return pino(options, pretty({ sync: true, ignore: "pid,hostname,service", translateTime: "SYS:HH:MM:ss.l", destination }));
  }
  return pino(options, destination);
}
