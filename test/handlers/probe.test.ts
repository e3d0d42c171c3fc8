/**
 * The probe handler end to end against moto (DynamoDB and SSM in the probe region, CloudWatch in the home
 * region) and a loopback HTTP target. Time is warped: the handler's clock starts at a minute boundary and
 * every wait for a due run jumps the clock instead of sleeping, so a minute of sub-minute runs takes
 * milliseconds while the probes themselves do real network I/O.
 */
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetMetricDataCommand, ListMetricsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { metricNamespace } from '../../lambdas/core/alert-policy.ts';
import type { Config } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { shardOf } from '../../lambdas/core/deployment.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createProbeHandler, InvalidInvocationError, ResultsNotStoredError, type ProbeHandlerDeps } from '../../lambdas/handlers/probe.ts';
import { planMinute, type ContinuationEvent } from '../../lambdas/monitor/continuations.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { MOTO_ACCOUNT, motoClients, startMoto, type Moto } from '../support/moto.ts';

const PROJECT = 'shop';
const HOME = 'us-east-1';
const LOCATION = 'eu-west-1';
const TABLE = 'shop-results';
const MINUTE = 60_000;

let moto: Moto;
let target: TestHttpServer;
let dynamo: DynamoDBClient;
let cloudwatch: CloudWatchClient;
let ssm: SSMClient;
let sqs: SQSClient;

before(async () => {
  [moto, target] = await Promise.all([startMoto(), startHttpServer()]);
  dynamo = motoClients.dynamo(moto.endpoint, LOCATION);
  cloudwatch = motoClients.cloudwatch(moto.endpoint, HOME);
  ssm = motoClients.ssm(moto.endpoint, LOCATION);
  sqs = motoClients.sqs(moto.endpoint, LOCATION);
  target.route('/needs-auth', (req, res) => {
    res.writeHead(req.headers.authorization === 'Bearer s3cr3t-value' ? 200 : 401).end();
  });
});

after(async () => {
  for (const client of [dynamo, cloudwatch, ssm, sqs]) client?.destroy();
  await Promise.all([moto?.close(), target?.close()]);
});

beforeEach(async () => {
  await moto.reset();
  await ensureTable(dynamo, TABLE);
});

/**
 * A clock that starts at `startMs` and jumps forward when the cycle waits for a due run. Each wait still
 * lets up to 100 real ms pass, so loopback runs in flight finish as they would in the 10 s they skip.
 */
function warpedTime(startMs: number): { clock: Clock; wait: (ms: number) => Promise<void> } {
  let offset = startMs - Date.now();
  return {
    clock: { now: () => Date.now() + offset, monotonic: () => performance.now() },
    wait: async (ms) => {
      const before = Date.now();
      await sleep(Math.min(ms, 100));
      offset += Math.max(0, ms - (Date.now() - before));
    },
  };
}

/** A whole minute a little in the past, so every datum's timestamp is one CloudWatch accepts. */
const minuteStart = () => Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;

function config(checks: Record<string, unknown>[]): Config {
  return validateConfig({
    project: PROJECT,
    homeRegion: HOME,
    defaults: { regions: [LOCATION], retries: 0, timeout: '1s' },
    checks: checks.map((c) => ({ type: 'http', allowPrivateTargets: true, ...c })),
  });
}

function probe(cfg: Config, startMs: number, overrides: Partial<ProbeHandlerDeps> = {}) {
  const time = warpedTime(startMs);
  const lines: string[] = [];
  const handler = createProbeHandler({
    config: cfg,
    location: LOCATION,
    project: PROJECT,
    tableName: TABLE,
    dynamo,
    cloudwatch,
    ssm,
    clock: time.clock,
    wait: time.wait,
    log: (line) => lines.push(line),
    ...overrides,
  });
  return { handler, lines };
}

const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

