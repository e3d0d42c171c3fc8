/**
 * Metrics the AWS probe sends besides core's `METRICS` (same namespace, the project's `metricNamespace`, home region).
 * A constant table the CDK app may import for its TLS-expiry and self-monitoring alarms.
 * (Candidates for core's METRICS table; kept here until core adopts them.)
 */
export const AWS_PROBE_METRICS = {
  /**
   * TLS checks only: days until the earliest expiry among the certificates served (chain and every
   * address), per run. Dimension CheckId only (every region in one metric): the alarm reads its Minimum
   * below `minDaysRemaining`; which region saw which certificate is in the results.
   */
  TlsDaysRemaining: { name: 'TlsDaysRemaining', unit: 'None' },
  /**
   * Scheduled runs one invocation did not start (no time left before its deadline, or the previous run of
   * the check still going): one datum per invocation that skipped any, dimension Location only. Never put
   * as 0: CloudWatch bills a custom metric for every hour it receives a datum, and only a dashboard graph
   * reads it (a Sum graph shows no point where none were skipped). No alarm reads it.
   */
  SkippedRuns: { name: 'SkippedRuns', unit: 'Count' },
} as const;
