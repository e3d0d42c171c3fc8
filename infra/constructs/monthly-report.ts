import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Config } from '../../lambdas/core/check.ts';
import { acknowledgeNag } from '../nag.ts';
import { HANDLER_ENTRIES } from '../paths.ts';
import { leadingKeysStatement } from '../permissions.ts';
import { HandlerFunction } from './handler-function.ts';

export interface MonthlyReportProps {
  readonly config: Config;
  /** Where the summary is published (the alert topic; its KMS key is granted with it). */
  readonly topic: ITopic;
  readonly functionName: string;
  /** HANDLER_ENV for the function, the topic ARN included. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default 00:05 UTC on the 1st of every month */
  readonly schedule?: Schedule;
}

/** Partition keys the report reads: rollups, incidents and their index, location markers, earlier reports. */
export const REPORT_READ_LEADING_KEYS = ['ROLL#*', 'INC#*', 'INCIDENTS', 'LOCATIONS', 'REPORT'] as const;
/** The only partition it writes. */
export const REPORT_WRITE_LEADING_KEYS = ['REPORT'] as const;

/**
 * The monthly report (lambdas/handlers/monthly-report.ts) in the home region: an EventBridge schedule on
 * the 1st at 00:05 UTC runs it for last month. Its role reads only rollup, incident, location-marker and
 * report items and writes only report items (DynamoDB fine-grained access on the partition key), and may
 * publish to the alert topic.
 */
export class MonthlyReport extends Construct {
  readonly handler: HandlerFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: MonthlyReportProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Function', {
      entry: HANDLER_ENTRIES.monthlyReport,
      functionName: props.functionName,
      description: 'skyprobe: builds last month\'s uptime and SLO report, stores it and publishes a summary',
      config: props.config,
      environment: props.environment,
      // A month of 100 checks × 5 regions is ~360,000 rollups: seconds, with room for throttled reads.
      timeout: Duration.minutes(5),
      memorySizeMb: 1024,
    });
    const { project } = props.config;
    this.handler.role.addToPolicy(
      leadingKeysStatement(this, project, 'ReadReportSources', ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'], REPORT_READ_LEADING_KEYS),
    );
    this.handler.role.addToPolicy(leadingKeysStatement(this, project, 'WriteReports', ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'], REPORT_WRITE_LEADING_KEYS));
    props.topic.grantPublish(this.handler.function);

    this.rule = new Rule(this, 'Schedule', {
      description: 'skyprobe: last month\'s uptime report, on the 1st at 00:05 UTC',
      schedule: props.schedule ?? Schedule.cron({ minute: '5', hour: '0', day: '1' }),
      targets: [new LambdaFunction(this.handler.function, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });

    acknowledgeNag(
      this.handler.role,
      'IAM5',
      'Publishing to the KMS-encrypted alert topic needs kms:GenerateDataKey* (the action family SNS uses); the grant is on the one topic key only.',
      'Action::kms:GenerateDataKey*',
    );
  }
}
