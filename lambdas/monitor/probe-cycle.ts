import type { Check } from '../core/check.ts';
import { INVOCATION_CONCURRENCY, RUN_MARGIN_MS, worstCaseRunMs } from '../core/deployment.ts';
import { describeError, type ProbeError } from '../core/errors.ts';
import { MINUTE_MS } from '../core/duration.ts';
import type { Clock } from '../core/ports.ts';
import type { ProbeResult } from '../core/result.ts';
import type { ResultsStore, WriteReport } from '../core/store.ts';
import type { ProbeContext } from '../engine/context.ts';
import { runCheck } from '../engine/run-check.ts';
import { displayTarget } from '../local/check-monitor.ts';
import { dueTimesInMinute, type DueWindow } from '../core/minute-plan.ts';
import { resultLogLine } from '../core/result-log.ts';

/**
 * One probe cycle: the runs of one minute in one location, then their results stored and their metrics
 * sent. The AWS probe handler calls it once per scheduled invocation.
 *
 * What an invocation runs is given by the handler (lambdas/core/minute-plan.ts): the checks of a minute or
 * more due in one minute (`minuteMs`: the scheduled invocation's nominal minute; they run at once), and the
 * sub-minute due times inside `windows` (at their time). A run never starts unless its worst case (every
 * attempt timing out, plus the pauses between attempts and `marginMs` for the writes) ends before the
 * deadline: a sub-minute run due too late for that is moved earlier, to the last moment that still fits,
 * and only when even that is impossible is it skipped. Runs that start together go longest worst case
 * first (each must start early enough to finish: the earliest latest-start first), which is also the
 * order `shardsFor` assumes when it sizes the shards. Skipped runs are counted, never silent.
 */

/** Where the cycle's metrics go (CloudWatch in AWS). Called once per cycle, also when the cycle failed. */
export interface ProbeMetricsSink {
  putCycle(cycle: CycleMetrics): Promise<void>;
}

/** One run of the cycle as the metrics see it: its result, the grid time it was due at and the check's interval. */
export interface MeasuredRun {
  readonly result: ProbeResult;
  /** Epoch ms the schedule grid put the run at (its metric datums are stamped with it). */
  readonly dueAtMs: number;
  readonly intervalMs: number;
}

export interface CycleMetrics {
  readonly location: string;
  /** Every run of the cycle, failed ones included; empty when nothing ran. */
  readonly runs: readonly MeasuredRun[];
  readonly skippedRuns: number;
  /** Epoch ms the cycle ended: the time of the SkippedRuns datum. */
  readonly atMs: number;
  /**
   * The scheduled minute this invocation reports its location alive for (its nominal minute), so each shard
   * puts exactly one "alive" datum in each minute's period whatever second it fired at; null for a continuation,
   * which reports nothing (a region whose schedules stopped is silent even if continuations still arrive).
   */
  readonly aliveAtMs: number | null;
}

export interface ProbeCycleInput {
  readonly checks: readonly Check[];
  readonly ctx: ProbeContext;
  readonly store: ResultsStore;
  readonly metrics: ProbeMetricsSink;
  readonly clock: Clock;
  /** Epoch ms by which everything, writes included, must be done. */
  readonly deadlineMs: number;
  /**
   * Where the cycle's lines go (stdout in Lambda): one `resultLogLine` per result as it is produced, which
   * the per-check dashboards query with Logs Insights, and a note when due runs were skipped.
   */
  readonly log: (line: string) => void;
  /**
   * Checks that cannot run here now (a secret they need is missing), by id: each of their due runs
   * becomes a failed result with this error, without touching the network. @default none
   */
  readonly unrunnable?: ReadonlyMap<string, ProbeError>;
  /** Runs in flight at once. @default INVOCATION_CONCURRENCY */
  readonly concurrency?: number;
  /** Time kept after the last run for writing results and metrics. @default 2000 */
  readonly marginMs?: number;
  /** Waits before a run is due. @default a timer */
  readonly wait?: (ms: number) => Promise<void>;
  /** The minute (epoch ms, a minute boundary) whose checks of a minute or more run here; null: none (a continuation). */
  readonly minuteMs: number | null;
  /** Where the sub-minute due times that run here lie (the others belong to other invocations). */
  readonly windows: readonly DueWindow[];
  /** See `CycleMetrics.aliveAtMs`. */
  readonly aliveAtMs: number | null;
}

export interface ProbeCycleSummary {
  /** Results produced (failed ones and those of unrunnable checks included). */
  readonly ran: number;
  /** Due runs not started: no time left before the deadline, or the check's previous run still going. */
  readonly skipped: number;
  /** Results that were not ok. */
  readonly failed: number;
  /** Store items written (raw results, rollup updates, location markers). */
  readonly written: number;
  /** Store items kept in the outbox for the next invocation. */
  readonly pendingWrites: number;
  /** Why some store writes did not go through; null when all did. */
  readonly writeError: string | null;
}

