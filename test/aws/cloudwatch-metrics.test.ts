import { strict as assert } from 'node:assert';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { metricNamespace } from '../../lambdas/core/alert-policy.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import type { MeasuredRun } from '../../lambdas/monitor/probe-cycle.ts';
import {
  chunkMetricData,
  CloudWatchMetricsSink,
  MAX_DATUMS_PER_PUT,
  metricDataFor,
  MetricsPutError,
} from '../../lambdas/aws/cloudwatch-metrics.ts';
import { motoClientConfig, motoClients, startMoto, type Moto } from '../support/moto.ts';

const REGION = 'us-east-1';
const LOCATION = 'eu-west-1';
const NAMESPACE = metricNamespace('shop');
// Recent, whole minutes: CloudWatch keeps minute datapoints, and moto answers for the times asked.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;

function result(over: Partial<ProbeResult> & { at: number }): ProbeResult {
  const { at, ...rest } = over;
  const ok = rest.ok ?? true;
  return {
    checkId: 'api',
    type: 'http',
    location: LOCATION,
    startedAt: new Date(at).toISOString(),
    ok,
    status: ok ? 'up' : 'down',
    error: ok ? null : { kind: 'http_status', message: 'expected status 200, got 503' },
    timings: { dnsMs: 1, connectMs: 2, tlsMs: null, ttfbMs: 40, downloadMs: 1, totalMs: 44 },
    httpStatus: ok ? 200 : 503,
    address: '192.0.2.1:80',
    target: 'http://example.com/',
    assertions: [],
    attempts: 1,
    ...rest,
  };
}

function tlsResult(at: number, days: { leaf: number; chain: number; addresses: number[] }): ProbeResult {
  return result({
    at,
    checkId: 'cert',
    type: 'tls',
    tls: {
      validTo: '2030-01-01T00:00:00.000Z',
      daysRemaining: days.leaf,
      issuer: 'CN=Test CA',
      subject: 'CN=example.com',
      chainEarliestValidTo: '2030-01-01T00:00:00.000Z',
      chainEarliestDaysRemaining: days.chain,
      authorized: true,
      authorizationError: null,
      protocol: 'TLSv1.3',
      addresses: days.addresses.map((d, i) => ({ address: `192.0.2.${i + 1}`, ok: true, error: null, validTo: null, daysRemaining: d })),
    },
  });
}

const MINUTE = 60_000;
/** Results as runs of a check every `intervalMs`, each due `lateMs` before it started. */
function runs(results: readonly ProbeResult[], intervalMs = MINUTE, lateMs = 0): MeasuredRun[] {
  return results.map((r) => ({ result: r, dueAtMs: Date.parse(r.startedAt) - lateMs, intervalMs }));
}

const dims = (d: MetricDatum) => Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value]));

