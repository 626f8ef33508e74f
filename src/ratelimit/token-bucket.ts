export interface TokenBucketOptions {
  /** Tokens added per minute, per key. */
  perMinute: number;
  /** Bucket size: how many requests a key may send at once. */
  burst: number;
  /** Keys tracked at most; beyond it the least recently seen key is forgotten. */
  maxKeys: number;
  now: () => number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * One token bucket per key (client address). Memory is bounded: a Map kept in least-recently-seen
 * order holds at most `maxKeys` buckets. Forgetting a key only ever gives that client a full
 * bucket again, so under a flood of distinct addresses the limiter errs towards letting through.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly tokensPerMs: number;

  constructor(private readonly options: TokenBucketOptions) {
    this.tokensPerMs = options.perMinute / 60_000;
  }

  take(key: string): TakeResult {
    const now = this.options.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.options.burst, updatedAt: now };
    // Delete then set moves the key to the end: the Map's first key is the least recently seen.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.options.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);

    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + elapsed * this.tokensPerMs);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.tokensPerMs / 1000)) };
  }

  /** Keys currently tracked (for tests of the memory bound). */
  get size(): number {
    return this.buckets.size;
  }
}