export const DEFAULT_MARGIN_MS = RUN_MARGIN_MS;
/** A run moved earlier starts this long before its last possible moment, so dispatch delays do not push it past. */
export const MOVED_START_SLACK_MS = 500;

export { dueTimesInMinute, worstCaseRunMs, type DueWindow };

export interface PlannedRun {
  readonly check: Check;
  /** Epoch ms the grid puts the run at. */
  readonly dueAt: number;
  /** Epoch ms it will start: the due time, or earlier when that would end past the deadline, or now when late. */
  readonly startAt: number;
}

export interface SkippedRun {
  readonly checkId: string;
  readonly dueAt: number;
  /**
   * missed: an earlier due time this invocation started too late for; deadline: no time left to finish;
   * stale: due in a minute that is already over (a continuation delivered that late runs nothing).
   */
  readonly reason: 'missed' | 'deadline' | 'stale';
}

export interface PlanOptions {
  readonly nowMs: number;
  readonly deadlineMs: number;
  readonly marginMs: number;
  /** The context's pause between attempts. */
  readonly retryDelayMs: number;
  readonly unrunnable?: ReadonlyMap<string, unknown>;
  /** The minute whose checks of a minute or more run now; null: none. */
  readonly minuteMs: number | null;
  /** Only sub-minute due times inside these windows are planned. */
  readonly windows: readonly DueWindow[];
}


/** The due times of a check inside `windows` (each inside one minute), sorted. */
export function dueTimesInWindows(check: Pick<Check, 'id' | 'intervalMs'>, windows: readonly DueWindow[]): number[] {
  const out = new Set<number>();
  for (const w of windows) for (const t of dueTimesInMinute(check, w.startMs)) if (t >= w.startMs && t < w.endMs) out.add(t);
  return [...out].sort((a, b) => a - b);
}

/**
 * The runs of the invocation, sorted by start time, then longest worst case first. A check of a minute or
 * more due in `minuteMs` runs now, however late the invocation (its datums are stamped with its minute).
 * Sub-minute due times already past collapse into one run now (a late invocation does not fire a burst);
 * those of a minute already over are skipped as stale; a run due too late to finish starts at the last
 * moment that fits; at most one run per check is moved that way, the others are skipped.
 */
export function planProbeRuns(checks: readonly Check[], options: PlanOptions): { runs: PlannedRun[]; skipped: SkippedRun[] } {
  const { nowMs, deadlineMs, marginMs } = options;
  const runs: PlannedRun[] = [];
  const skipped: SkippedRun[] = [];
  const worstOf = (check: Check): number => (options.unrunnable?.has(check.id) ? 0 : worstCaseRunMs(check, options.retryDelayMs));
  for (const check of checks) {
    const worst = worstOf(check);
    const latestStart = deadlineMs - worst - marginMs;
    if (check.intervalMs >= MINUTE_MS) {
      const due = options.minuteMs === null ? [] : dueTimesInMinute(check, options.minuteMs);
      for (const dueAt of due) {
        if (latestStart < nowMs) skipped.push({ checkId: check.id, dueAt, reason: 'deadline' });
        else runs.push({ check, dueAt, startAt: nowMs });
      }
      continue;
    }
    const minuteStart = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    const all = dueTimesInWindows(check, options.windows);
    for (const t of all) if (t < minuteStart) skipped.push({ checkId: check.id, dueAt: t, reason: 'stale' });
    const dues = all.filter((t) => t >= minuteStart);
    const past = dues.filter((t) => t <= nowMs);
    for (const t of past.slice(0, -1)) skipped.push({ checkId: check.id, dueAt: t, reason: 'missed' });
    const candidates = [...past.slice(-1), ...dues.filter((t) => t > nowMs)];
    let lastStart = -Infinity;
    for (const dueAt of candidates) {
      const startAt = Math.max(nowMs, dueAt <= latestStart ? dueAt : latestStart - MOVED_START_SLACK_MS);
      if (latestStart < nowMs || startAt <= lastStart) {
        skipped.push({ checkId: check.id, dueAt, reason: 'deadline' });
        continue;
      }
      runs.push({ check, dueAt, startAt });
      lastStart = startAt;
    }
  }
  runs.sort((a, b) => a.startAt - b.startAt || worstOf(b.check) - worstOf(a.check) || a.dueAt - b.dueAt || (a.check.id < b.check.id ? -1 : a.check.id > b.check.id ? 1 : 0));
  return { runs, skipped };
}

