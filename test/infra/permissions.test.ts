/**
 * The probe's IAM statements against what the probe really does: the probe handler runs against moto (which
 * does not enforce IAM) while every DynamoDB and CloudWatch request it sends is recorded, and each request is
 * checked against the statements synthesized for its region, read back from the template: the action must be
 * granted with a `dynamodb:LeadingKeys` pattern matching every partition key it touches, PutMetricData must
 * name the namespace its condition allows, and every action granted must be one the probe uses.
 */
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import { createProbeHandler } from '../../lambdas/handlers/probe.ts';
import { continuationClaimKey, scheduledClaimKey } from '../../lambdas/store/claim-store.ts';
import { ensureTable, storeKeys } from '../../lambdas/store/dynamo-store.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { motoClients, startMoto, type Moto } from '../support/moto.ts';
import { actionsOf, functionRoleStatements, synthesize, templateOf, type PolicyStatementJson } from './support.ts';

const PROJECT = 'shop';
const HOME = 'us-east-1';
const LOCATION = 'eu-west-1';
const TABLE = 'shop-results';
const MINUTE = 60_000;

/** One request the probe sent: its IAM action and the partition keys (DynamoDB) or namespace (CloudWatch) it names. */
interface Call {
  readonly action: string;
  readonly partitionKeys: readonly string[];
  readonly namespace?: string;
}

type Input = Record<string, unknown>;
const pkOf = (item: unknown): string => String(((item as Record<string, AttributeValue> | undefined)?.['pk'] as { S?: string } | undefined)?.S);

/** The partition keys a DynamoDB request touches, from its input (empty for a request on no item, e.g. DescribeTable). */
function partitionKeys(command: string, input: Input): string[] {
  switch (command) {
    case 'PutItem':
      return [pkOf(input['Item'])];
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [pkOf(input['Key'])];
    case 'BatchWriteItem':
      return Object.values(input['RequestItems'] as Record<string, { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[]>).flatMap((requests) =>
        requests.map((r) => pkOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key)),
      );
    case 'Query':
      return [String((input['ExpressionAttributeValues'] as Record<string, { S?: string }>)[':pk']?.S)];
    default:
      return [];
  }
}

/** Records every request a client sends, as an IAM action (`<service>:<Operation>`). */
function record(client: DynamoDBClient | CloudWatchClient, service: 'dynamodb' | 'cloudwatch', calls: Call[]): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      const input = args.input as Input;
      calls.push({
        action: `${service}:${command}`,
        partitionKeys: service === 'dynamodb' ? partitionKeys(command, input) : [],
        ...(service === 'cloudwatch' ? { namespace: String(input['Namespace']) } : {}),
      });
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
}

