import pino from "pino";
import type { LogLevel } from "../../src/config";
import type { Logger } from "../../src/logger";

/** A pino logger like the service's whose JSON lines are kept in memory for assertions. */
export function capturingLogger(level: LogLevel): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const logger = pino({ level, base: { service: "event-ingest" } }, { write: (line: string) => void raw.push(line) });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
