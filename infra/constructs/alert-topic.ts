import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertTopicProps {
  readonly topicName: string;
  /** @default no e-mail subscriptions */
  readonly emailAddresses?: readonly string[];
  /** @default no SMS subscriptions */
  readonly smsNumbers?: readonly string[];
  /** @default no HTTPS subscriptions */
  readonly httpsUrls?: readonly string[];
  /**
   * Names of the alarms (in this account and region) whose actions may publish to the topic, e.g. `shop-*`.
   * @default any alarm of this account and region
   */
  readonly alarmNamePattern?: string;
}

/** The one service that publishes to the topic itself (alarm actions), besides the roles of skyprobe's functions. */
const CLOUDWATCH = 'cloudwatch.amazonaws.com';

/**
 * The SNS topic alerts end up on, encrypted with a customer managed KMS key (rotated yearly). A customer key
 * and not `alias/aws/sns`: the AWS managed key's policy cannot be changed, so CloudWatch alarm actions could
 * not publish to a topic encrypted with it.
 *
 * CloudWatch may publish (and use the key) only for alarms of this account and region named by
 * `alarmNamePattern` (`aws:SourceAccount`, `aws:SourceArn`), so no other account's alarm can use the
 * service as a confused deputy. Nothing publishes through EventBridge (the notifier's fallback is a function
 * with its own role), so the EventBridge service principal gets neither the topic nor the key.
 */
export class AlertTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new Key(this, 'Key', {
      description: `Encrypts the ${props.topicName} SNS topic`,
      enableKeyRotation: true,
      // SNS keeps no messages at rest past delivery, so the key goes with the stack (after a 30-day window).
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fromOwnAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: props.alarmNamePattern ?? '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      },
    };
    // Publishing to an encrypted topic needs a data key from the topic's KMS key.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowPublishFromcloudwatch',
        principals: [new ServicePrincipal(CLOUDWATCH)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOwnAlarms,
      }),
    );

    this.topic = new Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: 'skyprobe alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowPublishFromcloudwatch',
        principals: [new ServicePrincipal(CLOUDWATCH)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOwnAlarms,
      }),
    );

    for (const address of props.emailAddresses ?? []) this.topic.addSubscription(new EmailSubscription(address));
    for (const number of props.smsNumbers ?? []) this.topic.addSubscription(new SmsSubscription(number));
    for (const url of props.httpsUrls ?? []) this.topic.addSubscription(new UrlSubscription(url));
  }
}
