import type { Clock } from '../core/ports.ts';

/** Thrown (internally) when a run's deadline passes; the probe turns it into a `timeout` result. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/** One attempt's time budget. Aborts `signal` when it passes, so every pending I/O can be torn down. */
export class Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly expiresAt: number;

  constructor(
    private readonly clock: Clock,
    timeoutMs: number,
  ) {
    this.timeoutMs = timeoutMs;
    this.signal = this.controller.signal;
    this.expiresAt = clock.monotonic() + timeoutMs;
    this.timer = setTimeout(() => this.controller.abort(new DeadlineExceededError(`timed out after ${timeoutMs}ms`)), timeoutMs);
  }

  get expired(): boolean {
    return this.signal.aborted;
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - this.clock.monotonic());
  }

  /** Rejects when the deadline passes first. The loser's work must be torn down by the caller (via `signal`). */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.signal.reason);
      this.signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (v) => {
          this.signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          this.signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
