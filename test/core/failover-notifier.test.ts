/** A failover alarm's state change through the real notifier handler: moto's SNS topic, read from an SQS queue. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { alarmNames } from '../../lambdas/core/alarm-names.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { createNotifierHandler } from '../../lambdas/handlers/notifier.ts';
import { ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { alarmEvent } from '../support/alarm-events.ts';
import { motoClients, startMoto, topicWithInbox, type Moto } from '../support/moto.ts';

let moto: Moto;

before(async () => {
  moto = await startMoto();
});
after(async () => moto?.close());

describe('failover alarms reach the alert topic as notices', () => {
  it('publishes FAILOVER once per transition, and the standby notice', async () => {
    const region = 'us-east-1';
    const dynamo = motoClients.dynamo(moto.endpoint, region);
    const sns = motoClients.sns(moto.endpoint, region);
    const sqs = motoClients.sqs(moto.endpoint, region);
    await ensureTable(dynamo, 'shop-results');
    const { topicArn, queueUrl } = await topicWithInbox(sns, sqs, 'shop-alerts', 'inbox');
    const config = validateConfig({
      project: 'shop',
      checks: [{ id: 'web', type: 'http', url: 'https://www.example.com/' }],
      failover: [{ id: 'web', hostedZoneId: 'Z0123456789ABC', recordName: 'www.example.com', check: 'web', primary: { values: ['198.51.100.1'] }, secondary: { values: ['192.0.2.10'], healthCheck: { protocol: 'http' } } }],
    });
    const handler = createNotifierHandler({ config, project: 'shop', tableName: 'shop-results', topicArn, dynamo, sns, homeRegion: region, log: () => {} });
    const at = Date.UTC(2026, 10, 1, 10, 0);
    const primary = alarmNames.failoverHealth('shop', 'web', 'primary');
    const first = await handler(alarmEvent(primary, 'ALARM', at, 'OK'));
    assert.equal(first.action, 'notice');
    assert.equal(first.published, true);
    assert.equal((await handler(alarmEvent(primary, 'ALARM', at, 'OK'))).published, false, 'a repeated event publishes nothing');
    assert.equal((await handler(alarmEvent(alarmNames.failoverHealth('shop', 'web', 'secondary'), 'ALARM', at, 'OK'))).published, true);

    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    const messages = (got.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as { Subject?: string; Message: string; MessageAttributes?: Record<string, { Value: string }> });
    assert.equal(messages.length, 2);
    const failover = messages.find((m) => m.Message.includes('FAILOVER web'));
    assert.ok(failover, JSON.stringify(messages));
    assert.equal(failover.MessageAttributes?.['severity']?.Value, 'critical');
    assert.equal(failover.MessageAttributes?.['kind']?.Value, 'failover-health');
    assert.ok(messages.some((m) => m.Message.includes('standby of web is unhealthy')));
    for (const client of [dynamo, sns, sqs]) client.destroy();
  });
});
