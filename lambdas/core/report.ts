import type { MaintenanceWindow } from './check.ts';
import type { ProbeError } from './errors.ts';
import { histogramCount, histogramQuantile, mergeHistograms } from './histogram.ts';
import type { Histogram } from './histogram.ts';
import { maintenanceIntervals } from './maintenance.ts';
import { daysOf } from './report-month.ts';
import type { ReportMonth } from './report-month.ts';
import type { HourlyRollup, Incident } from './store.ts';

/**
 * The monthly uptime and SLO report: pure arithmetic over hourly rollups and incidents (never raw results).
 * The returned `MonthlyReport` is the `--format json` contract (see the README's "Reports" section).
 *
 * Definitions (all times UTC, intervals half-open):
 * - The period is the month; for the month in progress it ends at `nowMs` (`complete: false`).
 * - Downtime is what the alert policy declared: incident time, from `openedAt` (first failing run) to
 *   `closedAt`, or to the period's end while still open, clipped to the period.
 * - Planned downtime: planned incidents, and the parts of unplanned incidents inside a maintenance window
 *   of the check. Unplanned downtime is the rest. Only unplanned downtime counts against uptime and the
 *   error budget.
 * - uptimePercent = 100 × (period − unplanned downtime) / period. Null when the check had no runs in the
 *   period and no incident: there is no data.
 * - Per-location uptime = 100 × (runs − failedRuns) / runs from the rollups (runs, not the rule).
 * - Error budget = (1 − target) × the whole month, also for the month in progress (the budget is the
 *   month's; "left" is what remains for the rest of it). `met` ⇔ unplanned downtime ≤ budget, so for a
 *   finished month `met` ⇔ uptime ≥ target, and for the month in progress "still within budget".
 * - MTTR: mean of closedAt − openedAt (whole durations, not clipped) of the unplanned incidents that
 *   closed in the period. Time to detect: detectedAt − openedAt of the unplanned incidents opened in the
 *   period whose detection time is known.
 * - Latency quantiles come from the merged log-bucket histograms (within ~9% of exact).
 */

export const REPORT_SCHEMA_VERSION = 1;

/** What a report covers of a check (or of anything else that has rollups and incidents, like a heartbeat). */
export interface ReportSubject {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  /** Availability target in percent. */
  readonly sloPercent: number;
  /** A heartbeat: a job that reports in (`backup`: its pings are AWS Backup jobs). @default a check */
  readonly job?: { readonly backup: boolean };
}

export interface SubjectData {
  readonly subject: ReportSubject;
  /** Rollups of the period (others are ignored). */
  readonly rollups: readonly HourlyRollup[];
  /** Incidents of the check overlapping the period (others are ignored). */
  readonly incidents: readonly Incident[];
}

export interface ReportInput {
  readonly project: string;
  readonly month: ReportMonth;
  /** Report time, epoch ms: ends the period of the month in progress. */
  readonly nowMs: number;
  readonly subjects: readonly SubjectData[];
  readonly maintenance: readonly MaintenanceWindow[];
  /** An hour counts as fast when its p95 is under this. @default 2000 */
  readonly fastP95Millis?: number;
}

