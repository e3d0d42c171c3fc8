/** The monthly-report Lambda against moto: DynamoDB (the history), SNS (the topic) and an SQS queue subscribed to read what was published. */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { createMonthlyReportHandler, InvalidReportEventError, monthlyReportDepsFromEnv, type MonthlyReportHandler } from '../../lambdas/handlers/monthly-report.ts';
import { MissingEnvError } from '../../lambdas/handlers/env.ts';
import { DynamoResultsStore } from '../../lambdas/store/dynamo-store.ts';
import { FIXTURE_CONFIG, seedHistory } from '../cli/report-fixture.ts';
import { motoClients, startMoto, topicWithInbox, type Moto } from '../support/moto.ts';

const REGION = 'us-east-1';
const TABLE = 'demo-results';
/** 2026-11-01 00:05 UTC: when the schedule fires for October. */
const FIRED_AT = Date.UTC(2026, 10, 1, 0, 5);
const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-01T00:05:00Z',
  region: REGION,
  resources: ['arn:aws:events:us-east-1:123456789012:rule/demo-monthly-report'],
  detail: {},
};

interface Envelope {
  readonly Subject?: string;
  readonly Message: string;
  readonly MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

let moto: Moto;
let dynamo: DynamoDBClient;
let sns: SNSClient;
let sqs: SQSClient;
let topicArn: string;
let queueUrl: string;
let handle: MonthlyReportHandler;
let incidentId: string;
const logs: string[] = [];

async function received(): Promise<Envelope[]> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Envelope);
}

before(async () => {
  moto = await startMoto();
  dynamo = motoClients.dynamo(moto.endpoint, REGION);
  sns = motoClients.sns(moto.endpoint, REGION);
  sqs = motoClients.sqs(moto.endpoint, REGION);
  incidentId = await seedHistory(dynamo, TABLE);
  ({ topicArn, queueUrl } = await topicWithInbox(sns, sqs, 'demo-alerts', 'report-inbox'));
  handle = createMonthlyReportHandler({
    config: validateConfig(FIXTURE_CONFIG),
    project: 'demo',
    tableName: TABLE,
    topicArn,
    dynamo,
    sns,
    dashboardUrl: 'https://example.com/dash',
    clock: { now: () => FIRED_AT, monotonic: () => 0 },
    log: (line) => logs.push(line),
  });
});
after(async () => {
  dynamo?.destroy();
  sns?.destroy();
  sqs?.destroy();
  await moto?.close();
});

describe('monthly-report handler', () => {
  it('builds last month on the schedule, stores it and publishes a summary', async () => {
    const outcome = await handle(SCHEDULED_EVENT);
    // Two checks: two check items and the summary.
    assert.deepEqual(outcome, { month: '2026-10', action: 'published', checks: 2, itemsWritten: 3 });

    const store = new DynamoResultsStore({ client: dynamo, tableName: TABLE, clock: { now: () => FIRED_AT, monotonic: () => 0 } });
    const stored = await store.getReport('2026-10');
    const shop = stored?.checks.find((c) => c.checkId === 'shop');
    // 1,800 s down in October's 2,678,400 s (see report-fixture.ts).
    assert.deepEqual([stored?.complete, shop?.uptimePercent, shop?.incidents[0]?.id], [true, 99.932796, incidentId]);

    const messages = await received();
    assert.equal(messages.length, 1);
    const [message] = messages;
    assert.equal(message?.Subject, '[demo] October 2026 uptime report: 1 of 1 checks met their SLO');
    assert.match(message?.Message ?? '', /^met {4}shop: 99\.933% \(target 99\.9%\), 1 incident, 30m down, budget left 14m 38s$/m);
    assert.match(message?.Message ?? '', /^No data for: api$/m);
    assert.match(message?.Message ?? '', /skyprobe report --aws --month 2026-10 --format html/);
    assert.match(message?.Message ?? '', /^Dashboard: https:\/\/example\.com\/dash$/m);
    assert.deepEqual(
      Object.fromEntries(Object.entries(message?.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value])),
      { kind: 'report', month: '2026-10', eventId: 'report:2026-10' },
    );
  });

  it('does nothing when the schedule fires again for a month already published', async () => {
    const outcome = await handle(SCHEDULED_EVENT);
    assert.deepEqual(outcome, { month: '2026-10', action: 'skipped', checks: 0, itemsWritten: 0 });
    assert.deepEqual(await received(), []);
    assert.match(logs.at(-1) ?? '', /"action":"skipped"/);
  });

  it('rebuilds and publishes a month named by hand', async () => {
    const outcome = await handle({ month: '2026-10' });
    assert.equal(outcome.action, 'published');
    assert.equal((await received()).length, 1);
  });

  it('rejects a hand invocation with a bad or future month', async () => {
    await assert.rejects(handle({ month: '2026-13' }), InvalidReportEventError);
    await assert.rejects(handle({ month: 202610 }), /event\.month must be a "yyyy-mm" string, got 202610/);
    await assert.rejects(handle({ month: '2026-12' }), /event\.month 2026-12 has not begun yet/);
  });

  it('fails at cold start with the name of a missing environment variable', async () => {
    await assert.rejects(monthlyReportDepsFromEnv({ SKYPROBE_TABLE_NAME: TABLE, SKYPROBE_HOME_REGION: REGION, SKYPROBE_PROJECT: 'demo' }, '/nonexistent'), (error: unknown) => {
      assert.ok(error instanceof MissingEnvError);
      assert.equal(error.variable, 'SKYPROBE_TOPIC_ARN');
      return true;
    });
  });
});
