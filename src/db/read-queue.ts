import { StoreBusyError } from "./errors";
import type { EventReader } from "./interfaces";
import type { CountedSessions } from "./rollup";
import type { BucketCount, BucketCountQuery, EventFilter, EventPosition, StoredEvent, TopValue, TopValuesQuery } from "./model";

export interface ReadQueueOptions {
  /** One reader per read running at once: a SQLite reader thread, or a view of the PostgreSQL read pool per connection. */
  readers: readonly EventReader[];
  /** Reads that may wait for a free reader; a new read beyond them is refused with StoreBusyError. */
  maxQueued: number;
}

/**
 * Bounded concurrency for the read side, the same on every backend: each read (a stats query,
 * a listing page, one export page) runs on a free reader; when none is free it waits in a FIFO
 * queue of at most `maxQueued` reads, and a new read past that is refused at once (503 `busy`),
 * never piled up. The next page of an export under way always queues, so a download that has
 * begun is not cut short; its pages count towards the queue, so many exports make new requests
 * busy rather than slow everything down.
 */
export class QueuedReader implements EventReader {
  private readonly idle: EventReader[];
  private readonly waiting: ((reader: EventReader) => void)[] = [];

  constructor(private readonly options: ReadQueueOptions) {
    if (options.readers.length === 0) throw new RangeError("a read queue needs at least one reader");
    this.idle = [...options.readers];
  }

  /** Reads waiting for a free reader now. */
  get queued(): number {
    return this.waiting.length;
  }

  countByBucket(query: BucketCountQuery): Promise<BucketCount[]> {
    return this.run((reader) => reader.countByBucket(query), false);
  }

  bucketCounts(query: BucketCountQuery): Promise<BucketCount[]> {
    return this.run((reader) => reader.bucketCounts(query), false);
  }

  rolledUpByBucket(query: BucketCountQuery): Promise<BucketCount[] | undefined> {
    return this.run((reader) => reader.rolledUpByBucket(query), false);
  }

  countSessions(before: Date, maxBuckets: number): Promise<CountedSessions[]> {
    return this.run((reader) => reader.countSessions(before, maxBuckets), false);
  }

  topValues(query: TopValuesQuery): Promise<TopValue[]> {
    return this.run((reader) => reader.topValues(query), false);
  }

  listNewestFirst(filter: EventFilter, after: EventPosition | undefined, limit: number, options: { continuing?: boolean } = {}): Promise<StoredEvent[]> {
    return this.run((reader) => reader.listNewestFirst(filter, after, limit), options.continuing ?? false);
  }

  private async run<T>(read: (reader: EventReader) => Promise<T>, continuing: boolean): Promise<T> {
    let reader = this.idle.pop();
    if (!reader) {
      if (!continuing && this.waiting.length >= this.options.maxQueued) throw new StoreBusyError(this.options.maxQueued);
      reader = await new Promise<EventReader>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await read(reader);
    } finally {
      // Handed straight to the oldest waiting read, or back to the idle ones.
      const next = this.waiting.shift();
      if (next) next(reader);
      else this.idle.push(reader);
    }
  }
}
