/**
 * The notifier handler against moto: DynamoDB (the home region's table), and an SNS topic with an SQS
 * queue subscribed to it, standing in for the people who get the alerts. Events are shaped like the
 * "CloudWatch Alarm State Change" events EventBridge delivers.
 */
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { InvalidAlarmEventError } from '../../lambdas/handlers/alarm-event.ts';
import { alarmNames } from '../../lambdas/core/alarm-names.ts';
import { checkDashboardUrl } from '../../lambdas/core/dashboard-links.ts';
import { createNotifierHandler, type NotifierHandler } from '../../lambdas/handlers/notifier.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { alarmEvent } from '../support/alarm-events.ts';
import { drainInbox, motoClients, startMoto, topicWithInbox, type Moto } from '../support/moto.ts';

const PROJECT = 'shop';
const HOME = 'us-east-1';
const TABLE = 'shop-results';
const T0 = Date.UTC(2025, 2, 10, 14, 0, 0);
const MIN = 60_000;

let moto: Moto;
let dynamo: DynamoDBClient;
let sns: SNSClient;
let sqs: SQSClient;
let topicArn: string;
let queueUrl: string;
let store: DynamoResultsStore;
const clock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

const rawConfig = {
  project: PROJECT,
  homeRegion: HOME,
  defaults: { regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] },
  checks: [
    { id: 'api', name: 'Public API', type: 'http', url: 'https://api.example.com/health', severity: 'critical', alertPolicy: { failingLocations: 2 } },
    { id: 'batch', type: 'http', url: 'https://batch.example.com/', tags: ['nightly'] },
    { id: 'web', type: 'http', url: 'https://www.example.com/' },
  ],
  maintenance: [{ id: 'batch-upgrade', checks: ['batch'], start: '2025-03-10T13:00:00Z', end: '2025-03-10T16:00:00Z' }],
};
const cfg: Config = validateConfig(rawConfig);

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
});

const OVERVIEW_URL = 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/shop-overview';

function notifier(overrides: { topicArn?: string; config?: Config } = {}): { handler: NotifierHandler; lines: string[] } {
  const lines: string[] = [];
  const handler = createNotifierHandler({
    config: overrides.config ?? cfg,
    project: PROJECT,
    tableName: TABLE,
    topicArn: overrides.topicArn ?? topicArn,
    dynamo,
    sns,
    dashboardUrl: OVERVIEW_URL,
    homeRegion: HOME,
    clock,
    log: (line) => lines.push(line),
  });
  return { handler, lines };
}


/** Every message on the topic since the last call. */
const inbox = () => drainInbox(sqs, queueUrl);

function run(checkId: string, location: string, atMs: number, ok: boolean): ProbeResult {
  return {
    checkId,
    type: 'http',
    location,
    startedAt: new Date(atMs).toISOString(),
    ok,
    status: ok ? 'up' : 'down',
    error: ok ? null : { kind: 'http_status', message: `expected status 200, got 503 (${location})` },
    timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 40, downloadMs: 1, totalMs: 47 },
    httpStatus: ok ? 200 : 503,
    address: '192.0.2.1:443',
    target: 'https://api.example.com/health',
    assertions: [],
    attempts: 2,
  };
}