export interface LatencyFigures {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface LocationFigures {
  readonly location: string;
  readonly runs: number;
  readonly failedRuns: number;
  /** By runs: 100 × (runs − failedRuns) / runs; null without runs. */
  readonly uptimePercent: number | null;
  readonly latencyMs: LatencyFigures;
}

export interface DayFigures {
  /** `yyyy-mm-dd` (UTC) */
  readonly date: string;
  /** By the rule (unplanned downtime of the day, over the day or its elapsed part); null when the day had no runs and no downtime. */
  readonly uptimePercent: number | null;
  readonly unplannedDowntimeSeconds: number;
  readonly plannedDowntimeSeconds: number;
  readonly runs: number;
  readonly failedRuns: number;
  readonly latencyMs: LatencyFigures;
}

export interface ReportIncident {
  readonly id: string;
  readonly openedAt: string;
  readonly detectedAt: string | null;
  readonly closedAt: string | null;
  readonly planned: boolean;
  /** closedAt − openedAt; null while open. */
  readonly durationSeconds: number | null;
  /** Downtime inside the period (clipped; an open incident counts to the period's end). */
  readonly inPeriodSeconds: number;
  readonly failingLocations: readonly string[];
  readonly firstError: ProbeError | null;
  readonly rootCause: string | null;
  readonly correctiveAction: string | null;
}

/** The runs of a heartbeat's job: what "did the backups run?" reads. From the rollups. */
export interface JobFigures {
  /** The job is AWS Backup jobs of the heartbeat's vaults or plans. */
  readonly backup: boolean;
  /** Success pings (completed backup jobs). */
  readonly succeeded: number;
  /** Fail pings (failed, aborted or expired backup jobs). */
  readonly failed: number;
  /** Deadlines that passed with no ping. */
  readonly missed: number;
  /** 100 × succeeded / (succeeded + failed + missed); null when there were none. */
  readonly successPercent: number | null;
}

export interface SloFigures {
  /** The check's target, percent. */
  readonly target: number;
  /** uptimePercent; null without data. */
  readonly actual: number | null;
  /** Unplanned downtime within the month's error budget; null without data. */
  readonly met: boolean | null;
  /** (1 − target) × the month. */
  readonly errorBudgetSeconds: number;
  readonly errorBudgetUsedSeconds: number | null;
  /** Negative when overspent; null without data. */
  readonly errorBudgetLeftSeconds: number | null;
  readonly errorBudgetUsedPercent: number | null;
}

export interface CheckReport {
  readonly checkId: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly uptimePercent: number | null;
  /** Counting planned downtime as down too. */
  readonly uptimeIncludingPlannedPercent: number | null;
  /** Unplanned incidents overlapping the period. */
  readonly incidentCount: number;
  readonly plannedIncidentCount: number;
  readonly unplannedDowntimeSeconds: number;
  readonly plannedDowntimeSeconds: number;
  /** Null when no unplanned incident closed in the period. */
  readonly mttrSeconds: number | null;
  /** Null when no unplanned incident opened in the period with a known detection time. */
  readonly timeToDetect: { readonly meanSeconds: number; readonly maxSeconds: number } | null;
  /** The unplanned incident with the most downtime in the period; null when none. */
  readonly longestIncident: { readonly id: string; readonly openedAt: string; readonly inPeriodSeconds: number } | null;
  readonly runs: number;
  readonly failedRuns: number;
  /** Every location merged; null figures without runs. */
  readonly latencyMs: LatencyFigures;
  /** Percent of the hours with runs whose p95 (every location merged) was under `fastP95Millis`; null without runs. */
  readonly fastHoursPercent: number | null;
  /** Heartbeats only (null for checks): the job's runs and success rate. */
  readonly jobs: JobFigures | null;
  readonly slo: SloFigures;
  readonly locations: readonly LocationFigures[];
  readonly daily: readonly DayFigures[];
  /** Every incident overlapping the period, oldest first, planned ones included. */
  readonly incidents: readonly ReportIncident[];
}

export interface ReportOverview {
  readonly checks: number;
  /** Checks with runs or incidents in the period. */
  readonly checksWithData: number;
  readonly checksMeetingSlo: number;
  readonly checksMissingSlo: number;
  readonly incidentCount: number;
  readonly unplannedDowntimeSeconds: number;
  readonly plannedDowntimeSeconds: number;
  /** The check with the lowest uptime; null when no check has data. */
  readonly lowestUptime: { readonly checkId: string; readonly uptimePercent: number } | null;
}

export interface MonthlyReport {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  readonly project: string;
  /** `yyyy-mm` */
  readonly month: string;
  /** ISO, the 1st at 00:00 UTC. */
  readonly periodStart: string;
  /** ISO: the next month's 1st, or the report time for the month in progress. */
  readonly periodEnd: string;
  /** False for the month in progress. */
  readonly complete: boolean;
  readonly periodSeconds: number;
  readonly monthSeconds: number;
  readonly generatedAt: string;
  readonly fastP95Millis: number;
  readonly overview: ReportOverview;
  /** In the order given. */
  readonly checks: readonly CheckReport[];
}

/** A report for a month that has not begun yet. */
export class FutureMonthError extends Error {
  override readonly name = 'FutureMonthError';
}

const DAY_MS = 86_400_000;
const PPM = 1_000_000;

export function buildMonthlyReport(input: ReportInput): MonthlyReport {
  const { month, nowMs } = input;
  if (nowMs <= month.startMs) throw new FutureMonthError(`month ${month.key} has not begun yet`);
  const period: Interval = { startMs: month.startMs, endMs: Math.min(month.endMs, nowMs) };
  const fastP95Millis = input.fastP95Millis ?? 2000;
  const checks = input.subjects.map((s) => checkReport(s, input, period, fastP95Millis));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    project: input.project,
    month: month.key,
    periodStart: new Date(period.startMs).toISOString(),
    periodEnd: new Date(period.endMs).toISOString(),
    complete: period.endMs === month.endMs,
    periodSeconds: seconds(period.endMs - period.startMs),
    monthSeconds: seconds(month.endMs - month.startMs),
    generatedAt: new Date(nowMs).toISOString(),
    fastP95Millis,
    overview: overviewOf(checks),
    checks,
  };
}

