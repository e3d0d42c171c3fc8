import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnFunction, FunctionUrlAuthType, InvokeMode, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Config, HeartbeatCheck } from '../../lambdas/core/check.ts';
import { HEARTBEAT_PING_URL_OUTPUT, heartbeatTokenParameterPrefix } from '../../lambdas/core/heartbeat.ts';
import { acknowledgeNag, asNagFinding } from '../nag.ts';
import { grantWebhookSecretRead, leadingKeysStatement } from '../permissions.ts';
import { functionNames } from '../naming.ts';
import { HANDLER_ENTRIES } from '../paths.ts';
import { HandlerFunction } from './handler-function.ts';
import { HeartbeatTokenCleanup } from './heartbeat-token-cleanup.ts';

export interface HeartbeatsProps {
  readonly config: Config;
  /** Where alerts go (the alert topic; its KMS key is granted with it). */
  readonly topic: ITopic;
  /** HANDLER_ENV for the functions, the topic ARN included. */
  readonly environment: Readonly<Record<string, string>>;
  readonly functionNames: { readonly ping: string; readonly sweep: string; readonly backupEvents: string };
  /**
   * Reserved concurrency of the ping function: what a flood of requests can cost at most; past it the
   * function URL answers 429. Needs that much unreserved concurrency in the account.
   * @default 5
   */
  readonly pingConcurrency?: number;
}

/**
 * Partition keys the heartbeat functions read and write: their heartbeats' results, rollups, incidents and
 * open-incident pointers, every heartbeat state, the location markers, the incident indexes (by time and by
 * id) and the delivery ledger. A test (test/handlers/heartbeat.test.ts) records every key the functions touch
 * and holds it to this list, so a new entity in the store cannot silently be denied in AWS.
 *
 * Two patterns per heartbeat, so that the policy stays within IAM's size limits at the project's scale
 * (test/infra/heartbeats.test.ts measures it): `R*#<id>#*` is exactly `RES#<id>#<location>` and
 * `ROLL#<id>#<location>`, and `*C*#<id>` exactly `CHECK#<id>` and `INC#<id>` (and `INCID#<id>`, granted
 * anyway), because ids and locations are lower case without `#` and no other upper-case prefix holds a `C`
 * or starts with `R`. `HB#` items are heartbeat states only, so `HB#*` grants nothing a check owns.
 */
export function heartbeatLeadingKeys(heartbeats: readonly Pick<HeartbeatCheck, 'id'>[]): string[] {
  return [...heartbeats.flatMap((hb) => [`R*#${hb.id}#*`, `*C*#${hb.id}`]), ...SHARED_LEADING_KEYS];
}

/** The heartbeat functions' partitions that belong to no one heartbeat. */
const SHARED_LEADING_KEYS = ['HB#*', 'LOCATIONS', 'INCIDENTS', 'INCID#*', 'DELIVERY#*'] as const;

/** The item actions the heartbeat functions use (no Query, no Scan). */
const ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;

/**
 * Heartbeats in the home region (lambdas/handlers/heartbeat-*.ts, backup-event.ts):
 * - the ping function behind a Lambda function URL (AuthType NONE: each heartbeat's token, checked by the
 *   function, is the authentication), with reserved concurrency as the cap on a flood; its URL is the stack
 *   output `HeartbeatPingUrl`; it reads the tokens (SSM SecureStrings under `/<project>/heartbeat-tokens/`,
 *   created by `skyprobe heartbeat url --aws`, never by the template);
 * - the sweep, every minute, which opens incidents for missed deadlines;
 * - when a heartbeat names AWS Backup vaults or plans, a rule sending their "Backup Job State Change"
 *   events to the backup-event function;
 * - the token cleanup, a custom resource that deletes the tokens when the stack (or this construct) is deleted.
 * Every role reads and writes only its heartbeats' items (DynamoDB fine-grained access) and may publish to
 * the alert topic.
 */
export class Heartbeats extends Construct {
  readonly ping: HandlerFunction;
  readonly pingUrl: FunctionUrl;
  readonly sweep: HandlerFunction;
  readonly backupEvents: HandlerFunction | null;
  readonly tokenCleanup: HeartbeatTokenCleanup;

