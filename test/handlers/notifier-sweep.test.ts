/**
 * The notifier's maintenance sweep against moto (DynamoDB, SNS with an SQS subscriber): a check still down
 * when its maintenance window ends gets its DOWN, once, although its alarm never changes state again.
 */
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { alarmNames } from '../../lambdas/core/alarm-names.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createNotifierHandler, MaintenanceSweepError, type NotifierHandler } from '../../lambdas/handlers/notifier.ts';
import type { SweepOutcome } from '../../lambdas/monitor/alarm-monitor.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { alarmEvent } from '../support/alarm-events.ts';
import { motoClients, startMoto, topicWithInbox, type Moto } from '../support/moto.ts';

const PROJECT = 'shop';
const HOME = 'us-east-1';
const TABLE = 'shop-results';
const MIN = 60_000;
/** The window of `batch`: 13:00 to 16:00 UTC. */
const WINDOW_START = Date.UTC(2025, 2, 10, 13, 0, 0);
const WINDOW_END = Date.UTC(2025, 2, 10, 16, 0, 0);
const END_ISO = new Date(WINDOW_END).toISOString();

let moto: Moto;
let dynamo: DynamoDBClient;
let sns: SNSClient;
let sqs: SQSClient;
let topicArn: string;
let queueUrl: string;
let store: DynamoResultsStore;
let nowMs = 0;
const clock = { now: () => nowMs, monotonic: () => performance.now() };

const config = validateConfig({
  project: PROJECT,
  homeRegion: HOME,
  defaults: { regions: ['us-east-1', 'eu-west-1'] },
  checks: [
    { id: 'batch', type: 'http', url: 'https://batch.example.com/', tags: ['nightly'] },
    { id: 'web', type: 'http', url: 'https://www.example.com/' },
  ],
  maintenance: [{ id: 'batch-upgrade', checks: ['batch'], start: '2025-03-10T13:00:00Z', end: '2025-03-10T16:00:00Z' }],
});

function notifier(topic = topicArn): { handler: NotifierHandler; lines: string[] } {
  const lines: string[] = [];
  const handler = createNotifierHandler({ config, project: PROJECT, tableName: TABLE, topicArn: topic, dynamo, sns, homeRegion: HOME, clock, log: (l) => lines.push(l) });
  return { handler, lines };
}

/** Subjects of the messages on the topic since the last call. */
async function subjects(): Promise<string[]> {
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  const out: string[] = [];
  for (const m of got.Messages ?? []) {
    out.push(String((JSON.parse(m.Body ?? '{}') as { Subject?: string }).Subject));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
  }
  return out;
}

function failing(atMs: number, location: string): ProbeResult {
  return {
    checkId: 'batch',
    type: 'http',
    location,
    startedAt: new Date(atMs).toISOString(),
    ok: false,
    status: 'down',
    error: { kind: 'connect_refused', message: `connection refused (${location})` },
    timings: { dnsMs: 1, connectMs: null, tlsMs: null, ttfbMs: null, downloadMs: null, totalMs: 3 },
    httpStatus: null,
    address: '192.0.2.7:443',
    target: 'https://batch.example.com/',
    assertions: [],
    attempts: 2,
  };
}

before(async () => {
  moto = await startMoto();
  dynamo = motoClients.dynamo(moto.endpoint, HOME);
  sns = motoClients.sns(moto.endpoint, HOME);
  sqs = motoClients.sqs(moto.endpoint, HOME);
  store = new DynamoResultsStore({ client: dynamo, tableName: TABLE, clock });
});

after(async () => {
  for (const client of [dynamo, sns, sqs]) client?.destroy();
  await moto?.close();
});

beforeEach(async () => {
  await moto.reset();
  await ensureTable(dynamo, TABLE);
  ({ topicArn, queueUrl } = await topicWithInbox(sns, sqs, `${PROJECT}-alerts`, 'inbox'));
  // Down since 14:00, inside the window: the alarm's ALARM opened a planned incident and sent nothing.
  nowMs = WINDOW_START + 60 * MIN;
  await store.recordResults([failing(nowMs - 30_000, 'us-east-1'), failing(nowMs - 20_000, 'eu-west-1')]);
  await notifier().handler(alarmEvent(alarmNames.quorum(PROJECT, 'batch'), 'ALARM', nowMs, 'OK'));
  assert.equal((await store.openIncidentFor('batch'))?.planned, true);
  assert.deepEqual(await subjects(), []);
});

