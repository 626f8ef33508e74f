/**
 * PostgreSQL for the benchmark's PostgreSQL rows (bench/run.ts): the server TEST_DATABASE_URL
 * names, or a throw-away one on loopback (.ci/postgres), with a fresh schema per measurement.
 * Absent PostgreSQL or nginx, the benchmark runs its SQLite rows only.
 */
import { SQL } from "bun";
import { join } from "node:path";
import { nginxBinary } from "../test/support/nginx";

const ROOT = join(import.meta.dir, "..");

export interface BenchDatabase {
  /** DATABASE_URL and DATABASE_SCHEMA for the nodes. */
  env: Record<string, string>;
  count(): Promise<number>;
  drop(): Promise<void>;
}

export interface BenchPostgres {
  version: string;
  freshDatabase(): Promise<BenchDatabase>;
  stop(): Promise<void>;
}

function available(): string | undefined {
  try {
    nginxBinary();
  } catch {
    return "nginx is not installed (apt-get install -y nginx)";
  }
  if (process.env.TEST_DATABASE_URL) return undefined;
  const initdb = Bun.spawnSync(["bash", "-c", "ls /usr/lib/postgresql/*/bin/initdb || command -v initdb"], { stdout: "ignore", stderr: "ignore" });
  return initdb.exitCode === 0 ? undefined : "PostgreSQL is not installed (apt-get install -y postgresql)";
}

/** PostgreSQL to measure against, or the reason there is none. */
export async function benchPostgres(): Promise<BenchPostgres | string> {
  const missing = available();
  if (missing) return missing;
  let url = process.env.TEST_DATABASE_URL;
  let throwaway: string | undefined;
  if (!url) {
    const started = Bun.spawnSync(["bash", join(ROOT, ".ci", "postgres"), "start"], { stderr: "inherit" });
    if (started.exitCode !== 0) return "could not start a throw-away PostgreSQL";
    const exports = Object.fromEntries(
      started.stdout
        .toString()
        .trim()
        .split("\n")
        .map((line) => line.replace(/^export /, "").split("=", 2) as [string, string]),
    );
    url = exports.TEST_DATABASE_URL!;
    throwaway = exports.PG_THROWAWAY_DIR;
  }
  const admin = new SQL(url, { max: 1 });
  const [{ version }] = await admin`SELECT current_setting('server_version') AS version`;
  let next = 0;
  return {
    version: `PostgreSQL ${String(version).split(" ")[0]}`,
    async freshDatabase() {
      const schema = `bench_${process.pid}_${next++}`;
      await admin.unsafe(`CREATE SCHEMA ${schema}`);
      return {
        env: { DATABASE_URL: url!, DATABASE_SCHEMA: schema },
        async count() {
          const [row] = await admin.unsafe(`SELECT count(*)::int AS n FROM ${schema}.user_events`);
          return Number(row.n);
        },
        async drop() {
          await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
        },
      };
    },
    async stop() {
      await admin.close();
      if (throwaway) Bun.spawnSync(["bash", join(ROOT, ".ci", "postgres"), "stop", throwaway]);
    },
  };
}
