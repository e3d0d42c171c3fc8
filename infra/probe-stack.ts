import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Check, Config } from '../lambdas/core/check.ts';
import { HANDLER_ENV, PROBE_SCHEDULE_EXPRESSION, PROBE_TIMEOUT_MS, shardsFor, type ProbeInvocation } from '../lambdas/core/deployment.ts';
import { alarmNames, alarmStateChangePattern, probeRegionAlarms } from '../lambdas/core/alarm-names.ts';
import { metricNamespace } from '../lambdas/core/alert-policy.ts';
import { DeadLetterAlarm } from './constructs/dead-letter-alarm.ts';
import { HandlerFunction } from './constructs/handler-function.ts';
import { lambdaMetric } from './metrics.ts';
import { functionNames, handlerEnvironment, queueNames } from './naming.ts';
import { HANDLER_ENTRIES } from './paths.ts';
import { acknowledgeNag } from './nag.ts';
import { grantSecretRead, probeTableStatements, putMetricDataStatement, sendContinuationsStatement } from './permissions.ts';

export interface ProbeStackProps extends StackProps {
  readonly config: Config;
}

/** Below the one-minute schedule, so an invocation never runs into the next minute's. */
export const PROBE_TIMEOUT = Duration.millis(PROBE_TIMEOUT_MS);
export const PROBE_MEMORY_MB = 512;
/** A schedule fire older than this is dropped: the next minute's fire is already due. */
export const SCHEDULE_MAX_EVENT_AGE = Duration.seconds(60);
export const SCHEDULE_RETRY_ATTEMPTS = 1;
/** A continuation message is useless once its minute is over; a few minutes cover the delays and one redelivery. */
export const CONTINUATION_RETENTION = Duration.minutes(5);
/** Longer than the probe's timeout, so a message is not delivered again while its invocation still runs. */
export const CONTINUATION_VISIBILITY_TIMEOUT = Duration.seconds(60);
const ERROR_WINDOW_MINUTES = 5;
const ERROR_MINUTES = 3;

/**
 * The probe function's log group, the same name in every probe region: the home region's per-check
 * dashboards query its result lines (Logs Insights) by this name, never through a cross-region reference.
 */
export function probeLogGroupName(project: string): string {
  return `/aws/lambda/${functionNames.probe(project)}`;
}

/**
 * One probe region: the probe function, one EventBridge Scheduler schedule per shard of this region's
 * checks (each fire is `{ shard, shards }`), a DLQ for fires that could not be delivered, the function's
 * own alarm, and (outside the home region) a rule that forwards this region's skyprobe alarm state changes
 * to the home region's default event bus, where the notifier's rule picks them up like local ones.
 */
export class ProbeStack extends Stack {
  readonly checks: readonly Check[];
  readonly shards: number;
  readonly probe: HandlerFunction;
  /** The continuation queue; only in a region with sub-minute checks. */
  readonly continuations: Queue | null;

