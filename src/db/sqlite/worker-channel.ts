/**
 * Request/reply with a worker thread: every request gets exactly one reply, in order. If the
 * worker dies, every waiting request (and every later one) is rejected instead of hanging.
 */
export class WorkerChannel<Request, Reply> {
  private readonly waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];
  private stopped: Error | undefined;
  private readonly exited: Promise<void>;

  constructor(private readonly worker: Bun.Worker) {
    worker.addEventListener("message", (event) => this.waiting.shift()?.resolve((event as MessageEvent<Reply>).data));
    worker.addEventListener("error", (event) => this.stop(new Error(`worker failed: ${(event as ErrorEvent).message}`)));
    this.exited = new Promise((resolve) =>
      worker.addEventListener("close", () => {
        this.stop(new Error("worker exited"));
        resolve();
      }),
    );
    // The owner closes it explicitly; a forgotten store must not keep the process alive.
    worker.unref();
  }

  get alive(): boolean {
    return this.stopped === undefined;
  }

  request(message: Request): Promise<Reply> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }

  /**
   * Ends the thread and resolves once it has exited; anything still waiting is rejected.
   *
   * Waiting matters: bun:sqlite's close() is sqlite3_close_v2, which leaves a connection open
   * (a "zombie") while drizzle's prepared statements are unfinalized. They are finalized when
   * the thread's heap goes, so only then is the file really released (seen: a database closed
   * by the store still had its WAL and six handles open; a read-only open racing them failed).
   */
  terminate(): Promise<void> {
    this.stop(new Error("worker terminated"));
    this.worker.terminate();
    return this.exited;
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