function checkReport(data: SubjectData, input: ReportInput, period: Interval, fastP95Millis: number): CheckReport {
  const { subject } = data;
  const periodMs = period.endMs - period.startMs;
  const monthMs = input.month.endMs - input.month.startMs;
  const incidents = data.incidents
    .filter((i) => i.checkId === subject.id)
    .flatMap((incident) => {
      const interval = incidentInterval(incident, period);
      return interval === null ? [] : [{ incident, interval }];
    });
  incidents.sort((a, b) => a.interval.startMs - b.interval.startMs || compare(a.incident.id, b.incident.id));
  const rollups = data.rollups.filter((r) => {
    const hourMs = hourStartMs(r.hour);
    return hourMs >= period.startMs && hourMs < period.endMs;
  });

  const split = splitDowntime(
    incidents.filter((x) => !x.incident.planned).map((x) => x.interval),
    incidents.filter((x) => x.incident.planned).map((x) => x.interval),
    maintenanceIntervals(input.maintenance, subject, period.startMs, period.endMs),
  );
  const unplannedMs = totalMs(split.unplanned);
  const plannedMs = totalMs(split.planned);
  const runs = sum(rollups, (r) => r.runs);
  const failedRuns = sum(rollups, (r) => r.failedRuns);
  const hasData = runs > 0 || incidents.length > 0;

  const unplanned = incidents.filter((x) => !x.incident.planned);
  const closedInPeriod = unplanned.filter((x) => x.incident.closedAt !== null && inPeriod(Date.parse(x.incident.closedAt), period));
  const repairMs = closedInPeriod.map((x) => Date.parse(x.incident.closedAt as string) - Date.parse(x.incident.openedAt));
  const detectMs = unplanned
    .filter((x) => x.incident.detectedAt !== null && inPeriod(Date.parse(x.incident.openedAt), period))
    .map((x) => Math.max(0, Date.parse(x.incident.detectedAt as string) - Date.parse(x.incident.openedAt)));
  let longest: { incident: Incident; interval: Interval } | null = null;
  for (const x of unplanned) {
    if (longest === null || length(x.interval) > length(longest.interval)) longest = x;
  }

  // Error budget over the whole month, in integer arithmetic: budgetMs = monthMs × (1 − target).
  const targetPpm = Math.round(subject.sloPercent * 10_000);
  const budgetMs = (monthMs * (PPM - targetPpm)) / PPM;
  const uptime = hasData ? percentOf(periodMs - unplannedMs, periodMs) : null;
  const slo: SloFigures = {
    target: subject.sloPercent,
    actual: uptime,
    met: hasData ? unplannedMs * PPM <= monthMs * (PPM - targetPpm) : null,
    errorBudgetSeconds: seconds(budgetMs),
    errorBudgetUsedSeconds: hasData ? seconds(unplannedMs) : null,
    errorBudgetLeftSeconds: hasData ? seconds(budgetMs - unplannedMs) : null,
    errorBudgetUsedPercent: hasData && budgetMs > 0 ? percentOf(unplannedMs, budgetMs) : null,
  };

  // Every location merged, per hour, then per day from the hours and the month from the days: each hourly
  // histogram is read once here (a month of 5 locations is 3,600 of them per check).
  const hourly = mergedByHour(rollups);
  const daily = dailyFigures(input.month, period, rollups, hourly, split);
  return {
    checkId: subject.id,
    name: subject.name,
    tags: [...subject.tags],
    uptimePercent: uptime,
    uptimeIncludingPlannedPercent: hasData ? percentOf(periodMs - unplannedMs - plannedMs, periodMs) : null,
    incidentCount: unplanned.length,
    plannedIncidentCount: incidents.length - unplanned.length,
    unplannedDowntimeSeconds: seconds(unplannedMs),
    plannedDowntimeSeconds: seconds(plannedMs),
    mttrSeconds: repairMs.length === 0 ? null : seconds(sum(repairMs, (x) => x) / repairMs.length),
    timeToDetect: detectMs.length === 0 ? null : { meanSeconds: seconds(sum(detectMs, (x) => x) / detectMs.length), maxSeconds: seconds(Math.max(...detectMs)) },
    longestIncident:
      longest === null ? null : { id: longest.incident.id, openedAt: longest.incident.openedAt, inPeriodSeconds: seconds(length(longest.interval)) },
    runs,
    failedRuns,
    latencyMs: latencyOf(mergeHistograms(...daily.histograms)),
    fastHoursPercent: fastHoursPercent(hourly, fastP95Millis),
    jobs: subject.job === undefined ? null : jobFigures(subject.job.backup, rollups),
    slo,
    locations: locationFigures(rollups),
    daily: daily.figures,
    incidents: incidents.map(({ incident, interval }) => reportIncident(incident, interval)),
  };
}

