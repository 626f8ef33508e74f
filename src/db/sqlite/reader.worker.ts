/**
 * Worker thread running reads (stats, top values, listing, export pages) on a read-only connection of its
 * own, so a 40 ms stats query or a page of an export never runs on the event loop that answers
 * ingest. WAL lets it read while the writer commits; query_only makes the connection refuse any
 * write. One read at a time: the main thread's read queue hands each thread one read.
 *
 * The thread also runs at a lower CPU priority (nice 10; on Linux a thread's own): on a busy
 * machine the scheduler then lets the event loop answer ingest first, and reads take what is left.
 */
import type { Database } from "bun:sqlite";
import { setPriority } from "node:os";
import { describeError, openReadConnection } from "./connection";
import { SqliteEventReader } from "./reader";
import { encodeStoredRows } from "./stored-rows";
import type { ReaderReply, ReaderRequest } from "./threads";

declare const self: Worker;

const READ_NICENESS = 10;
try {
  // pid 0: this thread (Linux applies setpriority to the calling thread only).
  setPriority(0, READ_NICENESS);
} catch {
  // Not permitted or not supported here: reads then share the CPU evenly with ingest.
}

let sqlite: Database | undefined;
let reader: SqliteEventReader | undefined;

async function handle(request: ReaderRequest): Promise<ReaderReply> {
  try {
    switch (request.kind) {
      case "open":
        sqlite = openReadConnection(request.options);
        reader = new SqliteEventReader(sqlite);
        return { kind: "ready" };
      case "count": {
        if (!reader) return { kind: "failed", message: "the reader is not open" };
        const { from, to, bucketMs, eventTypes } = request;
        return { kind: "counts", counts: await reader.countByBucket({ from: new Date(from), to: new Date(to), bucketMs, eventTypes }) };
      }
      case "buckets": {
        if (!reader) return { kind: "failed", message: "the reader is not open" };
        const { from, to, bucketMs, eventTypes } = request;
        return { kind: "counts", counts: await reader.bucketCounts({ from: new Date(from), to: new Date(to), bucketMs, eventTypes }) };
      }
      case "rolled": {
        if (!reader) return { kind: "failed", message: "the reader is not open" };
        const { from, to, bucketMs, eventTypes } = request;
        return { kind: "rolled", counts: await reader.rolledUpByBucket({ from: new Date(from), to: new Date(to), bucketMs, eventTypes }) };
      }
      case "sessions":
        if (!reader) return { kind: "failed", message: "the reader is not open" };
        return { kind: "sessions", buckets: await reader.countSessions(new Date(request.before), request.maxBuckets) };
      case "top": {
        if (!reader) return { kind: "failed", message: "the reader is not open" };
        const { from, to, ...rest } = request.query;
        return { kind: "top", values: await reader.topValues({ ...rest, from: new Date(from), to: new Date(to) }) };
      }
      case "list": {
        if (!reader) return { kind: "failed", message: "the reader is not open" };
        const { filter, after, limit } = request;
        const rows = await reader.listNewestFirst(
          { ...filter, from: filter.from === undefined ? undefined : new Date(filter.from), to: filter.to === undefined ? undefined : new Date(filter.to) },
          after,
          limit,
        );
        return { kind: "rows", rows: encodeStoredRows(rows) };
      }
      case "close":
        sqlite?.close();
        sqlite = reader = undefined;
        return { kind: "closed" };
    }
  } catch (error) {
    return { kind: "failed", message: describeError(error) };
  }
}

self.onmessage = async (event: MessageEvent<ReaderRequest>) => self.postMessage(await handle(event.data));
