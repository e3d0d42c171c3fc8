import type { Clock } from '../core/ports.ts';
import { nextDueAt, spreadOffsetMs } from '../core/schedule.ts';

/** One recurring job: a check in the local runner. */
export interface Job {
  readonly id: string;
  readonly intervalMs: number;
  /** Runs one occurrence; `dueAt` is the epoch-ms time it was scheduled for. */
  run(dueAt: number): Promise<void>;
}

export interface SchedulerStats {
  /** Occurrences started. */
  readonly started: number;
  /** Occurrences skipped because the previous run of the same job was still going. */
  readonly missed: number;
  /** Runs in flight now. */
  readonly inFlight: number;
}

export interface SchedulerOptions {
  readonly clock: Clock;
  /** Runs in flight at once; further due runs wait (and show up as lag). @default 64 */
  readonly maxConcurrent?: number;
  /** Start lag of each occurrence: actual start minus due time, ms. */
  readonly onLag?: (jobId: string, lagMs: number) => void;
  /** An occurrence skipped because the job's previous run was still in flight. */
  readonly onMissed?: (jobId: string, dueAt: number) => void;
}

export { nextDueAt, spreadOffsetMs } from '../core/schedule.ts';

interface Slot {
  job: Job;
  offsetMs: number;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  nextDue: number;
}

/**
 * Runs each job on a fixed grid (no drift: due times are computed, never accumulated), spread over the
 * interval by a hash of the id so that checks do not all fire at once. A job never overlaps itself.
 */
export class Scheduler {
  private readonly slots = new Map<string, Slot>();
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  private started = 0;
  private missed = 0;
  private stopped = false;
  private readonly maxConcurrent: number;

  constructor(private readonly options: SchedulerOptions) {
    this.maxConcurrent = options.maxConcurrent ?? 64;
  }

  /** Replaces the job set: new ids start, removed ids stop, changed intervals move to their new grid. */
  setJobs(jobs: readonly Job[]): void {
    const ids = new Set(jobs.map((j) => j.id));
    for (const [id, slot] of this.slots) {
      if (!ids.has(id)) {
        if (slot.timer) clearTimeout(slot.timer);
        this.slots.delete(id);
      }
    }
    for (const job of jobs) {
      const existing = this.slots.get(job.id);
      if (existing && existing.job.intervalMs === job.intervalMs) {
        existing.job = job;
        continue;
      }
      if (existing?.timer) clearTimeout(existing.timer);
      const slot: Slot = { job, offsetMs: spreadOffsetMs(job.id, job.intervalMs), timer: null, running: existing?.running ?? null, nextDue: 0 };
      this.slots.set(job.id, slot);
      this.arm(slot, this.options.clock.now());
    }
  }

  stats(): SchedulerStats {
    return { started: this.started, missed: this.missed, inFlight: this.active };
  }

  /** Stops scheduling and waits for runs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots.values()) if (slot.timer) clearTimeout(slot.timer);
    for (const release of this.waiting.splice(0)) release();
    await Promise.all([...this.slots.values()].map((s) => s.running?.catch(() => undefined)));
  }

  private arm(slot: Slot, afterMs: number): void {
    if (this.stopped) return;
    slot.nextDue = nextDueAt(afterMs, slot.job.intervalMs, slot.offsetMs);
    const delay = Math.max(0, slot.nextDue - this.options.clock.now());
    slot.timer = setTimeout(() => this.fire(slot, slot.nextDue), delay);
  }

  private fire(slot: Slot, dueAt: number): void {
    slot.timer = null;
    if (this.stopped || this.slots.get(slot.job.id) !== slot) return;
    this.arm(slot, dueAt);
    if (slot.running) {
      this.missed += 1;
      this.options.onMissed?.(slot.job.id, dueAt);
      return;
    }
    const job = slot.job;
    slot.running = this.runLimited(job, dueAt).finally(() => {
      slot.running = null;
    });
  }

  private async runLimited(job: Job, dueAt: number): Promise<void> {
    if (this.active >= this.maxConcurrent) await new Promise<void>((release) => this.waiting.push(release));
    if (this.stopped) return;
    this.active += 1;
    this.started += 1;
    this.options.onLag?.(job.id, this.options.clock.now() - dueAt);
    try {
      await job.run(dueAt);
    } catch {
      // A job reports its own failures; the schedule goes on.
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}
