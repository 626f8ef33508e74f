export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const SYNCHRONOUS_MODES = ["OFF", "NORMAL", "FULL", "EXTRA"] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number];

export interface Config {
  port: number;
  host: string;
  /** SQLite file path, or `:memory:`. */
  databaseUrl: string;
  /** `*` or an explicit list of allowed origins. */
  corsOrigins: "*" | string[];
  maxBodyBytes: number;
  /** Most events one POST /api/events/batch may carry. */
  maxBatchEvents: number;
  logLevel: LogLevel;
  sqliteSynchronous: SynchronousMode;
  sqliteBusyTimeoutMs: number;
  shutdownTimeoutMs: number;
}

/** A bad environment variable; the message names it so the operator can fix it at once. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`invalid ${variable}: ${reason}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `expected ${min}..${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T, normalise: (raw: string) => string): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = normalise(raw);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `expected one of ${allowed.join(", ")}, got "${raw}"`);
  }
  return value as T;
}

function origins(env: Env): Config["corsOrigins"] {
  const raw = read(env, "CORS_ORIGINS") ?? "*";
  if (raw === "*") return "*";
  const list = raw.split(",").map((origin) => origin.trim()).filter(Boolean);
  for (const origin of list) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError("CORS_ORIGINS", `"${origin}" is not an origin like https://app.example.com`);
    }
  }
  return list;
}

/** Parses and validates the environment once, at boot. Throws ConfigError on the first bad value. */
export function parseConfig(env: Env): Config {
  return {
    port: integer(env, "PORT", 3000, 0, 65535),
    host: read(env, "HOST") ?? "0.0.0.0",
    databaseUrl: read(env, "DATABASE_URL") ?? "data/events.db",
    corsOrigins: origins(env),
    maxBodyBytes: integer(env, "MAX_BODY_BYTES", 1024 * 1024, 256, 64 * 1024 * 1024),
    maxBatchEvents: integer(env, "MAX_BATCH_EVENTS", 500, 1, 10_000),
    logLevel: oneOf(env, "LOG_LEVEL", LOG_LEVELS, "info", (raw) => raw.toLowerCase()),
    sqliteSynchronous: oneOf(env, "SQLITE_SYNCHRONOUS", SYNCHRONOUS_MODES, "NORMAL", (raw) => raw.toUpperCase()),
    sqliteBusyTimeoutMs: integer(env, "SQLITE_BUSY_TIMEOUT_MS", 5000, 0, 600_000),
    shutdownTimeoutMs: integer(env, "SHUTDOWN_TIMEOUT_MS", 8000, 100, 60_000),
  };
}