async function resultsOf(checkId: string): Promise<ProbeResult[]> {
  const store = new DynamoResultsStore({ client: dynamo, tableName: TABLE, clock: { now: Date.now, monotonic: () => performance.now() } });
  return [...(await store.recentResults(checkId, LOCATION, { limit: 100 }))].reverse();
}

async function metricSum(metric: string, dimensions: Record<string, string>, stat: 'Sum' | 'SampleCount', aroundMs: number): Promise<number> {
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(aroundMs - 10 * MINUTE),
      EndTime: new Date(aroundMs + 10 * MINUTE),
      MetricDataQueries: [
        {
          Id: 'm0',
          MetricStat: {
            Metric: { Namespace: metricNamespace(PROJECT), MetricName: metric, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
            Period: 60,
            Stat: stat,
          },
        },
      ],
    }),
  );
  return (out.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0);
}

describe('probe handler', () => {
  it('runs the 1 m checks of its nominal minute once at its start, however late in the minute it fires, and stores every result', async () => {
    const start = minuteStart();
    const cfg = config([
      { id: 'ok', url: `${target.url}/ok` },
      { id: 'minutely', url: `${target.url}/status/503` },
    ]);
    const fired = start + 47_300;
    const { handler } = probe(cfg, fired);
    const summary = await handler({ shard: 0, shards: 1, scheduledTime: new Date(start).toISOString() }, lambdaContext(58_000));
    assert.deepEqual([summary.ran, summary.skipped, summary.failed, summary.pendingWrites, summary.writeError, summary.checks], [2, 0, 1, 0, null, 2]);
    for (const id of ['ok', 'minutely']) {
      const [result, ...more] = await resultsOf(id);
      assert.equal(more.length, 0, id);
      assert.ok(Math.abs(Date.parse(result!.startedAt) - fired) < 500, `${id} ran at once`);
    }
    assert.equal((await resultsOf('minutely'))[0]?.error?.kind, 'http_status');
    // Its datums land in its nominal minute, not the minute it ran in: one per period, as the quorum sums them.
    assert.equal(await metricSum('Failed', { CheckId: 'minutely' }, 'SampleCount', start), 1);
  });

  it('sends Failed and DurationMs per run and check, Failed per region only for a sub-minute check, and LocationAlive once, to the home region', async () => {
    const start = minuteStart();
    const cfg = config([
      { id: 'fast', url: `${target.url}/ok`, interval: '10s' },
      { id: 'minutely', url: `${target.url}/status/503` },
    ]);
    await probe(cfg, start).handler({ shard: 0, shards: 1 }, lambdaContext(120_000));
    const fast = { CheckId: 'fast', Location: LOCATION };
    assert.equal(await metricSum('Failed', fast, 'SampleCount', start), 6);
    assert.equal(await metricSum('Failed', fast, 'Sum', start), 0);
    assert.equal(await metricSum('Failed', { CheckId: 'fast' }, 'SampleCount', start), 6);
    assert.equal(await metricSum('DurationMs', { CheckId: 'fast' }, 'SampleCount', start), 6);
    assert.equal(await metricSum('DurationMs', fast, 'SampleCount', start), 0, 'no latency metric per region');
    assert.equal(await metricSum('DurationMs', { CheckId: 'minutely' }, 'SampleCount', start), 1);
    // A 1-minute check has one run per period: its quorum sums one metric per check, so none per region.
    assert.equal(await metricSum('Failed', { CheckId: 'minutely' }, 'Sum', start), 1);
    assert.equal(await metricSum('Failed', { CheckId: 'minutely', Location: LOCATION }, 'SampleCount', start), 0);
    assert.equal(await metricSum('LocationAlive', { Location: LOCATION }, 'Sum', start), 1);
    const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: metricNamespace(PROJECT) }));
    const shapes = new Set(listed.Metrics?.map((m) => `${m.MetricName}:${(m.Dimensions ?? []).map((d) => d.Name).sort().join('+')}`));
    assert.deepEqual([...shapes].sort(), [
      'DurationMs:CheckId',
      'Failed:CheckId',
      'Failed:CheckId+Location',
      'LocationAlive:Location',
    ], 'no SkippedRuns when none were skipped');
    const perRegion = listed.Metrics?.filter((m) => m.MetricName === 'Failed' && (m.Dimensions ?? []).length === 2).map((m) => m.Dimensions?.find((d) => d.Name === 'CheckId')?.Value);
    assert.ok(perRegion?.includes('fast') && !perRegion.includes('minutely'), `Failed per region for ${JSON.stringify(perRegion)}`);
  });

  it('runs a minute once when the scheduler delivers its invocation twice: the second finds the claim and runs nothing', async () => {
    const start = minuteStart();
    const cfg = config([{ id: 'twice', url: `${target.url}/status/503` }]);
    const { handler, lines } = probe(cfg, start);
    const first = await handler({ shard: 0, shards: 1 }, lambdaContext(120_000));
    const second = await handler({ shard: 0, shards: 1 }, lambdaContext(120_000));
    assert.deepEqual([first.ran, first.repeated], [1, false]);
    assert.deepEqual([second.ran, second.repeated, second.checks], [0, true, 0]);
    assert.equal((await resultsOf('twice')).length, 1);
    // The quorum of a 1-minute check sums its locations' datums: a second run would count this location twice.
    assert.equal(await metricSum('Failed', { CheckId: 'twice' }, 'Sum', start), 1);
    assert.ok(lines.some((l) => l.includes('already claimed: a repeated scheduled invocation, nothing run')));
    // Another shard's minute is its own.
    assert.equal((await handler({ shard: 0, shards: 2 }, lambdaContext(120_000))).repeated, false);
    // The claim is the scheduled minute's, not the clock's: a repeat that arrives in the next minute still finds it,
    // and the next minute's own invocation is not taken for a repeat.
    const iso = (ms: number) => new Date(ms).toISOString();
    const before = (await resultsOf('twice')).length;
    const nextMinute = probe(cfg, start + 70_000).handler;
    assert.equal((await nextMinute({ shard: 0, shards: 1, scheduledTime: iso(start) }, lambdaContext(58_000))).repeated, true);
    assert.equal((await nextMinute({ shard: 0, shards: 1, scheduledTime: iso(start + MINUTE) }, lambdaContext(58_000))).repeated, false);
    assert.equal((await resultsOf('twice')).length, before + 1);
  });

  it('skips and counts a run that could not finish before the deadline, and still runs the one that can', async () => {
    const start = minuteStart();
    const cfg = config([
      { id: 'quick', url: `${target.url}/ok` },
      { id: 'slow', url: `${target.url}/ok`, timeout: '5s' },
    ]);
    // Deadline: 9 s remaining minus the 5 s reserve = 4 s from now; with the 2 s margin a 5 s run cannot fit, a 1 s run can.
    const { handler, lines } = probe(cfg, start);
    const summary = await handler({ shard: 0, shards: 1 }, lambdaContext(9_000));
    assert.equal(summary.ran, 1);
    assert.equal(summary.skipped, 1);
    assert.equal((await resultsOf('quick')).length, 1);
    assert.equal((await resultsOf('slow')).length, 0);
    assert.equal(await metricSum('SkippedRuns', { Location: LOCATION }, 'Sum', start), 1);
    assert.ok(lines.some((l) => l.includes('1 due run(s) skipped')));
  });

  it('runs the missed sub-minute due times of an invocation delivered after its minute once, not in a burst, and counts the others as skipped', async () => {
    const start = minuteStart();
    // Delivered 95 s after its nominal minute began: the first four 10 s due times of the minute it owns have passed.
    const late = start + MINUTE + 35_000;
    const dues = Array.from({ length: 6 }, (_, k) => start + MINUTE + k * 10_000);
    const past = dues.filter((t) => t <= late).length;
    const cfg = config([{ id: 'fast', url: `${target.url}/ok`, interval: '10s' }]);
    const summary = await probe(cfg, late).handler({ shard: 0, shards: 1, scheduledTime: new Date(start).toISOString() }, lambdaContext(120_000));
    assert.equal(past, 4);
    assert.equal(summary.ran, 1 + (dues.length - past));
    assert.equal(summary.skipped, past - 1);
    const starts = (await resultsOf('fast')).map((r) => Date.parse(r.startedAt));
    assert.ok(Math.abs(starts[0]! - late) < 500, 'the missed run starts at once');
    starts.slice(1).forEach((t, i) => assert.ok(Math.abs(t - dues[past + i]!) < 500, `run ${i + 1} keeps its due time`));
  });

  it('fails only the check whose SSM secret is missing; the others run with their secrets, never stored', async () => {
    await ssm.send(new PutParameterCommand({ Name: `/${PROJECT}/secrets/PRESENT`, Value: 's3cr3t-value', Type: 'SecureString' }));
    const start = minuteStart();
    const cfg = config([
      { id: 'with-secret', url: `${target.url}/needs-auth`, headers: { authorization: 'Bearer {{secret:PRESENT}}' } },
      { id: 'missing-secret', url: `${target.url}/never-called`, headers: { 'x-key': '{{secret:ABSENT}}' } },
      { id: 'no-secret', url: `${target.url}/ok` },
    ]);
    const summary = await probe(cfg, start).handler({ shard: 0, shards: 1 }, lambdaContext(120_000));
    assert.equal(summary.ran, 3);
    assert.equal(summary.failed, 1);

    const [withSecret] = await resultsOf('with-secret');
    assert.equal(withSecret?.ok, true, JSON.stringify(withSecret?.error));
    assert.doesNotMatch(JSON.stringify(withSecret), /s3cr3t-value/);
    const [missing] = await resultsOf('missing-secret');
    assert.equal(missing?.ok, false);
    assert.equal(missing?.attempts, 0);
    assert.match(missing?.error?.message ?? '', /secret ABSENT has no value: SSM parameter \/shop\/secrets\/ABSENT not found/);
    assert.equal((await resultsOf('no-secret'))[0]?.ok, true);
    assert.equal(target.requests.filter((r) => r.url === '/never-called').length, 0);
    assert.equal(await metricSum('Failed', { CheckId: 'missing-secret' }, 'Sum', start), 1);
  });

  it('fails only the check whose secret is a plain String parameter, naming it; the checks with SecureString secrets still run', async () => {
    await ssm.send(new PutParameterCommand({ Name: `/${PROJECT}/secrets/PRESENT`, Value: 's3cr3t-value', Type: 'SecureString' }));
    await ssm.send(new PutParameterCommand({ Name: `/${PROJECT}/secrets/PLAIN`, Value: 'not-so-secret', Type: 'String' }));
    const start = minuteStart();
    const cfg = config([
      { id: 'with-secret', url: `${target.url}/needs-auth`, headers: { authorization: 'Bearer {{secret:PRESENT}}' } },
      { id: 'plain-secret', url: `${target.url}/never-called`, headers: { 'x-key': '{{secret:PLAIN}}' } },
    ]);
    const summary = await probe(cfg, start).handler({ shard: 0, shards: 1 }, lambdaContext(120_000));
    assert.deepEqual([summary.ran, summary.failed], [2, 1]);
    assert.equal((await resultsOf('with-secret'))[0]?.ok, true);
    const [plain] = await resultsOf('plain-secret');
    assert.equal(plain?.attempts, 0);
    assert.match(plain?.error?.message ?? '', /^secret PLAIN cannot be used: SSM parameter \/shop\/secrets\/PLAIN is a String, not a SecureString/);
    assert.doesNotMatch(JSON.stringify(plain), /not-so-secret/);
    assert.equal(target.requests.filter((r) => r.url === '/never-called').length, 0);
  });

  it('logs one result line per run with the phase times, and no message, url or secret even when the run failed', async () => {
    await ssm.send(new PutParameterCommand({ Name: `/${PROJECT}/secrets/PRESENT`, Value: 's3cr3t-value', Type: 'SecureString' }));
    const start = minuteStart();
    const cfg = config([
      { id: 'fast', url: `${target.url}/ok`, interval: '20s' },
      // Fails with the secret in its url and header: the stored error message and target are redacted, the line has neither.
      { id: 'failing', url: `${target.url}/status/503?token={{secret:PRESENT}}`, headers: { authorization: 'Bearer {{secret:PRESENT}}' } },
      { id: 'missing-secret', url: `${target.url}/never-called`, headers: { 'x-key': '{{secret:ABSENT}}' } },
    ]);
    const { handler, lines } = probe(cfg, start);
    const summary = await handler({ shard: 0, shards: 1 }, lambdaContext(120_000));
    assert.equal(summary.ran, 5);

    const resultLines = lines.filter((l) => l.startsWith('{"skyprobe":"result"'));
    assert.equal(resultLines.length, summary.ran, 'one line per result');
    const records = resultLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) {
      assert.deepEqual(Object.keys(r), [
        'skyprobe', 'checkId', 'location', 'startedAt', 'ok', 'failed', 'status', 'errorKind', 'httpStatus',
        'dnsMs', 'connectMs', 'tlsMs', 'ttfbMs', 'downloadMs', 'totalMs',
      ]);
      assert.equal(r['location'], LOCATION);
    }

    // The lines say what the stored results say, field for field.
    const stored = [...(await resultsOf('fast')), ...(await resultsOf('failing')), ...(await resultsOf('missing-secret'))];
    assert.equal(stored.length, records.length);
    for (const result of stored) {
      const r = records.find((x) => x['checkId'] === result.checkId && x['startedAt'] === result.startedAt);
      assert.ok(r, `a line for ${result.checkId} at ${result.startedAt}`);
      const t = result.timings;
      assert.deepEqual(
        [r['ok'], r['failed'], r['status'], r['errorKind'], r['httpStatus'], r['dnsMs'], r['connectMs'], r['tlsMs'], r['ttfbMs'], r['downloadMs'], r['totalMs']],
        [result.ok, result.ok ? 0 : 1, result.status, result.error?.kind ?? null, result.httpStatus, t.dnsMs, t.connectMs, t.tlsMs, t.ttfbMs, t.downloadMs, t.totalMs],
      );
    }
    const fast = records.filter((r) => r['checkId'] === 'fast');
    assert.equal(fast.length, 3);
    for (const r of fast) {
      assert.equal(r['httpStatus'], 200);
      assert.equal(r['tlsMs'], null, 'plain http has no tls phase');
      for (const phase of ['connectMs', 'ttfbMs', 'downloadMs', 'totalMs']) assert.equal(typeof r[phase], 'number', `${phase} of an up run`);
    }
    const failing = records.find((r) => r['checkId'] === 'failing')!;
    assert.deepEqual([failing['ok'], failing['errorKind'], failing['httpStatus']], [false, 'http_status', 503]);
    const missing = records.find((r) => r['checkId'] === 'missing-secret')!;
    assert.deepEqual([missing['errorKind'], missing['httpStatus'], missing['connectMs'], missing['totalMs']], ['assertion', null, null, 0]);

    const messages = stored.flatMap((r) => (r.error === null ? [] : [r.error.message]));
    assert.ok(messages.length >= 2 && messages.some((m) => m.includes('ABSENT')), 'the failed results have messages to leave out');
    for (const line of resultLines) {
      assert.doesNotMatch(line, /s3cr3t-value|\*\*\*|127\.0\.0\.1|status\/503|never-called|ABSENT|SSM|expected/);
      for (const message of messages) assert.ok(!line.includes(message), `no error message in ${line}`);
    }
  });

  it("runs only this location's checks of the invoked shard", async () => {
    const ids = ['api', 'web', 'db', 'cdn', 'auth', 'search', 'mail', 'queue'];
    const cfg = config([
      ...ids.map((id) => ({ id, url: `${target.url}/ok` })),
      { id: 'elsewhere', url: `${target.url}/ok`, regions: ['us-west-2'] },
    ]);
    const mine = ids.filter((id) => shardOf(id, 3) === 1);
    assert.ok(mine.length > 0 && mine.length < ids.length, 'the ids split over the shards');
    const summary = await probe(cfg, minuteStart()).handler({ shard: 1, shards: 3 }, lambdaContext(120_000));
    assert.equal(summary.checks, mine.length);
    for (const id of [...ids, 'elsewhere']) assert.equal((await resultsOf(id)).length, mine.includes(id) ? 1 : 0, id);
  });

  it('rejects an invocation without a valid shard or scheduled time', async () => {
    const { handler } = probe(config([{ id: 'x', url: `${target.url}/ok` }]), minuteStart());
    await assert.rejects(handler({ shard: 2, shards: 2 }, lambdaContext(60_000)), InvalidInvocationError);
    await assert.rejects(handler({ shards: 1 } as never, lambdaContext(60_000)), /"shard"/);
    await assert.rejects(handler({ shard: 0, shards: 1, scheduledTime: 'soon' }, lambdaContext(60_000)), /"scheduledTime" must be an ISO 8601 time .* got "soon"/);
    await assert.rejects(handler({ shard: 0, shards: 1, scheduledTime: 1_700_000_000 } as never, lambdaContext(60_000)), InvalidInvocationError);
    assert.equal((await resultsOf('x')).length, 0);
  });

  it('fails when results cannot be stored, after sending the metrics', async () => {
    const start = minuteStart();
    const { handler } = probe(config([{ id: 'unstored', url: `${target.url}/ok` }]), start, { tableName: 'no-such-table' });
    await assert.rejects(handler({ shard: 0, shards: 1 }, lambdaContext(120_000)), (error: unknown) => {
      assert.ok(error instanceof ResultsNotStoredError);
      assert.match(error.message, /ResourceNotFound|not found|non-existent/i);
      return true;
    });
    assert.equal(await metricSum('Failed', { CheckId: 'unstored' }, 'SampleCount', start), 1);
    assert.equal(await metricSum('LocationAlive', { Location: LOCATION }, 'Sum', start), 1);
  });
});

