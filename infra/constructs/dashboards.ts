import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  AlarmWidget,
  Dashboard,
  DashboardVariable,
  DefaultValue,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  PeriodOverride,
  SingleValueWidget,
  Stats,
  TextWidget,
  Values,
  VariableInputType,
  VariableType,
  type IAlarm,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { alarmNames } from '../../lambdas/core/alarm-names.ts';
import { periodLengthMs } from '../../lambdas/core/alert-policy.ts';
import type { Check } from '../../lambdas/core/check.ts';
import { CHECK_PLACEHOLDER, CHECK_VARIABLE_ID, checkDashboardPath, dashboardConsolePath } from '../../lambdas/core/dashboard-links.ts';
import { formatDuration } from '../../lambdas/core/duration.ts';
import { RESULT_LOG_FIELDS, RESULT_LOG_KIND, RESULT_LOG_PHASES } from '../../lambdas/core/result-log.ts';
import { failedMetric, lambdaMetric, locationAliveMetric, skippedRunsMetric, tlsDaysRemainingMetric } from '../metrics.ts';

/**
 * The dashboards in the home region: the overview, in pages of at most OVERVIEW_PAGE_MAX_CHECKS checks
 * (one page up to that many), and the check dashboard (one check in depth, picked with a dashboard variable,
 * one dashboard for every check). Skyprobe's metrics are read in the home region (where the probes put them),
 * one per check (dimension CheckId): availability over all regions, this month against the SLO, certificate
 * days. Availability and latency by region and the phase times are read with Logs Insights from the probe's
 * result log lines in each probe region's log group: no custom metric per check and region. The probe
 * functions' own Lambda metrics are read in each probe region. Alarms are referred to by name (their ARN built
 * in the dashboard's own stack), never by a reference to another stack: a check's alarms may be in a nested
 * check-group stack while its overview page is in another.
 */

const FULL = 24;
const HALF = 12;
const THIRD = 8;
const QUARTER = 6;
const HEIGHT = 6;
const ROW_HEIGHT = 4;
/**
 * The time range this month's widgets read, at MONTH_PERIOD. Over 63 days, so CloudWatch rounds its start down
 * to a whole hour (GetMetricData: a start 15 to 63 days ago is rounded to 5 minutes, an older one to the hour)
 * and every hourly bucket begins on a UTC hour: the first of the month at 00:00 is a bucket boundary. It holds
 * all of this month at 1,536 datapoints per metric.
 */
const MONTH_WINDOW = '-P64D';
const MONTH_PERIOD = Duration.hours(1);
/** The check dashboard serves checks of every interval: its graphs use this period (the console can change it). */
const CHECK_DASHBOARD_PERIOD = Duration.minutes(5);
/** The same period as a Logs Insights `bin()` of the check dashboard's charts by region. */
const CHECK_DASHBOARD_BIN = `${CHECK_DASHBOARD_PERIOD.toMinutes()}m`;

export interface MonitoredCheck {
  readonly check: Check;
  /** The names of the check's alarms, most important first (`checkAlarmNames`). */
  readonly alarmNames: readonly string[];
  /** The latency alarm's threshold. */
  readonly latencyThresholdMillis: number;
  /** Availability target, percent. */
  readonly sloPercent: number;
}

export interface OverviewDashboardProps {
  readonly project: string;
  /** The dashboard name of every page of the overview, page 1 first: each page links to the others. */
  readonly pageNames: readonly string[];
  /** This page's number, from 1. */
  readonly page: number;
  /** This page's checks. */
  readonly checks: readonly MonitoredCheck[];
  readonly probeRegions: readonly string[];
  /**
   * The probe locations' silent alarms, for page 1: the page with the project-wide sections (probe
   * locations, the probes' own health).
   * @default no project-wide sections on this page
   */
  readonly locationSilentAlarms?: readonly IAlarm[];
  /** Same name in every probe region. */
  readonly probeFunctionName: string;
  /** The probe function's log group: same name in every probe region, read there by name. */
  readonly probeLogGroupName: string;
  /** In the home region. */
  readonly notifierFunctionName: string;
  readonly homeRegion: string;
}

