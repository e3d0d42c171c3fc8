import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AlertEvent } from '../../lambdas/core/notification.ts';
import { MAX_SMS_CHARS, MAX_SUBJECT_CHARS, SnsNotifier, snsAlertMessage, snsNoticeMessage, snsSubject } from '../../lambdas/aws/sns-notifier.ts';
import { noticeFor } from '../../lambdas/monitor/notice.ts';
import { motoClients, startMoto, topicWithInbox, type Moto } from '../support/moto.ts';

const REGION = 'us-east-1';

const down: AlertEvent = {
  kind: 'down',
  eventId: 'inc-1:down',
  incidentId: 'inc-1',
  checkId: 'storefront',
  checkName: 'Storefront home page',
  severity: 'critical',
  tags: ['shop'],
  target: 'https://shop.example.com/',
  failingLocations: ['eu-west-1', 'us-east-1'],
  error: { kind: 'timeout', message: 'timed out after 10000ms' },
  failures: [
    { location: 'eu-west-1', error: { kind: 'timeout', message: 'timed out after 10000ms' } },
    { location: 'us-east-1', error: { kind: 'http_status', message: 'expected status 200, got 503' } },
  ],
  openedAt: '2025-03-10T14:00:00.000Z',
  closedAt: null,
  durationSeconds: null,
  dashboardUrl: 'https://console.aws.amazon.com/cloudwatch/home#dashboards:name=shop',
};

