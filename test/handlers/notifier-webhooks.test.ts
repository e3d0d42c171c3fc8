/**
 * The AWS notifier delivers `alerts.webhooks` besides the SNS topic: against moto (DynamoDB, SNS with an SQS
 * subscriber, SSM for the webhook's secret) and a real loopback HTTP receiver whose answers each test sets.
 */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { alarmNames } from '../../lambdas/core/alarm-names.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createNotifierHandler, type NotifierHandler } from '../../lambdas/handlers/notifier.ts';
import { WebhookDeliveryError } from '../../lambdas/alerts/webhook-sender.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { createAlarmFallbackHandler } from '../../lambdas/handlers/alarm-fallback.ts';
import { alarmEvent, onFailureRecord } from '../support/alarm-events.ts';
import { motoClients, startMoto, topicWithInbox, type Moto } from '../support/moto.ts';

const PROJECT = 'shop';
const HOME = 'us-east-1';
const TABLE = 'shop-results';
const T0 = Date.UTC(2025, 2, 10, 14, 0, 0);
const TOKEN = 'hook-token-5f2c9e1a';

interface Hit {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

/** A webhook receiver: records every request; answers with the next status of `script` (then 200). */
class Receiver {
  readonly hits: Hit[] = [];
  script: number[] = [];
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.hits.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> });
        res.statusCode = this.script.shift() ?? 200;
        res.end(res.statusCode === 200 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

let moto: Moto;
let dynamo: DynamoDBClient;
let sns: SNSClient;
let sqs: SQSClient;
let ssm: SSMClient;
let topicArn: string;
let queueUrl: string;
let store: DynamoResultsStore;
const receiver = new Receiver();
const clock = { now: () => Date.now(), monotonic: () => performance.now() };

function config() {
  return validateConfig({
    project: PROJECT,
    homeRegion: HOME,
    defaults: { regions: ['us-east-1', 'eu-west-1'] },
    checks: [
      { id: 'api', name: 'Public API', type: 'http', url: 'https://api.example.com/health', severity: 'critical' },
      { id: 'batch', type: 'http', url: 'https://batch.example.com/', tags: ['nightly'], severity: 'low' },
    ],
    alerts: {
      webhooks: [
        { url: `${receiver.url}/ops`, headers: { authorization: 'Bearer {{secret:HOOK_TOKEN}}' } },
        { url: `${receiver.url}/slack`, format: 'slack', tags: ['nightly'] },
      ],
    },
  });
}

function notifier(): { handler: NotifierHandler; lines: string[] } {
  const lines: string[] = [];
  const handler = createNotifierHandler({
    config: config(),
    project: PROJECT,
    tableName: TABLE,
    topicArn,
    dynamo,
    sns,
    ssm,
    homeRegion: HOME,
    clock,
    log: (line) => lines.push(line),
    webhookOptions: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, requestTimeoutMs: 2_000 },
  });
  return { handler, lines };
}

async function snsMessages(): Promise<number> {
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }));
  return got.Messages?.length ?? 0;
}

function failing(checkId: string): ProbeResult {
  return {
    checkId,
    type: 'http',
    location: 'eu-west-1',
    startedAt: new Date(T0 - 20_000).toISOString(),
    ok: false,
    status: 'down',
    error: { kind: 'http_status', message: 'expected status 200, got 503' },
    timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 40, downloadMs: 1, totalMs: 47 },
    httpStatus: 503,
    address: '192.0.2.1:443',
    target: `https://${checkId}.example.com/`,
    assertions: [],
    attempts: 2,
  };
}

before(async () => {
  await receiver.start();
  moto = await startMoto();
  dynamo = motoClients.dynamo(moto.endpoint, HOME);
  sns = motoClients.sns(moto.endpoint, HOME);
  sqs = motoClients.sqs(moto.endpoint, HOME);
  ssm = motoClients.ssm(moto.endpoint, HOME);
  store = new DynamoResultsStore({ client: dynamo, tableName: TABLE, clock });
});

after(async () => {
  for (const client of [dynamo, sns, sqs, ssm]) client?.destroy();
  await moto?.close();
  await receiver.close();
});

beforeEach(async () => {
  await moto.reset();
  receiver.hits.length = 0;
  receiver.script = [];
  await ensureTable(dynamo, TABLE);
  ({ topicArn, queueUrl } = await topicWithInbox(sns, sqs, `${PROJECT}-alerts`, 'inbox'));
  await ssm.send(new PutParameterCommand({ Name: `/${PROJECT}/secrets/HOOK_TOKEN`, Type: 'SecureString', Value: TOKEN }));
  await store.recordResults([failing('api'), failing('batch')]);
});

