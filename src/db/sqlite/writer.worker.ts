/**
 * Worker thread owning the write connection: commits each batch it is sent, one at a time, so
 * inserts, index updates and (with synchronous=FULL) the WAL fsync never block the event loop.
 */
import type { Database } from "bun:sqlite";
import { statSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { describeError, errorCode, openConnection } from "./connection";
import type { WriterReply, WriterRequest } from "./threads";
import { decodeRows, SqliteBatchWriter } from "./batch-writer";

declare const self: Worker;

/**
 * The backstop of the WAL's bound: a log this large means the checkpointer thread fell behind
 * (measured: starved of CPU on a loaded machine, its catch-up let the log reach 78 MB), so the
 * writer checkpoints it itself before its next commit, which holds commits back meanwhile.
 */
const WAL_BACKSTOP_BYTES = 64 * 1024 * 1024;

let sqlite: Database | undefined;
let writer: SqliteBatchWriter | undefined;
let committed: Int32Array | undefined;
let walPath = "";
/** Room a commit may need: 512 events of a few hundred bytes, their index entries and WAL frames, with margin. */
const MIN_FREE_BYTES = 1024 * 1024;

/**
 * A write that commits nothing new: the header's user_version rewritten with its own value.
 * It takes the write lock and appends a WAL frame, so it fails as a commit would (read-only
 * file, full disk) without touching any table.
 */
function probe(connection: Database): void {
  const { user_version } = connection.query<{ user_version: number }, []>("PRAGMA user_version").get()!;
  connection.run(`PRAGMA user_version = ${user_version}`);
  // That frame can land in WAL space a checkpoint already freed, so it succeeds on a full disk
  // (seen in the disk-full test: /health went back to 200 between two failing commits). A commit
  // of new rows needs new pages, so the probe also asks the file system for room for one.
  const { bavail, bsize } = statfsSync(dirname(walPath));
  if (bavail * bsize < MIN_FREE_BYTES) {
    throw Object.assign(new Error(`less than ${MIN_FREE_BYTES / 1024} KiB free beside the database`), { code: "SQLITE_FULL" });
  }
}

/** A RESTART checkpoint on the writer's own connection; busy (a reader, the checkpointer) leaves it to the next commit. */
function checkpointNow(connection: Database): void {
  try {
    connection.run("PRAGMA wal_checkpoint(RESTART)");
  } catch (error) {
    if (errorCode(error) !== "SQLITE_BUSY") throw error;
  }
}

function handle(request: WriterRequest): WriterReply {
  try {
    switch (request.kind) {
      case "open":
        sqlite = openConnection(request.options);
        // Opened with the configured timeout; from here on the writer retries busy locks itself.
        sqlite.run("PRAGMA busy_timeout = 0");
        writer = new SqliteBatchWriter(sqlite, request.options.busyTimeoutMs);
        committed = new Int32Array(request.committed!);
        walPath = `${request.options.path}-wal`;
        return { kind: "ready" };
      case "probe":
        if (!sqlite || !committed) return { kind: "failed", message: "the writer is not open" };
        probe(sqlite);
        // Counted like an event, so the checkpointer empties the log after it too.
        Atomics.add(committed, 0, 1);
        return { kind: "probed" };
      case "commit": {
        if (!sqlite || !writer || !committed) return { kind: "failed", message: "the writer is not open" };
        if ((statSync(walPath, { throwIfNoEntry: false })?.size ?? 0) >= WAL_BACKSTOP_BYTES) checkpointNow(sqlite);
        const rows = decodeRows(request.rows);
        const result = writer.commit(rows);
        Atomics.add(committed, 0, rows.length);
        return { kind: "committed", ...result };
      }
      case "sessions":
        if (!writer) return { kind: "failed", message: "the writer is not open" };
        return { kind: "stored", stored: writer.storeSessions(request.buckets) };
      case "backfill":
        if (!writer) return { kind: "failed", message: "the writer is not open" };
        return { kind: "backfilled", ...writer.backfill(request.maxRows) };
      case "close":
        sqlite?.close();
        sqlite = writer = undefined;
        return { kind: "closed" };
    }
  } catch (error) {
    return { kind: "failed", message: describeError(error), code: errorCode(error) };
  }
}

self.onmessage = (event: MessageEvent<WriterRequest>) => self.postMessage(handle(event.data));
