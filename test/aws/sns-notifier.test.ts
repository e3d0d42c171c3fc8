import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AlertEvent } from '../../lambdas/core/notification.ts';
import { MAX_SUBJECT_CHARS, SnsNotifier, snsAlertMessage, snsNoticeMessage, snsSubject } from '../../lambdas/aws/sns-notifier.ts';
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
    assert.match(m.message, /Failing in: eu-west-1, us-east-1/);
    assert.match(m.message, /Incident: inc-1/);
    assert.deepEqual(m.attributes, { kind: 'incident', state: 'down', severity: 'critical', checkId: 'storefront', eventId: 'inc-1:down' });
  });

  it('says how long a recovered check was down', () => {
    const m = snsAlertMessage({ ...down, kind: 'recovered', eventId: 'inc-1:recovered', closedAt: '2025-03-10T14:04:12.000Z', durationSeconds: 252 }, 'shop');
    assert.equal(m.subject, '[shop] RECOVERED storefront (Storefront home page) after 4m 12s');
    assert.equal(m.attributes['state'], 'recovered');
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
