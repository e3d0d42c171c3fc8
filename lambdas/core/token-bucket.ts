/**
 * Token buckets per key (a client address, a heartbeat id): each key may take `burst` at once, then
 * `refillPerSecond`. Pure: the caller passes the time. Memory is bounded: past `maxKeys` the key idle the
 * longest is forgotten (it comes back with a full bucket, which errs on the side of letting a job through).
 */

/** What a rate limit does; `TokenBuckets` is the one implementation. */
export interface RateLimiter {
  take(key: string, nowMs: number): boolean;
  retryAfterSeconds(key: string, nowMs: number): number;
}

export interface TokenBucketOptions {
  readonly burst: number;
  readonly refillPerSecond: number;
  /** @default 10000 */
  readonly maxKeys?: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export class TokenBuckets implements RateLimiter {
  readonly #burst: number;
  readonly #refillPerMs: number;
  readonly #maxKeys: number;
  /** Insertion order is last-use order: a key is re-inserted on every take. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: TokenBucketOptions) {
    if (!(options.burst >= 1)) throw new RangeError(`burst must be at least 1, got ${options.burst}`);
    if (!(options.refillPerSecond > 0)) throw new RangeError(`refillPerSecond must be positive, got ${options.refillPerSecond}`);
    this.#burst = options.burst;
    this.#refillPerMs = options.refillPerSecond / 1000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Takes one token for `key` at `nowMs`; false when the bucket is empty (the caller answers 429). */
  take(key: string, nowMs: number): boolean {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, atMs: nowMs };
    this.#buckets.delete(key);
    bucket.tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, nowMs - bucket.atMs) * this.#refillPerMs);
    bucket.atMs = nowMs;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    return allowed;
  }

  /** Seconds until `key` has a token again (for Retry-After), at least 1. */
  retryAfterSeconds(key: string, nowMs: number): number {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return 1;
    const tokens = bucket.tokens + Math.max(0, nowMs - bucket.atMs) * this.#refillPerMs;
    return Math.max(1, Math.ceil((1 - tokens) / this.#refillPerMs / 1000));
  }
}