/** A result for a run that could not be attempted: failed, no time spent, no network touched. */
export function unrunnableResult(check: Check, location: string, startedAtMs: number, error: ProbeError): ProbeResult {
  return {
    checkId: check.id,
    type: check.type,
    location,
    startedAt: new Date(startedAtMs).toISOString(),
    ok: false,
    status: 'down',
    error,
    timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, downloadMs: null, totalMs: 0 },
    httpStatus: null,
    address: null,
    target: displayTarget(check),
    assertions: [],
    attempts: 0,
  };
}

const realWait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the minute's due checks, then stores the results and sends the metrics (the metrics even when something threw). */
export async function runProbeCycle(input: ProbeCycleInput): Promise<ProbeCycleSummary> {
  const { ctx, clock, deadlineMs, store, log } = input;
  const marginMs = input.marginMs ?? DEFAULT_MARGIN_MS;
  const wait = input.wait ?? realWait;
  const concurrency = Math.max(1, input.concurrency ?? INVOCATION_CONCURRENCY);
  const unrunnable = input.unrunnable ?? new Map<string, ProbeError>();

  const results: ProbeResult[] = [];
  const measured: MeasuredRun[] = [];
  const record = (run: PlannedRun) => (result: ProbeResult): void => {
    results.push(result);
    measured.push({ result, dueAtMs: run.dueAt, intervalMs: run.check.intervalMs });
    log(resultLogLine(result));
  };
  const plan = planProbeRuns(input.checks, {
    nowMs: clock.now(),
    deadlineMs,
    marginMs,
    retryDelayMs: ctx.retryDelayMs,
    unrunnable,
    minuteMs: input.minuteMs,
    windows: input.windows,
  });
  let skipped = plan.skipped.length;
  const errors: unknown[] = [];

  try {
    const inFlight = new Set<string>();
    const running = new Set<Promise<void>>();
    for (const run of plan.runs) {
      const delay = run.startAt - clock.now();
      if (delay > 0) await wait(delay);
      while (running.size >= concurrency) await Promise.race(running);
      const { check } = run;
      const error = unrunnable.get(check.id);
      const worst = error === undefined ? worstCaseRunMs(check, ctx.retryDelayMs) : 0;
      if (inFlight.has(check.id) || clock.now() + worst + marginMs > deadlineMs) {
        skipped += 1;
        continue;
      }
      if (error !== undefined) {
        record(run)(unrunnableResult(check, ctx.location, clock.now(), error));
        continue;
      }
      inFlight.add(check.id);
      const task: Promise<void> = runCheck(check, ctx)
        .then(record(run))
        // runCheck never throws; if it does (a bug), the other runs go on and the error is reported below.
        .catch((error: unknown) => void errors.push(error))
        .finally(() => {
          inFlight.delete(check.id);
          running.delete(task);
        });
      running.add(task);
    }
    await Promise.all(running);
  } catch (error) {
    // A bug in the dispatch itself: what ran is still written and the metrics still go out.
    errors.push(error);
  }

  const [written, sent] = await Promise.allSettled([
    store.recordResults(results),
    input.metrics.putCycle({ location: ctx.location, runs: measured, skippedRuns: skipped, atMs: clock.now(), aliveAtMs: input.aliveAtMs }),
  ]);
  let report: WriteReport | null = null;
  if (written.status === 'fulfilled') report = written.value;
  else errors.push(written.reason);
  if (sent.status === 'rejected') errors.push(sent.reason);

  const summary: ProbeCycleSummary = {
    ran: results.length,
    skipped,
    failed: results.filter((r) => !r.ok).length,
    written: report?.written ?? 0,
    pendingWrites: store.pendingWrites(),
    writeError: report?.lastError ?? (written.status === 'rejected' ? describeError(written.reason) : null),
  };
  if (errors.length > 0) throw new ProbeCycleError(summary, errors);
  if (summary.skipped > 0) {
    log(`probe cycle in ${ctx.location}: ${summary.skipped} due run(s) skipped (started late, no time left before the deadline, or the previous run still going)`);
  }
  return summary;
}

/** Something in the cycle threw (a store or metrics call, or a bug). Carries what the cycle still did. */
export class ProbeCycleError extends Error {
  override readonly name = 'ProbeCycleError';
  readonly summary: ProbeCycleSummary;
  readonly errors: readonly unknown[];
  constructor(summary: ProbeCycleSummary, errors: readonly unknown[]) {
    super(`probe cycle failed: ${errors.map(describeError).join('; ')}`, { cause: errors[0] });
    this.summary = summary;
    this.errors = errors;
  }
}