/**
 * One page of the overview: its checks, and on page 1 the project as a whole. At the top, every alarm's
 * state of the page's checks and, per probe region, a table of their availability and p50/p95 over the time
 * range (Logs Insights over the result lines). Then one compact row per check: its alarms, this month's
 * availability against its SLO with the error budget left, and its availability over all regions (metrics).
 * Page 1 adds the probe locations' alarms and the probes' own health.
 */
export class OverviewDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OverviewDashboardProps) {
    super(scope, id);
    const dashboardName = props.pageNames[props.page - 1];
    if (dashboardName === undefined) throw new Error(`overview page ${props.page} is not among the ${props.pageNames.length} page names`);
    const minute = Duration.minutes(1);
    const projectWide = props.locationSilentAlarms !== undefined;
    const alarmsOf = alarmsByName(this);
    const links = props.checks.map((c) => `[${escapeMarkdown(c.check.name)}](${checkDashboardPath(props.project, c.check.id)})`).join(' · ');
    const pageCount = props.pageNames.length;
    const pages =
      pageCount === 1
        ? ''
        : `\n\nPage ${props.page} of ${pageCount}: ` + props.pageNames.map((name, i) => (i + 1 === props.page ? `**${i + 1}**` : `[${i + 1}](${dashboardConsolePath(name)})`)).join(' · ');
    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown:
            `# ${escapeMarkdown(props.project)}: synthetic monitoring\nProbe regions: ${props.probeRegions.join(', ')} · alarms and metrics in ${props.homeRegion}${pages}\n\n` +
            `One check in depth: ${links}`,
          width: FULL,
          height: pageCount === 1 ? 3 : 4,
        }),
      ],
      // One alarm status widget shows at most 100 alarms (CloudWatch's limit): one widget per hundred.
      ...chunks(props.checks.flatMap((c) => alarmsOf(c.alarmNames)), MAX_ALARMS_PER_WIDGET).map((alarms, i, all) => [
        new AlarmStatusWidget({ title: all.length === 1 ? 'Checks' : `Checks (${i + 1} of ${all.length})`, alarms, width: FULL, height: alarmWidgetHeight(alarms.length) }),
      ]),
      ...(projectWide
        ? [[new AlarmStatusWidget({ title: 'Probe locations', alarms: [...props.locationSilentAlarms], width: FULL, height: alarmWidgetHeight(props.locationSilentAlarms.length) })]]
        : []),
      [new TextWidget({ markdown: `## By region: availability and p50 / p95 total time of ${pageCount === 1 ? 'every check' : 'the checks on this page'} over the time range (Logs Insights over the probe result lines)`, width: FULL, height: 1 })],
      ...inRows(
        props.probeRegions.map(
          (region) =>
            new LogQueryWidget({
              title: `Availability (%) and p50 / p95 total time (ms) by check in ${region}`,
              region,
              logGroupNames: [props.probeLogGroupName],
              // A single page reads every check's lines; a page of several reads its own checks'.
              queryLines: byCheckQueryLines(pageCount === 1 ? undefined : props.checks.map((c) => c.check.id)),
              view: LogQueryVisualizationType.TABLE,
              width: Math.max(THIRD, FULL / props.probeRegions.length),
              height: Math.min(15, 3 + Math.ceil(props.checks.length / 2)),
            }),
        ),
      ),
      [new TextWidget({ markdown: '## Checks: alarms, this month (UTC) against the SLO, availability over all regions', width: FULL, height: 1 })],
    ];
    for (const { check, alarmNames, sloPercent } of props.checks) {
      const period = Duration.millis(periodLengthMs(check));
      const month = monthToDate(props.project, check.id, [sloPercent]);
      rows.push([
        new AlarmStatusWidget({ title: check.name, alarms: alarmsOf(alarmNames), width: QUARTER, height: ROW_HEIGHT }),
        new SingleValueWidget({
          title: `${check.name}: this month vs SLO ${sloPercent}%`,
          metrics: [month.availability, ...month.budgetLeft],
          start: MONTH_WINDOW,
          fullPrecision: true,
          width: QUARTER,
          height: ROW_HEIGHT,
        }),
        availabilityWidget(props.project, check.id, `${check.name}: availability, all regions (%)`, period, HALF, ROW_HEIGHT),
      ]);
    }
    if (projectWide) {
      rows.push(
        [new TextWidget({ markdown: '## Probes (self-monitoring)', width: FULL, height: 1 })],
        [
          new GraphWidget({ title: 'Probe invocations reported (LocationAlive)', left: props.probeRegions.map((r) => locationAliveMetric(props.project, r, minute)), width: THIRD, height: HEIGHT }),
          // The probes put SkippedRuns only when they skip some: an empty graph means none were skipped.
          new GraphWidget({ title: 'Scheduled runs skipped (no line: none skipped)', left: props.probeRegions.map((r) => skippedRunsMetric(props.project, r, minute)), width: THIRD, height: HEIGHT }),
          new GraphWidget({
            title: 'Notifier errors',
            left: [lambdaMetric(props.notifierFunctionName, props.homeRegion, 'Errors', Stats.SUM, minute), lambdaMetric(props.notifierFunctionName, props.homeRegion, 'Invocations', Stats.SUM, minute)].map(
              (m, i) => m.with({ label: i === 0 ? 'errors' : 'invocations' }),
            ),
            width: THIRD,
            height: HEIGHT,
          }),
        ],
        probeFunctionWidgets(props.probeFunctionName, props.probeRegions),
      );
    }
    // Each graph's own period is obeyed: this month's math needs its hourly buckets (MONTH_WINDOW).
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName, widgets: rows, periodOverride: PeriodOverride.INHERIT });
  }
}

