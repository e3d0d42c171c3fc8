import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { DestinationConfig, IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../../lambdas/core/check.ts';
import { alertPathAlarmNames } from '../../lambdas/core/alarm-names.ts';
import { HANDLER_ENTRIES } from '../paths.ts';
import { acknowledgeNag } from '../nag.ts';
import { leadingKeysStatement } from '../permissions.ts';
import { HandlerFunction } from './handler-function.ts';

export interface NotifierFallbackProps {
  readonly config: Config;
  /** The notifier: its errors and its destination failures get an alarm. */
  readonly notifier: IFunction;
  readonly topic: ITopic;
  /**
   * Where alarm events that reached no one wait (`undeliveredQueue`): the fallback's own failures, and (the
   * caller's) what the alarm rule could not deliver to the notifier.
   */
  readonly undelivered: IQueue;
  readonly functionName: string;
  /** HANDLER_ENV for the function, the topic ARN included. */
  readonly environment: Readonly<Record<string, string>>;
}

/** The ledger's delivery items (lambdas/aws/delivery-ledger.ts): all the fallback reads and writes. */
const FALLBACK_LEADING_KEYS = ['DELIVERY#*'] as const;

/** An alarm on the alert path fires on the first bad datapoint of this period: a missed alert is never noise. */
const ALERT_PATH_PERIOD = Duration.minutes(5);

/**
 * The queue alarm events that reached no one wait in (SSE-SQS, 14 days): the dead-letter queue of the rule
 * that invokes the notifier, and the fallback's on-failure destination. Apart from `NotifierFallback`, in the
 * stack of the rule: its policy names the rule, and the rule names it.
 */
export function undeliveredQueue(scope: Construct, id: string): Queue {
  const queue = new Queue(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
  acknowledgeNag(queue, 'SQS3', 'This queue is itself a dead-letter queue: of the alarm rule\'s notifier target and of the notifier\'s fallback function.');
  return queue;
}

/**
 * What keeps alerts flowing when the notifier cannot (home region):
 * - the fallback function, the notifier's on-failure destination (lambdas/handlers/alarm-fallback.ts): it
 *   publishes what the topic never got, once, and logs the rest; its own failures go to the undelivered
 *   queue (`undeliveredQueue`): an alarm event there reached nobody;
 * - three alarms whose actions publish straight to the topic (ALARM and OK), so they need neither the
 *   notifier nor the fallback: the notifier failing (errors: a retried event, a webhook given up, a failed
 *   sweep), Lambda unable to hand a failed event to the fallback, and events in the undelivered queue.
 *   Their names are in no rule's pattern (`alertPathAlarmNames`), so nothing reaches the notifier twice and
 *   nothing loops. CloudWatch publishes them as its own JSON, without message attributes: a subscription
 *   with a filter policy on attributes does not get them.
 */
export class NotifierFallback extends Construct {
  readonly handler: HandlerFunction;
  readonly alarms: readonly Alarm[];
  readonly #functionName: string;

  constructor(scope: Construct, id: string, props: NotifierFallbackProps) {
    super(scope, id);
    const { project } = props.config;
    this.#functionName = props.functionName;

    this.handler = new HandlerFunction(this, 'Function', {
      entry: HANDLER_ENTRIES.alarmFallback,
      functionName: props.functionName,
      description: 'skyprobe: publishes the alarm changes the notifier gave up on, unless the topic had them',
      config: props.config,
      environment: props.environment,
      timeout: Duration.seconds(30),
      memorySizeMb: 256,
    });
    const fn = this.handler.function;
    this.handler.role.addToPolicy(
      leadingKeysStatement(this, project, 'DeliveryLedger', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], FALLBACK_LEADING_KEYS),
    );
    props.topic.grantPublish(fn);
    fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(props.undelivered) });

    const action = new SnsAction(props.topic);
    const alarm = (alarmId: string, alarmName: string, alarmDescription: string, metric: IMetric): Alarm => {
      const a = new Alarm(this, alarmId, {
        alarmName,
        alarmDescription,
        metric,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      return a;
    };
    this.alarms = [
      alarm(
        'NotifierFailing',
        alertPathAlarmNames.notifierFailing(project),
        `skyprobe's notifier failed invocations in the last ${ALERT_PATH_PERIOD.toMinutes()} minutes: alerts are retried, may be late, or come as fallback messages; a webhook may have been given up, or the maintenance sweep failed. See the notifier's log.`,
        props.notifier.metricErrors({ period: ALERT_PATH_PERIOD, statistic: Stats.SUM }),
      ),
      alarm(
        'FallbackUnreachable',
        alertPathAlarmNames.fallbackUnreachable(project),
        'Lambda could not hand an alarm change the notifier gave up on to the fallback function: that alert may be lost. See the notifier\'s and the fallback\'s logs.',
        props.notifier.metric('DestinationDeliveryFailures', { period: ALERT_PATH_PERIOD, statistic: Stats.SUM }),
      ),
      alarm(
        'AlarmEventsUndelivered',
        alertPathAlarmNames.alarmEventsUndelivered(project),
        `Alarm changes that reached neither the notifier nor its fallback wait in queue ${props.undelivered.queueName}: read them (they name the alarm), then purge the queue.`,
        props.undelivered.metricApproximateNumberOfMessagesVisible({ period: ALERT_PATH_PERIOD, statistic: Stats.MAXIMUM }),
      ),
    ];

    acknowledgeNag(
      this.handler.role,
      'IAM5',
      'Publishing to the KMS-encrypted alert topic needs kms:GenerateDataKey* (the action family SNS uses); the grant is on the one topic key only.',
      'Action::kms:GenerateDataKey*',
    );
  }

  /**
   * The notifier's on-failure destination: this function, by its fixed name, invocable by the notifier's role
   * (the function alone, no versions). Created after `dependsOn` (the stack holding this construct), so
   * Lambda finds the function when the notifier's invoke config is written.
   */
  destination(dependsOn: Construct): IDestination {
    const functionName = this.#functionName;
    return {
      bind(scope: Construct, fn: IFunction): DestinationConfig {
        const arn = Stack.of(scope).formatArn({ service: 'lambda', resource: 'function', resourceName: functionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
        fn.addToRolePolicy(new PolicyStatement({ sid: 'InvokeFallback', actions: ['lambda:InvokeFunction'], resources: [arn] }));
        scope.node.addDependency(dependsOn);
        return { destination: arn };
      },
    };
  }
}
