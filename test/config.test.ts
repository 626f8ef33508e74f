import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, LOG_LEVELS, parseConfig } from "../src/config";
import { runToExit, tempDir } from "./support/server";

function expectConfigError(env: Record<string, string>, variable: string) {
  let thrown: unknown;
  try {
    parseConfig(env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  expect(error.variable).toBe(variable);
  expect(error.message).toContain(variable);
  // One line, so the boot failure is one line too.
  expect(error.message).not.toContain("\n");
  return error;
}

describe("defaults", () => {
  test("an empty environment gives the documented defaults", () => {
    expect(parseConfig({})).toEqual({
      port: 3000,
      host: "0.0.0.0",
      databaseUrl: "data/events.db",
      databasePoolSize: 10,
      databaseSchema: "public",
      databaseConnectTimeoutMs: 5000,
      databaseStatementTimeoutMs: 10_000,
      corsOrigins: "*",
      maxBodyBytes: 1024 * 1024,
      maxBodyBytesInFlight: 64 * 1024 * 1024,
      bodyReadTimeoutMs: 10_000,
      maxBatchEvents: 500,
      logLevel: "info",
      logFormat: undefined,
      sqliteSynchronous: "NORMAL",
      sqliteBusyTimeoutMs: 5000,
      maxPendingEvents: 1000,
      databaseReadPoolSize: 2,
      maxQueuedReads: 16,
      shutdownTimeoutMs: 8000,
      adminToken: undefined,
      metricsPublic: false,
      retentionDays: undefined,
      retentionIntervalMinutes: 60,
      rateLimitPerMinute: 0,
      rateLimitBurst: 1,
      trustProxy: 0,
      payloadSchema: "flag",
      botFilter: "drop",
      storeUserAgent: false,
    });
  });

  test("empty and blank values count as unset", () => {
    expect(parseConfig({ PORT: "", HOST: "  ", LOG_LEVEL: "" })).toMatchObject({ port: 3000, host: "0.0.0.0", logLevel: "info" });
  });
});

describe("valid values are read", () => {
  test("every variable", () => {
    expect(
      parseConfig({
        PORT: "8080",
        HOST: "127.0.0.1",
        DATABASE_URL: ":memory:",
        CORS_ORIGINS: "https://a.example.com, http://localhost:5173",
        MAX_BODY_BYTES: "65536",
        MAX_BODY_BYTES_IN_FLIGHT: "1048576",
        BODY_READ_TIMEOUT_MS: "5000",
        MAX_BATCH_EVENTS: "100",
        LOG_LEVEL: "DEBUG",
        LOG_FORMAT: "Pretty",
        SQLITE_SYNCHRONOUS: "full",
        SQLITE_BUSY_TIMEOUT_MS: "250",
        MAX_PENDING_EVENTS: "2000",
        DATABASE_READ_POOL_SIZE: "4",
        MAX_QUEUED_READS: "0",
        SHUTDOWN_TIMEOUT_MS: "3000",
        ADMIN_TOKEN: "0123456789abcdef0123456789abcdef",
        METRICS_PUBLIC: "true",
        RETENTION_DAYS: "90",
        RETENTION_INTERVAL_MINUTES: "15",
        RATE_LIMIT_PER_MINUTE: "120",
        RATE_LIMIT_BURST: "20",
        TRUST_PROXY: "2",
        DATABASE_POOL_SIZE: "4",
        DATABASE_SCHEMA: "events",
        DATABASE_CONNECT_TIMEOUT_MS: "2000",
        DATABASE_STATEMENT_TIMEOUT_MS: "30000",
        PAYLOAD_SCHEMA: "Enforce",
        BOT_FILTER: "flag",
        STORE_USER_AGENT: "true",
      }),
    ).toEqual({
      port: 8080,
      host: "127.0.0.1",
      databaseUrl: ":memory:",
      databasePoolSize: 4,
      databaseSchema: "events",
      databaseConnectTimeoutMs: 2000,
      databaseStatementTimeoutMs: 30_000,
      corsOrigins: ["https://a.example.com", "http://localhost:5173"],
      maxBodyBytes: 65536,
      maxBodyBytesInFlight: 1_048_576,
      bodyReadTimeoutMs: 5000,
      maxBatchEvents: 100,
      logLevel: "debug",
      logFormat: "pretty",
      sqliteSynchronous: "FULL",
      sqliteBusyTimeoutMs: 250,
      maxPendingEvents: 2000,
      databaseReadPoolSize: 4,
      maxQueuedReads: 0,
      shutdownTimeoutMs: 3000,
      adminToken: "0123456789abcdef0123456789abcdef",
      metricsPublic: true,
      retentionDays: 90,
      retentionIntervalMinutes: 15,
      rateLimitPerMinute: 120,
      rateLimitBurst: 20,
      trustProxy: 2,
      payloadSchema: "enforce",
      botFilter: "flag",
      storeUserAgent: true,
    });
  });

  test("DATABASE_URL takes postgres:// and postgresql:// URLs as they are", () => {
    for (const url of ["postgres://ingest:s3cret@db.internal:5432/events", "postgresql://localhost/events?sslmode=require"]) {
      expect(parseConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });

  test("DATABASE_URL with any other scheme is refused, naming what is accepted and never the password", () => {
    for (const url of ["postgress://ingest:s3cret@127.0.0.1/events", "mysql://ingest:s3cret@db/events", "sqlite://data/events.db", "file:events.db"]) {
      const error = (() => {
        try {
          parseConfig({ DATABASE_URL: url });
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error!.message).toStartWith(`invalid DATABASE_URL: unknown scheme "${url.split(":")[0]}:"; expected a SQLite file path`);
      expect(error!.message).toContain(":memory:, or a postgres:// or postgresql:// URL");
      expect(error!.message).not.toContain("s3cret");
    }
    // A path, relative or absolute, and :memory: are still SQLite.
    for (const path of ["data/events.db", "/var/lib/events/events.db", ":memory:", "./events:2024.db"]) {
      expect(parseConfig({ DATABASE_URL: path }).databaseUrl).toBe(path);
    }
  });

  test("PORT=0 asks for any free port", () => {
    expect(parseConfig({ PORT: "0" }).port).toBe(0);
  });

  test("MAX_PENDING_EVENTS defaults to at least MAX_BATCH_EVENTS, so the largest batch always fits the queue", () => {
    expect(parseConfig({ MAX_BATCH_EVENTS: "5000" }).maxPendingEvents).toBe(5000);
    expect(parseConfig({ MAX_BATCH_EVENTS: "10", MAX_PENDING_EVENTS: "10" }).maxPendingEvents).toBe(10);
  });

  test("every log level is accepted", () => {
    for (const level of LOG_LEVELS) expect(parseConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });
});

describe("a bad value throws a ConfigError naming the variable", () => {
  const cases: [string, string][] = [
    ["PORT", "abc"],
    ["PORT", "-1"],
    ["PORT", "65536"],
    ["PORT", "80.5"],
    ["PORT", "3000abc"],
    ["MAX_BODY_BYTES", "lots"],
    ["MAX_BODY_BYTES", "0"],
    ["MAX_BODY_BYTES", "1e6"],
    ["MAX_BODY_BYTES", String(1024 ** 4)],
    ["LOG_LEVEL", "verbose"],
    ["SQLITE_SYNCHRONOUS", "SOMETIMES"],
    ["SQLITE_BUSY_TIMEOUT_MS", "soon"],
    ["SHUTDOWN_TIMEOUT_MS", "0"],
    ["MAX_PENDING_EVENTS", "0"],
    ["DATABASE_READ_POOL_SIZE", "0"],
    ["DATABASE_READ_POOL_SIZE", "65"],
    ["MAX_QUEUED_READS", "-1"],
    ["MAX_PENDING_EVENTS", "many"],
    ["MAX_PENDING_EVENTS", "499"], // below the default MAX_BATCH_EVENTS: every full batch would be refused
    ["CORS_ORIGINS", "not a url"],
    ["CORS_ORIGINS", "https://a.example.com/path"],
    ["CORS_ORIGINS", "https://a.example.com,ftp//b"],
    ["ADMIN_TOKEN", "short"],
    ["ADMIN_TOKEN", `${"a".repeat(32)} with spaces`],
    ["METRICS_PUBLIC", "sometimes"],
    ["RETENTION_DAYS", "0"],
    ["RETENTION_DAYS", "forever"],
    ["RETENTION_INTERVAL_MINUTES", "0"],
    ["RATE_LIMIT_PER_MINUTE", "-1"],
    ["RATE_LIMIT_BURST", "0"],
    ["TRUST_PROXY", "maybe"],
    ["TRUST_PROXY", "11"],
    ["DATABASE_URL", "postgres://user:pa ss@[bad/events"],
    ["LOG_FORMAT", "xml"],
    ["DATABASE_POOL_SIZE", "0"],
    ["DATABASE_POOL_SIZE", "many"],
    ["DATABASE_SCHEMA", "Events"],
    ["DATABASE_SCHEMA", "events; DROP TABLE x"],
    ["DATABASE_SCHEMA", "1st"],
    ["DATABASE_CONNECT_TIMEOUT_MS", "0"],
    ["DATABASE_STATEMENT_TIMEOUT_MS", "fast"],
    ["PAYLOAD_SCHEMA", "strict"],
    ["BOT_FILTER", "block"],
    ["STORE_USER_AGENT", "sometimes"],
  ];
  for (const [variable, value] of cases) {
    test(`${variable}=${JSON.stringify(value)}`, () => {
      expectConfigError({ [variable]: value }, variable);
    });
  }
});

describe("a bad value stops the real server at boot", () => {
  test("PORT=abc exits non-zero with one clear line naming PORT on stderr", async () => {
    const dir = tempDir();
    try {
      const { code, stdout, stderr } = await runToExit({ PORT: "abc", DATABASE_URL: `${dir.path}/never.db` });
      expect(code).not.toBe(0);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("PORT");
      expect(lines[0]).toContain("abc");
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stdout).toBe("");
    } finally {
      dir.cleanup();
    }
  });

  test("a DATABASE_URL with an unknown scheme exits with one line, creates nothing and prints no password", async () => {
    const { code, stdout, stderr } = await runToExit({ DATABASE_URL: "postgress://ingest:s3cret@127.0.0.1/events" });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([expect.stringContaining('invalid DATABASE_URL: unknown scheme "postgress:"')]);
    expect(stderr + stdout).not.toContain("s3cret");
    // Taken for a file path, it used to create a folder named "postgress:" in the checkout.
    expect(existsSync(join(import.meta.dir, "..", "postgress:"))).toBe(false);
  });

  test("an unusable DATABASE_URL exits non-zero with one line naming the path", async () => {
    const dir = tempDir();
    try {
      // A regular file where the database's folder should be.
      await Bun.write(`${dir.path}/file`, "x");
      const { code, stderr } = await runToExit({ DATABASE_URL: `${dir.path}/file/events.db` });
      expect(code).not.toBe(0);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${dir.path}/file/events.db`);
    } finally {
      dir.cleanup();
    }
  });
});
