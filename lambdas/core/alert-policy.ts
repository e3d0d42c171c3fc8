import { alarmNames } from './alarm-names.ts';
import type { AlertPolicy, Check } from './check.ts';
import { MINUTE_MS } from './duration.ts';
import { ConfigError } from './errors.ts';
import type { ConfigIssue } from './errors.ts';
import type { ProbeResult } from './result.ts';

/**
 * The quorum rule, written once and used twice: `evaluateAlertPolicy` runs it
 * locally over per-location period counts; `quorumAlarmDefinition` emits the
 * CloudWatch alarm (metric math) that runs the same rule in AWS. A property
 * test holds the two equal.
 *
 * The rule, per check with policy {k, m, n}:
 * - a location FAILS in a period when at least half of its runs failed there;
 *   a location with no runs in a period has no data and never fails;
 * - a period FAILS when at least k locations failed in it;
 * - the check is DOWN when at least m of the last n periods failed;
 * - it is DEGRADED when not down but some location failed or had a failed or
 *   degraded run in the latest period;
 * - a location with no data in the latest period is SILENT: reported, never down.
 *
 * Two alarm shapes, one rule. When every period holds exactly one scheduled run per location (the interval
 * is a whole number of minutes: the period is the interval, and any span of one interval holds exactly one
 * due time of the grid k × interval + offset), a location fails in a period exactly when its one run fails,
 * so the number of failing locations is the SUM of one `Failed` metric per check (no Location dimension),
 * each run's datum stamped with its due time: one custom metric and one alarm metric per check, whatever
 * the number of regions. Otherwise (sub-minute intervals, or intervals that are not whole minutes) a
 * location may run several times in a period, and the alarm reads each location's `Failed` average from
 * a metric per check and location.
 */

/** Start of every project's metric namespace. */
export const METRIC_NAMESPACE_PREFIX = 'Skyprobe/';

/**
 * The namespace a project's probe metrics are put in (home region), and the only one its probes may put to
 * (IAM condition `cloudwatch:namespace`): one per project, so two projects in one account whose checks share
 * an id never mix their runs or read each other's in an alarm. A project name (validated: 1 to 31 of
 * `a-z0-9-`) is within what CloudWatch allows in a namespace (ASCII letters, digits, `.-_/#: `, up to 255,
 * not starting with `AWS/`).
 */
export function metricNamespace(project: string): string {
  return `${METRIC_NAMESPACE_PREFIX}${project}`;
}

/** Probe metrics; units are CloudWatch `StandardUnit` names. */
export const METRICS = {
  /**
   * 1 per failed run, 0 per passing run, stamped with the run's due time. Put for every run with dimension
   * CheckId only: its Average is the check's failure rate over every region (availability), and, for checks
   * with one run per period (`oneRunPerPeriod`), its Sum is the number of failing locations (the quorum).
   * Checks with several runs per period also put it with CheckId + Location: the per-period Average there is
   * the location's failure rate, which their quorum reads.
   */
  Failed: { name: 'Failed', unit: 'None' },
  /**
   * Total time of each run that made an attempt, per check only (dimension CheckId, every region in one
   * metric): the latency alarm's p95. Per-region latency (p50/p95 by region) is read from the probe's
   * result log lines with Logs Insights, not from a metric: a metric per region would cost one custom
   * metric and one alarm metric more per check and region.
   */
  DurationMs: { name: 'DurationMs', unit: 'Milliseconds' },
  /** 1 per probe invocation in a location: silence here means the probe location stopped, not the target. */
  LocationAlive: { name: 'LocationAlive', unit: 'Count' },
} as const;
export type MetricName = (typeof METRICS)[keyof typeof METRICS]['name'];

/** Metric names by key, for callers that only need the name. */
export const METRIC_NAMES = {
  Failed: METRICS.Failed.name,
  DurationMs: METRICS.DurationMs.name,
  LocationAlive: METRICS.LocationAlive.name,
} as const;

/**
 * Dimension names. `Failed` carries `CheckId`, and also `Location` for checks with several runs per period;
 * `DurationMs` carries `CheckId` only; `LocationAlive` carries `Location` only.
 */
export const METRIC_DIMENSIONS = { CheckId: 'CheckId', Location: 'Location' } as const;
export type MetricDimensionName = (typeof METRIC_DIMENSIONS)[keyof typeof METRIC_DIMENSIONS];

/** A location fails in a period when its failure rate is at least this. */
export const LOCATION_FAILURE_RATIO = 0.5;

/** CloudWatch: an alarm's metric math may read at most this many metrics (hard limit). */
export const MAX_ALARM_METRICS = 10;

