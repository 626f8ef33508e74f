import { PAYLOAD_POLICIES, type PayloadPolicy } from "./events/violations";

/** What happens to events from a user agent on the bot list (BOT_FILTER). */
export const BOT_POLICIES = ["drop", "flag", "off"] as const;
export type BotPolicy = (typeof BOT_POLICIES)[number];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const SYNCHRONOUS_MODES = ["OFF", "NORMAL", "FULL", "EXTRA"] as const;
export const LOG_FORMATS = ["json", "pretty"] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Config {
  port: number;
  host: string;
  /** SQLite file path (or `:memory:`), or a `postgres://` URL; see src/db/open.ts. */
  databaseUrl: string;
  /** PostgreSQL only: connections per node, the schema holding our tables, and time limits. */
  databasePoolSize: number;
  databaseSchema: string;
  databaseConnectTimeoutMs: number;
  databaseStatementTimeoutMs: number;
  /** `*` or an explicit list of allowed origins. */
  corsOrigins: "*" | string[];
  maxBodyBytes: number;
  /** Bytes of request bodies being received at once, all requests together; past it 503 + Retry-After. */
  maxBodyBytesInFlight: number;
  /** Longest a request body may take from its headers to its last byte; past it 408 and the connection closed. */
  bodyReadTimeoutMs: number;
  /** Most events one POST /api/events/batch may carry. */
  maxBatchEvents: number;
  logLevel: LogLevel;
  /** JSON lines, or human-readable lines; unset means pretty on a terminal, JSON otherwise. */
  logFormat: LogFormat | undefined;
  sqliteSynchronous: SynchronousMode;
  sqliteBusyTimeoutMs: number;
  /** Events accepted and not yet committed before new ones get 503 + Retry-After: bounds memory under overload. */
  maxPendingEvents: number;
  /** Reads (stats, listing, export pages) running at once: SQLite reader threads, PostgreSQL read connections. */
  databaseReadPoolSize: number;
  /** Reads waiting for a free reader before a new read request gets 503 `busy` + Retry-After. */
  maxQueuedReads: number;
  shutdownTimeoutMs: number;
  /** Bearer token for the read and admin endpoints; unset turns them off (403). */
  adminToken: string | undefined;
  /** Serve /metrics without the admin token (for a scraper on a private network). */
  metricsPublic: boolean;
  /** Events older than this many days are deleted in the background; unset keeps them forever. */
  retentionDays: number | undefined;
  retentionIntervalMinutes: number;
  /** Ingest requests per minute per client address; 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  /** Requests a client may send at once before the per-minute rate applies. */
  rateLimitBurst: number;
  /** How many proxies in front of the server append to X-Forwarded-For; 0 ignores the header. */
  trustProxy: number;
  /** An event whose payload breaks the tracking plan: stored and marked (flag), refused with 422 (enforce), or not checked (off). */
  payloadSchema: PayloadPolicy;
  /** Events from a bot's user agent: answered 202 and not stored (drop), stored and marked (flag), or treated like any other (off). */
  botFilter: BotPolicy;
  /** Store the raw User-Agent header with each event; off by default (browser, OS and device are always derived). */
  storeUserAgent: boolean;
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

const DATABASE_URL_FORMS = "a SQLite file path such as data/events.db, :memory:, or a postgres:// or postgresql:// URL";

function databaseUrl(env: Env): string {
  const raw = read(env, "DATABASE_URL") ?? "data/events.db";
  // Anything else with a scheme (postgress://, mysql://, sqlite://) would be taken for a file
  // path: folders named after the URL, its password in the logs. Only the scheme is echoed.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(raw)?.[1];
  if (scheme !== undefined && !/^postgres(ql)?$/i.test(scheme)) {
    throw new ConfigError("DATABASE_URL", `unknown scheme "${scheme}:"; expected ${DATABASE_URL_FORMS}`);
  }
  if (scheme !== undefined && !URL.canParse(raw)) {
    throw new ConfigError("DATABASE_URL", "not a valid URL like postgres://user:password@host:5432/database");
  }
  return raw;
}

function schemaName(env: Env): string {
  const raw = read(env, "DATABASE_SCHEMA") ?? "public";
  // An unquoted PostgreSQL identifier, so it never needs escaping in SQL or in logs.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) {
    throw new ConfigError("DATABASE_SCHEMA", `expected a lower-case identifier like "events", got "${raw}"`);
  }
  return raw;
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

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

export const MIN_ADMIN_TOKEN_LENGTH = 32;

function adminToken(env: Env): string | undefined {
  const raw = read(env, "ADMIN_TOKEN");
  if (raw === undefined) return undefined;
  // The value itself is never echoed: it is a secret, and this message goes to the logs.
  const fix = "generate one with `openssl rand -hex 32`";
  if (raw.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError("ADMIN_TOKEN", `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters, got ${raw.length}; ${fix}`);
  }
  // RFC 6750 token characters: anything else could not be sent in an Authorization header.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(raw)) {
    throw new ConfigError("ADMIN_TOKEN", `may contain only letters, digits and - . _ ~ + / (then =); ${fix}`);
  }
  return raw;
}