  constructor(scope: Construct, id: string, props: HeartbeatsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props;
    const items = leadingKeysStatement(this, config.project, 'HeartbeatItems', ITEM_ACTIONS, heartbeatLeadingKeys(config.heartbeats));
    const fn = (name: string, functionName: string, entry: string, description: string, timeoutSeconds: number): HandlerFunction => {
      const handler = new HandlerFunction(this, name, {
        entry,
        functionName,
        description,
        config,
        environment: props.environment,
        timeout: Duration.seconds(timeoutSeconds),
        memorySizeMb: 256,
      });
      handler.role.addToPolicy(items);
      props.topic.grantPublish(handler.function);
      // Heartbeat alerts go to the config's webhooks too.
      grantWebhookSecretRead(handler.role, config, stack.region);
      acknowledgeNag(
        handler.role,
        'IAM5',
        'Publishing to the KMS-encrypted alert topic needs kms:GenerateDataKey* (the action family SNS uses); the grant is on the one topic key only.',
        'Action::kms:GenerateDataKey*',
      );
      return handler;
    };

    this.ping = fn('Ping', props.functionNames.ping, HANDLER_ENTRIES.heartbeatPing, 'skyprobe: heartbeat pings of jobs that report in (function URL)', 30);
    (this.ping.function.node.defaultChild as CfnFunction).reservedConcurrentExecutions = props.pingConcurrency ?? 5;
    const parameters = stack.formatArn({ service: 'ssm', region: stack.region, resource: 'parameter', resourceName: `${heartbeatTokenParameterPrefix(config.project).slice(1)}*` });
    const keys = stack.formatArn({ service: 'kms', region: stack.region, resource: 'key', resourceName: '*' });
    this.ping.role.addToPolicy(new PolicyStatement({ sid: 'ReadHeartbeatTokens', actions: ['ssm:GetParameter'], resources: [parameters] }));
    this.ping.role.addToPolicy(
      new PolicyStatement({
        sid: 'DecryptHeartbeatTokens',
        actions: ['kms:Decrypt'],
        // The aws/ssm key's id differs per account and region, and an alias cannot name a key in a policy.
        resources: [keys],
        conditions: {
          StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameters },
        },
      }),
    );
    acknowledgeNag(
      this.ping.role,
      'IAM5',
      'Heartbeat tokens are one SecureString per heartbeat under /<project>/heartbeat-tokens/, created after deploy by `skyprobe heartbeat url --aws`; the grant is that prefix only.',
      `Resource::${asNagFinding(this, parameters)}`,
    );
    acknowledgeNag(
      this.ping.role,
      'IAM5',
      'The tokens are encrypted with the account\'s aws/ssm key, whose id is not known at synth; kms:Decrypt is limited to calls through SSM in this region for the heartbeat-token parameters.',
      `Resource::${asNagFinding(this, keys)}`,
    );
    this.pingUrl = this.ping.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE, invokeMode: InvokeMode.BUFFERED });
    // Its id is fixed: a changed id deletes every token on the next deploy (see HeartbeatTokenCleanup).
    this.tokenCleanup = new HeartbeatTokenCleanup(this, 'TokenCleanup', { config, functionName: functionNames.heartbeatTokenCleanup(config.project) });
    const output = new CfnOutput(this, 'PingUrl', { value: this.pingUrl.url, description: 'Heartbeat pings: POST <url>ping/<id> (skyprobe heartbeat url <id> --aws prints it with its token)' });
    output.overrideLogicalId(HEARTBEAT_PING_URL_OUTPUT);

    this.sweep = fn('Sweep', props.functionNames.sweep, HANDLER_ENTRIES.heartbeatSweep, 'skyprobe: opens incidents for heartbeats whose ping is overdue', 50);
    new Rule(this, 'SweepSchedule', {
      description: 'skyprobe: heartbeat deadlines, every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.sweep.function, { retryAttempts: 2, maxEventAge: Duration.minutes(5) })],
    });

    const backup = config.heartbeats.filter((hb) => hb.backup !== null);
    this.backupEvents = null;
    if (backup.length > 0) {
      this.backupEvents = fn('BackupEvents', props.functionNames.backupEvents, HANDLER_ENTRIES.backupEvent, 'skyprobe: AWS Backup job state changes as heartbeat pings', 30);
      new Rule(this, 'BackupJobStateChanges', {
        description: 'skyprobe: AWS Backup jobs of the vaults and plans heartbeats watch',
        eventPattern: { source: ['aws.backup'], detailType: ['Backup Job State Change'], detail: backupDetailPattern(backup) },
        targets: [new LambdaFunction(this.backupEvents.function, { retryAttempts: 8, maxEventAge: Duration.hours(2) })],
      });
    }
  }
}

/** The rule's `detail`: jobs of any selected vault (by name or ARN) or plan (by id or ARN), and only states that end a job. */
export function backupDetailPattern(heartbeats: readonly HeartbeatCheck[]): Record<string, unknown> {
  const all = (pick: (hb: HeartbeatCheck) => readonly string[], arn: boolean) => [...new Set(heartbeats.flatMap(pick).filter((v) => v.startsWith('arn:') === arn))].sort();
  const arms: Record<string, unknown>[] = [];
  const vaultNames = all((hb) => hb.backup?.vaults ?? [], false);
  const vaultArns = all((hb) => hb.backup?.vaults ?? [], true);
  const planIds = all((hb) => hb.backup?.plans ?? [], false);
  const planArns = all((hb) => hb.backup?.plans ?? [], true);
  if (vaultNames.length > 0) arms.push({ backupVaultName: vaultNames });
  if (vaultArns.length > 0) arms.push({ backupVaultArn: vaultArns });
  if (planIds.length > 0) arms.push({ createdBy: { backupPlanId: planIds } });
  if (planArns.length > 0) arms.push({ createdBy: { backupPlanArn: planArns } });
  const states = { state: ['COMPLETED', 'FAILED', 'ABORTED', 'EXPIRED'] };
  return arms.length === 1 ? { ...states, ...arms[0] } : { ...states, $or: arms };
}