/**
 * Alarms by name, for widgets: each imported once into `scope` with its ARN built in `scope`'s stack, so a
 * dashboard never refers to a resource of another stack.
 */
function alarmsByName(scope: Construct): (names: readonly string[]) => IAlarm[] {
  const imported = new Map<string, IAlarm>();
  return (names) =>
    names.map((name) => {
      let alarm = imported.get(name);
      if (alarm === undefined) {
        alarm = Alarm.fromAlarmName(scope, `Alarm-${name}`, name);
        imported.set(name, alarm);
      }
      return alarm;
    });
}

export interface CheckDashboardProps {
  readonly dashboardName: string;
  readonly project: string;
  /** Every check: the variable offers each of them; the first is picked when the link names none. */
  readonly checks: readonly MonitoredCheck[];
  readonly probeRegions: readonly string[];
  /** The dashboard name of every page of the overview, page 1 first. */
  readonly overviewPageNames: readonly string[];
  readonly probeFunctionName: string;
  /** The probe function's log group: same name in every probe region, read there by name. */
  readonly probeLogGroupName: string;
}

/**
 * One check in depth, on one dashboard for every check: a PATTERN variable (`CHECK_VARIABLE_ID`) rewrites
 * CHECK_PLACEHOLDER everywhere in the dashboard's JSON with the picked check's id: in the alarm ARNs, the
 * metric dimensions (CheckId only) and the Logs Insights queries. Shows its alarms (the quorum as the alarm
 * computes it, the latency alarm's p95 against its threshold, the TLS expiry alarm when the project has tls
 * checks), availability over all regions (metric) and by region (Logs Insights, one chart per probe region: a
 * region the check does not probe from stays empty), p50/p95 by region, the certificate's days left, this
 * month's availability against the SLO with the error budget left, the phase breakdown, and a table of every
 * check's settings and SLO.
 *
 * The variable substitutes the check id only, and metric math cannot turn an id into a number, so the SLO
 * cannot follow the pick: the error budget is shown for each SLO the project's checks use (one line when they
 * share one, as they do by default), and the check menu names each check's SLO when they differ.
 */
export class CheckDashboard extends Construct {
  readonly dashboard: Dashboard;
  readonly variable: DashboardVariable;