interface Envelope {
  readonly Subject?: string;
  readonly Message: string;
  readonly MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

describe('SNS messages', () => {
  it('builds a DOWN message with a short subject, readable lines and filterable attributes', () => {
    const m = snsAlertMessage(down, 'shop');
    assert.equal(m.subject, '[shop] DOWN storefront (Storefront home page)');
    assert.match(m.message, /^DOWN storefront \(Storefront home page\) — timeout: timed out after 10000ms — eu-west-1, us-east-1\n/);
    assert.ok(
      m.message.includes('Failing in 2 regions:\n  eu-west-1: timeout: timed out after 10000ms\n  us-east-1: http_status: expected status 200, got 503\n'),
      m.message,
    );
    assert.match(m.message, /Incident: inc-1/);
    assert.deepEqual(m.attributes, { kind: 'incident', state: 'down', severity: 'critical', checkId: 'storefront', eventId: 'inc-1:down' });
    assert.equal(m.sms, '[shop] DOWN storefront (Storefront home page): eu-west-1 timeout, us-east-1 http_status');
  });

  it('keeps every region and its own error readable when errors are long and regions many, and the SMS one short line', () => {
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1', 'sa-east-1', 'ca-central-1'];
    const failures = regions.map((location, i) => ({ location, error: { kind: 'assertion' as const, message: `body ${i}\n${'x'.repeat(5_000)}` } }));
    const m = snsAlertMessage({ ...down, checkName: 'Caf\u00e9 \u2014 front', failingLocations: regions, failures }, 'shop');
    const listed = m.message.split('\n').filter((l) => l.startsWith('  '));
    assert.deepEqual(listed.map((l) => l.split(':')[0]!.trim()), regions, 'each region on its own line, in order');
    for (const [i, line] of listed.entries()) {
      assert.ok(line.startsWith(`  ${regions[i]}: assertion: body ${i} xxx`), 'its own error, on one line');
      assert.ok(line.length < 540, `cut: ${line.length} chars`);
    }
    assert.ok(m.message.length < 6_000, `bounded: ${m.message.length}`);
    assert.ok(m.sms !== undefined && m.sms.length <= MAX_SMS_CHARS, `sms ${m.sms?.length} chars`);
    assert.match(m.sms ?? '', /^\[shop\] DOWN storefront \(Cafe - front\): us-east-1 assertion, us-west-2 assertion, .*\.\.\.$/);
    assert.match(m.sms ?? '', /^[\x20-\x7e]+$/);
  });

  it('lists a failing region whose error is not known by its name alone', () => {
    const m = snsAlertMessage({ ...down, failures: [{ location: 'eu-west-1', error: null }] }, 'shop');
    assert.ok(m.message.includes('Failing in 1 region:\n  eu-west-1\n'), m.message);
  });

  it('says how long a recovered check was down', () => {
    const m = snsAlertMessage({ ...down, kind: 'recovered', eventId: 'inc-1:recovered', closedAt: '2025-03-10T14:04:12.000Z', durationSeconds: 252 }, 'shop');
    assert.equal(m.subject, '[shop] RECOVERED storefront (Storefront home page) after 4m 12s');
    assert.equal(m.attributes['state'], 'recovered');
    assert.equal(m.sms, '[shop] RECOVERED storefront (Storefront home page) after 4m 12s');
    assert.doesNotMatch(m.message, /Failing in/);
  });

  it('keeps subjects under 100 printable ASCII characters on one line', () => {
    const s = snsSubject(`[shop] DOWN café-api (Caf\u00e9 \u2014 ${'x'.repeat(200)}\nnext line) \u{1F525}`);
    assert.ok(s.length <= MAX_SUBJECT_CHARS, `${s.length} chars`);
    assert.match(s, /^[\x20-\x7e]+$/);
    assert.ok(s.startsWith('[shop] DOWN cafe-api (Cafe - xxx'));
    assert.ok(s.endsWith('...'));
  });

  it('builds a silent-location notice that is about the location, never a target being down', () => {
    const n = noticeFor({
      kind: 'location-silent',
      state: 'alarm',
      alarmName: 'shop-location-eu-west-1-silent',
      at: '2025-03-10T14:00:00.000Z',
      reason: 'Threshold Crossed: no datapoints were received for 3 periods',
      description: null,
      location: 'eu-west-1',
      dashboardUrl: null,
    });
    const m = snsNoticeMessage(n, 'shop');
    assert.equal(m.subject, '[shop] probe location eu-west-1 is silent');
    assert.doesNotMatch(`${m.subject}\n${m.message}`, /\bdown\b/i);
    assert.deepEqual(m.attributes, { kind: 'location-silent', state: 'alarm', severity: 'high', location: 'eu-west-1', eventId: n.noticeId });
  });
});

describe('SnsNotifier against moto', () => {
  let moto: Moto;
  let sns: SNSClient;
  let sqs: SQSClient;
  let topicArn: string;
  let queueUrl: string;

  before(async () => {
    moto = await startMoto();
    sns = motoClients.sns(moto.endpoint, REGION);
    sqs = motoClients.sqs(moto.endpoint, REGION);
    ({ topicArn, queueUrl } = await topicWithInbox(sns, sqs, 'shop-alerts', 'alerts-inbox'));
  });
  after(async () => {
    sns?.destroy();
    sqs?.destroy();
    await moto?.close();
  });

  it('publishes to the topic: a subscribed queue gets the subject, the text and the attributes', async () => {
    await new SnsNotifier({ client: sns, topicArn, project: 'shop' }).publishAlert(down);
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    assert.equal(out.Messages?.length, 1);
    const envelope = JSON.parse(out.Messages![0]!.Body!) as Envelope;
    assert.equal(envelope.Subject, '[shop] DOWN storefront (Storefront home page)');
    assert.match(envelope.Message, /Target: https:\/\/shop\.example\.com\//);
    assert.match(envelope.Message, /^DOWN storefront/, 'the full text, not the JSON of every protocol\'s text');
    assert.deepEqual(
      Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, [v.Type, v.Value]])),
      {
        kind: ['String', 'incident'],
        state: ['String', 'down'],
        severity: ['String', 'critical'],
        checkId: ['String', 'storefront'],
        eventId: ['String', 'inc-1:down'],
      },
    );
  });

  it('rejects when the topic does not exist', async () => {
    const missing = topicArn.replace('shop-alerts', 'no-such-topic');
    await assert.rejects(new SnsNotifier({ client: sns, topicArn: missing, project: 'shop' }).publishAlert(down), /NotFound|does not exist/i);
  });
});