describe('notifier handler: quorum alarms', () => {
  const down = alarmNames.quorum(PROJECT, 'api');

  beforeEach(async () => {
    // What the probe regions last wrote, as the home-region replica has it.
    await store.recordResults([
      run('api', 'eu-west-1', T0 - 30_000, false),
      run('api', 'us-east-1', T0 - 25_000, false),
      run('api', 'ap-southeast-2', T0 - 20_000, true),
      run('api', 'sa-east-1', T0 - 20_000, false), // not one of the check's regions (any more)
    ]);
  });

  it('opens one incident on ALARM and sends exactly one DOWN with its attributes', async () => {
    const outcome = await notifier().handler(alarmEvent(down, 'ALARM', T0, 'OK'));
    assert.equal(outcome.action, 'incident-opened');
    assert.equal(outcome.published, true);

    const incidents = await store.incidents({ checkId: 'api' });
    assert.equal(incidents.length, 1);
    const [incident] = incidents;
    assert.equal(incident?.openedAt, new Date(T0).toISOString());
    assert.equal(incident?.detectedAt, new Date(T0).toISOString());
    assert.equal(incident?.closedAt, null);
    assert.equal(incident?.planned, false);
    assert.deepEqual(incident?.failingLocations, ['eu-west-1', 'us-east-1']);
    assert.match(incident?.firstError?.message ?? '', /got 503 \(eu-west-1\)/);

    const messages = await inbox();
    assert.equal(messages.length, 1);
    const [message] = messages;
    assert.equal(message?.subject, '[shop] DOWN api (Public API)');
    assert.ok(
      (message?.message ?? '').includes(
        'Failing in 2 regions:\n  eu-west-1: http_status: expected status 200, got 503 (eu-west-1)\n  us-east-1: http_status: expected status 200, got 503 (us-east-1)\n',
      ),
      message?.message,
    );
    // The link opens the check dashboard with this check picked (its variable in the link).
    assert.ok(
      (message?.message ?? '').includes(`Dashboard: ${checkDashboardUrl(HOME, PROJECT, 'api')}`),
      message?.message,
    );
    assert.ok(checkDashboardUrl(HOME, PROJECT, 'api').endsWith('#dashboards/dashboard/shop-check?var-check=api'));
    assert.deepEqual(message?.attributes, {
      kind: 'incident',
      state: 'down',
      severity: 'critical',
      checkId: 'api',
      eventId: `${incident?.id}:down`,
    });
  });

  it('does not open a second incident or alert again when the same ALARM comes again', async () => {
    const { handler } = notifier();
    const event = alarmEvent(down, 'ALARM', T0, 'OK');
    await handler(event);
    const again = await handler(event);
    assert.equal(again.action, 'incident-already-open');
    assert.equal(again.published, false);
    // A fresh container (no state in memory) answers the same.
    assert.equal((await notifier().handler(event)).published, false);
    assert.equal((await store.incidents({ checkId: 'api' })).length, 1);
    assert.equal((await inbox()).length, 1);
  });

  it('closes the incident on OK with its duration and sends exactly one RECOVERED', async () => {
    const { handler } = notifier();
    await handler(alarmEvent(down, 'ALARM', T0, 'OK'));
    await inbox();
    const ok = alarmEvent(down, 'OK', T0 + 252_000, 'ALARM');
    const outcome = await handler(ok);
    assert.equal(outcome.action, 'incident-closed');
    assert.equal(outcome.published, true);
    assert.equal(await store.openIncidentFor('api'), null);
    const [incident] = await store.incidents({ checkId: 'api' });
    assert.equal(incident?.closedAt, new Date(T0 + 252_000).toISOString());
    assert.equal(incident?.durationSeconds, 252);

    assert.equal((await handler(ok)).published, false, 'the same OK again sends nothing');
    const messages = await inbox();
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.subject, '[shop] RECOVERED api (Public API) after 4m 12s');
    assert.equal(messages[0]?.attributes['state'], 'recovered');
    assert.equal(messages[0]?.attributes['eventId'], `${incident?.id}:recovered`);
  });

  it('alerts once on the retry when the first publish failed after the incident was opened', async () => {
    const event = alarmEvent(down, 'ALARM', T0, 'OK');
    const broken = notifier({ topicArn: topicArn.replace(`${PROJECT}-alerts`, 'gone') });
    await assert.rejects(broken.handler(event), /NotFound|does not exist/i);
    assert.notEqual(await store.openIncidentFor('api'), null, 'the incident was opened before the publish failed');
    assert.equal((await inbox()).length, 0);

    const retried = await notifier().handler(event);
    assert.equal(retried.action, 'incident-already-open');
    assert.equal(retried.published, true);
    await notifier().handler(event);
    assert.equal((await inbox()).length, 1);
    assert.equal((await store.incidents({ checkId: 'api' })).length, 1);
  });

  it('ignores an ALARM that arrives after the OK that followed it', async () => {
    const { handler } = notifier();
    const alarm = alarmEvent(down, 'ALARM', T0, 'OK');
    await handler(alarm);
    await handler(alarmEvent(down, 'OK', T0 + 5 * MIN, 'ALARM'));
    await inbox();
    const late = await handler(alarm);
    assert.equal(late.action, 'ignored');
    assert.equal(await store.openIncidentFor('api'), null);
    assert.equal((await inbox()).length, 0);
  });

  it('ignores INSUFFICIENT_DATA', async () => {
    const outcome = await notifier().handler(alarmEvent(down, 'INSUFFICIENT_DATA', T0, 'OK'));
    assert.equal(outcome.action, 'ignored');
    assert.equal((await store.incidents()).length, 0);
    assert.equal((await inbox()).length, 0);
  });

  it('records an incident during a maintenance window as planned and sends nothing, open or closed', async () => {
    const { handler } = notifier();
    const name = alarmNames.quorum(PROJECT, 'batch');
    const opened = await handler(alarmEvent(name, 'ALARM', T0, 'OK'));
    assert.equal(opened.action, 'incident-opened');
    assert.equal(opened.published, false);
    assert.equal((await store.openIncidentFor('batch'))?.planned, true);
    const closed = await handler(alarmEvent(name, 'OK', T0 + 10 * MIN, 'ALARM'));
    assert.equal(closed.action, 'incident-closed');
    assert.equal(closed.published, false);
    assert.equal((await store.incidents({ checkId: 'batch' }))[0]?.durationSeconds, 600);
    assert.equal((await inbox()).length, 0);
  });
});

