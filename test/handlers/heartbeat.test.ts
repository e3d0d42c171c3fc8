/**
 * The heartbeat functions against moto: DynamoDB (the home region's table), SSM (the tokens), and an SNS
 * topic with an SQS queue subscribed, standing in for the people who get the alerts. Requests are shaped
 * like Lambda function URL events (payload 2.0), backup events like AWS Backup's documented examples.
 */
import { strict as assert } from 'node:assert';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import { createBackupEventHandler, InvalidBackupEventError, parseBackupJobEvent, pingOfBackupJob } from '../../lambdas/handlers/backup-event.ts';
import { createHeartbeatPingHandler, type FunctionUrlEvent } from '../../lambdas/handlers/heartbeat-ping.ts';
import type { HeartbeatRuntimeDeps } from '../../lambdas/handlers/heartbeat-runtime.ts';
import { createHeartbeatSweepHandler } from '../../lambdas/handlers/heartbeat-sweep.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { heartbeatLeadingKeys } from '../../infra/constructs/heartbeats.ts';
import { motoClients, startMoto, topicWithInbox, type Moto } from '../support/moto.ts';

const PROJECT = 'shop';
const HOME = 'us-east-1';
const TABLE = 'shop-results';
const TOKEN = 'tok-0123456789abcdefghijklmnopqrstuvwxyzABCDE';
const T0 = Date.UTC(2025, 2, 10, 2, 0, 0);
const MIN = 60_000;

let moto: Moto;
let dynamo: DynamoDBClient;
let sns: SNSClient;
let sqs: SQSClient;
let ssm: SSMClient;
let topicArn: string;
let queueUrl: string;
let nowMs = T0;
const clock: Clock = { now: () => nowMs, monotonic: () => nowMs };
const lines: string[] = [];
/** Every partition key the functions sent to DynamoDB (Key, Item, :pk values), to hold against the IAM policy. */
const touchedKeys = new Set<string>();

function collectKeys(node: unknown): void {
  if (Array.isArray(node)) node.forEach(collectKeys);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'pk' || k === ':pk') && typeof v === 'object' && v !== null && typeof (v as { S?: unknown }).S === 'string') touchedKeys.add((v as { S: string }).S);
      else collectKeys(v);
    }
  }
}

const config = validateConfig({
  project: PROJECT,
  homeRegion: HOME,
  checks: [
    { type: 'heartbeat', id: 'nightly-dump', name: 'Nightly dump', every: '1d', grace: '1h', severity: 'critical' },
    { type: 'heartbeat', id: 'vault-backups', every: '1d', grace: '2h', backup: { vaults: ['prod-vault'], plans: ['bde0f455-4e24-4668-aeaa-4932a97f5cc5'] } },
  ],
});

function deps(): HeartbeatRuntimeDeps {
  return { config, project: PROJECT, tableName: TABLE, topicArn, dynamo, sns, ssm, clock, log: (l) => lines.push(l) };
}

before(async () => {
  moto = await startMoto();
  dynamo = motoClients.dynamo(moto.endpoint, HOME);
  dynamo.middlewareStack.add((next) => async (args) => {
    collectKeys(args.input);
    return next(args);
  }, { step: 'initialize', name: 'collectPartitionKeys' });
  sns = motoClients.sns(moto.endpoint, HOME);
  sqs = motoClients.sqs(moto.endpoint, HOME);
  ssm = motoClients.ssm(moto.endpoint, HOME);
});

after(async () => {
  for (const client of [dynamo, sns, sqs, ssm]) client?.destroy();
  await moto?.close();
});

beforeEach(async () => {
  await moto.reset();
  nowMs = T0;
  lines.length = 0;
  await ensureTable(dynamo, TABLE);
  ({ topicArn, queueUrl } = await topicWithInbox(sns, sqs, `${PROJECT}-alerts`, 'inbox'));
  await ssm.send(new PutParameterCommand({ Name: `/${PROJECT}/heartbeat-tokens/nightly-dump`, Type: 'SecureString', Value: TOKEN }));
});

/** Subjects of the alerts on the topic so far. */
async function alerts(): Promise<string[]> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (out.Messages ?? []).map((m) => (JSON.parse(m.Body!) as { Subject: string }).Subject);
}

function urlEvent(method: string, path: string, opts: { token?: string; body?: string; base64?: boolean; query?: string } = {}): FunctionUrlEvent {
  return {
    version: '2.0',
    rawPath: path,
    rawQueryString: opts.query ?? '',
    headers: { host: 'abcdefg.lambda-url.us-east-1.on.aws', 'user-agent': 'curl/8.5.0', ...(opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }) },
    requestContext: { http: { method, sourceIp: '203.0.113.7' } },
    ...(opts.body === undefined ? {} : { body: opts.base64 ? Buffer.from(opts.body).toString('base64') : opts.body, isBase64Encoded: opts.base64 === true }),
  };
}