describe('metricDataFor', () => {
  it('puts Failed and DurationMs per run with CheckId only, stamped with the due time, for a check with one run per period', () => {
    // Started 1.5 s after they were due: the datums carry the due time, so a late run stays in its own period.
    const data = metricDataFor(runs([result({ at: T0 + 1_500 }), result({ at: T0 + MINUTE + 1_500, ok: false })], MINUTE, 1_500), LOCATION, { atMs: T0 + 30_000 });
    const failed = data.filter((d) => d.MetricName === 'Failed');
    assert.deepEqual(failed.map((d) => d.Value), [0, 1]);
    assert.deepEqual(failed.map((d) => d.Timestamp?.getTime()), [T0, T0 + MINUTE]);
    // The quorum sums this one metric per check: no metric per location.
    assert.deepEqual(failed.map(dims), [{ CheckId: 'api' }, { CheckId: 'api' }]);
    const duration = data.filter((d) => d.MetricName === 'DurationMs');
    assert.deepEqual(duration.map((d) => [d.Value, d.Unit]), [[44, 'Milliseconds'], [44, 'Milliseconds']]);
    // One latency metric per check, every region in it: the latency alarm reads its p95.
    assert.deepEqual(duration.map(dims), [{ CheckId: 'api' }, { CheckId: 'api' }]);
    assert.deepEqual(duration.map((d) => d.Timestamp?.getTime()), [T0, T0 + MINUTE]);
  });

  it('also puts Failed per location for checks with several runs per period (sub-minute, or not whole minutes)', () => {
    for (const intervalMs of [30_000, 90_000]) {
      const data = metricDataFor(runs([result({ at: T0 }), result({ at: T0 + 30_000, ok: false })], intervalMs), LOCATION, { atMs: T0 + 40_000 });
      const failed = data.filter((d) => d.MetricName === 'Failed');
      assert.deepEqual(
        failed.map((d) => [d.Value, dims(d), d.Timestamp?.getTime()]),
        [
          [0, { CheckId: 'api' }, T0],
          [0, { CheckId: 'api', Location: LOCATION }, T0],
          [1, { CheckId: 'api' }, T0 + 30_000],
          [1, { CheckId: 'api', Location: LOCATION }, T0 + 30_000],
        ],
        `interval ${intervalMs} ms`,
      );
    }
  });

  it('adds one LocationAlive = 1 and the skipped runs, with Location only, at the invocation time', () => {
    const data = metricDataFor([], LOCATION, { atMs: T0 + 5_000, skippedRuns: 3 });
    assert.deepEqual(
      data.map((d) => [d.MetricName, d.Value, d.Unit, dims(d), d.Timestamp?.getTime()]),
      [
        ['LocationAlive', 1, 'Count', { Location: LOCATION }, T0 + 5_000],
        ['SkippedRuns', 3, 'Count', { Location: LOCATION }, T0 + 5_000],
      ],
    );
  });

  it("stamps LocationAlive with a scheduled invocation's nominal minute, and puts none for a continuation", () => {
    const scheduled = metricDataFor([], LOCATION, { atMs: T0 + 61_500, aliveAtMs: T0, skippedRuns: 1 });
    assert.deepEqual(
      scheduled.map((d) => [d.MetricName, d.Timestamp?.getTime()]),
      [['LocationAlive', T0], ['SkippedRuns', T0 + 61_500]],
      'fired late in its minute and ended in the next: alive still counts in its own minute',
    );
    assert.deepEqual(metricDataFor(runs([result({ at: T0 })]), LOCATION, { atMs: T0 + 30_000, aliveAtMs: null }).map((d) => d.MetricName), ['Failed', 'DurationMs']);
  });

  it('puts no SkippedRuns when the invocation skipped none (a 0 would be billed every hour)', () => {
    for (const options of [{ atMs: T0 }, { atMs: T0, skippedRuns: 0 }]) {
      assert.deepEqual(metricDataFor(runs([result({ at: T0 })]), LOCATION, options).map((d) => d.MetricName), ['Failed', 'DurationMs', 'LocationAlive']);
    }
  });

  it('adds TlsDaysRemaining for TLS results: the earliest expiry of leaf, chain and addresses', () => {
    const data = metricDataFor(runs([tlsResult(T0, { leaf: 80, chain: 60, addresses: [70, 12] })], 3_600_000), LOCATION, { atMs: T0 });
    const tls = data.filter((d) => d.MetricName === 'TlsDaysRemaining');
    // Every region in one metric per check: the expiry alarm reads its Minimum.
    assert.deepEqual(tls.map((d) => [d.Value, dims(d)]), [[12, { CheckId: 'cert' }]]);
    assert.equal(metricDataFor(runs([result({ at: T0 })]), LOCATION, { atMs: T0 }).some((d) => d.MetricName === 'TlsDaysRemaining'), false);
  });

  it('leaves DurationMs out for a run that made no attempt (a missing secret), keeping Failed = 1', () => {
    const data = metricDataFor(runs([result({ at: T0, ok: false, attempts: 0 })]), LOCATION, { atMs: T0 });
    assert.deepEqual(data.filter((d) => dims(d)['CheckId'] !== undefined).map((d) => [d.MetricName, d.Value]), [['Failed', 1]]);
  });
});

describe('chunkMetricData', () => {
  it('cuts at 1000 datums per request', () => {
    const data = metricDataFor(runs(Array.from({ length: 1250 }, (_, i) => result({ at: T0 + i }))), LOCATION, { atMs: T0 });
    const chunks = chunkMetricData(data);
    assert.deepEqual(chunks.map((c) => c.length), [1000, 1000, 501]);
    assert.ok(chunks.every((c) => c.length <= MAX_DATUMS_PER_PUT));
    assert.deepEqual(chunks.flat(), data);
  });

  it('cuts by size before the count when datums are big', () => {
    const data = metricDataFor(runs(Array.from({ length: 50 }, (_, i) => result({ at: T0 + i, checkId: `c${'x'.repeat(60)}${i}` }))), LOCATION, { atMs: T0 });
    const one = Buffer.byteLength(JSON.stringify(data[0]));
    const chunks = chunkMetricData(data, one * 10);
    assert.ok(chunks.length >= 10, `expected at least 10 chunks, got ${chunks.length}`);
    for (const c of chunks) assert.ok(Buffer.byteLength(JSON.stringify(c)) <= one * 10 + 20 * c.length);
    assert.equal(chunks.flat().length, data.length);
  });
});

