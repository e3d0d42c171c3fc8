import type { Clock } from '../core/ports.ts';

/** Thrown (internally) when a run's deadline passes; the probe turns it into a `timeout` result. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/**
 * One attempt's time budget. When it passes, every callback registered with `onExpire` runs, so pending I/O
 * is torn down. (A plain callback set rather than an AbortSignal: EventTarget costs showed in profiles, and
 * this runs several times per check.)
 */
export class Deadline {
  readonly timeoutMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly expiresAt: number;
  private readonly callbacks = new Set<() => void>();
  private error: DeadlineExceededError | null = null;

  constructor(
    private readonly clock: Clock,
    timeoutMs: number,
  ) {
    this.timeoutMs = timeoutMs;
    this.expiresAt = clock.monotonic() + timeoutMs;
    this.timer = setTimeout(() => this.expire(), timeoutMs);
  }

  get expired(): boolean {
    return this.error !== null;
  }

  /** The error pending work is failed with once the deadline has passed. */
  get reason(): DeadlineExceededError {
    return this.error ?? new DeadlineExceededError(`timed out after ${this.timeoutMs}ms`);
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - this.clock.monotonic());
  }

  /** Runs `callback` when the deadline passes (at once if it has). Returns a function that unregisters it. */
  onExpire(callback: () => void): () => void {
    if (this.error) {
      callback();
      return () => undefined;
    }
    this.callbacks.add(callback);
    return () => this.callbacks.delete(callback);
  }

  /** Rejects when the deadline passes first. The loser's work must be torn down by the caller (via `onExpire`). */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.error) return Promise.reject(this.error);
    return new Promise<T>((resolve, reject) => {
      const off = this.onExpire(() => reject(this.reason));
      work.then(
        (v) => {
          off();
          resolve(v);
        },
        (e: unknown) => {
          off();
          reject(e);
        },
      );
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callbacks.clear();
  }

  private expire(): void {
    this.error = new DeadlineExceededError(`timed out after ${this.timeoutMs}ms`);
    const callbacks = [...this.callbacks];
    this.callbacks.clear();
    for (const callback of callbacks) callback();
  }
}