describe('probe handler with continuations (SQS)', () => {
  async function continuationQueue(): Promise<{ sqs: SQSClient; queueUrl: string }> {
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'shop-probe-continuations' }))).QueueUrl!;
    return { sqs, queueUrl };
  }

  /** What moto holds in its queues: each message's body and the delay it was sent with (read from moto's own state, so delayed ones too). */
  async function queuedMessages(): Promise<{ body: ContinuationEvent; delaySeconds: number }[]> {
    const data = (await (await fetch(`${moto.endpoint}/moto-api/data.json`)).json()) as { sqs?: { Message?: { body: string; delayed_until: number; sent_timestamp: number }[] } };
    return (data.sqs?.Message ?? []).map((m) => ({
      body: JSON.parse(m.body) as ContinuationEvent,
      delaySeconds: m.delayed_until === 0 ? 0 : Math.round((m.delayed_until - m.sent_timestamp) / 1000),
    }));
  }

  async function receiveAll(queueUrl: string, expected: number): Promise<{ messageId: string; body: string }[]> {
    const out: { messageId: string; body: string }[] = [];
    for (let attempt = 0; out.length < expected && attempt < 20; attempt++) {
      const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      for (const m of res.Messages ?? []) out.push({ messageId: m.MessageId!, body: m.Body! });
    }
    return out;
  }

  const iso = (ms: number) => new Date(ms).toISOString();

  it("sends the next minute's sub-minute runs as delayed messages, ten to a batch, and runs only its own part", async () => {
    const start = minuteStart();
    const span = start + MINUTE;
    const ids = ['ten', 'twelve', 'fifteen'];
    const cfg = config(ids.map((id, i) => ({ id, url: `${target.url}/ok`, interval: ['10s', '12s', '15s'][i] })));
    const queue = await continuationQueue();
    // Small windows so the minute needs more than one SendMessageBatch of ten; fired 0.3 s before the next
    // minute, so the runs due at its start are within the handoff and run here.
    const tuning = { handoffMillis: 500, windowMillis: 1_000 };
    const fired = span - 300;
    const expected = planMinute(cfg.checks, { nowMs: fired, minuteStartMs: span, shard: 0, shards: 1, ...tuning });
    assert.ok(expected.continuations.length > 10, `the fixture needs more than ten continuations, got ${expected.continuations.length}`);
    assert.deepEqual(expected.owned, { startMs: span, endMs: span + 10_000 });

    const summary = await probe(cfg, fired, { continuations: queue, ...tuning }).handler({ shard: 0, shards: 1, scheduledTime: iso(start) }, lambdaContext(58_000));
    assert.equal(summary.continuationsSent, expected.continuations.length);
    assert.equal(summary.continuationsRunHere, 0);
    const queued = await queuedMessages();
    const byWake = (a: { body: ContinuationEvent }, b: { body: ContinuationEvent }) => a.body.wakeAtMs - b.body.wakeAtMs;
    assert.deepEqual(queued.sort(byWake), expected.continuations.map((c) => ({ body: c.event, delaySeconds: c.delaySeconds })));
    assert.ok(queued.some((m) => m.delaySeconds >= 30), 'late parts of the minute wait in SQS, not in Lambda');

    // Only the runs due at the next minute's start (all three checks) ran here, at that moment.
    assert.equal(summary.ran, 3);
    const stored = (await Promise.all(ids.map(resultsOf))).flat();
    assert.equal(stored.length, 3);
    assert.ok(stored.every((r) => Math.abs(Date.parse(r.startedAt) - span) < 500));
  });

  it('runs every sub-minute due time of the next minute once through the continuations it receives, however late in its minute the scheduler fired, and rejects a bad body with one line', async () => {
    for (const firedAfter of [400, 55_000]) {
      await moto.reset();
      await ensureTable(dynamo, TABLE);
      const start = minuteStart();
      const span = start + MINUTE;
      const cfg = config([{ id: 'fast', url: `${target.url}/ok`, interval: '10s' }, { id: 'minutely', url: `${target.url}/ok` }]);
      const queue = await continuationQueue();
      // A lead of two minutes makes every delay 0, so this test can receive the messages at once.
      const scheduled = await probe(cfg, start + firedAfter, { continuations: queue, leadMillis: 2 * MINUTE }).handler(
        { shard: 0, shards: 1, scheduledTime: iso(start) },
        lambdaContext(58_000),
      );
      assert.equal(scheduled.ran, 1, 'the scheduled invocation runs its minute\'s 1 m check, and none of the next minute\'s 10 s runs');
      assert.equal(scheduled.continuationsSent, 6);
      const messages = await receiveAll(queue.queueUrl, 6);
      assert.equal(messages.length, 6);

      for (const message of messages) {
        const event = JSON.parse(message.body) as ContinuationEvent;
        const continuation = probe(cfg, event.wakeAtMs - 700, { continuations: queue });
        const out = await continuation.handler({ Records: [message] }, lambdaContext(58_000));
        assert.deepEqual([out.results.length, out.duplicates, out.rejected], [1, 0, 0]);
        assert.equal(out.results[0]?.ran, 1, `the window at +${event.wakeAtMs - span} ms runs its one due time`);
      }
      const starts = (await resultsOf('fast')).map((r) => Date.parse(r.startedAt) - span);
      assert.equal(starts.length, 6, `fired ${firedAfter} ms into its minute: every due time of the next minute ran, once`);
      starts.forEach((t, k) => assert.ok(Math.abs(t - k * 10_000) < 500, `run ${k} at +${t} ms, due at +${k * 10_000}`));
      assert.equal((await resultsOf('minutely')).length, 1);
      // Only the scheduled invocation says the location is alive, once, in its own minute: six continuations add nothing.
      assert.equal(await metricSum('LocationAlive', { Location: LOCATION }, 'Sum', start), 1);
      if (firedAfter > 1_000) continue;

      // SQS delivers the first message again: its claim is there, nothing runs.
      const again = await probe(cfg, span - 1_000).handler({ Records: [messages[0]!] }, lambdaContext(58_000));
      assert.deepEqual([again.results.length, again.duplicates, again.rejected], [0, 1, 0]);
      assert.equal((await resultsOf('fast')).length, 6);

      const bad = probe(cfg, span - 1_000);
      const rejected = await bad.handler({ Records: [{ messageId: 'm-bad', body: '{"kind":"continuation","shard":0}' }] }, lambdaContext(58_000));
      assert.deepEqual([rejected.results.length, rejected.duplicates, rejected.rejected], [0, 0, 1]);
      const rejectLines = bad.lines.filter((l) => l.includes('m-bad'));
      assert.equal(rejectLines.length, 1);
      const rejectLine = JSON.parse(rejectLines[0]!) as { level: string; message: string; rejected: number };
      assert.deepEqual(rejectLine, { level: 'error', message: 'rejected SQS message m-bad: continuation message needs "shards", an integer ≥ 1, got undefined', location: LOCATION, rejected: 1 });
      assert.equal((await resultsOf('fast')).length, 6);
    }
  });

  it('counts the due times of a continuation delivered after its minute as skipped, and runs nothing', async () => {
    const start = minuteStart();
    const cfg = config([{ id: 'fast', url: `${target.url}/ok`, interval: '10s' }]);
    const event: ContinuationEvent = { kind: 'continuation', shard: 0, shards: 1, minuteStartMs: start, wakeAtMs: start + 20_000, windowEndMs: start + 40_000 };
    const late = probe(cfg, start + MINUTE + 3_000);
    const out = await late.handler({ Records: [{ messageId: 'm-late', body: JSON.stringify(event) }] }, lambdaContext(58_000));
    assert.deepEqual([out.results[0]?.ran, out.results[0]?.skipped], [0, 2]);
    assert.equal((await resultsOf('fast')).length, 0);
    assert.equal(await metricSum('SkippedRuns', { Location: LOCATION }, 'Sum', start), 2);
  });

  it('runs what it can still reach before its deadline itself, waiting in-process, when SQS cannot take the messages, and counts the rest as skipped', async () => {
    const start = minuteStart();
    const span = start + MINUTE;
    const cfg = config([{ id: 'fast', url: `${target.url}/ok`, interval: '10s' }]);
    // Fired 50 s into its minute with Lambda's 58 s: its deadline is span + 43 s, so the runs due up to span + 40 s fit.
    const { handler, lines } = probe(cfg, start + 50_000, { continuations: { sqs, queueUrl: `${moto.endpoint}/${MOTO_ACCOUNT}/no-such-queue` } });
    const summary = await handler({ shard: 0, shards: 1, scheduledTime: iso(start) }, lambdaContext(58_000));
    assert.deepEqual([summary.ran, summary.skipped, summary.continuationsSent, summary.continuationsRunHere], [5, 1, 0, 6]);
    const starts = (await resultsOf('fast')).map((r) => Date.parse(r.startedAt) - span);
    starts.forEach((t, k) => assert.ok(Math.abs(t - k * 10_000) < 500, `run ${k} at +${t} ms`));
    assert.ok(lines.some((l) => /"level":"warn".*6 of 6 continuation\(s\) not sent to SQS/.test(l)), lines.join('\n'));
  });
});