describe('CloudWatchMetricsSink against moto', () => {
  let moto: Moto;
  let client: CloudWatchClient;
  let puts = 0;

  before(async () => {
    moto = await startMoto();
    client = motoClients.cloudwatch(moto.endpoint, REGION);
    client.middlewareStack.add(
      (next) => async (args) => {
        puts += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
  });
  after(async () => {
    client?.destroy();
    await moto?.close();
  });

  async function sum(metric: string, dimensions: Record<string, string>, stat = 'Sum'): Promise<number> {
    const out = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(T0 - 60 * 60_000),
        EndTime: new Date(T0 + 60 * 60_000),
        MetricDataQueries: [
          {
            Id: 'm0',
            MetricStat: {
              Metric: { Namespace: NAMESPACE, MetricName: metric, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
              Period: 60,
              Stat: stat,
            },
          },
        ],
      }),
    );
    return (out.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0);
  }

  it('sends a cycle of 1200 results in 3 requests and every datum lands in the home region', async () => {
    const results = Array.from({ length: 1200 }, (_, i) => result({ at: T0 + i * 10, checkId: 'bulk', ok: i % 4 !== 0 }));
    puts = 0;
    await new CloudWatchMetricsSink({ client, namespace: NAMESPACE }).putCycle({ location: LOCATION, runs: runs(results), skippedRuns: 2, atMs: T0 + 30_000, aliveAtMs: T0 });
    assert.equal(puts, 3);
    assert.equal(await sum('Failed', { CheckId: 'bulk' }, 'SampleCount'), 1200);
    assert.equal(await sum('Failed', { CheckId: 'bulk' }), 300);
    assert.equal(await sum('Failed', { CheckId: 'bulk', Location: LOCATION }, 'SampleCount'), 0, 'no Failed per location for a 1-minute check');
    assert.equal(await sum('DurationMs', { CheckId: 'bulk' }), 1200 * 44);
    assert.equal(await sum('DurationMs', { CheckId: 'bulk', Location: LOCATION }), 0, 'no DurationMs per location');
    assert.equal(await sum('LocationAlive', { Location: LOCATION }), 1);
    assert.equal(await sum('SkippedRuns', { Location: LOCATION }), 2);
    const listed = await client.send(new ListMetricsCommand({ Namespace: NAMESPACE, MetricName: 'LocationAlive' }));
    assert.deepEqual(listed.Metrics?.map((m) => m.Dimensions), [[{ Name: 'Location', Value: LOCATION }]]);
  });

  describe('through a proxy that throttles', () => {
    let proxy: Server;
    let proxyEndpoint: string;
    /** Answers to give instead of forwarding, in order: a throttle or a validation error. */
    const faults: ('throttle' | 'invalid')[] = [];
    let forwarded = 0;

    before(async () => {
      proxy = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const fault = faults.shift();
          if (fault !== undefined) {
            const code = fault === 'throttle' ? 'Throttling' : 'InvalidParameterValue';
            res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${code};Sender` });
            res.end(JSON.stringify({ __type: code, message: fault === 'throttle' ? 'Rate exceeded' : 'bad datum' }));
            return;
          }
          forwarded += 1;
          const target = new URL(moto.endpoint);
          const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          });
          upstream.end(Buffer.concat(chunks));
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    after(async () => {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    });

    // The SDK's own retries are off here, so only the sink's retry can succeed.
    const noSdkRetries = () => new CloudWatchClient({ ...motoClientConfig(proxyEndpoint, REGION), maxAttempts: 1, disableRequestCompression: true });

    it('retries a throttled request until CloudWatch takes it', async () => {
      faults.push('throttle', 'throttle');
      forwarded = 0;
      const proxied = noSdkRetries();
      await new CloudWatchMetricsSink({ client: proxied, namespace: NAMESPACE, baseDelayMs: 5 }).put(metricDataFor(runs([result({ at: T0, checkId: 'throttled' })]), LOCATION, { atMs: T0 }));
      proxied.destroy();
      assert.equal(faults.length, 0);
      assert.equal(forwarded, 1);
      assert.equal(await sum('Failed', { CheckId: 'throttled' }, 'SampleCount'), 1);
    });

    it('fails with MetricsPutError when a chunk is refused, after sending the other chunks', async () => {
      faults.push('invalid');
      forwarded = 0;
      const proxied = noSdkRetries();
      const data = metricDataFor(runs(Array.from({ length: 600 }, (_, i) => result({ at: T0 + i, checkId: 'refused' }))), LOCATION, { atMs: T0 });
      await assert.rejects(new CloudWatchMetricsSink({ client: proxied, namespace: NAMESPACE, baseDelayMs: 5 }).put(data), (error: unknown) => {
        assert.ok(error instanceof MetricsPutError);
        assert.equal(error.failedDatums, 1000);
        assert.match(error.message, /InvalidParameterValue|bad datum/);
        return true;
      });
      proxied.destroy();
      assert.equal(forwarded, 1);
      // The second chunk (the last 202 datums: 200 Failed+DurationMs of results 500..599, and the two per-location ones) landed.
      assert.equal(await sum('Failed', { CheckId: 'refused' }, 'SampleCount'), 100);
    });
  });
});