/** IAM's StringLike: `*` any characters, `?` one. */
function like(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

/** Whether one Allow statement lets the call through (the conditions the probe's statements use). */
function allows(st: PolicyStatementJson, call: Call): boolean {
  if (!actionsOf(st).includes(call.action)) return false;
  const keys = st.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
  if (keys !== undefined) {
    const patterns = (Array.isArray(keys) ? keys : [keys]) as string[];
    if (!call.partitionKeys.every((pk) => patterns.some((p) => like(p, pk)))) return false;
  }
  const namespace = st.Condition?.['StringEquals']?.['cloudwatch:namespace'];
  return namespace === undefined || namespace === call.namespace;
}

function config(targetUrl: string): Config {
  return validateConfig({
    project: PROJECT,
    homeRegion: HOME,
    defaults: { regions: [LOCATION], retries: 0, timeout: '1s' },
    checks: [
      { id: 'up', type: 'http', url: `${targetUrl}/ok`, allowPrivateTargets: true },
      { id: 'down', type: 'http', url: `${targetUrl}/status/503`, allowPrivateTargets: true },
    ],
  });
}

describe('the probe\'s IAM statements', () => {
  let moto: Moto;
  let target: TestHttpServer;
  let dynamo: DynamoDBClient;
  let cloudwatch: CloudWatchClient;
  let ssm: SSMClient;
  let statements: PolicyStatementJson[];
  const calls: Call[] = [];

  before(async () => {
    [moto, target] = await Promise.all([startMoto(), startHttpServer()]);
    dynamo = motoClients.dynamo(moto.endpoint, LOCATION);
    cloudwatch = motoClients.cloudwatch(moto.endpoint, HOME);
    ssm = motoClients.ssm(moto.endpoint, LOCATION);
    await ensureTable(dynamo, TABLE);
    record(dynamo, 'dynamodb', calls);
    record(cloudwatch, 'cloudwatch', calls);
    const cfg = config(target.url);
    const synthesized = synthesize({ config: cfg });
    statements = functionRoleStatements(templateOf(synthesized, `${PROJECT}-probe-${LOCATION}`), `${PROJECT}-probe`);

    // Two minutes: the first marks the locations (read, then put), the second finds the marks (read only).
    const start = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;
    for (const minute of [start, start + MINUTE]) {
      let offset = minute - Date.now();
      const clock: Clock = { now: () => Date.now() + offset, monotonic: () => performance.now() };
      const wait = async (ms: number) => {
        await sleep(Math.min(ms, 20));
        offset += ms;
      };
      const handler = createProbeHandler({ config: cfg, location: LOCATION, project: PROJECT, tableName: TABLE, dynamo, cloudwatch, ssm, clock, wait, log: () => undefined });
      const invocation = { shard: 0, shards: 1, scheduledTime: new Date(minute).toISOString() };
      const summary = await handler(invocation, { getRemainingTimeInMillis: () => 58_000 });
      assert.deepEqual([summary.ran, summary.failed, summary.writeError], [2, 1, null], `minute ${new Date(minute).toISOString()}`);
    }
  });

  after(async () => {
    for (const client of [dynamo, cloudwatch, ssm]) client?.destroy();
    await Promise.all([moto?.close(), target?.close()]);
  });

  it('allow every table request and every metric put the probe makes', () => {
    const dynamoCalls = calls.filter((c) => c.action.startsWith('dynamodb:'));
    assert.ok(dynamoCalls.length > 0 && calls.some((c) => c.action === 'cloudwatch:PutMetricData'), 'the probe reached the table and CloudWatch');
    for (const call of calls) assert.ok(statements.some((st) => allows(st, call)), `denied: ${JSON.stringify(call)}`);
  });

  it('grant no table action the probe does not use', () => {
    const granted = new Set(statements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:')));
    const used = new Set(calls.map((c) => c.action).filter((a) => a.startsWith('dynamodb:')));
    assert.deepEqual([...granted].sort(), [...used].sort());
  });

  it('let the probe write only its own location\'s results, rollups and claims, and its own project\'s metrics', () => {
    const elsewhere = 'us-east-1';
    const other = [
      { action: 'dynamodb:BatchWriteItem', partitionKeys: [storeKeys.result('up', elsewhere, '').pk] },
      { action: 'dynamodb:UpdateItem', partitionKeys: [storeKeys.rollup('up', elsewhere, '').pk] },
      { action: 'dynamodb:PutItem', partitionKeys: [scheduledClaimKey(elsewhere, 0, 1, 0).pk] },
      { action: 'dynamodb:PutItem', partitionKeys: [storeKeys.openIncident('up').pk] },
      { action: 'dynamodb:DeleteItem', partitionKeys: ['LOCATIONS'] },
      { action: 'dynamodb:Query', partitionKeys: [storeKeys.result('up', LOCATION, '').pk] },
      { action: 'cloudwatch:PutMetricData', partitionKeys: [], namespace: 'Skyprobe/shop-eu' },
      { action: 'cloudwatch:PutMetricData', partitionKeys: [], namespace: 'Skyprobe' },
    ];
    for (const call of other) assert.ok(!statements.some((st) => allows(st, call)), `allowed: ${JSON.stringify(call)}`);
    // What the run above did not exercise but the probe does write: continuation claims, and the dirty mark
    // of a closed day's pack (a rollup written after its day).
    const mine = [
      { action: 'dynamodb:PutItem', partitionKeys: [continuationClaimKey(LOCATION, 0, 1, 0).pk] },
      { action: 'dynamodb:UpdateItem', partitionKeys: [storeKeys.dayPack('up', LOCATION, '2025-03-01').pk] },
    ];
    for (const call of mine) assert.ok(statements.some((st) => allows(st, call)), `denied: ${JSON.stringify(call)}`);
  });
});
