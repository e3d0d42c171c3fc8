import type { Check } from './check.ts';
import { MINUTE_MS } from './duration.ts';
import { CONTINUATION_LEAD_MS, CONTINUATION_WINDOW_MS, HANDOFF_MS } from './deployment.ts';
import { nextDueAt, spreadOffsetMs } from './schedule.ts';

/**
 * What one scheduled probe invocation owns, and how it hands the sub-minute part on without paying Lambda
 * to wait. EventBridge Scheduler invokes the probe once a minute per shard, with 60-second precision: the
 * invocation scheduled for minute T arrives at any second of [T, T + 60 s). So:
 * - checks of a minute or more that are due in minute T run as soon as the invocation starts (their
 *   metric datums are stamped T, so a late start still lands in its own alarm period, once);
 * - the sub-minute due times it owns are those of the NEXT minute, [T + 60 s, T + 120 s): all still ahead
 *   of it whatever second it arrived at, and the next invocation owns the minute after. The spans chain
 *   without gap or overlap, so no run is lost to a late firing second and none runs twice.
 * It runs the sub-minute due times that follow its start by gaps shorter than HANDOFF_MS itself (waiting
 * that little in-process is cheaper than a continuation), and hands the rest of that minute to
 * continuation invocations: SQS messages with a delay, which the queue's event source mapping turns into
 * invocations. The minute is cut into contiguous windows, each due time in exactly one:
 * - the scheduled invocation owns [span start, the first due time that follows a gap of HANDOFF_MS or
 *   more), which is empty unless it arrived in the last HANDOFF_MS of minute T;
 * - each later window starts at a due time (`wakeAt`) and spans at least CONTINUATION_WINDOW_MS, then
 *   grows over due times less than HANDOFF_MS apart; it ends where the next window starts (or the minute
 *   ends). A minute has at most ⌈60 s / window⌉ continuations, whatever the number of checks.
 * In AWS every sub-minute check runs at the start of each of its intervals (k × interval, epoch aligned;
 * the allowed sub-minute intervals divide the minute): the due times of a shard's sub-minute checks then
 * fall on a few shared instants, so a minute needs one continuation per instant (2 for 30 s checks, 6 for
 * 10 s ones) instead of one per check's own offset (up to 12). The local runner spreads them instead
 * (lambdas/local/scheduler.ts): it pays nothing to wait.
 *
 * Pure: no clock, no AWS; the probe handler sends what this plans, and the cost model prices it.
 */

/** Epoch ms of the start of the minute holding `t`. */
export function minuteStartOf(t: number): number {
  return Math.floor(t / MINUTE_MS) * MINUTE_MS;
}

/** The minute whose sub-minute due times the invocation scheduled for minute `nominalMinuteMs` owns: the next one. */
export function subMinuteSpanOf(nominalMinuteMs: number): number {
  return minuteStartOf(nominalMinuteMs) + MINUTE_MS;
}

/** A part of one minute, [startMs, endMs), epoch ms. */
export interface DueWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The due times of a check inside the minute holding `nowMs`, on its AWS grid: a check of a minute or more
 * is due at the minute's start when its grid (k × interval + its spread offset, so checks of 5 minutes do
 * not all fall in the same minute) has a point in the minute; a sub-minute check at every k × interval.
 */
export function dueTimesInMinute(check: Pick<Check, 'id' | 'intervalMs'>, nowMs: number): number[] {
  const minuteStart = minuteStartOf(nowMs);
  const offset = check.intervalMs >= MINUTE_MS ? spreadOffsetMs(check.id, check.intervalMs) : 0;
  const out: number[] = [];
  for (let t = nextDueAt(minuteStart - 1, check.intervalMs, offset); t < minuteStart + MINUTE_MS; t += check.intervalMs) out.push(t);
  // A check of a minute or more runs as soon as the invocation of its minute starts: waiting for its offset
  // inside the minute would keep the invocation alive, and billed, for nothing. Its grid still picks the minute.
  if (check.intervalMs >= MINUTE_MS) return out.length > 0 ? [minuteStart] : [];
  return out;
}

/** SQS refuses a DelaySeconds above 15 minutes; a continuation never needs more than a minute. */
const MAX_DELAY_SECONDS = 900;

