import { StoreUnavailableError, UnsafeSchemaChangeError } from "../errors";
import type { PushResult } from "../interfaces";
import type { EventReader } from "../interfaces";
import type { BucketCount, EventFilter, EventPosition, NewEvent, TopValue, TopValuesQuery } from "../model";
import { type ConnectionOptions, failureReasonOf } from "./connection";
import { encodeRows } from "./batch-writer";
import { decodeStoredRows } from "./stored-rows";
import type { BackfillStep } from "../interfaces";
import type { CountedSessions } from "../rollup";
import type { CommitResult } from "../write-queue";
import { WorkerChannel } from "./worker-channel";

// The messages between the store and its threads. Every request gets one reply.
/** `committed` counts events committed by the writer, shared with the checkpointer to pace it. */
type OpenRequest = { kind: "open"; options: ConnectionOptions; committed?: SharedArrayBuffer };
type CloseRequest = { kind: "close" };
/** `code`: SQLite's error code, when the failure has one. */
type ControlReply = { kind: "ready" } | { kind: "closed" } | { kind: "failed"; message: string; code?: string };
export type WriterRequest = OpenRequest | CloseRequest | { kind: "commit"; rows: string } | { kind: "probe" } | { kind: "backfill"; maxRows: number } | { kind: "sessions"; buckets: CountedSessions[] };
export type WriterReply = ControlReply | ({ kind: "committed" } & CommitResult) | { kind: "probed" } | ({ kind: "backfilled" } & BackfillStep) | { kind: "stored"; stored: number };
export type CheckpointerRequest = OpenRequest | CloseRequest | { kind: "failures" };
/** `count`: checkpoints that failed (other than busy) since the thread started; `lastError`: what the latest said. */
export type CheckpointerReply = ControlReply | { kind: "failures"; count: number; lastError: string | undefined };
/** Times cross as epoch milliseconds. */
/** An EventFilter as it crosses to a reader thread: every field as is, the times as epoch ms. */
type FilterMessage = Omit<EventFilter, "from" | "to"> & { from?: number; to?: number };
export type ReaderRequest =
  | OpenRequest
  | CloseRequest
  | { kind: "count"; from: number; to: number; bucketMs: number; eventTypes?: readonly string[] }
  | { kind: "buckets"; from: number; to: number; bucketMs: number; eventTypes?: readonly string[] }
  | { kind: "rolled"; from: number; to: number; bucketMs: number; eventTypes?: readonly string[] }
  | { kind: "list"; filter: FilterMessage; after?: EventPosition; limit: number }
  | { kind: "sessions"; before: number; maxBuckets: number }
  | { kind: "top"; query: Omit<TopValuesQuery, "from" | "to"> & { from: number; to: number } };
/** Top values cross as JSON values (structured clone keeps them as they are). */
export type ReaderReply = ControlReply | { kind: "counts"; counts: BucketCount[] } | { kind: "rolled"; counts: BucketCount[] | undefined } | { kind: "rows"; rows: string } | { kind: "top"; values: TopValue[] } | { kind: "sessions"; buckets: CountedSessions[] };
export type PushRequest = { kind: "push"; options: ConnectionOptions };
export type PushReply = { kind: "pushed"; statements: string[] } | { kind: "unsafe"; statement: string } | { kind: "failed"; message: string };

/** Where commits run: a worker thread for a file, the main thread for `:memory:`. */
export interface Writer {
  /** Resolves once the rows are committed; rejects with StoreUnavailableError, having stored nothing. */
  commit(rows: NewEvent[]): Promise<CommitResult>;
  /** A write that stores nothing (see writer.worker.ts); rejects as a failed commit would. */
  probe(): Promise<void>;
  /** Rolls up the next `maxRows` events stored before the rollups existed (see rollup.ts). */
  backfill(maxRows: number): Promise<BackfillStep>;
  /** Stores sessions counted on a reader where the bucket has not changed since; resolves how many did. */
  storeSessions(buckets: CountedSessions[]): Promise<number>;
  readonly alive: boolean;
  close(): Promise<void>;
}

/** A thread that owns one connection: opened on start, closed (then ended) on close. */
class ConnectionThread<Request extends { kind: string }, Reply extends { kind: string }> {
  private constructor(readonly channel: WorkerChannel<Request | OpenRequest | CloseRequest, Reply | ControlReply>) {}

  static async start<Request extends { kind: string }, Reply extends { kind: string }>(entry: URL, options: ConnectionOptions, committed?: SharedArrayBuffer) {
    const thread = new ConnectionThread<Request, Reply>(new WorkerChannel(new Worker(entry) as Bun.Worker));
    const reply = await thread.channel.request({ kind: "open", options, committed });
    if (reply.kind !== "ready") {
      await thread.channel.terminate();
      throw new Error(`cannot open the database on ${entry.pathname}: ${"message" in reply ? reply.message : reply.kind}`);
    }
    return thread;
  }

  async close(): Promise<void> {
    if (!this.channel.alive) return;
    await this.channel.request({ kind: "close" }).catch(() => undefined);
    await this.channel.terminate();
  }
}