/** CloudWatch: period × evaluation periods may not exceed 1 day for periods under 1 hour, else 7 days. */
const MAX_EVALUATION_RANGE_SHORT_SECONDS = 86_400;
const MAX_EVALUATION_RANGE_LONG_SECONDS = 604_800;

export type CheckState = 'up' | 'degraded' | 'down';

/** Runs of one check in one location during one alarm period. */
export interface LocationPeriod {
  readonly location: string;
  /** Epoch ms, a multiple of the period length. */
  readonly periodStart: number;
  readonly runs: number;
  readonly failedRuns: number;
  readonly degradedRuns: number;
}

/**
 * The alarm period: the check interval rounded up to a whole minute, at least
 * 60 s. (10/20/30 s alarm periods exist only for high-resolution metrics.)
 */
export function periodLengthMs(check: Pick<Check, 'intervalMs'>): number {
  return Math.max(MINUTE_MS, Math.ceil(check.intervalMs / MINUTE_MS) * MINUTE_MS);
}

/**
 * Every alarm period of the check holds exactly one due run per location: the interval is a whole number of
 * minutes, so the period is the interval itself. The quorum alarm then sums one metric per check.
 */
export function oneRunPerPeriod(check: Pick<Check, 'intervalMs'>): boolean {
  return check.intervalMs >= MINUTE_MS && check.intervalMs % MINUTE_MS === 0;
}

/** The check's quorum reads a `Failed` metric per location (several runs per period), not one per check. */
export function quorumReadsLocations(check: Pick<Check, 'intervalMs'>): boolean {
  return !oneRunPerPeriod(check);
}

/** Start of the period holding `epochMs` (periods are aligned to the epoch, as CloudWatch aligns them). */
export function periodStartOf(epochMs: number, periodMs: number): number {
  return Math.floor(epochMs / periodMs) * periodMs;
}

/** A run counts as failed for alerting (and as Failed = 1 in the metric) when it was not ok. */
export function isFailedRun(result: Pick<ProbeResult, 'ok'>): boolean {
  return !result.ok;
}

/** A passing run that was slow or otherwise degraded. */
export function isDegradedRun(result: Pick<ProbeResult, 'ok' | 'status'>): boolean {
  return result.ok && result.status === 'degraded';
}

/** At least half of the runs failed. No runs is no data, never a failure. */
export function locationFailed(p: Pick<LocationPeriod, 'runs' | 'failedRuns'>): boolean {
  // failedRuns / runs >= 0.5, without division.
  return p.runs > 0 && p.failedRuns * 2 >= p.runs;
}

/** Had data, did not fail, but some run failed or was degraded. */
export function locationDegraded(p: LocationPeriod): boolean {
  return p.runs > 0 && !locationFailed(p) && (p.failedRuns > 0 || p.degradedRuns > 0);
}

/** Counts runs per location and period. Input order does not matter; output is sorted by period, then location. */
export function locationPeriodsFromResults(
  results: readonly Pick<ProbeResult, 'location' | 'startedAt' | 'ok' | 'status'>[],
  periodMs: number,
): LocationPeriod[] {
  const byKey = new Map<string, { location: string; periodStart: number; runs: number; failedRuns: number; degradedRuns: number }>();
  for (const r of results) {
    const startedMs = Date.parse(r.startedAt);
    if (Number.isNaN(startedMs)) throw new RangeError(`startedAt must be an ISO time, got ${JSON.stringify(r.startedAt)}`);
    const periodStart = periodStartOf(startedMs, periodMs);
    const key = `${periodStart}\u0000${r.location}`;
    let p = byKey.get(key);
    if (p === undefined) {
      p = { location: r.location, periodStart, runs: 0, failedRuns: 0, degradedRuns: 0 };
      byKey.set(key, p);
    }
    p.runs += 1;
    if (isFailedRun(r)) p.failedRuns += 1;
    else if (isDegradedRun(r)) p.degradedRuns += 1;
  }
  return [...byKey.values()].sort((a, b) => a.periodStart - b.periodStart || compareStrings(a.location, b.location));
}

export interface PeriodEvaluation {
  readonly periodStart: number;
  /** Locations that failed in this period, sorted. */
  readonly failingLocations: readonly string[];
  /** Locations with at least one run in this period, sorted. */
  readonly reportingLocations: readonly string[];
  /** At least k locations failed. */
  readonly failed: boolean;
}

export interface AlertEvaluation {
  readonly state: CheckState;
  /** Failed periods among the last n. */
  readonly failingPeriods: number;
  /** Locations that failed in the latest period, sorted. */
  readonly failingLocationsNow: readonly string[];
  /** Locations that had data and did not fail, but had a failed or degraded run in the latest period, sorted. */
  readonly degradedLocationsNow: readonly string[];
  /** Expected locations with no data in the latest period, sorted. Silence never makes a check down. */
  readonly silentLocations: readonly string[];
  /** The last n periods, oldest first, the latest being `nowPeriodStart`. */
  readonly periods: readonly PeriodEvaluation[];
}

