/**
 * The notifier's fallback against moto (DynamoDB for the ledger, SNS with an SQS subscriber standing in for
 * the people who get alerts): what reaches subscribers when the notifier gives an event up, and the relay of
 * a probe region's dead-letter alarm. The notifier itself runs for real where its failure matters.
 */
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { alarmNames, alertPathAlarmNames } from '../../lambdas/core/alarm-names.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { checkDashboardUrl } from '../../lambdas/core/dashboard-links.ts';
import { MAINTENANCE_SWEEP_EVENT } from '../../lambdas/core/deployment.ts';
import { createAlarmFallbackHandler, type AlarmFallbackHandler } from '../../lambdas/handlers/alarm-fallback.ts';
import { createNotifierHandler } from '../../lambdas/handlers/notifier.ts';
import { ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { alarmActionEvent, alarmEvent, onFailureRecord } from '../support/alarm-events.ts';
import { drainInbox, motoClients, startMoto, topicWithInbox, type Moto } from '../support/moto.ts';

const PROJECT = 'shop';
const HOME = 'us-east-1';
const TABLE = 'shop-results';
const T0 = Date.UTC(2025, 2, 10, 14, 0, 0);
const MIN = 60_000;
const AT = new Date(T0).toISOString();

let moto: Moto;
let dynamo: DynamoDBClient;
let sns: SNSClient;
let sqs: SQSClient;
let topicArn: string;
let queueUrl: string;
const clock = { now: () => Date.now(), monotonic: () => performance.now() };

const config = validateConfig({
  project: PROJECT,
  homeRegion: HOME,
  defaults: { regions: ['us-east-1', 'eu-west-1'] },
  checks: [
    { id: 'api', name: 'Public API', type: 'http', url: 'https://api.example.com/health', severity: 'critical' },
    { id: 'batch', type: 'http', url: 'https://batch.example.com/' },
  ],
  maintenance: [{ id: 'batch-upgrade', checks: ['batch'], start: '2025-03-10T13:00:00Z', end: '2025-03-10T16:00:00Z' }],
});

function fallback(overrides: { tableName?: string } = {}): { handler: AlarmFallbackHandler; lines: string[] } {
  const lines: string[] = [];
  const handler = createAlarmFallbackHandler({
    config,
    project: PROJECT,
    tableName: overrides.tableName ?? TABLE,
    topicArn,
    dynamo,
    sns,
    homeRegion: HOME,
    dashboardUrl: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/shop-overview',
    clock,
    log: (line) => lines.push(line),
  });
  return { handler, lines };
}

/** Every message on the topic since the last call. */
const inbox = () => drainInbox(sqs, queueUrl);

before(async () => {
  moto = await startMoto();
  dynamo = motoClients.dynamo(moto.endpoint, HOME);
  sns = motoClients.sns(moto.endpoint, HOME);
  sqs = motoClients.sqs(moto.endpoint, HOME);
});
after(async () => {
  for (const client of [dynamo, sns, sqs]) client?.destroy();
  await moto?.close();
});
beforeEach(async () => {
  await moto.reset();
  await ensureTable(dynamo, TABLE);
  ({ topicArn, queueUrl } = await topicWithInbox(sns, sqs, `${PROJECT}-alerts`, 'inbox'));
});

describe('alarm fallback: events the notifier gave up on', () => {
  const apiDown = alarmEvent(alarmNames.quorum(PROJECT, 'api'), 'ALARM', T0, 'OK');

  it('publishes a DOWN the topic never got, with the attributes subscribers filter on, once however often it is handed over', async () => {
    // The notifier cannot publish (its topic is wrong): every attempt fails before the topic.
    const broken = createNotifierHandler({ config, project: PROJECT, tableName: TABLE, topicArn: topicArn.replace('shop-alerts', 'gone'), dynamo, sns, homeRegion: HOME, clock, log: () => undefined });
    const error = await broken(apiDown).then(
      () => assert.fail('the notifier should fail'),
      (e: Error) => e,
    );
    const record = onFailureRecord(apiDown, error);
    const { handler, lines } = fallback();
    assert.equal((await handler(record)).action, 'published');
    assert.equal((await handler(record)).action, 'already-published', 'Lambda may hand the record over twice');
    assert.equal((await fallback().handler(record)).action, 'already-published');
    const messages = await inbox();
    assert.equal(messages.length, 1);
    const [m] = messages;
    assert.equal(m?.subject, '[shop] DOWN api (Public API)');
    assert.deepEqual(m?.attributes, { kind: 'incident', state: 'down', severity: 'critical', checkId: 'api', eventId: `fallback:topic:shop-api-down:ALARM:${AT}` });
    assert.match(m?.message ?? '', /Sent by skyprobe's fallback: the notifier could not handle this alarm change \((NotFound|.*does not exist).*RetriesExhausted, 3 attempts\)/);
    assert.ok(m?.message.includes(`Dashboard: ${checkDashboardUrl(HOME, PROJECT, 'api')}`), m?.message);
    assert.match(m?.message ?? '', /^Alarm: shop-api-down \(ALARM at 2025-03-10T14:00:00.000Z\)$/m);
    assert.ok(lines.some((l) => l.startsWith('{"level":"warn","fallback":"published"')));
  });

  it('publishes a RECOVERED right after ALARM, and nothing for an OK it cannot tell the end of something', async () => {
    const { handler } = fallback();
    const failed = { name: 'Error', message: 'boom' };
    assert.equal((await handler(onFailureRecord(alarmEvent(alarmNames.quorum(PROJECT, 'api'), 'OK', T0, 'ALARM'), failed))).action, 'published');
    assert.equal((await handler(onFailureRecord(alarmEvent(alarmNames.quorum(PROJECT, 'api'), 'OK', T0 + MIN, 'INSUFFICIENT_DATA'), failed))).action, 'ignored');
    assert.deepEqual(
      (await inbox()).map((m) => [m.subject, m.attributes['state']]),
      [['[shop] RECOVERED api (Public API)', 'recovered']],
    );
  });

  it('publishes a notice with its own attributes: a silent probe location is never a target down', async () => {
    const event = alarmEvent(alarmNames.locationSilent(PROJECT, 'eu-west-1'), 'ALARM', T0, 'OK');
    assert.equal((await fallback().handler(onFailureRecord(event, { name: 'TypeError', message: 'x is undefined' }))).action, 'published');
    const [m] = await inbox();
    assert.equal(m?.subject, '[shop] probe location eu-west-1 is silent');
    assert.deepEqual(m?.attributes, { kind: 'location-silent', state: 'alarm', severity: 'high', location: 'eu-west-1', eventId: `fallback:topic:shop-location-eu-west-1-silent:ALARM:${AT}` });
    assert.doesNotMatch(`${m?.subject}\n${m?.message}`, /\bdown\b/i);
  });

  it('publishes nothing for a transition the notifier settled with the topic: its message went out, only a webhook failed', async () => {
    // The notifier handled the ALARM (DOWN on the topic, settled); a webhook then failed every attempt.
    await createNotifierHandler({ config, project: PROJECT, tableName: TABLE, topicArn, dynamo, sns, homeRegion: HOME, clock, log: () => undefined })(apiDown);
    assert.equal((await inbox()).length, 1);
    const { handler, lines } = fallback();
    const outcome = await handler(onFailureRecord(apiDown, { name: 'WebhookDeliveryError', message: '1 of 1 webhooks did not take x:down: HTTP 500' }));
    assert.equal(outcome.action, 'logged');
    assert.equal((await inbox()).length, 0, 'no second copy for the topic subscribers');
    const line = lines.find((l) => l.includes('"fallback":"gave-up-after-topic"'));
    assert.ok(line?.startsWith('{"level":"error"'), line);
    assert.match(line ?? '', /WebhookDeliveryError: 1 of 1 webhooks did not take/);
  });

  it('logs a failed maintenance sweep and publishes nothing, every minute it fails', async () => {
    const { handler, lines } = fallback();
    for (let minute = 0; minute < 5; minute++) {
      const outcome = await handler(onFailureRecord(MAINTENANCE_SWEEP_EVENT, { name: 'MaintenanceSweepError', message: 'maintenance sweep: 1 of 1 checks failed' }));
      assert.equal(outcome.action, 'logged');
    }
    assert.equal((await inbox()).length, 0);
    assert.equal(lines.filter((l) => l.startsWith('{"level":"error","fallback":"maintenance-sweep"')).length, 5);
  });

  it('publishes nothing for what the notifier would not announce either', async () => {
    const { handler } = fallback();
    const failed = { name: 'Error', message: 'boom' };
    const cases = [
      alarmEvent('shop-staging-api-down', 'ALARM', T0, 'OK'),
      alarmEvent(alarmNames.quorum(PROJECT, 'api'), 'INSUFFICIENT_DATA', T0, 'OK'),
      alarmEvent(alarmNames.latency(PROJECT, 'api'), 'OK', T0, 'INSUFFICIENT_DATA'),
      alarmEvent(alarmNames.quorum(PROJECT, 'batch'), 'ALARM', T0, 'OK'), // in its maintenance window
      alarmEvent(alertPathAlarmNames.notifierFailing(PROJECT), 'ALARM', T0, 'OK'),
    ];
    for (const event of cases) assert.equal((await handler(onFailureRecord(event, failed))).action, 'ignored', event.detail.alarmName);
    assert.equal((await handler(onFailureRecord({ source: 'aws.ec2' }, failed))).action, 'logged');
    assert.equal((await inbox()).length, 0);
  });

  it('still publishes when the ledger cannot be read: a possible second copy rather than no alert', async () => {
    const { handler, lines } = fallback({ tableName: 'no-such-table' });
    assert.equal((await handler(onFailureRecord(apiDown, { name: 'ResourceNotFoundException', message: 'table gone' }))).action, 'published');
    assert.equal((await inbox()).length, 1);
    assert.ok(lines.some((l) => l.startsWith('fallback: could not read topic:shop-api-down:ALARM:')));
  });
});

describe('alarm relay: a probe region\'s dead-letter alarm', () => {
  it('publishes the alarm and its end to the home topic, about the probe location', async () => {
    const { handler } = fallback();
    const name = alertPathAlarmNames.deadLetters(PROJECT, 'eu-west-1');
    assert.equal((await handler(alarmActionEvent(name, 'ALARM', T0, 'OK', 'eu-west-1'))).action, 'published');
    assert.equal((await handler(alarmActionEvent(name, 'INSUFFICIENT_DATA', T0 + MIN, 'ALARM', 'eu-west-1'))).action, 'ignored');
    assert.equal((await handler(alarmActionEvent(name, 'OK', T0 + 2 * MIN, 'ALARM', 'eu-west-1'))).action, 'published');
    const messages = await inbox();
    assert.deepEqual(
      messages.map((m) => [m.subject, m.attributes['kind'], m.attributes['state'], m.attributes['severity'], m.attributes['location']]),
      [
        ['[shop] events wait in the dead-letter queue of probe location eu-west-1', 'dead-letters', 'alarm', 'high', 'eu-west-1'],
        ['[shop] the dead-letter queue of probe location eu-west-1 is empty again', 'dead-letters', 'ok', 'high', 'eu-west-1'],
      ],
    );
    assert.match(messages[0]?.message ?? '', /could not be forwarded to us-east-1/);
  });

  it('relays nothing but a dead-letter alarm of this config\'s probe regions', async () => {
    const { handler } = fallback();
    for (const name of [alertPathAlarmNames.deadLetters(PROJECT, 'sa-east-1'), alarmNames.probeErrors(PROJECT, 'eu-west-1'), 'shop-staging-dead-letters-eu-west-1']) {
      assert.equal((await handler(alarmActionEvent(name, 'ALARM', T0, 'OK', 'eu-west-1'))).action, 'ignored', name);
    }
    assert.equal((await inbox()).length, 0);
  });
});
