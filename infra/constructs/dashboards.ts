import { Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  SingleValueWidget,
  Stats,
  TextWidget,
  type IAlarm,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { periodLengthMs } from '../../lambdas/core/alert-policy.ts';
import type { Check } from '../../lambdas/core/check.ts';
import { formatDuration } from '../../lambdas/core/duration.ts';
import { RESULT_LOG_FIELDS, RESULT_LOG_KIND, RESULT_LOG_PHASES } from '../../lambdas/core/result-log.ts';
import { durationMetric, failedMetric, lambdaMetric, locationAliveMetric, skippedRunsMetric, tlsDaysRemainingMetric } from '../metrics.ts';
import type { CheckAlarms } from './check-alarms.ts';

/**
 * Dashboards live in the home region. Skyprobe's metrics are read there (where the probes put them); the
 * probe functions' own Lambda metrics are read in each probe region (metrics carry their region).
 */

const FULL = 24;
const HALF = 12;
const THIRD = 8;
const HEIGHT = 6;
const DAY_SECONDS = 86_400;
/** Long enough to hold every day of the current month and some of the last one; the math keeps this month only. */
const MONTH_WINDOW = '-P32D';

export interface MonitoredCheck {
  readonly check: Check;
  readonly alarms: CheckAlarms;
  readonly dashboardName: string;
  /** Availability target, percent. */
  readonly sloPercent: number;
}

export interface OverviewDashboardProps {
  readonly dashboardName: string;
  readonly project: string;
  readonly checks: readonly MonitoredCheck[];
  readonly probeRegions: readonly string[];
  readonly locationSilentAlarms: readonly IAlarm[];
  /** Same name in every probe region. */
  readonly probeFunctionName: string;
  /** In the home region. */
  readonly notifierFunctionName: string;
  readonly homeRegion: string;
}

/** Every check on one page: alarm states, availability and p95 per region; then the probes' own health. */
export class OverviewDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OverviewDashboardProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    const links = props.checks.map((c) => `[${escapeMarkdown(c.check.name)}](#dashboards/dashboard/${c.dashboardName})`).join(' · ');
    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown: `# ${escapeMarkdown(props.project)}: synthetic monitoring\nProbe regions: ${props.probeRegions.join(', ')} · alarms and metrics in ${props.homeRegion}\n\nChecks: ${links}`,
          width: FULL,
          height: 3,
        }),
      ],
      [
        new AlarmStatusWidget({ title: 'Checks', alarms: props.checks.flatMap((c) => c.alarms.all), width: FULL, height: alarmWidgetHeight(props.checks.length * 3) }),
      ],
      [new AlarmStatusWidget({ title: 'Probe locations', alarms: [...props.locationSilentAlarms], width: FULL, height: alarmWidgetHeight(props.locationSilentAlarms.length) })],
    ];
    for (const { check } of props.checks) {
      const period = Duration.millis(periodLengthMs(check));
      rows.push([
        availabilityWidget(check, `${check.name}: availability by region`, period, HALF),
        new GraphWidget({
          title: `${check.name}: p95 total time by region`,
          left: check.regions.map((region) => durationMetric(check.id, region, { period, statistic: Stats.percentile(95), label: region })),
          leftYAxis: { label: 'ms', min: 0, showUnits: false },
          width: HALF,
          height: HEIGHT,
        }),
      ]);
    }
    rows.push(
      [new TextWidget({ markdown: '## Probes (self-monitoring)', width: FULL, height: 1 })],
      [
        new GraphWidget({ title: 'Probe invocations reported (LocationAlive)', left: props.probeRegions.map((r) => locationAliveMetric(r, minute)), width: THIRD, height: HEIGHT }),
        new GraphWidget({ title: 'Scheduled runs skipped', left: props.probeRegions.map((r) => skippedRunsMetric(r, minute)), width: THIRD, height: HEIGHT }),
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
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, widgets: rows });
  }
}

export interface CheckDashboardProps {
  readonly project: string;
  readonly monitored: MonitoredCheck;
  readonly probeFunctionName: string;
  /** The probe function's log group: same name in every probe region, read there by name. */
  readonly probeLogGroupName: string;
}