  constructor(scope: Construct, id: string, props: CheckDashboardProps) {
    super(scope, id);
    const [first] = props.checks;
    if (first === undefined) throw new Error('the check dashboard needs at least one check, got none');
    for (const text of [props.project, ...props.checks.flatMap((c) => [c.check.id, c.check.name])]) {
      if (text.includes(CHECK_PLACEHOLDER)) throw new Error(`no project, check id or name may contain ${CHECK_PLACEHOLDER} (the check dashboard's placeholder), got ${JSON.stringify(text)}`);
    }
    const checkId = CHECK_PLACEHOLDER;
    const period = CHECK_DASHBOARD_PERIOD;
    const regions = props.probeRegions;
    const alarmByName = (constructId: string, name: string) =>
      Alarm.fromAlarmArn(this, constructId, Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    const down = alarmByName('DownAlarm', alarmNames.quorum(props.project, checkId));
    const latency = alarmByName('LatencyAlarm', alarmNames.latency(props.project, checkId));
    // Only tls checks have one; for another check the widget finds no alarm of that name.
    const tlsChecks = props.checks.filter((c) => c.check.type === 'tls').length;
    const tlsExpiry = tlsChecks === 0 ? [] : [alarmByName('TlsExpiryAlarm', alarmNames.tlsExpiry(props.project, checkId))];
    const alarmsTitle = tlsChecks === 0 || tlsChecks === props.checks.length ? 'Alarms' : 'Alarms (TLS expiry: tls checks only)';

    const tlsDays = tlsDaysRemainingMetric(props.project, checkId, { period, label: 'fewest days remaining, all regions' });
    const slos = distinctSlos(props.checks);
    const month = monthToDate(props.project, checkId, slos);
    const sloTitle = slos.length === 1 ? `SLO ${slos[0]}%` : 'each SLO in use (the check\'s: in the Check menu)';
    // One Logs Insights chart per probe region: a region the picked check does not probe from has no data.
    const byRegion = (title: (region: string) => string, queryLines: string[], view: LogQueryVisualizationType) =>
      regionQueryWidgets(regions, props.probeLogGroupName, title, queryLines, view);

    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown:
            `# Check \`${checkId}\`\nPick the check with **Check** above. Its settings and SLO: the table at the bottom; ` +
            `every check at a glance: the ${overviewLinks(props.overviewPageNames)}. ` +
            `Graphs at ${formatDuration(period.toMilliseconds())} periods; the alarms use the check's own period.`,
          width: FULL,
          height: 2,
        }),
      ],
      [new AlarmStatusWidget({ title: alarmsTitle, alarms: [down, latency, ...tlsExpiry], width: FULL, height: 2 })],
      [
        new AlarmWidget({ title: 'Failing regions (the quorum alarm\'s own math and threshold)', alarm: down, leftYAxis: { min: 0, showUnits: false }, width: HALF, height: HEIGHT }),
        availabilityWidget(props.project, checkId, 'Availability, all regions (%)', period, HALF, HEIGHT),
      ],
      [new TextWidget({ markdown: `## By region: availability and p50 / p95 total time per ${formatDuration(period.toMilliseconds())} (Logs Insights over the probe result lines)`, width: FULL, height: 1 })],
      ...byRegion((region) => `Availability in ${region} (%)`, availabilityQueryLines(checkId), LogQueryVisualizationType.LINE),
      ...byRegion((region) => `p50 / p95 total time in ${region} (ms)`, latencyPercentileQueryLines(checkId), LogQueryVisualizationType.LINE),
      [
        new AlarmWidget({ title: 'p95 total time, all regions, against the latency alarm (ms)', alarm: latency, leftYAxis: { min: 0, showUnits: false }, width: HALF, height: HEIGHT }),
        new GraphWidget({ title: 'Days until the certificate expires (tls checks)', left: [tlsDays], leftYAxis: { min: 0, showUnits: false }, width: HALF, height: HEIGHT }),
      ],
      [
        new SingleValueWidget({
          title: `This month (UTC), all regions: availability vs ${sloTitle}`,
          metrics: [month.availability, ...month.budgetLeft],
          start: MONTH_WINDOW,
          fullPrecision: true,
          width: HALF,
          height: HEIGHT,
        }),
        new GraphWidget({
          title: 'This month (UTC) so far, hour by hour (%)',
          left: [month.toDate, ...month.budgetLeftToDate],
          leftYAxis: { max: 100, showUnits: false },
          start: MONTH_WINDOW,
          width: HALF,
          height: HEIGHT,
        }),
      ],
      [new TextWidget({ markdown: '## Phase breakdown (Logs Insights over the probe result lines, average per hour)', width: FULL, height: 1 })],
      ...byRegion((region) => `Phase times in ${region} (average ms per hour)`, phaseBreakdownQueryLines(checkId), LogQueryVisualizationType.STACKEDAREA),
      [new TextWidget({ markdown: `## Probe function in ${regions.join(', ')}`, width: FULL, height: 1 })],
      probeFunctionWidgets(props.probeFunctionName, regions),
      [new TextWidget({ markdown: checksTable(props.checks), width: FULL, height: Math.min(30, 3 + Math.ceil(props.checks.length / 2)) })],
    ];
    this.variable = new DashboardVariable({
      id: CHECK_VARIABLE_ID,
      type: VariableType.PATTERN,
      value: CHECK_PLACEHOLDER,
      label: 'Check',
      // "select" is the drop-down (the CDK's doc comments of RADIO and SELECT are swapped).
      inputType: VariableInputType.SELECT,
      values: Values.fromValues(
        ...props.checks.map(({ check, sloPercent }) => {
          const name = check.name === check.id ? check.id : `${check.name} (${check.id})`;
          return { value: check.id, label: slos.length === 1 ? name : `${name} · SLO ${sloPercent}%` };
        }),
      ),
      defaultValue: DefaultValue.value(first.check.id),
      visible: true,
    });
    // Each graph's own period is obeyed: this month's math needs its hourly buckets (MONTH_WINDOW).
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, widgets: rows, variables: [this.variable], periodOverride: PeriodOverride.INHERIT });
  }
}