describe('heartbeat functions against moto', () => {
  it('accepts a ping with the SSM token, records the run, and answers JSON', async () => {
    const ping = createHeartbeatPingHandler(deps());
    const out = await ping(urlEvent('POST', '/ping/nightly-dump', { token: TOKEN, body: 'ZHVtcGVk', base64: false }));
    assert.equal(out.statusCode, 200, out.body);
    assert.equal((JSON.parse(out.body) as { heartbeat: string }).heartbeat, 'nightly-dump');
    const store = new DynamoResultsStore({ client: dynamo, tableName: TABLE, clock });
    const [run] = await store.recentResults('nightly-dump', HOME, { limit: 1 });
    assert.equal(run?.ok, true);
  });

  it('rejects bad requests with 4xx before any store call (a wrong token, an unknown id, GET, a big body)', async () => {
    const ping = createHeartbeatPingHandler(deps());
    const statuses = [
      (await ping(urlEvent('POST', '/ping/nightly-dump', { token: 'wrong' }))).statusCode,
      (await ping(urlEvent('POST', '/ping/unknown', { token: TOKEN }))).statusCode,
      (await ping(urlEvent('POST', '/ping/vault-backups', { token: TOKEN }))).statusCode, // no token created for it
      (await ping(urlEvent('GET', '/ping/nightly-dump', { token: TOKEN }))).statusCode,
      (await ping(urlEvent('POST', '/ping/nightly-dump', { token: TOKEN, body: 'x'.repeat(11_000), base64: true }))).statusCode,
      (await ping(urlEvent('POST', '/', { token: TOKEN }))).statusCode,
    ];
    assert.deepEqual(statuses, [401, 401, 401, 405, 413, 404]);
    const store = new DynamoResultsStore({ client: dynamo, tableName: TABLE, clock });
    assert.deepEqual(await store.recentResults('nightly-dump', HOME, { limit: 5 }), []);
  });

  it('opens an incident and publishes DOWN once when a deadline passes, and RECOVERED on the next ping', async () => {
    const sweep = createHeartbeatSweepHandler(deps());
    const ping = createHeartbeatPingHandler(deps());
    assert.equal((await ping(urlEvent('POST', '/ping/nightly-dump', { token: TOKEN }))).statusCode, 200);
    nowMs = T0 + 25 * 60 * MIN - 1;
    assert.deepEqual((await sweep({})).opened, []);
    nowMs = T0 + 25 * 60 * MIN + 30_000;
    const first = await sweep({});
    // vault-backups was first seen by the sweep a moment ago: its first deadline is a day and 2 hours away.
    assert.equal(first.opened.length, 1);
    nowMs += MIN;
    const second = await sweep({});
    assert.deepEqual(second.opened, []);
    const downs = await alerts();
    assert.deepEqual(downs, ['[shop] DOWN nightly-dump (Nightly dump)']);

    const store = new DynamoResultsStore({ client: dynamo, tableName: TABLE, clock });
    const open = await store.openIncidentFor('nightly-dump');
    assert.equal(open?.openedAt, new Date(T0 + 25 * 60 * MIN).toISOString());
    assert.equal(open?.detectedAt, new Date(T0 + 25 * 60 * MIN + 30_000).toISOString());
    assert.equal(open?.firstError?.kind, 'timeout');

    nowMs += 5 * MIN;
    assert.equal((await ping(urlEvent('POST', '/ping/nightly-dump', { query: `token=${TOKEN}` }))).statusCode, 200);
    assert.equal(await store.openIncidentFor('nightly-dump'), null);
    assert.deepEqual(await alerts(), ['[shop] RECOVERED nightly-dump (Nightly dump) after 6m 30s']);
    assert.ok(!lines.join('\n').includes(TOKEN), 'the token is never logged');
  });

  it('turns AWS Backup job events into pings: COMPLETED with its duration, FAILED at once', async () => {
    const backup = createBackupEventHandler(deps());
    const completed = {
      version: '0',
      id: 'a827233a-0000-4a86-a440-759fa94f34dd',
      'detail-type': 'Backup Job State Change',
      source: 'aws.backup',
      account: '123456789012',
      time: '2025-03-10T02:41:17Z',
      region: HOME,
      resources: ['arn:aws:backup:us-east-1:123456789012:recovery-point:f1d966fe-a3bd-410b-b292-99f442d13b56'],
      detail: {
        backupJobId: 'a827233a-d405-4a86-a440-759fa94f34dd',
        backupSizeInBytes: '36048',
        backupVaultArn: 'arn:aws:backup:us-east-1:123456789012:backup-vault:prod-vault',
        backupVaultName: 'prod-vault',
        bytesTransferred: '36048',
        creationDate: '2025-03-10T02:40:31.207Z',
        iamRoleArn: 'arn:aws:iam::123456789012:role/BackupRole',
        resourceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders',
        resourceType: 'RDS',
        state: 'COMPLETED',
        completionDate: '2025-03-10T02:41:05.921Z',
        startBy: '2025-03-10T10:40:31.207Z',
        percentDone: 100,
      },
    };
    const outcome = await backup(completed);
    assert.equal(outcome.heartbeats.length, 1);
    assert.match(outcome.note, /success ping for vault-backups/);
    const store = new DynamoResultsStore({ client: dynamo, tableName: TABLE, clock });
    const [run] = await store.recentResults('vault-backups', HOME, { limit: 1 });
    assert.equal(run?.ok, true);
    assert.equal(run?.timings.totalMs, 34_714);
    assert.equal(run?.startedAt, '2025-03-10T02:41:05.921Z');

    const failed = {
      ...completed,
      time: '2025-03-11T02:15:26Z',
      detail: {
        ...completed.detail,
        backupVaultName: 'other-vault',
        backupVaultArn: 'arn:aws:backup:us-east-1:123456789012:backup-vault:other-vault',
        state: 'FAILED',
        statusMessage: '"Backup job failed because the resource is busy."',
        completionDate: undefined,
        createdBy: { backupPlanId: 'bde0f455-4e24-4668-aeaa-4932a97f5cc5', backupPlanArn: 'arn:aws:backup:us-east-1:123456789012:backup-plan:bde0f455-4e24-4668-aeaa-4932a97f5cc5' },
      },
    };
    nowMs = Date.parse('2025-03-11T02:16:00Z');
    const out2 = await backup(failed);
    assert.equal(out2.heartbeats[0]?.decision, 'open', 'matched by its plan');
    const open = await store.openIncidentFor('vault-backups');
    assert.equal(open?.openedAt, '2025-03-11T02:15:26.000Z');
    assert.match(open?.firstError?.message ?? '', /FAILED: Backup job failed because the resource is busy\.$/);
    assert.deepEqual(await alerts(), ['[shop] DOWN vault-backups']);
  });

  it('ignores jobs of other vaults and jobs that have not ended', async () => {
    const backup = createBackupEventHandler(deps());
    const running = {
      'detail-type': 'Backup Job State Change',
      source: 'aws.backup',
      time: '2025-03-10T02:39:13Z',
      detail: { backupJobId: 'B6EC38D2', backupVaultName: 'prod-vault', state: 'RUNNING', creationDate: '2025-03-10T02:38:31.152Z', percentDone: 99 },
    };
    assert.match((await backup(running)).note, /is RUNNING: not the end of a job/);
    assert.match((await backup({ ...running, detail: { ...running.detail, backupVaultName: 'elsewhere', state: 'COMPLETED' } })).note, /matches no heartbeat/);
    assert.deepEqual(await alerts(), []);
  });

  it('touches only the partition keys the IAM policy of the heartbeat functions allows', () => {
    // IAM StringLike: "*" matches anything; heartbeat ids and prefixes hold no other pattern characters.
    const patterns = heartbeatLeadingKeys(config.heartbeats).map((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.#$^]/g, '\\$&')).join('.*')}$`));
    const touched = [...touchedKeys];
    for (const prefix of ['RES#', 'ROLL#', 'CHECK#', 'INC#', 'INCIDENTS', 'INCID#', 'HB#', 'LOCATIONS', 'DELIVERY#']) {
      assert.ok(touched.some((k) => k.startsWith(prefix)), `the tests above touched a ${prefix} key: ${touched.join(', ')}`);
    }
    const denied = touched.filter((k) => !patterns.some((p) => p.test(k)));
    assert.deepEqual(denied, []);
  });

  it('rejects events that are not backup job state changes', () => {
    assert.throws(() => parseBackupJobEvent({ source: 'aws.backup', 'detail-type': 'Backup Vault State Change', time: '2025-03-10T00:00:00Z', detail: {} }), InvalidBackupEventError);
    assert.throws(() => parseBackupJobEvent({ source: 'aws.backup', 'detail-type': 'Backup Job State Change', time: 'soon', detail: { backupJobId: 'x', state: 'COMPLETED' } }), /time is not a time/);
  });

  it('maps every end state: ABORTED and EXPIRED fail, COMPLETED with a message is a success with issues', () => {
    const base = { 'detail-type': 'Backup Job State Change', source: 'aws.backup', time: '2025-03-10T02:00:00Z' };
    const kind = (state: string, statusMessage?: string) =>
      pingOfBackupJob(parseBackupJobEvent({ ...base, detail: { backupJobId: 'j', state, statusMessage, completionDate: '2025-03-10T02:00:00Z' } }));
    assert.equal(kind('ABORTED')?.kind, 'fail');
    assert.equal(kind('EXPIRED')?.kind, 'fail');
    assert.equal(kind('PENDING'), null);
    assert.equal(kind('CREATED'), null);
    assert.equal(kind('COMPLETED', 'Windows VSS backup attempt failed')?.message, 'backup job j completed with issues: Windows VSS backup attempt failed');
  });
});