  constructor(scope: Construct, id: string, props: ProbeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const project = config.project;
    const region = this.region;
    this.checks = config.checks.filter((c) => c.regions.includes(region));
    this.shards = shardsFor(this.checks);

    this.probe = new HandlerFunction(this, 'Probe', {
      entry: HANDLER_ENTRIES.probe,
      functionName: functionNames.probe(project),
      description: `skyprobe: runs ${this.checks.length} checks from ${region} in ${this.shards} shard(s)`,
      config,
      environment: handlerEnvironment(this, config, region),
      timeout: PROBE_TIMEOUT,
      memorySizeMb: PROBE_MEMORY_MB,
      logGroupName: probeLogGroupName(project),
    });
    const fn = this.probe.function;
    const role = this.probe.role;
    for (const statement of probeTableStatements(this, project, region)) role.addToPolicy(statement);
    role.addToPolicy(putMetricDataStatement(project));
    grantSecretRead(role, project, region);
    // A failed minute is not retried by Lambda either: the next minute's run is the retry.
    fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(60) });

    // Sub-minute checks: the scheduled invocation hands later parts of its minute to continuation
    // invocations through this queue (delayed messages), instead of being billed while it waits.
    this.continuations = null;
    if (this.checks.some((c) => c.intervalMs < 60_000)) {
      const queue = new Queue(this, 'Continuations', {
        queueName: queueNames.probeContinuations(project),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: CONTINUATION_VISIBILITY_TIMEOUT,
        retentionPeriod: CONTINUATION_RETENTION,
      });
      role.addToPolicy(sendContinuationsStatement(queue.queueArn));
      // One message per invocation, at once: a continuation is a part of a minute that must start on time.
      fn.addEventSource(new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: false }));
      fn.addEnvironment(HANDLER_ENV.continuationQueueUrl, queue.queueUrl);
      acknowledgeNag(
        queue,
        'SQS3',
        'No dead-letter queue on purpose: a continuation is a part of one minute, useless once that minute is over. A failed one is counted (function errors alarm, SkippedRuns), a repeated delivery runs nothing (its claim in the table), and the messages expire after 5 minutes.',
      );
      this.continuations = queue;
    }

    const deadLetters = new Queue(this, 'ScheduleDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // One role for every shard's schedule; LambdaInvoke grants it lambda:InvokeFunction on the probe.
    const scheduleRole = new Role(this, 'ScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
      description: `Lets EventBridge Scheduler invoke ${functionNames.probe(project)} in ${region}`,
    });
    for (let shard = 0; shard < this.shards; shard++) {
      // The scheduled time names the invocation's nominal minute: it fires at any second of that minute.
      const input: Required<ProbeInvocation> = { shard, shards: this.shards, scheduledTime: ContextAttribute.scheduledTime };
      new Schedule(this, `Shard${shard}`, {
        description: `skyprobe ${region}: shard ${shard + 1} of ${this.shards}, every minute`,
        schedule: ScheduleExpression.expression(PROBE_SCHEDULE_EXPRESSION),
        timeWindow: TimeWindow.off(),
        target: new LambdaInvoke(fn, {
          input: ScheduleTargetInput.fromObject(input),
          retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
          maxEventAge: SCHEDULE_MAX_EVENT_AGE,
          deadLetterQueue: deadLetters,
          role: scheduleRole,
        }),
      });
    }

    const minute = Duration.minutes(1);
    // Errors and throttles apart: an error is skyprobe's bug or a dependency down; a throttle is the account's
    // concurrency spent elsewhere. Either way results from this region are missing, never a target failure.
    const selfAlarm = (id: string, alarmName: string, metricName: 'Errors' | 'Throttles', what: string) =>
      new Alarm(this, id, {
        alarmName,
        alarmDescription: `probe function in ${region} ${what} in ${ERROR_MINUTES} of the last ${ERROR_WINDOW_MINUTES} minutes`,
        metric: lambdaMetric(fn.functionName, region, metricName, Stats.SUM, minute),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: ERROR_WINDOW_MINUTES,
        datapointsToAlarm: ERROR_MINUTES,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    selfAlarm('ProbeErrors', alarmNames.probeErrors(project, region), 'Errors', 'failing: errors');
    selfAlarm('ProbeThrottles', alarmNames.probeThrottles(project, region), 'Throttles', 'throttled');

    if (region !== config.homeRegion) {
      const homeBus = EventBus.fromEventBusArn(
        this,
        'HomeEventBus',
        this.formatArn({ service: 'events', region: config.homeRegion, resource: 'event-bus', resourceName: 'default' }),
      );
      // Exactly this region's own alarms: nothing of another project, and never the dead-letter alarm below.
      const pattern = alarmStateChangePattern(project, probeRegionAlarms(project, region));
      new Rule(this, 'ForwardAlarmStateChanges', {
        description: `skyprobe alarm state changes in ${region} to the ${config.homeRegion} default event bus (the notifier)`,
        eventPattern: { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail },
        targets: [new eventTargets.EventBus(homeBus, { deadLetterQueue: deadLetters })],
      });
    }

    // What waits in the dead-letter queue reached no one: said to the alert topic without the notifier.
    new DeadLetterAlarm(this, 'DeadLetters', {
      config,
      queue: deadLetters,
      relayFunctionName: functionNames.alarmRelay(project),
      environment: handlerEnvironment(this, config, region),
    });

    // cdk-nag acknowledgments, each with its reason.
    acknowledgeNag(
      role,
      'IAM5',
      `cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by the condition cloudwatch:namespace = ${metricNamespace(project)} (this project's own).`,
      'Resource::*',
    );
    acknowledgeNag(
      scheduleRole,
      'IAM5',
      'Granted by LambdaInvoke (grantInvoke): the probe function and its versions/aliases ("<function arn>:*"); nothing else.',
      `Resource::<${this.resolve((fn.node.defaultChild as CfnFunction).logicalId) as string}.Arn>:*`,
    );
    acknowledgeNag(deadLetters, 'SQS3', 'This queue is itself the dead-letter queue of the probe schedules and of the alarm-forwarding rule.');
  }
}
