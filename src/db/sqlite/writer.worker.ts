/**
 * Worker thread owning the write connection: commits each batch it is sent, one at a time, so
 * inserts, index updates and (with synchronous=FULL) the WAL fsync never block the event loop.
 */
import type { Database } from "bun:sqlite";
import { describeError, openConnection } from "./connection";
import type { WriterReply, WriterRequest } from "./threads";
import { decodeRows, SqliteBatchWriter } from "./batch-writer";

declare const self: Worker;

let sqlite: Database | undefined;
let writer: SqliteBatchWriter | undefined;
let committed: Int32Array | undefined;

function handle(request: WriterRequest): WriterReply {
  try {
    switch (request.kind) {
      case "open":
        sqlite = openConnection(request.options);
        // Opened with the configured timeout; from here on the writer retries busy locks itself.
        sqlite.run("PRAGMA busy_timeout = 0");
        writer = new SqliteBatchWriter(sqlite, request.options.busyTimeoutMs);
        committed = new Int32Array(request.committed!);
        return { kind: "ready" };
      case "commit":
        if (!writer || !committed) return { kind: "failed", message: "the writer is not open" };
        const rows = decodeRows(request.rows);
        const result = writer.commit(rows);
        Atomics.add(committed, 0, rows.length);
        return { kind: "committed", ...result };
      case "close":
        sqlite?.close();
        sqlite = writer = undefined;
        return { kind: "closed" };
    }
  } catch (error) {
    return { kind: "failed", message: describeError(error) };
  }
}

self.onmessage = (event: MessageEvent<WriterRequest>) => self.postMessage(handle(event.data));