function trustProxy(env: Env): number {
  const raw = read(env, "TRUST_PROXY")?.toLowerCase();
  if (raw === "true") return 1;
  if (raw === "false") return 0;
  if (raw !== undefined && !/^\d+$/.test(raw)) {
    throw new ConfigError("TRUST_PROXY", `expected true, false or a number of proxy hops, got "${raw}"`);
  }
  return integer(env, "TRUST_PROXY", 0, 0, 10);
}

// A batch request's events are queued together, so a queue smaller than the largest batch
// would refuse every such batch as overloaded.
function maxPendingEvents(env: Env, maxBatchEvents: number): number {
  const value = integer(env, "MAX_PENDING_EVENTS", Math.max(1000, maxBatchEvents), 1, 1_000_000);
  if (value < maxBatchEvents) {
    throw new ConfigError("MAX_PENDING_EVENTS", `must be at least MAX_BATCH_EVENTS (${maxBatchEvents}), got ${value}`);
  }
  return value;
}

// Sized for a small machine: 64 bodies of the default 1 MiB limit. Smaller than one body would
// refuse every body of the largest size.
function maxBodyBytesInFlight(env: Env, maxBodyBytes: number): number {
  const value = integer(env, "MAX_BODY_BYTES_IN_FLIGHT", Math.max(64 * 1024 * 1024, maxBodyBytes), 256, 16 * 1024 * 1024 * 1024);
  if (value < maxBodyBytes) {
    throw new ConfigError("MAX_BODY_BYTES_IN_FLIGHT", `must be at least MAX_BODY_BYTES (${maxBodyBytes}), got ${value}`);
  }
  return value;
}

/** Parses and validates the environment once, at boot. Throws ConfigError on the first bad value. */
export function parseConfig(env: Env): Config {
  const maxBatchEvents = integer(env, "MAX_BATCH_EVENTS", 500, 1, 10_000);
  const maxBodyBytes = integer(env, "MAX_BODY_BYTES", 1024 * 1024, 256, 64 * 1024 * 1024);
  const rateLimitPerMinute = integer(env, "RATE_LIMIT_PER_MINUTE", 0, 0, 1_000_000);
  return {
    port: integer(env, "PORT", 3000, 0, 65535),
    host: read(env, "HOST") ?? "0.0.0.0",
    databaseUrl: databaseUrl(env),
    databasePoolSize: integer(env, "DATABASE_POOL_SIZE", 10, 1, 1000),
    databaseSchema: schemaName(env),
    databaseConnectTimeoutMs: integer(env, "DATABASE_CONNECT_TIMEOUT_MS", 5000, 100, 600_000),
    databaseStatementTimeoutMs: integer(env, "DATABASE_STATEMENT_TIMEOUT_MS", 10_000, 100, 3_600_000),
    corsOrigins: origins(env),
    maxBodyBytes,
    maxBodyBytesInFlight: maxBodyBytesInFlight(env, maxBodyBytes),
    bodyReadTimeoutMs: integer(env, "BODY_READ_TIMEOUT_MS", 10_000, 100, 600_000),
    maxBatchEvents,
    logLevel: oneOf(env, "LOG_LEVEL", LOG_LEVELS, "info", (raw) => raw.toLowerCase()),
    logFormat: read(env, "LOG_FORMAT") === undefined ? undefined : oneOf(env, "LOG_FORMAT", LOG_FORMATS, "json", (raw) => raw.toLowerCase()),
    sqliteSynchronous: oneOf(env, "SQLITE_SYNCHRONOUS", SYNCHRONOUS_MODES, "NORMAL", (raw) => raw.toUpperCase()),
    sqliteBusyTimeoutMs: integer(env, "SQLITE_BUSY_TIMEOUT_MS", 5000, 0, 600_000),
    maxPendingEvents: maxPendingEvents(env, maxBatchEvents),
    databaseReadPoolSize: integer(env, "DATABASE_READ_POOL_SIZE", 2, 1, 64),
    maxQueuedReads: integer(env, "MAX_QUEUED_READS", 16, 0, 10_000),
    shutdownTimeoutMs: integer(env, "SHUTDOWN_TIMEOUT_MS", 8000, 100, 60_000),
    adminToken: adminToken(env),
    metricsPublic: boolean(env, "METRICS_PUBLIC", false),
    retentionDays: read(env, "RETENTION_DAYS") === undefined ? undefined : integer(env, "RETENTION_DAYS", 0, 1, 36_500),
    retentionIntervalMinutes: integer(env, "RETENTION_INTERVAL_MINUTES", 60, 1, 7 * 24 * 60),
    rateLimitPerMinute,
    rateLimitBurst: integer(env, "RATE_LIMIT_BURST", Math.max(rateLimitPerMinute, 1), 1, 1_000_000),
    trustProxy: trustProxy(env),
    payloadSchema: oneOf(env, "PAYLOAD_SCHEMA", PAYLOAD_POLICIES, "flag", (raw) => raw.toLowerCase()),
    botFilter: oneOf(env, "BOT_FILTER", BOT_POLICIES, "drop", (raw) => raw.toLowerCase()),
    storeUserAgent: boolean(env, "STORE_USER_AGENT", false),
  };
}