/** 100 × (1 − failure rate of every run in every region): one series from the check's one `Failed` metric. */
function availabilityWidget(project: string, checkId: string, title: string, period: Duration, width: number, height: number): GraphWidget {
  return new GraphWidget({
    title,
    left: [expression('100 * (1 - f)', { f: failedMetric(project, checkId, { period }) }, 'all regions', period)],
    leftYAxis: { label: '%', max: 100, showUnits: false },
    width,
    height,
  });
}

function expression(text: string, usingMetrics: Record<string, IMetric>, label: string, period: Duration): MathExpression {
  return new MathExpression({ expression: text, usingMetrics, ...(label === '' ? {} : { label }), period });
}

interface MonthToDate {
  /** Failed runs ÷ runs this month, as availability in percent: one value (the latest point). */
  readonly availability: MathExpression;
  /** Per SLO given: the error budget left this month, in percent (negative once overspent). */
  readonly budgetLeft: readonly MathExpression[];
  /** The same two, hour by hour through the month (running sums). */
  readonly toDate: MathExpression;
  readonly budgetLeftToDate: readonly MathExpression[];
}

/** The SLOs of the checks, highest first, each once. */
function distinctSlos(checks: readonly MonitoredCheck[]): number[] {
  return [...new Set(checks.map((c) => c.sloPercent))].sort((a, b) => b - a);
}

/**
 * This calendar month (UTC) of a check, exact to the run. CloudWatch has no "start of month" time range and
 * no re-bucketing, so:
 * - buckets: hourly Sum (failed runs) and SampleCount (runs) of the check's `Failed` over MONTH_WINDOW, whose
 *   start CloudWatch rounds to a whole hour, so no bucket straddles the month's first 00:00 UTC. (Daily buckets
 *   over a -P32D range began at the range's start, rounded only to 5 minutes, not at midnight, so the first
 *   day counted up to a day of the previous month or missed one of this.)
 * - this month: MONTH() of a series is defined at every bucket of the range (not only where there is data),
 *   so the bucket with the greatest EPOCH() is the current hour, and its month is the current month; the
 *   hours of that month are kept.
 * - availability: 1 − Σ failed ÷ Σ runs over those hours, each run weighing the same (an average of daily
 *   averages weighs a day with few runs, a deploy day, like a full one).
 * Each run counts in the hour of its due time (its datum's timestamp), so the figure is exact to the run.
 */