/** One check in depth: alarms, the quorum as the alarm sees it, availability, latency, this month against the SLO. */
export class CheckDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: CheckDashboardProps) {
    super(scope, id);
    const { check, alarms, sloPercent } = props.monitored;
    const period = Duration.millis(periodLengthMs(check));
    const policy = check.alertPolicy;
    const definition = alarms.definition;

    const failingRegions = new MathExpression({
      expression: definition.expression,
      usingMetrics: Object.fromEntries(definition.metrics.map((m) => [m.id, failedMetric(check.id, m.dimensions.Location, { period })])),
      label: definition.expressionLabel,
      period,
    });

    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown:
            `# ${escapeMarkdown(check.name)}\n` +
            `\`${check.id}\` · ${check.type} · every ${formatDuration(check.intervalMs)} · timeout ${formatDuration(check.timeoutMs)} · ` +
            `regions ${check.regions.join(', ')}\n\n` +
            `Down when ${policy.failingLocations} of ${check.regions.length} regions fail in ${policy.failingPeriods} of the last ${policy.evaluationPeriods} periods ` +
            `of ${formatDuration(period.toMilliseconds())} · SLO ${sloPercent}% · severity ${check.severity}`,
          width: FULL,
          height: 3,
        }),
      ],
      [new AlarmStatusWidget({ title: 'Alarms', alarms: alarms.all, width: FULL, height: 2 })],
      [
        new GraphWidget({
          title: 'Failing regions (the quorum alarm\'s own math)',
          left: [failingRegions],
          leftAnnotations: [{ value: policy.failingLocations, label: `down at ${policy.failingLocations}` }],
          leftYAxis: { min: 0, max: check.regions.length, showUnits: false },
          width: HALF,
          height: HEIGHT,
        }),
        availabilityWidget(check, 'Availability by region (%)', period, HALF),
      ],
      [
        new GraphWidget({
          title: 'p50 total time by region',
          left: check.regions.map((region) => durationMetric(check.id, region, { period, statistic: Stats.percentile(50), label: region })),
          leftYAxis: { label: 'ms', min: 0, showUnits: false },
          width: HALF,
          height: HEIGHT,
        }),
        new GraphWidget({
          title: 'p95 total time by region',
          left: check.regions.map((region) => durationMetric(check.id, region, { period, statistic: Stats.percentile(95), label: region })),
          leftAnnotations: [{ value: alarms.latencyThresholdMillis, label: 'latency alarm' }],
          leftYAxis: { label: 'ms', min: 0, showUnits: false },
          width: HALF,
          height: HEIGHT,
        }),
      ],
      monthToDateWidgets(check, sloPercent),
    ];
    if (check.type === 'tls') {
      rows.push([
        new GraphWidget({
          title: 'Days until the certificate expires',
          left: check.regions.map((region) => tlsDaysRemainingMetric(check.id, region, { period, label: region })),
          leftAnnotations: [{ value: check.minDaysRemaining, label: `alarm below ${check.minDaysRemaining} days` }],
          leftYAxis: { min: 0, showUnits: false },
          width: FULL,
          height: HEIGHT,
        }),
      ]);
    }
    rows.push(
      [new TextWidget({ markdown: '## Phase breakdown (Logs Insights over the probe result log lines, average per hour)', width: FULL, height: 1 })],
      ...phaseBreakdownWidgets(check, props.probeLogGroupName),
    );
    rows.push([new TextWidget({ markdown: `## Probe function in ${check.regions.join(', ')}`, width: FULL, height: 1 })], probeFunctionWidgets(props.probeFunctionName, check.regions));
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.monitored.dashboardName, widgets: rows });
  }
}

/** 100 × (1 − failure rate) per region. */
function availabilityWidget(check: Check, title: string, period: Duration, width: number): GraphWidget {
  return new GraphWidget({
    title,
    left: check.regions.map(
      (region, i) =>
        new MathExpression({
          expression: `100 * (1 - f${i})`,
          usingMetrics: { [`f${i}`]: failedMetric(check.id, region, { period }) },
          label: region,
          period,
        }),
    ),
    leftYAxis: { label: '%', max: 100, showUnits: false },
    width,
    height: HEIGHT,
  });
}