/** A counter of committed events for startWriterThread and startCheckpointerThread to share. */
export function committedEventsCounter(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

export async function startWriterThread(options: ConnectionOptions, committed: SharedArrayBuffer): Promise<Writer> {
  const thread = await ConnectionThread.start<WriterRequest, WriterReply>(new URL("./writer.worker.ts", import.meta.url), options, committed);
  const { channel } = thread;
  return {
    get alive() {
      return channel.alive;
    },
    async commit(rows) {
      const reply = await ask(channel, { kind: "commit", rows: encodeRows(rows) });
      if (reply.kind === "committed") return { durationMs: reply.durationMs, duplicates: reply.duplicates };
      throw unavailable("could not commit events", reply);
    },
    async probe() {
      const reply = await ask(channel, { kind: "probe" });
      if (reply.kind !== "probed") throw unavailable("the write probe failed", reply);
    },
    async backfill(maxRows) {
      const reply = await ask(channel, { kind: "backfill", maxRows });
      if (reply.kind === "backfilled") return { rows: reply.rows, complete: reply.complete };
      throw unavailable("could not backfill the rollups", reply);
    },
    async storeSessions(buckets) {
      const reply = await ask(channel, { kind: "sessions", buckets });
      if (reply.kind === "stored") return reply.stored;
      throw unavailable("could not store counted sessions", reply);
    },
    close: () => thread.close(),
  };
}

async function ask(channel: WorkerChannel<WriterRequest, WriterReply>, request: WriterRequest): Promise<WriterReply> {
  try {
    return await channel.request(request);
  } catch (cause) {
    // The thread died: whether this batch committed is unknown, so it is not acknowledged.
    throw new StoreUnavailableError("the database writer stopped", { cause, reason: "writer_stopped" });
  }
}

function unavailable(message: string, reply: WriterReply): StoreUnavailableError {
  const failure = reply.kind === "failed" ? reply : { message: reply.kind, code: undefined };
  return new StoreUnavailableError(message, { cause: new Error(failure.message), reason: failureReasonOf(failure.code) });
}

export interface Checkpointer {
  /** Checkpoints that failed since the thread started, and what the latest said. */
  failures(): Promise<{ count: number; lastError: string | undefined }>;
  close(): Promise<void>;
}

export async function startCheckpointerThread(options: ConnectionOptions, committed: SharedArrayBuffer): Promise<Checkpointer> {
  const thread = await ConnectionThread.start<CheckpointerRequest, CheckpointerReply>(new URL("./checkpointer.worker.ts", import.meta.url), options, committed);
  return {
    async failures() {
      const reply = await thread.channel.request({ kind: "failures" });
      return reply.kind === "failures" ? { count: reply.count, lastError: reply.lastError } : { count: 0, lastError: undefined };
    },
    close: () => thread.close(),
  };
}

/** A reader thread (reader.worker.ts) on its own read-only connection; one read at a time. */
export async function startReaderThread(options: ConnectionOptions): Promise<EventReader & { close(): Promise<void> }> {
  const thread = await ConnectionThread.start<ReaderRequest, ReaderReply>(new URL("./reader.worker.ts", import.meta.url), options);
  const ask = async (request: ReaderRequest): Promise<ReaderReply> => {
    const reply = await thread.channel.request(request);
    if (reply.kind === "failed") throw new Error(`read failed: ${reply.message}`);
    return reply;
  };
  return {
    async countByBucket({ from, to, bucketMs, eventTypes }) {
      const reply = await ask({ kind: "count", from: from.getTime(), to: to.getTime(), bucketMs, eventTypes });
      return reply.kind === "counts" ? reply.counts : [];
    },
    async bucketCounts({ from, to, bucketMs, eventTypes }) {
      const reply = await ask({ kind: "buckets", from: from.getTime(), to: to.getTime(), bucketMs, eventTypes });
      return reply.kind === "counts" ? reply.counts : [];
    },
    async rolledUpByBucket({ from, to, bucketMs, eventTypes }) {
      const reply = await ask({ kind: "rolled", from: from.getTime(), to: to.getTime(), bucketMs, eventTypes });
      return reply.kind === "rolled" ? reply.counts : undefined;
    },
    async countSessions(before, maxBuckets) {
      const reply = await ask({ kind: "sessions", before: before.getTime(), maxBuckets });
      return reply.kind === "sessions" ? reply.buckets : [];
    },
    async topValues({ from, to, ...rest }) {
      const reply = await ask({ kind: "top", query: { ...rest, from: from.getTime(), to: to.getTime() } });
      return reply.kind === "top" ? reply.values : [];
    },
    async listNewestFirst({ from, to, ...rest }, after, limit) {
      const reply = await ask({ kind: "list", filter: { ...rest, from: from?.getTime(), to: to?.getTime() }, after, limit });
      return reply.kind === "rows" ? decodeStoredRows(reply.rows) : [];
    },
    close: () => thread.close(),
  };
}

/** Applies the schema on a short-lived thread (see push.worker.ts); throws what pushSchema would. */
export async function pushInThread(options: ConnectionOptions): Promise<PushResult> {
  const channel = new WorkerChannel<PushRequest, PushReply>(new Worker(new URL("./push.worker.ts", import.meta.url)) as Bun.Worker);
  try {
    const reply = await channel.request({ kind: "push", options });
    if (reply.kind === "unsafe") throw new UnsafeSchemaChangeError(reply.statement);
    if (reply.kind === "failed") throw new Error(reply.message);
    return { statements: reply.statements };
  } finally {
    await channel.terminate();
  }
}
