import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { Config } from '../../lambdas/core/check.ts';
import { HANDLER_ENTRIES } from '../paths.ts';
import { leadingKeysStatement } from '../permissions.ts';
import { HandlerFunction } from './handler-function.ts';

export interface RollupCompactionProps {
  readonly config: Config;
  readonly functionName: string;
  /** HANDLER_ENV for the function. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default 02:30 UTC every day (a day can be packed from 02:00 the next day on) */
  readonly schedule?: Schedule;
}

/** Partition keys compaction reads: rollups and day packs, and the location markers that list the pairs. */
export const COMPACTION_READ_LEADING_KEYS = ['ROLL#*', 'LOCATIONS'] as const;
/** The only partitions it writes (day packs sit beside the hourly rollups). */
export const COMPACTION_WRITE_LEADING_KEYS = ['ROLL#*'] as const;

/**
 * Rollup compaction (lambdas/handlers/rollup-compaction.ts) in the home region: an EventBridge schedule runs
 * it once a day. Its role reads only rollup and location-marker items and writes only in rollup partitions
 * (DynamoDB fine-grained access on the partition key).
 */
export class RollupCompaction extends Construct {
  readonly handler: HandlerFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: RollupCompactionProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Function', {
      entry: HANDLER_ENTRIES.rollupCompaction,
      functionName: props.functionName,
      description: 'skyprobe: packs each closed day of hourly rollups into one item per check and location',
      config: props.config,
      environment: props.environment,
      // A day of 150 checks × 5 regions is 750 packs of ~10 ms; the first run after deploy may have a month.
      timeout: Duration.minutes(15),
      memorySizeMb: 512,
    });
    const { project } = props.config;
    this.handler.role.addToPolicy(leadingKeysStatement(this, project, 'ReadRollups', ['dynamodb:Query', 'dynamodb:GetItem'], COMPACTION_READ_LEADING_KEYS));
    this.handler.role.addToPolicy(leadingKeysStatement(this, project, 'WriteDayPacks', ['dynamodb:PutItem'], COMPACTION_WRITE_LEADING_KEYS));
    this.rule = new Rule(this, 'Schedule', {
      description: 'skyprobe: packs yesterday\'s hourly rollups, every day at 02:30 UTC',
      schedule: props.schedule ?? Schedule.cron({ minute: '30', hour: '2' }),
      targets: [new LambdaFunction(this.handler.function, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });
  }
}
