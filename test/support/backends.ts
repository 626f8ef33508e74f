import { SQL } from "bun";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { Backend } from "../../src/db/open";
import { tempDir } from "./server";

/** A stored event as every backend reports it: payload parsed, times in epoch ms. */
export interface StoredRow {
  id: number;
  session_id: string;
  event_type: string;
  payload: unknown;
  created_at: number;
  event_id: string | null;
  occurred_at: number | null;
}

/** One empty database of its own for one test, and a connection of the test's own to look into it. */
export interface TestDatabase {
  backend: Backend;
  /** Environment selecting this database: for parseConfig, or for a server the test spawns. */
  env: Record<string, string>;
  /** Every row of user_events, oldest first. */
  rows(): Promise<StoredRow[]>;
  count(): Promise<number>;
  /** Runs SQL in this database (set-up such as foreign tables); unqualified names resolve to its schema. */
  exec(statement: string): Promise<Record<string, unknown>[]>;
  /** Blocks every write to user_events from another connection, as a long transaction would, until released. */
  holdWriteLock(): Promise<{ release: () => Promise<void> }>;
  /** Makes the database itself fail any insert of this session_id, as a broken disk or a constraint would. */
  failInsertsOf(sessionId: string): Promise<void>;
  /** Makes the database refuse every insert, as a full disk would, until `repair()`. */
  failAllInserts(): Promise<{ repair: () => Promise<void> }>;
  /** Inserts a row as an earlier version stored it (no event_id, no occurred_at), with any event_type. */
  insertOldRow(row: { sessionId: string; eventType: string; createdAt: number }): Promise<void>;
  drop(): Promise<void>;
}

export interface TestBackend {
  name: Backend;
  database(): Promise<TestDatabase>;
}

const SELECT_ROWS = "SELECT id, session_id, event_type, payload, created_at, event_id, occurred_at FROM user_events ORDER BY id";

/** SQLite: a file in a temp folder, read through a second connection (WAL lets it see every commit). */
const sqlite: TestBackend = {
  name: "sqlite",
  async database() {
    const dir = tempDir("event-ingest-db-");
    const path = join(dir.path, "events.db");
    let reader: Database | undefined;
    // Opened on first use: the store under test creates the file and its WAL mode. It waits for
    // locks as the store does, e.g. while the store checkpoints on close.
    const open = () => {
      if (!reader) {
        reader = new Database(path, { strict: true });
        reader.run("PRAGMA busy_timeout = 5000");
      }
      return reader;
    };
    return {
      backend: "sqlite",
      env: { DATABASE_URL: path },
      async rows() {
        return open()
          .query<Omit<StoredRow, "payload"> & { payload: string }, []>(SELECT_ROWS)
          .all()
          .map((row) => ({ ...row, payload: JSON.parse(row.payload) }));
      },
      async count() {
        return open().query<{ n: number }, []>("SELECT count(*) AS n FROM user_events").get()!.n;
      },
      async exec(statement) {
        return open().query<Record<string, unknown>, []>(statement).all();
      },
      async insertOldRow({ sessionId, eventType, createdAt }) {
        open().query("INSERT INTO user_events (session_id, event_type, payload, created_at) VALUES (?, ?, '{}', ?)").run(sessionId, eventType, createdAt);
      },
      async failInsertsOf(sessionId) {
        open().run(`CREATE TRIGGER fail_${sessionId} BEFORE INSERT ON user_events WHEN NEW.session_id = '${sessionId}' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      },
      async failAllInserts() {
        open().run("CREATE TRIGGER disk_full BEFORE INSERT ON user_events BEGIN SELECT RAISE(FAIL, 'database or disk is full (simulated)'); END");
        return { repair: async () => void open().run("DROP TRIGGER disk_full") };
      },
      async holdWriteLock() {
        const blocker = new Database(path);
        blocker.run("BEGIN IMMEDIATE");
        return {
          release: async () => {
            blocker.run("ROLLBACK");
            blocker.close();
          },
        };
      },
      async drop() {
        reader?.close();
        reader = undefined;
        dir.cleanup();
      },
    };
  },
};

/** PostgreSQL: a fresh schema per test in the database TEST_DATABASE_URL names, dropped afterwards. */
function postgres(url: string): TestBackend {
  let admin: SQL | undefined;
  return {
    name: "postgres",
    async database() {
      admin ??= new SQL(url, { max: 4, idleTimeout: 1 });
      const schema = `test_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;
      await admin.unsafe(`CREATE SCHEMA ${schema}`);
      const client = admin;
      const inSchema = <T>(statement: string): Promise<T[]> =>
        client.begin(async (tx) => {
          await tx.unsafe(`SET LOCAL search_path TO ${schema}`);
          return (await tx.unsafe(statement)) as T[];
        });
      return {
        backend: "postgres",
        env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
        async rows() {
          const rows = await inSchema<StoredRow & { id: string; created_at: Date; occurred_at: Date | null }>(SELECT_ROWS);
          return rows.map((row) => ({ ...row, id: Number(row.id), created_at: row.created_at.getTime(), occurred_at: row.occurred_at?.getTime() ?? null }));
        },
        async count() {
          const [row] = await inSchema<{ n: string }>("SELECT count(*) AS n FROM user_events");
          return Number(row!.n);
        },
        exec: (statement) => inSchema(statement),
        async insertOldRow({ sessionId, eventType, createdAt }) {
          await client.unsafe(`INSERT INTO ${schema}.user_events (session_id, event_type, payload, created_at) VALUES ($1, $2, '{}', to_timestamp($3 / 1000.0))`, [
            sessionId,
            eventType,
            createdAt,
          ]);
        },
        async failInsertsOf(sessionId) {
          await inSchema(`
            CREATE FUNCTION fail_${sessionId}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.session_id = '${sessionId}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER fail_${sessionId} BEFORE INSERT ON user_events FOR EACH ROW EXECUTE FUNCTION fail_${sessionId}();`);
        },
        async failAllInserts() {
          await inSchema(`
            CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END $$;
            CREATE TRIGGER disk_full BEFORE INSERT ON user_events FOR EACH ROW EXECUTE FUNCTION disk_full();`);
          return { repair: async () => void (await inSchema("DROP TRIGGER disk_full ON user_events")) };
        },
        async holdWriteLock() {
          const connection = await client.reserve();
          await connection.unsafe("BEGIN");
          // Readers pass, inserts wait (until their statement_timeout).
          await connection.unsafe(`LOCK TABLE ${schema}.user_events IN SHARE ROW EXCLUSIVE MODE`);
          return {
            release: async () => {
              await connection.unsafe("ROLLBACK");
              connection.release();
            },
          };
        },
        async drop() {
          await client.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        },
      };
    },
  };
}

/**
 * The backends every contract test runs against: SQLite always, PostgreSQL when
 * TEST_DATABASE_URL is set (`.ci/run` starts a throw-away server and sets it).
 */
export const backends: TestBackend[] = [
  sqlite,
  ...(process.env.TEST_DATABASE_URL ? [postgres(process.env.TEST_DATABASE_URL)] : []),
];

export const postgresBackend = backends.find((backend) => backend.name === "postgres");