describe('notifier handler: notices', () => {
  it('says a silent probe location is silent, never that a target is down, and opens no incident', async () => {
    const { handler } = notifier();
    const outcome = await handler(alarmEvent(alarmNames.locationSilent(PROJECT, 'eu-west-1'), 'ALARM', T0, 'OK'));
    assert.equal(outcome.action, 'notice');
    assert.equal(outcome.published, true);
    const messages = await inbox();
    assert.equal(messages.length, 1);
    const [m] = messages;
    assert.equal(m?.subject, '[shop] probe location eu-west-1 is silent');
    assert.match(m?.message ?? '', new RegExp(`Dashboard: ${OVERVIEW_URL.replace(/[.?]/g, '\\$&')}$`, 'm'), 'no one check: the overview');
    assert.match(m?.message ?? '', /not about the monitored targets/);
    assert.doesNotMatch(`${m?.subject}\n${m?.message}`, /\bdown\b/i);
    assert.deepEqual(m?.attributes, {
      kind: 'location-silent',
      state: 'alarm',
      severity: 'high',
      location: 'eu-west-1',
      eventId: `${alarmNames.locationSilent(PROJECT, 'eu-west-1')}:alarm:${new Date(T0).toISOString()}`,
    });
    assert.equal((await store.incidents()).length, 0);
    assert.equal((await handler(alarmEvent(alarmNames.locationSilent(PROJECT, 'eu-west-1'), 'ALARM', T0, 'OK'))).published, false);
    assert.equal((await inbox()).length, 0);
  });

  it('tells probe errors and probe throttles apart, both as skyprobe\'s own trouble', async () => {
    const { handler } = notifier();
    await handler(alarmEvent(alarmNames.probeErrors(PROJECT, 'eu-west-1'), 'ALARM', T0, 'OK'));
    await handler(alarmEvent(alarmNames.probeThrottles(PROJECT, 'eu-west-1'), 'ALARM', T0, 'OK'));
    const messages = await inbox();
    assert.deepEqual(messages.map((m) => m.subject).sort(), ['[shop] probe function in eu-west-1 is failing', '[shop] probe function in eu-west-1 is throttled']);
    const throttled = messages.find((m) => m.attributes['kind'] === 'probe-throttles');
    assert.match(throttled?.message ?? '', /concurrency/);
    for (const m of messages) assert.doesNotMatch(`${m.subject}\n${m.message}`, /\bdown\b/i);
    assert.equal((await store.incidents()).length, 0);
  });

  it('announces the end of a notice alarm that came back through INSUFFICIENT_DATA, once, and only after an announced ALARM', async () => {
    const { handler } = notifier();
    const latency = alarmNames.latency(PROJECT, 'web');
    assert.equal((await handler(alarmEvent(latency, 'ALARM', T0, 'OK'))).published, true);
    assert.equal((await handler(alarmEvent(latency, 'INSUFFICIENT_DATA', T0 + 5 * MIN, 'ALARM'))).published, false, 'a metric gap is not news');
    const back = alarmEvent(latency, 'OK', T0 + 9 * MIN, 'INSUFFICIENT_DATA');
    assert.equal((await handler(back)).published, true, 'the end of the announced ALARM');
    assert.equal((await notifier().handler(back)).published, false, 'a repeated delivery, in a fresh container, sends nothing');
    assert.equal((await handler(alarmEvent(latency, 'OK', T0 + 30 * MIN, 'INSUFFICIENT_DATA'))).published, false, 'its end was announced already');
    // An OK older than the announced one, handled late, announces nothing.
    assert.equal((await handler(alarmEvent(latency, 'OK', T0 + 2 * MIN, 'INSUFFICIENT_DATA'))).published, false);
    assert.deepEqual(
      (await inbox()).map((m) => [m.subject, m.attributes['state']]),
      [
        ['[shop] SLOW web: response time over its threshold', 'alarm'],
        ['[shop] web response time back to normal', 'ok'],
      ],
    );
    // A new alarm (deploy) going INSUFFICIENT_DATA -> OK never announced anything: nothing to end.
    assert.equal((await handler(alarmEvent(alarmNames.latency(PROJECT, 'api'), 'OK', T0, 'INSUFFICIENT_DATA'))).published, false);
    assert.equal((await inbox()).length, 0);
  });

  it('announces the end of a notice alarm only when it was in ALARM before', async () => {
    const { handler } = notifier();
    const latency = alarmNames.latency(PROJECT, 'web');
    assert.equal((await handler(alarmEvent(latency, 'OK', T0, 'INSUFFICIENT_DATA'))).published, false);
    assert.equal((await handler(alarmEvent(latency, 'ALARM', T0 + MIN, 'OK'))).published, true);
    assert.equal((await handler(alarmEvent(latency, 'OK', T0 + 5 * MIN, 'ALARM'))).published, true);
    const messages = await inbox();
    assert.deepEqual(
      messages.map((m) => [m.subject, m.attributes['kind'], m.attributes['state'], m.attributes['checkId']]),
      [
        ['[shop] SLOW web: response time over its threshold', 'latency', 'alarm', 'web'],
        ['[shop] web response time back to normal', 'latency', 'ok', 'web'],
      ],
    );
    for (const m of messages) assert.ok(m.message.includes(`Dashboard: ${checkDashboardUrl(HOME, PROJECT, 'web')}`), 'a check notice links to the check picked');
    assert.equal((await store.incidents()).length, 0);
  });

  it('links to the config\'s own alerts.dashboardUrl, unchanged, when it has one', async () => {
    const own = validateConfig({ ...JSON.parse(JSON.stringify(rawConfig)), alerts: { dashboardUrl: 'https://status.example.com/' } });
    const { handler } = notifier({ config: own });
    assert.equal((await handler(alarmEvent(alarmNames.latency(PROJECT, 'web'), 'ALARM', T0, 'OK'))).published, true);
    const [m] = await inbox();
    assert.match(m?.message ?? '', /^Dashboard: https:\/\/status\.example\.com\/$/m);
  });

  it('mutes a check notice during its maintenance window', async () => {
    const outcome = await notifier().handler(alarmEvent(alarmNames.tlsExpiry(PROJECT, 'batch'), 'ALARM', T0, 'OK'));
    assert.equal(outcome.action, 'ignored');
    assert.equal((await inbox()).length, 0);
  });

  it("ignores alarms that are not this project's", async () => {
    const outcome = await notifier().handler(alarmEvent('other-api-down', 'ALARM', T0, 'OK'));
    assert.equal(outcome.action, 'ignored');
    assert.equal((await inbox()).length, 0);
  });

  it('ignores, and logs, alarms whose names only start with the project: another project "shop-staging", a check or kind this config does not have', async () => {
    const { handler, lines } = notifier();
    const strangers = [
      'shop-staging-api-down', // project shop-staging's check api: not shop's check "staging-api"
      'shop-staging-location-eu-west-1-silent',
      alarmNames.tlsExpiry(PROJECT, 'api'), // api is an http check: it has no certificate alarm
      alarmNames.locationSilent(PROJECT, 'sa-east-1'), // no check probes from there
      alarmNames.probeErrors(PROJECT, 'eu-north-1'),
      alarmNames.failoverHealth(PROJECT, 'www', 'primary'), // no failover service www
      'shop-notifier-failing', // the alert path's own alarm: its action publishes straight to the topic
    ];
    for (const name of strangers) {
      const outcome = await handler(alarmEvent(name, 'ALARM', T0, 'OK'));
      assert.equal(outcome.action, 'ignored', name);
      assert.match(outcome.note, new RegExp(`^alarm ${name} is not one of project shop's alarms$`));
    }
    assert.equal((await store.incidents()).length, 0, 'no incident for "staging-api"');
    assert.equal((await inbox()).length, 0);
    assert.ok(lines.some((l) => l.includes('"alarm":"shop-staging-api-down"') && l.includes('"action":"ignored"')), 'the log says which was ignored');
  });

  it('rejects an event that is not an alarm state change', async () => {
    await assert.rejects(notifier().handler({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: {} }), InvalidAlarmEventError);
  });
});
