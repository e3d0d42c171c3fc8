import { formatDuration } from './duration.ts';
import { HEALTHY_CHECKER_SHARE, normalizeDnsName } from './failover.ts';

/**
 * A failover drill, as pure logic: what one poll observed, which side an answer points to, when each phase
 * is reached, whether the drill passed against the service's RTO, and the record and report of it. The
 * `drill` command (lambdas/cli/commands/drill.ts) does the I/O and the waiting; it feeds observations in.
 *
 * Phases: preflight → failover (Inverted set on the primary's health check, until DNS answers with the
 * secondary and the secondary passes a check) → fail-back (Inverted cleared, until DNS answers with the
 * primary and the primary passes a check).
 */

export const DRILL_PHASES = ['preflight', 'failover', 'failback'] as const;
export type DrillPhase = (typeof DRILL_PHASES)[number];

/** passed/failed: both phases completed, within the RTO or not; aborted: stopped before it completed. */
export const DRILL_OUTCOMES = ['passed', 'failed', 'aborted'] as const;
export type DrillOutcome = (typeof DRILL_OUTCOMES)[number];

export type Side = 'primary' | 'secondary';
/** What one DNS answer points at. `other`: neither side's values; `none`: no answer (or an error). */
export type AnswerSide = Side | 'other' | 'none';
export type ReportedHealth = 'healthy' | 'unhealthy' | 'unknown';

/** The health Route 53 reports for a health check, from GetHealthCheckStatus's checker observations. */
export interface HealthReading {
  readonly health: ReportedHealth;
  /** Share of checker observations that report success, 0..1; null without observations. */
  readonly healthyShare: number | null;
  readonly observations: number;
}

/**
 * Checker observations say what each checker saw of the endpoint ("Success: HTTP Status Code 200 ...",
 * "Failure: ..."); Route 53 counts the endpoint healthy while more than 18% of them report success, and an
 * inverted health check reports the opposite of that.
 */
export function healthFromObservations(statuses: readonly string[], inverted: boolean): HealthReading {
  if (statuses.length === 0) return { health: 'unknown', healthyShare: null, observations: 0 };
  const healthy = statuses.filter((s) => /^success\b/i.test(s.trim())).length;
  const share = healthy / statuses.length;
  const endpointHealthy = share > HEALTHY_CHECKER_SHARE;
  return { health: endpointHealthy !== inverted ? 'healthy' : 'unhealthy', healthyShare: share, observations: statuses.length };
}

/** Answers compared as DNS compares them: case-insensitive, without a trailing dot. */
export function answerSide(answers: readonly string[] | null, primary: readonly string[], secondary: readonly string[]): AnswerSide {
  if (answers === null || answers.length === 0) return 'none';
  const norm = (list: readonly string[]) => new Set(list.map(normalizeDnsName));
  const got = [...norm(answers)];
  const p = norm(primary);
  const s = norm(secondary);
  const inP = got.some((a) => p.has(a));
  const inS = got.some((a) => s.has(a));
  // An alias answers with a changing subset of the target's addresses: any overlap with one side only counts.
  if (inS && !inP) return 'secondary';
  if (inP && !inS) return 'primary';
  return 'other';
}

/** One poll during a phase. */
export interface DrillObservation {
  /** Epoch ms of the poll. */
  readonly atMs: number;
  /** Route 53's own answer (TestDNSAnswer). */
  readonly route53: AnswerSide;
  /** The answer of a real resolver: what users get. */
  readonly resolver: AnswerSide;
  /** Health Route 53 reports for the primary's health check. */
  readonly primaryHealth: ReportedHealth;
}

/** Where a phase has got to; the command keeps one and folds every observation into it. */
export interface PhaseProgress {
  /** The side DNS must answer with at the end of the phase. */
  readonly expect: Side;
  /** Epoch ms the phase began (Inverted set, or cleared). */
  readonly startedAtMs: number;
  /** First poll at which Route 53 noticed: the health check reports the expected health, or its answer switched. */
  readonly detectedAtMs: number | null;
  /** First poll at which both answers point at the expected side and a check against it passed. */
  readonly completedAtMs: number | null;
  /** The last observation, for messages. */
  readonly last: DrillObservation | null;
}

export function startPhase(expect: Side, startedAtMs: number): PhaseProgress {
  return { expect, startedAtMs, detectedAtMs: null, completedAtMs: null, last: null };
}

/** The phase after one more observation. Detection is recorded once, and never after completion. */
export function observe(progress: PhaseProgress, o: DrillObservation): PhaseProgress {
  if (progress.completedAtMs !== null) return progress;
  const wantHealth: ReportedHealth = progress.expect === 'secondary' ? 'unhealthy' : 'healthy';
  const detected = progress.detectedAtMs ?? (o.primaryHealth === wantHealth || o.route53 === progress.expect ? o.atMs : null);
  return { ...progress, detectedAtMs: detected, last: o };
}