function reportIncident(i: Incident, interval: Interval): ReportIncident {
  return {
    id: i.id,
    openedAt: i.openedAt,
    detectedAt: i.detectedAt,
    closedAt: i.closedAt,
    planned: i.planned,
    durationSeconds: i.closedAt === null ? null : seconds(Date.parse(i.closedAt) - Date.parse(i.openedAt)),
    inPeriodSeconds: seconds(length(interval)),
    failingLocations: [...i.failingLocations],
    firstError: i.firstError,
    rootCause: i.rootCause ?? null,
    correctiveAction: i.correctiveAction ?? null,
  };
}

function overviewOf(checks: readonly CheckReport[]): ReportOverview {
  let lowest: { checkId: string; uptimePercent: number } | null = null;
  for (const c of checks) {
    if (c.uptimePercent !== null && (lowest === null || c.uptimePercent < lowest.uptimePercent)) lowest = { checkId: c.checkId, uptimePercent: c.uptimePercent };
  }
  return {
    checks: checks.length,
    checksWithData: checks.filter((c) => c.uptimePercent !== null).length,
    checksMeetingSlo: checks.filter((c) => c.slo.met === true).length,
    checksMissingSlo: checks.filter((c) => c.slo.met === false).length,
    incidentCount: sum(checks, (c) => c.incidentCount),
    unplannedDowntimeSeconds: roundMillis(sum(checks, (c) => c.unplannedDowntimeSeconds)),
    plannedDowntimeSeconds: roundMillis(sum(checks, (c) => c.plannedDowntimeSeconds)),
    lowestUptime: lowest,
  };
}

function locationFigures(rollups: readonly HourlyRollup[]): LocationFigures[] {
  const byLocation = groupBy(rollups, (r) => r.location);
  return [...byLocation.keys()].sort(compare).map((location) => {
    const parts = byLocation.get(location) ?? [];
    const runs = sum(parts, (r) => r.runs);
    const failedRuns = sum(parts, (r) => r.failedRuns);
    return {
      location,
      runs,
      failedRuns,
      uptimePercent: runs === 0 ? null : percentOf(runs - failedRuns, runs),
      latencyMs: latencyOf(mergeHistograms(...parts.map((r) => r.latency))),
    };
  });
}

/** Histograms of every location merged, by hour (`yyyy-mm-ddThh`). */
function mergedByHour(rollups: readonly HourlyRollup[]): Map<string, Histogram> {
  const out = new Map<string, Histogram>();
  for (const [hour, parts] of groupBy(rollups, (r) => r.hour)) out.set(hour, mergeHistograms(...parts.map((r) => r.latency)));
  return out;
}

function dailyFigures(
  month: ReportMonth,
  period: Interval,
  rollups: readonly HourlyRollup[],
  hourly: ReadonlyMap<string, Histogram>,
  split: DowntimeSplit,
): { figures: DayFigures[]; histograms: Histogram[] } {
  const byDate = groupBy(rollups, (r) => r.hour.slice(0, 10));
  const hoursByDate = groupBy([...hourly.keys()], (hour) => hour.slice(0, 10));
  const figures: DayFigures[] = [];
  const histograms: Histogram[] = [];
  for (const date of daysOf(month)) {
    const dayStart = Date.parse(`${date}T00:00:00.000Z`);
    if (dayStart >= period.endMs) break;
    const day: Interval = { startMs: dayStart, endMs: Math.min(dayStart + DAY_MS, period.endMs) };
    const parts = byDate.get(date) ?? [];
    const runs = sum(parts, (r) => r.runs);
    const unplannedMs = totalMs(intersect(split.unplanned, [day]));
    const plannedMs = totalMs(intersect(split.planned, [day]));
    const hasData = runs > 0 || unplannedMs > 0 || plannedMs > 0;
    const latency = mergeHistograms(...(hoursByDate.get(date) ?? []).map((hour) => hourly.get(hour) as Histogram));
    histograms.push(latency);
    figures.push({
      date,
      uptimePercent: hasData ? percentOf(length(day) - unplannedMs, length(day)) : null,
      unplannedDowntimeSeconds: seconds(unplannedMs),
      plannedDowntimeSeconds: seconds(plannedMs),
      runs,
      failedRuns: sum(parts, (r) => r.failedRuns),
      latencyMs: latencyOf(latency),
    });
  }
  return { figures, histograms };
}

