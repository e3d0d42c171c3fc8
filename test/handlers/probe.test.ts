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
import { METRIC_NAMESPACE } from '../../lambdas/core/alert-policy.ts';
import type { Config } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { shardOf } from '../../lambdas/core/deployment.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { spreadOffsetMs } from '../../lambdas/core/schedule.ts';
import { createProbeHandler, InvalidInvocationError, ResultsNotStoredError, type ProbeHandlerDeps } from '../../lambdas/handlers/probe.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { motoClients, startMoto, type Moto } from '../support/moto.ts';

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

before(async () => {
  [moto, target] = await Promise.all([startMoto(), startHttpServer()]);
  dynamo = motoClients.dynamo(moto.endpoint, LOCATION);
  cloudwatch = motoClients.cloudwatch(moto.endpoint, HOME);
  ssm = motoClients.ssm(moto.endpoint, LOCATION);
  target.route('/needs-auth', (req, res) => {
    res.writeHead(req.headers.authorization === 'Bearer s3cr3t-value' ? 200 : 401).end();
  });
});

after(async () => {
  for (const client of [dynamo, cloudwatch, ssm]) client?.destroy();
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
            Metric: { Namespace: METRIC_NAMESPACE, MetricName: metric, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
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
  it('runs a 10 s check six times in its minute, a 1 m check once, and stores every result', async () => {
    const start = minuteStart();
    const cfg = config([
      { id: 'fast', url: `${target.url}/ok`, interval: '10s' },
      { id: 'minutely', url: `${target.url}/status/503` },
    ]);
    const { handler } = probe(cfg, start);
    const summary = await handler({ shard: 0, shards: 1 }, lambdaContext(120_000));
    assert.equal(summary.ran, 7);
    assert.equal(summary.skipped, 0);
    assert.equal(summary.failed, 1);
    assert.equal(summary.pendingWrites, 0);
    assert.equal(summary.writeError, null);
    assert.equal(summary.checks, 2);

    const fast = await resultsOf('fast');
    assert.equal(fast.length, 6);
    assert.ok(fast.every((r) => r.ok && r.location === LOCATION));
    const starts = fast.map((r) => Date.parse(r.startedAt));
    const offset = spreadOffsetMs('fast', 10_000);
    starts.forEach((t, k) => assert.ok(Math.abs(t - (start + offset + k * 10_000)) < 500, `run ${k} started at +${t - start} ms, due at +${offset + k * 10_000}`));
    const minutely = await resultsOf('minutely');
    assert.equal(minutely.length, 1);
    assert.equal(minutely[0]?.error?.kind, 'http_status');
  });

  it('sends Failed per run and region, DurationMs per run and check, and LocationAlive once to CloudWatch in the home region', async () => {
    const start = minuteStart();
    const cfg = config([
      { id: 'fast', url: `${target.url}/ok`, interval: '10s' },
      { id: 'minutely', url: `${target.url}/status/503` },
    ]);
    await probe(cfg, start).handler({ shard: 0, shards: 1 }, lambdaContext(120_000));
    const fast = { CheckId: 'fast', Location: LOCATION };
    assert.equal(await metricSum('Failed', fast, 'SampleCount', start), 6);
    assert.equal(await metricSum('Failed', fast, 'Sum', start), 0);
    assert.equal(await metricSum('DurationMs', { CheckId: 'fast' }, 'SampleCount', start), 6);
    assert.equal(await metricSum('DurationMs', fast, 'SampleCount', start), 0, 'no latency metric per region');
    assert.equal(await metricSum('DurationMs', { CheckId: 'minutely' }, 'SampleCount', start), 1);
    assert.equal(await metricSum('Failed', { CheckId: 'minutely', Location: LOCATION }, 'Sum', start), 1);
    assert.equal(await metricSum('LocationAlive', { Location: LOCATION }, 'Sum', start), 1);
    const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: METRIC_NAMESPACE }));
    const shapes = new Set(listed.Metrics?.map((m) => `${m.MetricName}:${(m.Dimensions ?? []).map((d) => d.Name).sort().join('+')}`));
    assert.deepEqual([...shapes].sort(), [
      'DurationMs:CheckId',
      'Failed:CheckId+Location',
      'LocationAlive:Location',
      'SkippedRuns:Location',
    ]);
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

  it('runs the missed due times of a late invocation once, not in a burst, and counts the others as skipped', async () => {
    const start = minuteStart();
    const late = start + 35_000;
    const offset = spreadOffsetMs('fast', 10_000);
    const dues = Array.from({ length: 6 }, (_, k) => start + offset + k * 10_000);
    const past = dues.filter((t) => t <= late).length;
    const cfg = config([{ id: 'fast', url: `${target.url}/ok`, interval: '10s' }]);
    const summary = await probe(cfg, late).handler({ shard: 0, shards: 1 }, lambdaContext(120_000));
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
    assert.equal(await metricSum('Failed', { CheckId: 'missing-secret', Location: LOCATION }, 'Sum', start), 1);
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
        'skyprobe', 'checkId', 'location', 'startedAt', 'ok', 'status', 'errorKind', 'httpStatus',
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
        [r['ok'], r['status'], r['errorKind'], r['httpStatus'], r['dnsMs'], r['connectMs'], r['tlsMs'], r['ttfbMs'], r['downloadMs'], r['totalMs']],
        [result.ok, result.status, result.error?.kind ?? null, result.httpStatus, t.dnsMs, t.connectMs, t.tlsMs, t.ttfbMs, t.downloadMs, t.totalMs],
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

  it('rejects an invocation without a valid shard', async () => {
    const { handler } = probe(config([{ id: 'x', url: `${target.url}/ok` }]), minuteStart());
    await assert.rejects(handler({ shard: 2, shards: 2 }, lambdaContext(60_000)), InvalidInvocationError);
    await assert.rejects(handler({ shards: 1 } as never, lambdaContext(60_000)), /"shard"/);
  });

  it('fails when results cannot be stored, after sending the metrics', async () => {
    const start = minuteStart();
    const { handler } = probe(config([{ id: 'unstored', url: `${target.url}/ok` }]), start, { tableName: 'no-such-table' });
    await assert.rejects(handler({ shard: 0, shards: 1 }, lambdaContext(120_000)), (error: unknown) => {
      assert.ok(error instanceof ResultsNotStoredError);
      assert.match(error.message, /ResourceNotFound|not found|non-existent/i);
      return true;
    });
    assert.equal(await metricSum('Failed', { CheckId: 'unstored', Location: LOCATION }, 'SampleCount', start), 1);
    assert.equal(await metricSum('LocationAlive', { Location: LOCATION }, 'Sum', start), 1);
  });
});
