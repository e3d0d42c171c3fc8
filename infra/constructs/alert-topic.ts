import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
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
}

/** Services that publish to the topic themselves, besides the notifier's own role. */
const PUBLISHING_SERVICES = ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] as const;

/**
 * The SNS topic alerts end up on, encrypted with a customer managed KMS key (rotated yearly). A customer key
 * and not `alias/aws/sns`: the AWS managed key's policy cannot be changed, so CloudWatch alarm actions and
 * EventBridge could not publish to a topic encrypted with it.
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
    for (const service of PUBLISHING_SERVICES) {
      // Publishing to an encrypted topic needs a data key from the topic's KMS key.
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid: `AllowPublishFrom${service.split('.')[0]}`,
          principals: [new ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
    }

    this.topic = new Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: 'skyprobe alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const service of PUBLISHING_SERVICES) {
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid: `AllowPublishFrom${service.split('.')[0]}`,
          principals: [new ServicePrincipal(service)],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
    }

    for (const address of props.emailAddresses ?? []) this.topic.addSubscription(new EmailSubscription(address));
    for (const number of props.smsNumbers ?? []) this.topic.addSubscription(new SmsSubscription(number));
    for (const url of props.httpsUrls ?? []) this.topic.addSubscription(new UrlSubscription(url));
  }
}