describe('notifier: maintenance sweep', () => {
  it('does nothing while the window is open', async () => {
    nowMs = WINDOW_END - MIN;
    const outcome = await notifier().handler.sweep();
    assert.deepEqual(outcome, { examined: 0, alerted: [], failed: [] });
    assert.equal((await store.openIncidentFor('batch'))?.planned, true);
  });

  it('turns the planned incident into an unplanned one at the window end and sends one DOWN', async () => {
    nowMs = WINDOW_END + 2 * MIN;
    await store.recordResults([failing(nowMs - 30_000, 'us-east-1')]);
    const { handler } = notifier();
    const outcome = await handler.sweep();
    assert.equal(outcome.examined, 1, 'only batch has a window');
    assert.equal(outcome.alerted.length, 1);

    const incidents = await store.incidents({ checkId: 'batch' });
    assert.equal(incidents.length, 2);
    const [planned, unplanned] = incidents;
    assert.equal(planned?.planned, true);
    assert.equal(planned?.closedAt, END_ISO);
    assert.equal(unplanned?.planned, false);
    assert.equal(unplanned?.openedAt, END_ISO);
    assert.equal(unplanned?.detectedAt, new Date(nowMs).toISOString());
    assert.equal(unplanned?.closedAt, null);
    assert.deepEqual(await subjects(), ['[shop] DOWN batch']);

    // Every further sweep within the lookback sends nothing more.
    nowMs += MIN;
    assert.deepEqual((await handler.sweep()).alerted, []);
    assert.deepEqual((await notifier().handler.sweep()).alerted, []);
    assert.deepEqual(await subjects(), []);

    // The alarm's OK then closes the unplanned incident, with a RECOVERED.
    await handler(alarmEvent(alarmNames.quorum(PROJECT, 'batch'), 'OK', WINDOW_END + 10 * MIN, 'ALARM'));
    assert.equal(await store.openIncidentFor('batch'), null);
    assert.deepEqual(await subjects(), ['[shop] RECOVERED batch after 10m']);
  });

  it('sends nothing when the check recovered inside the window', async () => {
    await notifier().handler(alarmEvent(alarmNames.quorum(PROJECT, 'batch'), 'OK', WINDOW_END - 30 * MIN, 'ALARM'));
    nowMs = WINDOW_END + 2 * MIN;
    const outcome = await notifier().handler.sweep();
    assert.deepEqual(outcome.alerted, []);
    assert.deepEqual(await subjects(), []);
    assert.equal((await store.incidents({ checkId: 'batch' })).length, 1);
  });

  it('finishes a sweep that closed the planned incident and then failed', async () => {
    await store.closeIncident('batch', END_ISO); // as a sweep that stopped right after closing would leave it
    nowMs = WINDOW_END + 3 * MIN;
    const outcome = await notifier().handler.sweep();
    assert.equal(outcome.alerted.length, 1);
    const open = await store.openIncidentFor('batch');
    assert.equal(open?.planned, false);
    assert.equal(open?.openedAt, END_ISO);
    assert.deepEqual(await subjects(), ['[shop] DOWN batch']);
  });

  it('fails the invocation when the topic refuses the DOWN (an error the alarm counts, logged), and the next sweep sends it once', async () => {
    nowMs = WINDOW_END + MIN;
    const broken = notifier(topicArn.replace(`${PROJECT}-alerts`, 'gone'));
    let outcome: SweepOutcome | undefined;
    await assert.rejects(broken.handler.sweep(), (error: unknown) => {
      assert.ok(error instanceof MaintenanceSweepError);
      outcome = error.outcome;
      return true;
    });
    assert.equal(outcome?.alerted.length, 0);
    assert.equal(outcome?.failed.length, 1);
    assert.match(outcome?.failed[0] ?? '', /^maintenance sweep: batch: .*the next sweep tries again/);
    assert.ok(broken.lines.some((l) => l.startsWith('{"level":"error","sweep":"maintenance"')), 'an error line in the log');
    assert.equal((await store.openIncidentFor('batch'))?.planned, false, 'the incident changed; only the alert is missing');

    nowMs += MIN;
    const next = await notifier().handler.sweep();
    assert.equal(next.alerted.length, 1);
    assert.deepEqual(await subjects(), ['[shop] DOWN batch']);
    nowMs += MIN;
    assert.deepEqual((await notifier().handler.sweep()).alerted, []);
    assert.deepEqual(await subjects(), []);
  });

  it('leaves a window that ended more than an hour ago alone', async () => {
    nowMs = WINDOW_END + 61 * MIN;
    const outcome = await notifier().handler.sweep();
    assert.equal(outcome.examined, 0);
    assert.equal((await store.openIncidentFor('batch'))?.planned, true);
  });
});