function fastHoursPercent(hourly: ReadonlyMap<string, Histogram>, fastP95Millis: number): number | null {
  let hours = 0;
  let fast = 0;
  for (const merged of hourly.values()) {
    if (histogramCount(merged) === 0) continue;
    hours += 1;
    if ((histogramQuantile(merged, 0.95) as number) < fastP95Millis) fast += 1;
  }
  return hours === 0 ? null : percentOf(fast, hours);
}

/** A missed deadline is recorded as a failed run with error kind `timeout`; a fail ping as any other failed run. */
function jobFigures(backup: boolean, rollups: readonly HourlyRollup[]): JobFigures {
  const failedRuns = sum(rollups, (r) => r.failedRuns);
  const missed = sum(rollups, (r) => r.errorsByKind.timeout ?? 0);
  const succeeded = sum(rollups, (r) => r.runs) - failedRuns;
  const total = succeeded + failedRuns;
  return { backup, succeeded, failed: failedRuns - missed, missed, successPercent: total === 0 ? null : percentOf(succeeded, total) };
}

function latencyOf(h: Histogram): LatencyFigures {
  const q = (p: number) => {
    const v = histogramQuantile(h, p);
    return v === null ? null : Math.round(v * 10) / 10;
  };
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

// ---- downtime intervals ----

export interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

export interface DowntimeSplit {
  /** Disjoint, sorted. */
  readonly unplanned: readonly Interval[];
  /** Disjoint, sorted. */
  readonly planned: readonly Interval[];
}

/**
 * Planned = planned incidents ∪ (unplanned incidents ∩ maintenance); unplanned = the rest of the unplanned
 * incidents. Overlapping incidents count once.
 */
export function splitDowntime(unplanned: readonly Interval[], planned: readonly Interval[], maintenance: readonly Interval[]): DowntimeSplit {
  const u = union(unplanned);
  const plannedAll = union([...planned, ...intersect(u, union(maintenance))]);
  return { unplanned: subtract(u, plannedAll), planned: plannedAll };
}

/** The incident's time clipped to the period (an open one lasts to the period's end); null when outside it. */
export function incidentInterval(i: Pick<Incident, 'openedAt' | 'closedAt'>, period: Interval): Interval | null {
  const opened = Date.parse(i.openedAt);
  const closed = i.closedAt === null ? period.endMs : Date.parse(i.closedAt);
  if (Number.isNaN(opened) || Number.isNaN(closed)) return null;
  const startMs = Math.max(opened, period.startMs);
  const endMs = Math.min(closed, period.endMs);
  return endMs > startMs ? { startMs, endMs } : null;
}

function union(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.endMs > i.startMs).sort((a, b) => a.startMs - b.startMs);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && i.startMs <= last.endMs) out[out.length - 1] = { startMs: last.startMs, endMs: Math.max(last.endMs, i.endMs) };
    else out.push(i);
  }
  return out;
}

/** Both sorted and disjoint. */
function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const startMs = Math.max(x.startMs, y.startMs);
      const endMs = Math.min(x.endMs, y.endMs);
      if (endMs > startMs) out.push({ startMs, endMs });
    }
  }
  return union(out);
}

/** a minus b; both sorted and disjoint. */
function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    let pieces: Interval[] = [x];
    for (const y of b) {
      pieces = pieces.flatMap((p) => {
        if (y.endMs <= p.startMs || y.startMs >= p.endMs) return [p];
        const left = { startMs: p.startMs, endMs: y.startMs };
        const right = { startMs: y.endMs, endMs: p.endMs };
        return [left, right].filter((q) => q.endMs > q.startMs);
      });
    }
    out.push(...pieces);
  }
  return out;
}

function totalMs(intervals: readonly Interval[]): number {
  return sum(intervals, length);
}

function length(i: Interval): number {
  return i.endMs - i.startMs;
}

function inPeriod(ms: number, period: Interval): boolean {
  return ms >= period.startMs && ms < period.endMs;
}

// ---- small helpers ----

function hourStartMs(hour: string): number {
  return Date.parse(`${hour}:00:00.000Z`);
}

/** 100 × part / whole, rounded to 6 decimals (no float noise like 99.99999999999999). */
function percentOf(part: number, whole: number): number {
  return Math.round((part / whole) * 100 * 1e6) / 1e6;
}

function seconds(ms: number): number {
  return roundMillis(ms / 1000);
}

function roundMillis(s: number): number {
  return Math.round(s * 1000) / 1000;
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += of(item);
  return total;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
