import { describeError } from '../core/errors.ts';
import type { Clock } from '../core/ports.ts';
import type { DayPackState, RollupPackStore } from '../core/store.ts';
import { dayEndMs, daysBetween, lastPackableDay, SETTLE_MS } from '../store/rollup-packs.ts';

/**
 * Compaction: packs the hourly rollups of every closed day of every check and location into one item per
 * day (see lambdas/store/rollup-packs.ts), so a month report reads 30 items per check and location instead
 * of 720. The local runner runs it every hour, AWS once a day in the home region. Idempotent and
 * resumable: it packs the days that have no valid pack yet, and makes a provisional pack once more after
 * the day has settled; a run cut short by its deadline leaves the rest to the next.
 */

export interface CompactionOptions {
  /** Days looked at, back from the last closed day. @default 35 (a month report's month, and a few days) */
  readonly lookbackDays?: number;
  /** No pack is started at or after this epoch ms. @default no deadline */
  readonly deadlineMs?: number;
  /**
   * Only these checks (and heartbeats), by id: a check removed from the config keeps its history but gets
   * no more packs. @default every pair that ever reported
   */
  readonly checkIds?: ReadonlySet<string>;
  /** Stops it like the deadline (the runner stopping). @default never */
  readonly signal?: AbortSignal;
  /** Check/location pairs compacted at once. @default 4 */
  readonly concurrency?: number;
}

export interface CompactionSummary {
  /** Check/location pairs looked at. */
  readonly pairs: number;
  /** Days packed for the first time (or after a late increment made their pack stale). */
  readonly packed: number;
  /** Provisional packs made once more after their day settled. */
  readonly repacked: number;
  /** Days a late increment raced; they are packed on the next run. */
  readonly conflicts: number;
  /** Hourly rollups read into packs. */
  readonly hours: number;
  /** Pairs whose compaction failed (the store threw); the next run tries again. */
  readonly failedPairs: number;
  readonly lastError: string | null;
  /** The deadline (or the signal) came before every day was packed. */
  readonly stoppedEarly: boolean;
}

export const DEFAULT_LOOKBACK_DAYS = 35;

/** Packs what is due. Never throws for a store error: failed pairs are counted and the others go on. */
export async function compactRollups(store: RollupPackStore, clock: Clock, options: CompactionOptions = {}): Promise<CompactionSummary> {
  const lookbackDays = options.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  if (!(Number.isInteger(lookbackDays) && lookbackDays >= 1)) throw new RangeError(`lookbackDays must be a positive integer, got ${lookbackDays}`);
  const nowMs = clock.now();
  const toDay = lastPackableDay(nowMs);
  const earliest = new Date(dayEndMs(toDay) - lookbackDays * 86_400_000).toISOString().slice(0, 10);
  const totals = { packed: 0, repacked: 0, conflicts: 0, hours: 0, failedPairs: 0 };
  let lastError: string | null = null;
  let stoppedEarly = false;
  const pastDeadline = (): boolean => options.signal?.aborted === true || (options.deadlineMs !== undefined && clock.now() >= options.deadlineMs);

  const pairs = (await store.reportingPairs()).filter((p) => options.checkIds === undefined || options.checkIds.has(p.checkId));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const pair = pairs[next++] as (typeof pairs)[number];
      const firstDay = pair.firstSeenAt.slice(0, 10);
      const fromDay = firstDay > earliest ? firstDay : earliest;
      if (fromDay > toDay) continue;
      try {
        const states = new Map<string, DayPackState>(
          (await store.dayPackStates(pair.checkId, pair.location, fromDay, toDay)).map((state) => [state.day, state]),
        );
        for (const day of daysBetween(fromDay, toDay)) {
          const state = states.get(day);
          const repack = state?.valid === true && !state.final && nowMs >= dayEndMs(day) + SETTLE_MS;
          if (state?.valid === true && !repack) continue;
          if (pastDeadline()) {
            stoppedEarly = true;
            return;
          }
          const outcome = await store.packDay(pair.checkId, pair.location, day);
          totals.hours += outcome.hours;
          if (outcome.status === 'conflict') totals.conflicts += 1;
          else if (repack) totals.repacked += 1;
          else totals.packed += 1;
        }
      } catch (error) {
        totals.failedPairs += 1;
        lastError = `${pair.checkId}@${pair.location}: ${describeError(error)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.concurrency ?? 4), pairs.length) }, worker));
  return { pairs: pairs.length, ...totals, lastError, stoppedEarly };
}