function monthToDate(project: string, checkId: string, sloPercents: readonly number[]): MonthToDate {
  const period = MONTH_PERIOD;
  const thisMonthOnly = (id: string) => `IF(MONTH(${id}) == MAX(IF(EPOCH(${id}) == MAX(EPOCH(${id})), MONTH(${id}), 0)), ${id})`;
  const failed = expression(thisMonthOnly('f'), { f: failedMetric(project, checkId, { period, statistic: Stats.SUM }) }, '', period);
  const runs = expression(thisMonthOnly('n'), { n: failedMetric(project, checkId, { period, statistic: Stats.SAMPLE_COUNT }) }, '', period);
  const using = { failed, runs };
  const failureRate = 'SUM(failed) / SUM(runs)';
  const failureRateToDate = 'RUNNING_SUM(failed) / RUNNING_SUM(runs)';
  const budgetShare = (slo: number) => round((100 - slo) / 100);
  const budgetLabel = (slo: number) => (sloPercents.length === 1 ? `error budget left (SLO ${slo}%), %` : `error budget left if the SLO is ${slo}%, %`);
  return {
    availability: expression(`TIME_SERIES(100 * (1 - ${failureRate}))`, using, 'availability this month (UTC), %', period),
    budgetLeft: sloPercents.map((slo) => expression(`TIME_SERIES(100 * (1 - (${failureRate}) / ${budgetShare(slo)}))`, using, budgetLabel(slo), period)),
    toDate: expression(`100 * (1 - ${failureRateToDate})`, using, 'availability this month so far, %', period),
    budgetLeftToDate: sloPercents.map((slo) => expression(`100 * (1 - (${failureRateToDate}) / ${budgetShare(slo)})`, using, budgetLabel(slo), period)),
  };
}

/** Availability in percent from the result lines' `failed` (1/0): the share of runs that passed. */
function availabilityStat(): string {
  return `100 * (1 - avg(${RESULT_LOG_FIELDS.failed}))`;
}

/**
 * The overview's per-region table: availability and p50/p95 total time over the time range of every check, or
 * of the checks given (a page's: at most OVERVIEW_PAGE_MAX_CHECKS ids of at most 63 characters, about 7,000
 * characters, under Logs Insights' 10,000 characters of query).
 */
function byCheckQueryLines(checkIds?: readonly string[]): string[] {
  const f = RESULT_LOG_FIELDS;
  const only = checkIds === undefined ? '' : ` and ${f.checkId} in [${checkIds.map(insightsString).join(', ')}]`;
  return [
    `filter ${f.kind} = ${insightsString(RESULT_LOG_KIND)}${only}`,
    `stats ${availabilityStat()} as availabilityPct, pct(${f.totalMs}, 50) as p50Ms, pct(${f.totalMs}, 95) as p95Ms, count(*) as runs by ${f.checkId}`,
    `sort ${f.checkId} asc`,
  ];
}

/** The check dashboard's availability chart of one region: one check's availability per CHECK_DASHBOARD_BIN. */
function availabilityQueryLines(checkId: string): string[] {
  const f = RESULT_LOG_FIELDS;
  return [
    `filter ${f.kind} = ${insightsString(RESULT_LOG_KIND)} and ${f.checkId} = ${insightsString(checkId)}`,
    `stats ${availabilityStat()} as availability by bin(${CHECK_DASHBOARD_BIN})`,
  ];
}

/** The check dashboard's latency chart of one region: p50/p95 of one check's total time per CHECK_DASHBOARD_BIN. */
function latencyPercentileQueryLines(checkId: string): string[] {
  const f = RESULT_LOG_FIELDS;
  return [
    `filter ${f.kind} = ${insightsString(RESULT_LOG_KIND)} and ${f.checkId} = ${insightsString(checkId)}`,
    `stats pct(${f.totalMs}, 50) as p50, pct(${f.totalMs}, 95) as p95 by bin(${CHECK_DASHBOARD_BIN})`,
  ];
}