/**
 * This calendar month (UTC) against the SLO. CloudWatch has no "start of month" time range, so the widgets
 * read 32 days of daily datapoints and metric math keeps the days of the latest datapoint's month:
 * EPOCH gives each day's timestamp, DATE the day of the month, so the month began `DATE(latest)` days
 * before the latest day ends. Availability is 1 − the regions' mean failure rate, averaged over those days.
 */
function monthToDateWidgets(check: Check, sloPercent: number): IWidget[] {
  const period = Duration.days(1);
  const daily: Record<string, IMetric> = {};
  check.regions.forEach((region, i) => {
    daily[`f${i}`] = failedMetric(check.id, region, { period });
  });
  const expr = (expression: string, usingMetrics: Record<string, IMetric>, label: string) => new MathExpression({ expression, usingMetrics, label, period });
  const day = expr(`1 - AVG([${Object.keys(daily).join(', ')}])`, daily, 'daily availability');
  const latest = expr('MAX(EPOCH(day))', { day }, 'latest day');
  const today = expr('MAX(IF(EPOCH(day) == latest, DATE(day), 0))', { day, latest }, 'day of month');
  const thisMonth = expr(`IF(EPOCH(day) > latest - today * ${DAY_SECONDS}, day)`, { day, latest, today }, 'days this month');
  const availability = expr('100 * (day * 0 + AVG(month))', { day, month: thisMonth }, 'availability this month (UTC), %');
  const budgetShare = round((100 - sloPercent) / 100);
  const budgetLeft = expr(`100 * (1 - (1 - (day * 0 + AVG(month))) / ${budgetShare})`, { day, month: thisMonth }, `error budget left (SLO ${sloPercent}%), %`);
  const dailyPercent = expr('100 * day', { day }, 'availability per day, %');
  return [
    new SingleValueWidget({ title: `This month vs SLO ${sloPercent}%`, metrics: [availability, budgetLeft], start: MONTH_WINDOW, fullPrecision: true, width: HALF, height: HEIGHT }),
    new GraphWidget({
      title: 'Availability per day (%)',
      left: [dailyPercent],
      leftAnnotations: [{ value: sloPercent, label: `SLO ${sloPercent}%` }],
      leftYAxis: { max: 100, showUnits: false },
      start: MONTH_WINDOW,
      width: HALF,
      height: HEIGHT,
    }),
  ];
}

/**
 * Average time of each request phase per hour, one stacked chart per probe region of the check. The phases
 * come from the probe's result log lines (`resultLogLine`), queried in the probe region's log group by
 * name: phase metrics would cost five custom metrics per check and region. A phase that did not happen
 * (no TLS on plain HTTP, nothing after a timeout) is null in the line and left out of its average.
 */
function phaseBreakdownWidgets(check: Check, logGroupName: string): IWidget[][] {
  const perRow = 3;
  const width = check.regions.length >= perRow ? THIRD : FULL / check.regions.length;
  const widgets = check.regions.map(
    (region) =>
      new LogQueryWidget({
        title: `Phase times in ${region} (average ms per hour)`,
        region,
        logGroupNames: [logGroupName],
        queryLines: phaseBreakdownQueryLines(check.id),
        view: LogQueryVisualizationType.STACKEDAREA,
        width,
        height: HEIGHT,
      }),
  );
  const rows: IWidget[][] = [];
  for (let i = 0; i < widgets.length; i += perRow) rows.push(widgets.slice(i, i + perRow));
  return rows;
}

/** The Logs Insights query of one check's phase breakdown (CDK joins the lines with `\n| `). */
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

function alarmWidgetHeight(alarms: number): number {
  return Math.min(12, 2 + Math.ceil(alarms / 6));
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}

function round(n: number): number {
  return Number(n.toPrecision(12));
}