/** The body of a continuation message: the part of one minute one invocation runs. */
export interface ContinuationEvent {
  readonly kind: 'continuation';
  /** The shard of the scheduled invocation that sent it. */
  readonly shard: number;
  readonly shards: number;
  /** Epoch ms of the start of the minute the window is in. */
  readonly minuteStartMs: number;
  /** Epoch ms of the window's first due time. */
  readonly wakeAtMs: number;
  /** Epoch ms the window ends (exclusive): the next window's wakeAt, or the minute's end. */
  readonly windowEndMs: number;
}

export interface ContinuationPlanOptions {
  /** When the scheduled invocation plans (its start). */
  readonly nowMs: number;
  /** The minute (a minute boundary, epoch ms) whose sub-minute due times are planned: `subMinuteSpanOf` its nominal minute. */
  readonly minuteStartMs: number;
  readonly shard: number;
  readonly shards: number;
  /** Gaps shorter than this are waited in-process. @default HANDOFF_MS */
  readonly handoffMillis?: number;
  /** Smallest span of a continuation's window. @default CONTINUATION_WINDOW_MS */
  readonly windowMillis?: number;
  /** How long before its wakeAt a continuation should arrive. @default CONTINUATION_LEAD_MS */
  readonly leadMillis?: number;
}

export interface PlannedContinuation {
  readonly event: ContinuationEvent;
  /**
   * Whole seconds (SQS DelaySeconds), rounded up: the message arrives on its first due time or up to a second after
   * (plus the poller's latency), so no invocation waits, billed, for its runs; they are stamped with their due times.
   */
  readonly delaySeconds: number;
}

export interface MinutePlan {
  /** The sub-minute due times the scheduled invocation runs itself (empty when it arrived early enough to hand them all off). */
  readonly owned: DueWindow;
  readonly continuations: readonly PlannedContinuation[];
}

/** Every sub-minute due time of `checks` in the minute holding `t`, sorted, without repeats (checks of a minute or more are left out). */
export function subMinuteDueTimes(checks: readonly Pick<Check, 'id' | 'intervalMs'>[], t: number): number[] {
  return [...new Set(checks.filter((c) => c.intervalMs < MINUTE_MS).flatMap((c) => dueTimesInMinute(c, t)))].sort((a, b) => a - b);
}

/** How a scheduled invocation starting at `options.nowMs` splits the sub-minute due times of the minute `options.minuteStartMs`. */
export function planMinute(checks: readonly Pick<Check, 'id' | 'intervalMs'>[], options: ContinuationPlanOptions): MinutePlan {
  const handoff = options.handoffMillis ?? HANDOFF_MS;
  const span = options.windowMillis ?? CONTINUATION_WINDOW_MS;
  const lead = options.leadMillis ?? CONTINUATION_LEAD_MS;
  const { nowMs, minuteStartMs } = options;
  if (minuteStartMs % MINUTE_MS !== 0) throw new RangeError(`planMinute needs a minute boundary, got ${minuteStartMs}`);
  const minuteEndMs = minuteStartMs + MINUTE_MS;
  const later = subMinuteDueTimes(checks, minuteStartMs).filter((t) => t > nowMs);

  // The scheduled invocation keeps every due time reached through gaps shorter than the handoff.
  let i = 0;
  let last = nowMs;
  while (i < later.length && (later[i] as number) - last < handoff) last = later[i++] as number;
  const wakes: number[] = [];
  while (i < later.length) {
    const wakeAt = later[i] as number;
    wakes.push(wakeAt);
    let end = wakeAt + span;
    let lastDue = wakeAt;
    i++;
    while (i < later.length && ((later[i] as number) < end || (later[i] as number) - lastDue < handoff)) {
      lastDue = later[i++] as number;
      end = Math.max(end, lastDue);
    }
  }
  const owned: DueWindow = { startMs: minuteStartMs, endMs: wakes[0] ?? minuteEndMs };
  const continuations = wakes.map((wakeAtMs, k): PlannedContinuation => ({
    event: { kind: 'continuation', shard: options.shard, shards: options.shards, minuteStartMs, wakeAtMs, windowEndMs: wakes[k + 1] ?? minuteEndMs },
    delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((wakeAtMs - lead - nowMs) / 1000))),
  }));
  return { owned, continuations };
}
