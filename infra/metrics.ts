import { Duration } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { METRIC_DIMENSIONS, metricNamespace, METRICS } from '../lambdas/core/alert-policy.ts';
import { AWS_PROBE_METRICS } from '../lambdas/core/probe-metrics.ts';

/**
 * What each metric is (name, namespace, dimensions, unit, region). Alarms and widgets decide what to do with
 * them. Skyprobe's own metrics live in the home region (probes put them there), in the project's own
 * namespace (`metricNamespace`), so each takes the project; Lambda's own metrics live in the region of the
 * function, so those take the region explicitly.
 */

export interface CheckMetricOptions {
  readonly period: Duration;
  /** @default the metric's natural statistic (Average for Failed, p95 for DurationMs, Minimum for TlsDaysRemaining) */
  readonly statistic?: string;
  readonly label?: string;
}

/**
 * A metric of one check with dimension CheckId only: every region's runs in one metric, so one custom
 * metric per check whatever the number of regions. Per-region views come from the result log lines.
 */
function checkMetric(project: string, metricName: string, checkId: string, options: CheckMetricOptions, statistic: string): Metric {
  return new Metric({
    namespace: metricNamespace(project),
    metricName,
    dimensionsMap: { [METRIC_DIMENSIONS.CheckId]: checkId },
    statistic: options.statistic ?? statistic,
    period: options.period,
    ...(options.label === undefined ? {} : { label: options.label }),
  });
}

/**
 * 1 per failed run, 0 per passing run, every region in one metric: the Average is the check's failure rate
 * over all regions; for a check with one run per period the Sum is its number of failing locations.
 */
export function failedMetric(project: string, checkId: string, options: CheckMetricOptions): Metric {
  return checkMetric(project, METRICS.Failed.name, checkId, options, Stats.AVERAGE);
}

/** Total time of every run of the check, all regions in one metric: the latency alarm's p95. */
export function durationMetric(project: string, checkId: string, options: CheckMetricOptions): Metric {
  return checkMetric(project, METRICS.DurationMs.name, checkId, options, Stats.percentile(95));
}

/** Days until the served certificate expires, per run of a tls check, all regions in one metric: the Minimum is the fewest days any region saw. */
export function tlsDaysRemainingMetric(project: string, checkId: string, options: CheckMetricOptions): Metric {
  return checkMetric(project, AWS_PROBE_METRICS.TlsDaysRemaining.name, checkId, options, Stats.MINIMUM);
}

/** 1 per probe invocation in a location: its absence means the location went silent. */
export function locationAliveMetric(project: string, location: string, period: Duration): Metric {
  return new Metric({
    namespace: metricNamespace(project),
    metricName: METRICS.LocationAlive.name,
    dimensionsMap: { [METRIC_DIMENSIONS.Location]: location },
    statistic: Stats.SUM,
    period,
    label: location,
  });
}

/** Scheduled runs an invocation could not start in a location (dimension Location only; put only when some were skipped). */
export function skippedRunsMetric(project: string, location: string, period: Duration): Metric {
  return new Metric({
    namespace: metricNamespace(project),
    metricName: AWS_PROBE_METRICS.SkippedRuns.name,
    dimensionsMap: { [METRIC_DIMENSIONS.Location]: location },
    statistic: Stats.SUM,
    period,
    label: location,
  });
}

export type LambdaMetricName = 'Invocations' | 'Errors' | 'Throttles' | 'Duration' | 'ConcurrentExecutions';

/** A Lambda metric of a function found by name, read in the function's own region. */
export function lambdaMetric(functionName: string, region: string, metricName: LambdaMetricName, statistic: string, period: Duration): Metric {
  return new Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { FunctionName: functionName },
    statistic,
    period,
    region,
    label: region,
  });
}