/**
 * Evaluates the quorum rule over the n periods ending with (and including) `nowPeriodStart`.
 *
 * `expectedLocations` are the locations that should report (the check's
 * regions, or the local location). When given, only they are counted and
 * silence is reported against them; when left out, every location in
 * `history` is counted and a location is silent when it reported in the
 * window but not in the latest period. Entries outside the window are ignored;
 * several entries for one location and period are added up.
 */
export function evaluateAlertPolicy(
  policy: AlertPolicy,
  history: readonly LocationPeriod[],
  nowPeriodStart: number,
  periodMs: number,
  expectedLocations?: readonly string[],
): AlertEvaluation {
  const n = Math.max(0, Math.floor(policy.evaluationPeriods));
  const windowStart = nowPeriodStart - (n - 1) * periodMs;
  const expected = expectedLocations === undefined ? undefined : new Set(expectedLocations);

  // periodStart → location → totals
  const totals = new Map<number, Map<string, { location: string; periodStart: number; runs: number; failedRuns: number; degradedRuns: number }>>();
  const seen = new Set<string>();
  for (const p of history) {
    if (p.periodStart < windowStart || p.periodStart > nowPeriodStart) continue;
    if ((p.periodStart - windowStart) % periodMs !== 0) continue;
    if (expected !== undefined && !expected.has(p.location)) continue;
    if (p.runs <= 0) continue;
    seen.add(p.location);
    let byLocation = totals.get(p.periodStart);
    if (byLocation === undefined) {
      byLocation = new Map();
      totals.set(p.periodStart, byLocation);
    }
    const t = byLocation.get(p.location) ?? { location: p.location, periodStart: p.periodStart, runs: 0, failedRuns: 0, degradedRuns: 0 };
    t.runs += p.runs;
    t.failedRuns += p.failedRuns;
    t.degradedRuns += p.degradedRuns;
    byLocation.set(p.location, t);
  }

  const periods: PeriodEvaluation[] = [];
  for (let i = 0; i < n; i++) {
    const periodStart = windowStart + i * periodMs;
    const byLocation = [...(totals.get(periodStart)?.values() ?? [])];
    const failingLocations = byLocation.filter(locationFailed).map((p) => p.location).sort(compareStrings);
    periods.push({
      periodStart,
      failingLocations,
      reportingLocations: byLocation.map((p) => p.location).sort(compareStrings),
      failed: failingLocations.length >= policy.failingLocations,
    });
  }

  const failingPeriods = periods.filter((p) => p.failed).length;
  const latest = [...(totals.get(nowPeriodStart)?.values() ?? [])];
  const failingLocationsNow = latest.filter(locationFailed).map((p) => p.location).sort(compareStrings);
  const degradedLocationsNow = latest.filter(locationDegraded).map((p) => p.location).sort(compareStrings);
  const reportingNow = new Set(latest.map((p) => p.location));
  const silentLocations = [...(expected ?? seen)].filter((l) => !reportingNow.has(l)).sort(compareStrings);

  const down = n > 0 && failingPeriods >= policy.failingPeriods;
  const state: CheckState = down ? 'down' : failingLocationsNow.length > 0 || degradedLocationsNow.length > 0 ? 'degraded' : 'up';
  return { state, failingPeriods, failingLocationsNow, degradedLocationsNow, silentLocations, periods };
}

/**
 * One metric a quorum alarm reads: the failure rate of one check in one location (Average, dimensions
 * CheckId + Location), or the number of failing locations of a check with one run per period (Sum,
 * dimension CheckId only).
 */
export interface AlarmMetric {
  /** Id used in the expression: m0, m1, … */
  readonly id: string;
  /** `metricNamespace(project)` */
  readonly namespace: string;
  readonly metricName: typeof METRICS.Failed.name;
  /** Keyed by METRIC_DIMENSIONS names. */
  readonly dimensions: { readonly CheckId: string; readonly Location?: string };
  readonly stat: 'Average' | 'Sum';
  readonly periodSeconds: number;
}

/** Plain data for a CloudWatch metric-math alarm; the CDK stack turns it into `AWS::CloudWatch::Alarm`. */
export interface QuorumAlarmDefinition {
  readonly alarmName: string;
  readonly alarmDescription: string;
  readonly metrics: readonly AlarmMetric[];
  /** Number of failing locations per period: `FILL(m0, 0)`, or e.g. `IF(FILL(m0, 0) >= 0.5, 1, 0) + IF(FILL(m1, 0) >= 0.5, 1, 0)`. */
  readonly expression: string;
  readonly expressionLabel: string;
  /** k */
  readonly threshold: number;
  readonly comparisonOperator: 'GreaterThanOrEqualToThreshold';
  /** n */
  readonly evaluationPeriods: number;
  /** m */
  readonly datapointsToAlarm: number;
  /** A silent probe location is not a target failure. */
  readonly treatMissingData: 'notBreaching';
}

