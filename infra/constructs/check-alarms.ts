import { Duration } from 'aws-cdk-lib';
import { Alarm, CfnAlarm, ComparisonOperator, TreatMissingData, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { periodLengthMs, quorumAlarmDefinition, type QuorumAlarmDefinition } from '../../lambdas/core/alert-policy.ts';
import type { Check } from '../../lambdas/core/check.ts';
import { alarmNames } from '../../lambdas/core/alarm-names.ts';
import { durationMetric, tlsDaysRemainingMetric } from '../metrics.ts';

export interface CheckAlarmsProps {
  readonly project: string;
  readonly check: Check;
}

/** Latency threshold when a check sets no `degradedAfter`: this share of its timeout. */
export const DEFAULT_LATENCY_SHARE_OF_TIMEOUT = 0.8;

/** The latency alarm's threshold: `degradedAfter`, else DEFAULT_LATENCY_SHARE_OF_TIMEOUT of the timeout. */
export function latencyThresholdMillis(check: Check): number {
  return check.degradedAfterMs ?? Math.round(check.timeoutMs * DEFAULT_LATENCY_SHARE_OF_TIMEOUT);
}

/** The names of every alarm `CheckAlarms` builds for a check, most important first (defined in core: the notifier acts on them). */
export { checkAlarmNames } from '../../lambdas/core/alarm-names.ts';

/**
 * The alarms of one check, all in the home region where the probe metrics land:
 * - down: the quorum rule, exactly as `quorumAlarmDefinition` defines it (the Sum of the check's `Failed`
 *   for a check with one run per period, else each region's `Failed` average);
 * - latency: the p95 of DurationMs (one metric per check, every region's runs in it) over `degradedAfter`
 *   (else 80% of the timeout), m of n periods: one alarm metric, not one per region;
 * - tls expiry (tls checks): the Minimum of TlsDaysRemaining (one metric per check, every region's runs in
 *   it, so the fewest days any region saw) under `minDaysRemaining`.
 * Alarms have no actions: an EventBridge rule sends every state change of a skyprobe alarm to the notifier.
 */
export class CheckAlarms extends Construct {
  readonly check: Check;
  readonly definition: QuorumAlarmDefinition;
  readonly down: IAlarm;
  readonly latency: Alarm;
  readonly tlsExpiry: Alarm | undefined;
  readonly latencyThresholdMillis: number;

  constructor(scope: Construct, id: string, props: CheckAlarmsProps) {
    super(scope, id);
    const { check, project } = props;
    this.check = check;
    const period = Duration.millis(periodLengthMs(check));

    this.definition = quorumAlarmDefinition(check, { project });
    const down = quorumAlarm(this, 'Down', this.definition);
    this.down = Alarm.fromAlarmArn(this, 'DownRef', down.attrArn);

    this.latencyThresholdMillis = latencyThresholdMillis(check);
    this.latency = new Alarm(this, 'Latency', {
      alarmName: alarmNames.latency(project, check.id),
      alarmDescription:
        `${check.name} is slow: p95 total time of its runs in all regions over ${this.latencyThresholdMillis} ms ` +
        `in ${check.alertPolicy.failingPeriods} of the last ${check.alertPolicy.evaluationPeriods} periods of ${period.toSeconds()} s`,
      metric: durationMetric(project, check.id, { period, label: 'p95 total time, all regions (ms)' }),
      threshold: this.latencyThresholdMillis,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: check.alertPolicy.evaluationPeriods,
      datapointsToAlarm: check.alertPolicy.failingPeriods,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    if (check.type === 'tls') {
      this.tlsExpiry = new Alarm(this, 'TlsExpiry', {
        alarmName: alarmNames.tlsExpiry(project, check.id),
        alarmDescription: `${check.name}: the certificate of ${check.host}:${check.port} expires in fewer than ${check.minDaysRemaining} days`,
        metric: tlsDaysRemainingMetric(project, check.id, { period, label: 'fewest days remaining, all regions' }),
        threshold: check.minDaysRemaining,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }

  /** Every alarm of the check, most important first. */
  get all(): IAlarm[] {
    return [this.down, this.latency, ...(this.tlsExpiry === undefined ? [] : [this.tlsExpiry])];
  }
}

/** The quorum alarm, field for field from the core definition (metric math over the check's `Failed` Sum, or each region's average). */
export function quorumAlarm(scope: Construct, id: string, definition: QuorumAlarmDefinition): CfnAlarm {
  return new CfnAlarm(scope, id, {
    alarmName: definition.alarmName,
    alarmDescription: definition.alarmDescription,
    comparisonOperator: definition.comparisonOperator,
    threshold: definition.threshold,
    evaluationPeriods: definition.evaluationPeriods,
    datapointsToAlarm: definition.datapointsToAlarm,
    treatMissingData: definition.treatMissingData,
    metrics: [
      ...definition.metrics.map((metric) => ({
        id: metric.id,
        returnData: false,
        metricStat: {
          metric: {
            namespace: metric.namespace,
            metricName: metric.metricName,
            dimensions: Object.entries(metric.dimensions).map(([name, value]) => ({ name, value })),
          },
          period: metric.periodSeconds,
          stat: metric.stat,
        },
      })),
      { id: 'failing', expression: definition.expression, label: definition.expressionLabel, returnData: true },
    ],
  });
}