/** Both answers point at the expected side: time to run the check against it. */
export function dnsSwitched(progress: PhaseProgress, o: DrillObservation): boolean {
  return o.route53 === progress.expect && o.resolver === progress.expect;
}

/** The check against the expected side passed at `atMs` (after `dnsSwitched`): the phase is complete. */
export function complete(progress: PhaseProgress, atMs: number): PhaseProgress {
  return { ...progress, detectedAtMs: progress.detectedAtMs ?? atMs, completedAtMs: atMs };
}

export interface PhaseTimes {
  /** Inverted set (or cleared) → Route 53 reports the health check's new status. */
  readonly detectMs: number | null;
  /** Inverted set (or cleared) → both Route 53 and the resolver answer with the other side, which passes a check. */
  readonly switchMs: number | null;
}

export function phaseTimes(progress: PhaseProgress | null): PhaseTimes {
  if (progress === null) return { detectMs: null, switchMs: null };
  return {
    detectMs: progress.detectedAtMs === null ? null : progress.detectedAtMs - progress.startedAtMs,
    switchMs: progress.completedAtMs === null ? null : progress.completedAtMs - progress.startedAtMs,
  };
}

/** A drill as stored (home region table) and printed with `--json`. */
export interface DrillRecord {
  readonly id: string;
  readonly service: string;
  readonly project: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly outcome: DrillOutcome;
  /** Why it failed or was aborted; null when it passed. */
  readonly reason: string | null;
  readonly rtoSeconds: number;
  readonly failover: PhaseTimes;
  readonly failback: PhaseTimes;
  /** Inverted was cleared again (false only when reverting failed: see `revertCommand`). */
  readonly reverted: boolean;
  /** The inverted health check. */
  readonly healthCheckId: string;
  /** The resolver the drill asked, "host:port", or "system". */
  readonly resolver: string;
  /** Polls made in both phases. */
  readonly polls: number;
}

export interface DrillVerdict {
  readonly outcome: DrillOutcome;
  readonly reason: string | null;
}

/**
 * Passed when both phases completed and each switch took at most the RTO; failed when one took longer;
 * aborted when the drill stopped early (`stoppedBecause`) or a phase never completed.
 */
export function drillVerdict(failover: PhaseTimes, failback: PhaseTimes, rtoSeconds: number, stoppedBecause: string | null): DrillVerdict {
  if (stoppedBecause !== null) return { outcome: 'aborted', reason: stoppedBecause };
  if (failover.switchMs === null) return { outcome: 'aborted', reason: 'the failover never completed' };
  if (failback.switchMs === null) return { outcome: 'aborted', reason: 'the fail-back never completed' };
  const rtoMs = rtoSeconds * 1000;
  const late: string[] = [];
  if (failover.switchMs > rtoMs) late.push(`failover took ${formatDuration(failover.switchMs)}`);
  if (failback.switchMs > rtoMs) late.push(`fail-back took ${formatDuration(failback.switchMs)}`);
  if (late.length > 0) return { outcome: 'failed', reason: `${late.join(' and ')}, over the rto of ${formatDuration(rtoMs)}` };
  return { outcome: 'passed', reason: null };
}

/** The AWS CLI command that clears Inverted by hand, printed when the drill could not. */
export function revertCommand(healthCheckId: string): string {
  return `aws route53 update-health-check --health-check-id ${healthCheckId} --no-inverted`;
}

/** The report printed at the end of a drill. */
export function formatDrillReport(r: DrillRecord): string[] {
  const t = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
  const verdict = r.outcome === 'passed' ? 'PASSED' : r.outcome === 'failed' ? 'FAILED' : 'ABORTED';
  return [
    `drill ${r.id} of ${r.service}: ${verdict}${r.reason === null ? '' : ` (${r.reason})`}`,
    `  rto                ${formatDuration(r.rtoSeconds * 1000)}`,
    `  failover           detected after ${t(r.failover.detectMs)}, complete after ${t(r.failover.switchMs)}`,
    `  fail-back          detected after ${t(r.failback.detectMs)}, complete after ${t(r.failback.switchMs)}`,
    `  health check       ${r.healthCheckId} (${r.reverted ? 'Inverted cleared' : 'STILL INVERTED'})`,
    `  resolver           ${r.resolver}, ${r.polls} polls, ${r.startedAt} to ${r.endedAt}`,
  ];
}

/** One line per drill, newest first, for `drill history`. */
export function formatDrillHistory(records: readonly DrillRecord[]): string[] {
  if (records.length === 0) return ['no drills recorded'];
  const t = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
  const rows = records.map((r) => [r.startedAt, r.service, r.outcome, t(r.failover.switchMs), t(r.failback.switchMs), formatDuration(r.rtoSeconds * 1000), r.reason ?? '']);
  const header = ['STARTED', 'SERVICE', 'OUTCOME', 'FAILOVER', 'FAIL-BACK', 'RTO', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
