import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaAction, SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Config } from '../../lambdas/core/check.ts';
import { alertPathAlarmNames } from '../../lambdas/core/alarm-names.ts';
import { HANDLER_ENV } from '../../lambdas/core/deployment.ts';
import { HANDLER_ENTRIES } from '../paths.ts';
import { acknowledgeNag, asNagFinding } from '../nag.ts';
import { HandlerFunction } from './handler-function.ts';

export interface DeadLetterAlarmProps {
  readonly config: Config;
  /** The region's dead-letter queue. */
  readonly queue: IQueue;
  readonly relayFunctionName: string;
  /** HANDLER_ENV of the region, the home topic's ARN included. */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * "Events wait in the dead-letter queue of <region>" (a probe region: schedule fires that missed the probe,
 * alarm changes not forwarded home), told to the alert topic without the notifier. An alarm action can
 * publish only to a topic in its own region: in the home region it publishes straight to the topic; in any
 * other region it invokes a small relay function there (lambdas/handlers/alarm-fallback.ts), which
 * publishes to the home topic with message attributes (kind `dead-letters`, state, severity, location).
 * The alarm's name is in no rule's pattern: it never travels through the queue it watches.
 */
export class DeadLetterAlarm extends Construct {
  readonly alarm: Alarm;
  /** Only outside the home region. */
  readonly relay: HandlerFunction | null;

  constructor(scope: Construct, id: string, props: DeadLetterAlarmProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props;
    const topicArn = props.environment[HANDLER_ENV.topicArn];
    if (topicArn === undefined) throw new Error(`dead-letter alarm in ${stack.region}: the environment has no ${HANDLER_ENV.topicArn}`);
    const period = Duration.minutes(5);
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName: alertPathAlarmNames.deadLetters(config.project, stack.region),
      alarmDescription:
        `Events skyprobe could not deliver in ${stack.region} wait in queue ${props.queue.queueName}: probe schedule fires that could not invoke the probe ` +
        `(checks did not run), or alarm state changes that could not be forwarded to ${config.homeRegion}. Read them, then purge the queue.`,
      metric: props.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    let action: IAlarmAction;
    if (stack.region === config.homeRegion) {
      this.relay = null;
      action = new SnsAction(Topic.fromTopicArn(this, 'AlertTopic', topicArn));
    } else {
      this.relay = new HandlerFunction(this, 'Relay', {
        entry: HANDLER_ENTRIES.alarmFallback,
        functionName: props.relayFunctionName,
        description: `skyprobe: relays the dead-letter alarm of ${stack.region} to the alert topic in ${config.homeRegion}`,
        config,
        environment: props.environment,
        timeout: Duration.seconds(30),
        memorySizeMb: 256,
      });
      const role = this.relay.role;
      role.addToPolicy(new PolicyStatement({ sid: 'PublishToAlertTopic', actions: ['sns:Publish'], resources: [topicArn] }));
      // The topic's key is in the home stack, its id unknown here: any key of the account, used by SNS in the
      // home region for this topic only (SNS encrypts with the topic's ARN as encryption context).
      const keys = stack.formatArn({ service: 'kms', region: config.homeRegion, resource: 'key', resourceName: '*' });
      role.addToPolicy(
        new PolicyStatement({
          sid: 'EncryptForAlertTopic',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: [keys],
          conditions: { StringEquals: { 'kms:ViaService': `sns.${config.homeRegion}.amazonaws.com`, 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
        }),
      );
      // CloudWatch invokes it asynchronously; a relay that keeps failing shows in its own errors.
      this.relay.function.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(1) });
      action = new LambdaAction(this.relay.function);
      acknowledgeNag(
        role,
        'IAM5',
        'The alert topic\'s KMS key lives in the home stack and its key id is not known to this stack: the statement names the keys of the home region, limited to SNS (kms:ViaService) encrypting for the one alert topic (kms:EncryptionContext:aws:sns:topicArn).',
        `Resource::${asNagFinding(this, keys)}`,
      );
      acknowledgeNag(role, 'IAM5', 'SNS encrypts with kms:GenerateDataKey* (the action family); limited as the statement\'s resource is.', 'Action::kms:GenerateDataKey*');
    }
    this.alarm.addAlarmAction(action);
    this.alarm.addOkAction(action);
  }
}
