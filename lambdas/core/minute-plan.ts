import type { Check } from './check.ts';
import { MINUTE_MS } from './duration.ts';
import { CONTINUATION_LEAD_MS, CONTINUATION_WINDOW_MS, HANDOFF_MS } from './deployment.ts';
import { nextDueAt, spreadOffsetMs } from './schedule.ts';

/**
 * Sub-minute checks without paying Lambda to wait. EventBridge Scheduler invokes the probe once a minute;
 * instead of staying alive (and billed) until the last sub-minute run of the minute, the scheduled
 * invocation runs what is due now and soon, and hands the later parts of the minute to continuation
 * invocations: SQS messages with a delay, which the queue's event source mapping turns into invocations.
 *
 * The minute is cut into contiguous windows, so every due time belongs to exactly one invocation:
 * - the scheduled invocation owns [minute start, the first due time that follows a gap of HANDOFF_MS or
 *   more): waiting less than that in-process is cheaper than a continuation;
 * - each later window starts at a due time (`wakeAt`) and spans at least CONTINUATION_WINDOW_MS, then
 *   grows over due times less than HANDOFF_MS apart; it ends where the next window starts (or the minute
 *   ends). A minute has at most ⌈60 s / window⌉ continuations, whatever the number of checks.
 *
 * Pure: no clock, no AWS; the probe handler sends what this plans, and the cost model prices it.
 */


/** A part of one minute, [startMs, endMs), epoch ms. */
export interface DueWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** The due times of a check inside the minute holding `nowMs`, on its epoch-aligned grid. */
export function dueTimesInMinute(check: Pick<Check, 'id' | 'intervalMs'>, nowMs: number): number[] {
  const minuteStart = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const offset = spreadOffsetMs(check.id, check.intervalMs);
  const out: number[] = [];
  for (let t = nextDueAt(minuteStart - 1, check.intervalMs, offset); t < minuteStart + MINUTE_MS; t += check.intervalMs) out.push(t);
  // A check of a minute or more runs as soon as the invocation of its minute starts: waiting for its offset
  // inside the minute would keep the invocation alive, and billed, for nothing (EventBridge Scheduler already
  // fires at an arbitrary moment of the minute, and concurrency is bounded). Its grid still picks the minute.
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
  /** Epoch ms of the minute's start. */
  readonly minuteStartMs: number;
  /** Epoch ms of the window's first due time. */
  readonly wakeAtMs: number;
  /** Epoch ms the window ends (exclusive): the next window's wakeAt, or the minute's end. */
  readonly windowEndMs: number;
}

export interface ContinuationPlanOptions {
  readonly nowMs: number;
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
  /** Whole seconds (SQS DelaySeconds), rounded down so the message arrives early, never late. */
  readonly delaySeconds: number;
}

export interface MinutePlan {
  /** What the scheduled invocation runs itself. */
  readonly owned: DueWindow;
  readonly continuations: readonly PlannedContinuation[];
}

/** Every due time of `checks` in the minute holding `nowMs`, sorted, without repeats. */
export function dueTimesOfMinute(checks: readonly Pick<Check, 'id' | 'intervalMs'>[], nowMs: number): number[] {
  return [...new Set(checks.flatMap((c) => dueTimesInMinute(c, nowMs)))].sort((a, b) => a - b);
}

/** How the scheduled invocation of the minute holding `options.nowMs` splits the minute. */
export function planMinute(checks: readonly Pick<Check, 'id' | 'intervalMs'>[], options: ContinuationPlanOptions): MinutePlan {
  const handoff = options.handoffMillis ?? HANDOFF_MS;
  const span = options.windowMillis ?? CONTINUATION_WINDOW_MS;
  const lead = options.leadMillis ?? CONTINUATION_LEAD_MS;
  const { nowMs } = options;
  const minuteStartMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const minuteEndMs = minuteStartMs + MINUTE_MS;
  const later = dueTimesOfMinute(checks, nowMs).filter((t) => t > nowMs);

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
    delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.floor((wakeAtMs - lead - nowMs) / 1000))),
  }));
  return { owned, continuations };
}