describe('notifier handler: webhooks', () => {
  const apiDown = alarmEvent(alarmNames.quorum(PROJECT, 'api'), 'ALARM', T0, 'OK');

  it('posts DOWN and RECOVERED to the webhooks that want them, with the secret from SSM, once each', async () => {
    const { handler, lines } = notifier();
    await handler(apiDown);
    await handler(apiDown); // EventBridge may deliver twice
    assert.equal(receiver.hits.length, 1, 'the api alert goes to /ops only (the slack webhook wants tag nightly)');
    const [hit] = receiver.hits;
    assert.equal(hit?.path, '/ops');
    assert.equal(hit?.headers['authorization'], `Bearer ${TOKEN}`);
    assert.equal(hit?.body['event'], 'down');
    assert.equal(hit?.body['checkId'], 'api');
    assert.equal(hit?.headers['x-skyprobe-event-id'], hit?.body['eventId']);

    await handler(alarmEvent(alarmNames.quorum(PROJECT, 'api'), 'OK', T0 + 120_000, 'ALARM'));
    assert.deepEqual(
      receiver.hits.map((h) => [h.path, h.body['event']]),
      [
        ['/ops', 'down'],
        ['/ops', 'recovered'],
      ],
    );
    assert.equal(await snsMessages(), 2, 'the topic got DOWN and RECOVERED too, once each');
    assert.ok(!lines.join('\n').includes(TOKEN), 'the secret is never logged');
  });

  it('sends a slack body to a slack webhook whose tags match', async () => {
    await notifier().handler(alarmEvent(alarmNames.quorum(PROJECT, 'batch'), 'ALARM', T0, 'OK'));
    assert.deepEqual(receiver.hits.map((h) => h.path).sort(), ['/ops', '/slack']);
    const slack = receiver.hits.find((h) => h.path === '/slack');
    assert.match(String(slack?.body['text']), /batch/);
    assert.ok(Array.isArray(slack?.body['blocks']));
  });

  it('retries a webhook that answers 503 within the same invocation', async () => {
    receiver.script = [503, 503];
    const { handler, lines } = notifier();
    const outcome = await handler(apiDown);
    assert.equal(outcome.published, true);
    assert.equal(receiver.hits.length, 3);
    assert.match(lines.join('\n'), /delivered .*:down after 3 attempts/);
  });

  it('fails the invocation when a webhook stays down, and the retry sends only the webhook, not the topic again', async () => {
    receiver.script = [500, 500, 500];
    const first = notifier();
    await assert.rejects(first.handler(apiDown), (error: unknown) => {
      assert.ok(error instanceof WebhookDeliveryError);
      assert.match(error.message, /1 of 1 webhooks did not take .*HTTP 500/);
      assert.ok(!error.message.includes(TOKEN));
      return true;
    });
    assert.equal(await snsMessages(), 1, 'the topic got the alert despite the webhook');
    assert.equal(receiver.hits.length, 3);

    // Lambda's async retry of the same event: the receiver is back.
    const retry = await notifier().handler(apiDown);
    assert.equal(retry.published, false, 'the topic delivery was already marked sent');
    assert.equal(receiver.hits.length, 4);
    assert.equal(await snsMessages(), 0, 'nothing more on the topic');
    await notifier().handler(apiDown);
    assert.equal(receiver.hits.length, 4, 'delivered once, never again');
  });

  it('gives a webhook that keeps failing up after the last retry: an error in the log, and no second copy for the topic\'s subscribers', async () => {
    receiver.script = Array.from({ length: 9 }, () => 503);
    let last: unknown;
    // The first invocation and Lambda's two retries, each trying the webhook 3 times.
    for (let attempt = 0; attempt < 3; attempt++) {
      last = await notifier().handler(apiDown).then(
        () => assert.fail('the webhook is down: the invocation fails'),
        (error: unknown) => error,
      );
      assert.ok(last instanceof WebhookDeliveryError);
    }
    assert.equal(receiver.hits.length, 9);
    assert.equal(await snsMessages(), 1, 'the topic got the alert, once');

    // Lambda hands the event to the fallback, which must not publish it to the topic again.
    const lines: string[] = [];
    const fallback = createAlarmFallbackHandler({ config: config(), project: PROJECT, tableName: TABLE, topicArn, dynamo, sns, homeRegion: HOME, clock, log: (l) => lines.push(l) });
    const outcome = await fallback(onFailureRecord(apiDown, last as Error));
    assert.equal(outcome.action, 'logged');
    assert.equal(await snsMessages(), 0, 'no raw or fallback copy');
    const line = lines.find((l) => l.includes('gave-up-after-topic'));
    assert.ok(line?.startsWith('{"level":"error"'), line);
    assert.match(line ?? '', /WebhookDeliveryError: 1 of 1 webhooks did not take .*HTTP 503/);
    assert.ok(!lines.join('\n').includes(TOKEN), 'the secret is never logged');
  });

  it('fails no invocation for a webhook that refuses the alert (4xx): logged, not retried', async () => {
    receiver.script = [400];
    const { handler, lines } = notifier();
    await handler(apiDown);
    assert.equal(receiver.hits.length, 1);
    assert.match(lines.join('\n'), /not delivered, not retried: HTTP 400: "nope"/);
    await handler(apiDown);
    assert.equal(receiver.hits.length, 1);
  });

  it('refuses for good a webhook whose secret is a plain String parameter, naming the parameter', async () => {
    await ssm.send(new PutParameterCommand({ Name: `/${PROJECT}/secrets/HOOK_TOKEN`, Type: 'String', Value: TOKEN, Overwrite: true }));
    const { handler, lines } = notifier();
    const outcome = await handler(apiDown);
    assert.equal(outcome.published, true, 'the topic still gets the alert');
    assert.equal(receiver.hits.length, 0);
    const log = lines.join('\n');
    assert.match(log, /webhook\[0\] .*\/ops: .* not delivered, not retried: secret:HOOK_TOKEN: SSM parameter \/shop\/secrets\/HOOK_TOKEN is a String, not a SecureString/);
    assert.ok(!log.includes(TOKEN), 'the value is never logged');
  });

  it('refuses to send a webhook whose secret is not in SSM, and says which one', async () => {
    await moto.reset();
    await ensureTable(dynamo, TABLE);
    ({ topicArn } = await topicWithInbox(sns, sqs, `${PROJECT}-alerts`, 'inbox'));
    await store.recordResults([failing('api')]);
    const { handler, lines } = notifier();
    await handler(apiDown);
    assert.equal(receiver.hits.length, 0);
    assert.match(lines.join('\n'), /webhook\[0\] .*\/ops: .* not delivered, not retried: secret:HOOK_TOKEN \(header "authorization"\) has no value/);
  });
});