/** Rows of at most three region widgets. */
function inRows(widgets: readonly IWidget[]): IWidget[][] {
  const perRow = 3;
  const rows: IWidget[][] = [];
  for (let i = 0; i < widgets.length; i += perRow) rows.push(widgets.slice(i, i + perRow));
  return rows;
}

function regionWidth(regions: number): number {
  return regions >= 3 ? THIRD : FULL / Math.max(1, regions);
}

/** Every check's settings, SLO and alert rule: the check dashboard cannot vary those with its variable. */
function checksTable(checks: readonly MonitoredCheck[]): string {
  const header = '| check | name | type | every | regions | down when | latency alarm over | SLO |\n|---|---|---|---|---|---|---|---|';
  const rows = checks.map(({ check, latencyThresholdMillis, sloPercent }) => {
    const p = check.alertPolicy;
    const down = `${p.failingLocations} of ${check.regions.length} regions fail in ${p.failingPeriods} of ${p.evaluationPeriods} periods of ${formatDuration(periodLengthMs(check))}`;
    return `| \`${check.id}\` | ${escapeMarkdown(check.name)} | ${check.type} | ${formatDuration(check.intervalMs)} | ${check.regions.join(', ')} | ${down} | ${latencyThresholdMillis} ms | ${sloPercent}% |`;
  });
  return `## Checks\n${header}\n${rows.join('\n')}`;
}

/** One Logs Insights chart per probe region, reading the probe's log group there by name, in rows of three. */
function regionQueryWidgets(
  regions: readonly string[],
  logGroupName: string,
  title: (region: string) => string,
  queryLines: string[],
  view: LogQueryVisualizationType,
): IWidget[][] {
  return inRows(
    regions.map(
      (region) => new LogQueryWidget({ title: title(region), region, logGroupNames: [logGroupName], queryLines, view, width: regionWidth(regions.length), height: HEIGHT }),
    ),
  );
}

/**
 * The Logs Insights query of one check's phase breakdown: the average time of each request phase per hour,
 * from the probe's result log lines (`resultLogLine`): phase metrics would cost five custom metrics per check
 * and region. A phase that did not happen (no TLS on plain HTTP, nothing after a timeout) is null in the line
 * and left out of its average. (CDK joins the lines with `\n| `.)
 */
function phaseBreakdownQueryLines(checkId: string): string[] {
  const f = RESULT_LOG_FIELDS;
  const averages = RESULT_LOG_PHASES.map((p) => `avg(${p.field}) as ${p.label}`).join(', ');
  return [`filter ${f.kind} = ${insightsString(RESULT_LOG_KIND)} and ${f.checkId} = ${insightsString(checkId)}`, `stats ${averages} by bin(1h)`];
}

/** A Logs Insights string literal (check ids are validated to [a-z0-9_-], so this is belt and braces). */
function insightsString(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** The probe function's Lambda metrics, read in each region where it runs. */
function probeFunctionWidgets(functionName: string, regions: readonly string[]): IWidget[] {
  const minute = Duration.minutes(1);
  const graph = (title: string, metric: 'Errors' | 'Throttles' | 'Duration', statistic: string) =>
    new GraphWidget({ title, left: regions.map((r) => lambdaMetric(functionName, r, metric, statistic, minute)), width: THIRD, height: HEIGHT });
  return [graph('Probe function errors', 'Errors', Stats.SUM), graph('Probe function throttles', 'Throttles', Stats.SUM), graph('Probe function p95 duration (ms)', 'Duration', Stats.percentile(95))];
}

const MAX_ALARMS_PER_WIDGET = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length === 0 ? [[]] : out;
}

/** Links to the overview: one, or each of its pages. */
function overviewLinks(pageNames: readonly string[]): string {
  const [first] = pageNames;
  if (pageNames.length === 1 && first !== undefined) return `[overview](${dashboardConsolePath(first)})`;
  return `overview (pages ${pageNames.map((name, i) => `[${i + 1}](${dashboardConsolePath(name)})`).join(', ')})`;
}

function alarmWidgetHeight(alarms: number): number {
  return Math.min(12, 2 + Math.ceil(alarms / 6));
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}

function round(n: number): number {
  return Number(n.toPrecision(12));
}