export interface QuorumAlarmOptions {
  /** The project: starts the alarm name and names the namespace the alarm reads (`metricNamespace`). @default "skyprobe" */
  readonly project?: string;
}

/**
 * The CloudWatch alarm that is the quorum rule, compared with k; m of n
 * datapoints alarm; missing datapoints do not breach.
 * - One run per period (`oneRunPerPeriod`): the Sum of the check's `Failed`
 *   (one datum of 1 or 0 per location that ran, at its due time) is the
 *   number of failing locations; a silent location adds nothing.
 * - Otherwise: each region's `Failed` average is its failure rate; FILL(…, 0)
 *   makes a silent region count as not failing; the sum of the comparisons is
 *   the number of failing regions.
 *
 * Throws `ConfigError` when the check cannot be expressed as one alarm
 * (more than MAX_ALARM_METRICS regions when it reads one metric per region, policy out of range, evaluation range
 * over CloudWatch's limit).
 */
export function quorumAlarmDefinition(check: Check, options: QuorumAlarmOptions = {}): QuorumAlarmDefinition {
  const periodSeconds = periodLengthMs(check) / 1000;
  const issues = quorumAlarmIssues(check, periodSeconds);
  if (issues.length > 0) throw new ConfigError(issues);

  const { failingLocations: k, failingPeriods: m, evaluationPeriods: n } = check.alertPolicy;
  const project = options.project ?? 'skyprobe';
  const namespace = metricNamespace(project);
  const perLocation = quorumReadsLocations(check);
  const metrics: AlarmMetric[] = perLocation
    ? check.regions.map((region, i) => ({
        id: `m${i}`,
        namespace,
        metricName: METRICS.Failed.name,
        dimensions: { CheckId: check.id, Location: region },
        stat: 'Average',
        periodSeconds,
      }))
    : [{ id: 'm0', namespace, metricName: METRICS.Failed.name, dimensions: { CheckId: check.id }, stat: 'Sum', periodSeconds }];
  const expression = perLocation
    ? metrics.map((metric) => `IF(FILL(${metric.id}, 0) >= ${LOCATION_FAILURE_RATIO}, 1, 0)`).join(' + ')
    : 'FILL(m0, 0)';
  return {
    alarmName: alarmNames.quorum(project, check.id),
    alarmDescription:
      `${check.name} is down: ${k} of ${check.regions.length} regions failing (${perLocation ? 'at least half of their runs' : 'their run'}) ` +
      `in ${m} of the last ${n} periods of ${periodSeconds} s`,
    metrics,
    expression,
    expressionLabel: 'failing regions',
    threshold: k,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    evaluationPeriods: n,
    datapointsToAlarm: m,
    treatMissingData: 'notBreaching',
  };
}

function quorumAlarmIssues(check: Check, periodSeconds: number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const issue = (path: string, message: string) => issues.push({ checkId: check.id, path, message });
  const regions = check.regions.length;
  const { failingLocations: k, failingPeriods: m, evaluationPeriods: n } = check.alertPolicy;
  if (regions === 0) issue('regions', 'a check needs at least one region');
  if (quorumReadsLocations(check) && regions > MAX_ALARM_METRICS) {
    issue('regions', `a quorum alarm that reads one metric per region can read at most ${MAX_ALARM_METRICS} regions (a CloudWatch limit), got ${regions}`);
  }
  if (!Number.isInteger(k) || k < 1 || (regions > 0 && k > regions)) {
    issue('alertPolicy.failingLocations', `must be an integer from 1 to ${regions} (the number of regions), got ${k}`);
  }
  if (!Number.isInteger(n) || n < 1) issue('alertPolicy.evaluationPeriods', `must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 1 || (Number.isInteger(n) && m > n)) {
    issue('alertPolicy.failingPeriods', `must be an integer from 1 to evaluationPeriods (${n}), got ${m}`);
  }
  const maxRange = periodSeconds < 3600 ? MAX_EVALUATION_RANGE_SHORT_SECONDS : MAX_EVALUATION_RANGE_LONG_SECONDS;
  if (Number.isInteger(n) && n * periodSeconds > maxRange) {
    issue(
      'alertPolicy.evaluationPeriods',
      `${n} periods of ${periodSeconds} s exceed the ${maxRange / 3600} h CloudWatch allows an alarm to look back, got ${n}`,
    );
  }
  return issues;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
