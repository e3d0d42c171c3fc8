/**
 * The monthly cost estimate against numbers worked out by hand from the price
 * table. The assumptions are written out here as literals (300 ms per HTTP
 * step, 850-byte raw items, 5 bytes of rollup per run, 400-byte result log
 * lines…) so that changing one in cost.ts fails a test and gets looked at.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { continuationCost, estimateMonthlyCost, route53HealthChecksFrom, type CostEstimate } from '../../lambdas/core/cost.ts';
import { HANDOFF_MS } from '../../lambdas/core/deployment.ts';
import { planMinute } from '../../lambdas/core/minute-plan.ts';
import { spreadOffsetMs } from '../../lambdas/core/schedule.ts';
import { PRICES, type PriceTable } from '../../lambdas/core/pricing.ts';

const P = PRICES;
const MINUTES = 43_800; // 730 h × 60
const GB = 2 ** 30;
const MEMORY_GB = 0.5;
const INIT_GB_S_PER_SHARD = 730 * 0.6 * MEMORY_GB; // one 600 ms cold start an hour
const PER_MILLION = 1e6;

function config(input: Record<string, unknown>): Config {
  return validateConfig(input);
}

function item(e: CostEstimate, id: string): number {
  const found = e.lineItems.find((l) => l.id === id);
  if (found === undefined) return assert.fail(`no line item ${id}`);
  return found.monthlyUsd;
}

function close(actual: number, expected: number, what: string): void {
  const tolerance = Math.max(1e-9, Math.abs(expected) * 1e-9);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected}, got ${actual}`);
}

const rwru = P.dynamodb.replicatedWriteRequestUnits.usd / PER_MILLION;
const wru = P.dynamodb.writeRequestUnits.usd / PER_MILLION;
const gbSecond = P.lambda.arm64Duration.usd;
/** One result log line per run, 400 B. */
const resultLogsUsd = (runs: number) => ((runs * 400) / GB) * P.cloudwatch.logsIngestion.usd;
const snsPerCheck = (8 * P.sns.publishes.usd) / PER_MILLION + (8 * P.sns.emailDeliveries.usd) / 100_000;
const rru = P.dynamodb.readRequestUnits.usd / PER_MILLION;
const DAYS = 730 / 24;

/**
 * The home region's functions and the day packs, by hand. Lambda: the notifier, 300 ms at 256 MB per alarm
 * event (8 per check); the monthly report, 10 s at 1 GB; the rollup compaction once a day, 500 ms + 20 ms
 * per check-location at 512 MB. DynamoDB: a 3 KB day pack (3 WRU) per check-location a day in every
 * replica and its TTL delete in the others; its 24 hourly rollups read once (24 KB eventually consistent:
 * 3 RRU); the report reads 31 day packs (93 KB: 12 RRU) and writes (checks + 2) items of 4 KB in every
 * replica; day packs are stored 400 days. No heartbeats, no maintenance windows.
 */
function home(checks: number, pairs: number, replicas: number, overheadBytes: number) {
  const writePrice = replicas > 1 ? rwru : wru;
  const lambda = (8 * checks + 1 + DAYS) * (P.lambda.requests.usd / PER_MILLION) + (8 * checks * 0.3 * 0.25 + 10 * 1 + DAYS * (0.5 + 0.02 * pairs) * 0.5) * gbSecond;
  const dayPackWrites = pairs * DAYS * 3 * (2 * replicas - 1);
  const reportWrites = (checks + 2) * 4 * replicas;
  const reads = pairs * (DAYS * 3 + 12);
  const storedBytes = pairs * replicas * 400 * (3_072 + overheadBytes);
  return {
    lambda,
    writes: (dayPackWrites + reportWrites) * writePrice,
    reads: reads * rru,
    storedBytes,
    total: lambda + (dayPackWrites + reportWrites) * writePrice + reads * rru + (storedBytes / GB) * P.dynamodb.storage.usd,
    /** What lands on one check-region when `checks` one-region checks share a deployment. */
    perPair: (n: number) =>
      (8 * (P.lambda.requests.usd / PER_MILLION) + 8 * 0.3 * 0.25 * gbSecond) +
      (DAYS * 3 * (2 * replicas - 1)) * writePrice + (DAYS * 3 + 12) * rru + ((replicas * 400 * (3_072 + overheadBytes)) / GB) * P.dynamodb.storage.usd +
      ((1 + DAYS) * (P.lambda.requests.usd / PER_MILLION) + (10 + DAYS * (0.5 + 0.02 * n) * 0.5) * gbSecond + reportWrites * writePrice) / n,
  };
}

describe('estimateMonthlyCost: one 1-minute HTTP check in one region', () => {
  const e = estimateMonthlyCost(config({ checks: [{ id: 'home', type: 'http', url: 'https://example.com/' }] }));
  // 43,800 invocations of 300 ms (one step) + 100 ms overhead.
  const lambdaRequests = (MINUTES / PER_MILLION) * P.lambda.requests.usd;
  const lambdaDuration = MINUTES * 0.4 * MEMORY_GB * gbSecond;
  const lambdaInit = INIT_GB_S_PER_SHARD * gbSecond;
  const scheduler = (MINUTES / PER_MILLION) * P.scheduler.invocations.usd;
  // Single-region table (home = probe region): plain WRUs. Per result: the raw put, 850 B: 1 WRU, and the
  // rollup update, 60 runs an hour, 250 + 5k bytes (at most 550 B): 1 WRU. No latest item.
  const writes = (MINUTES * 1 + 730 * 60) * wru;
  // 20,160 raw items (14 d) × (850 + 100) B, one location item 60 + 100 B, 9,600 rollups × (250 + 300 + 100) B.
  const homeCosts = home(1, 1, 1, 100);
  const storage = ((20_160 * 950 + 160 + 9_600 * 650 + homeCosts.storedBytes) / GB) * P.dynamodb.storage.usd;
  const metrics = 4 * 0.3; // Failed and DurationMs (per check); LocationAlive, SkippedRuns
  const puts = (MINUTES / 1_000) * P.cloudwatch.putMetricDataRequests.usd;
  // Quorum (the Sum of the check's one Failed), latency over the one DurationMs; location silent, probe errors (Errors + Throttles).
  const alarms = (2 + 3) * P.cloudwatch.standardAlarmMetrics.usd;
  // The scheduled invocation claims its minute: one conditional put of 1 WRU a minute (single-region table: the TTL delete is free).
  const claims = MINUTES * 1 * wru;
  // 1 KB per invocation and a 400 B result line per run.
  const logs = ((MINUTES * 1_024 + MINUTES * 400) / GB) * P.cloudwatch.logsIngestion.usd;
  const total =
    lambdaRequests + lambdaDuration + lambdaInit + scheduler + claims + writes + storage + metrics + puts + alarms + logs + snsPerCheck + homeCosts.lambda + homeCosts.writes + homeCosts.reads;

  it('prices each line by hand', () => {
    close(item(e, 'lambda.requests'), lambdaRequests, 'lambda requests');
    close(item(e, 'lambda.duration'), lambdaDuration, 'lambda duration');
    close(item(e, 'lambda.init'), lambdaInit, 'lambda init');
    close(item(e, 'scheduler.invocations'), scheduler, 'scheduler');
    close(item(e, 'lambda.homeRequests') + item(e, 'lambda.homeDuration'), homeCosts.lambda, 'home-region functions');
    close(item(e, 'dynamodb.homeWrites'), homeCosts.writes, 'day packs and report items');
    close(item(e, 'dynamodb.reads'), homeCosts.reads, 'compaction and report reads');
    close(item(e, 'sqs.requests'), 0, 'no sub-minute check: no queue');
    close(item(e, 'dynamodb.claims'), claims, 'a claim of each scheduled minute, no continuations');
    close(item(e, 'dynamodb.writes'), writes, 'writes');
    close(item(e, 'dynamodb.ttlDeletes'), 0, 'TTL deletes are free in a single-region table');
    close(item(e, 'dynamodb.storage'), storage, 'storage');
    close(item(e, 'dataTransfer.replication'), 0, 'no replication');
    close(item(e, 'cloudwatch.metrics'), metrics, 'metrics');
    close(item(e, 'cloudwatch.putMetricData'), puts, 'PutMetricData');
    close(item(e, 'cloudwatch.alarms'), alarms, 'alarms');
    close(item(e, 'cloudwatch.dashboards'), 0, 'the overview (8 metrics) and the check dashboard (6) are free');
    close(item(e, 'cloudwatchLogs.ingestion'), logs, 'logs');
    close(item(e, 'route53.healthChecks'), 0, 'no failover, no health checks');
    close(e.totals.monthlyUsd, total, 'total');
  });

  it('compares with one canary run a minute and misses the goal: per-region costs land on one check', () => {
    close(e.canary.canaryMonthlyUsd, MINUTES * 0.0012, 'canary');
    close(e.canary.ratio, total / (MINUTES * 0.0012), 'ratio');
    assert.equal(e.canary.goalRatio, 1 / 50);
    assert.equal(e.canary.goalMet, false);
    assert.equal(e.perCheckRegion.length, 1);
    close(e.perCheckRegion[0]!.monthlyUsd, total, 'the only check-region carries everything');
  });

  it('keeps quantity × unit price equal to each line', () => {
    for (const l of e.lineItems) close(l.quantity * l.unitPrice, l.monthlyUsd, l.id);
  });
});

describe('estimateMonthlyCost: 3 checks in 3 regions, one every 10 s', () => {
  const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
  const e = estimateMonthlyCost(
    config({
      homeRegion: 'us-east-1',
      defaults: { regions },
      checks: [
        { id: 'fast', type: 'http', url: 'https://example.com/', interval: '10s', timeout: '5s' },
        { id: 'api', type: 'http', url: 'https://api.example.com/' },
        { id: 'db', type: 'tcp', host: 'db.example.com', port: 5432, interval: '5m' },
      ],
    }),
  );
  // Per region, minute by minute as the handler plans it (the pattern repeats every 5 minutes, for db):
  // the scheduled invocation at the minute's start runs api (300 ms) and db (100 ms) at once and the fast
  // runs it owns at their due time; a continuation arrives `delaySeconds` after the minute's start and
  // lasts until its last fast run (300 ms) ends; each invocation adds 100 ms.
  const fastCheck = config({ checks: [{ id: 'fast', type: 'http', url: 'https://example.com/', interval: '10s', timeout: '5s' }] }).checks;
  const fastOffset = spreadOffsetMs('fast', 10_000);
  let minuteMs = 0;
  let perMinute = 0;
  for (let m = 0; m < 5; m++) {
    const now = m * 60_000;
    const plan = planMinute(fastCheck, { nowMs: now, shard: 0, shards: 1 });
    const fastDues = [0, 1, 2, 3, 4, 5].map((k) => now + fastOffset + k * 10_000);
    const lastEnd = (from: number, to: number, arrival: number) => Math.max(0, ...fastDues.filter((t) => t >= from && t < to).map((t) => t - arrival + 300));
    minuteMs += Math.max(300, lastEnd(plan.owned.startMs, plan.owned.endMs, now)) + 100;
    for (const c of plan.continuations) minuteMs += lastEnd(c.event.wakeAtMs, c.event.windowEndMs, now + c.delaySeconds * 1_000) + 100;
    perMinute += plan.continuations.length;
  }
  const continuationsPerMinute = perMinute / 5;
  const invokeGbS = 3 * MINUTES * (minuteMs / 5 / 1_000) * MEMORY_GB;
  const invocations = 3 * MINUTES * (1 + continuationsPerMinute);
  // Runs a month per region: fast 6 a minute, api 1, db every 5 minutes.
  const runs = { fast: MINUTES * 6, api: MINUTES, db: MINUTES / 5 };
  // WRUs per region before replication: the raw put 1 WRU (850 B; TCP 550 B), rollup updates by hand (250 + 5k B):
  // fast, 360 runs an hour: k = 1..154 fit 1 KB, 155..359 fit 2 KB, the 360th is 2,050 B → 154 + 205×2 + 3 = 567 WRU an hour;
  // api, 60 an hour: all under 1 KB, 60; db, 12 an hour: 12.
  const writesPerRegion = runs.fast + 730 * 567 + runs.api + 730 * 60 + runs.db + 730 * 12;
  // TTL deletes reach the 2 other replicas: raw items (1 WRU) and a rollup an hour (final 2,050 / 550 / 310 B → 3, 1, 1 WRU).
  const deletesPerRegion = 2 * (runs.fast + 730 * 3 + runs.api + 730 * 1 + runs.db + 730 * 1);
  // Stored per region and replica, overhead 148 B: raw items for 14 days, a 60 B location item, 9,600 rollups.
  const storedPerRegion =
    120_960 * 998 + 208 + 9_600 * 2_198 + (20_160 * 998 + 208 + 9_600 * 698) + (4_032 * 698 + 208 + 9_600 * 458);
  // Replicated bytes per region: to 2 regions, raw + average rollup (250 + 5 × (runs an hour + 1) / 2).
  const replicatedPerRegion = 2 * (runs.fast * (850 + 1_152.5) + runs.api * (850 + 402.5) + runs.db * (550 + 282.5));

  it('bills the later runs of the 10 s check as continuations, not the minute spent waiting for them', () => {
    assert.ok(continuationsPerMinute >= 4 && continuationsPerMinute <= 6, `${continuationsPerMinute} continuations a minute`);
    close(item(e, 'lambda.duration'), invokeGbS * gbSecond, 'lambda duration');
    assert.ok(invokeGbS < (3 * MINUTES * 50.4 * MEMORY_GB) / 3, `a third of waiting out the minute (50.4 s) or less: ${minuteMs / 5} ms a minute`);
    close(item(e, 'lambda.init'), 3 * INIT_GB_S_PER_SHARD * gbSecond, 'one shard per region');
    close(item(e, 'lambda.requests'), (invocations / PER_MILLION) * P.lambda.requests.usd, 'requests: scheduled and continuations');
    close(item(e, 'scheduler.invocations'), ((3 * MINUTES) / PER_MILLION) * P.scheduler.invocations.usd, 'the scheduler fires once a minute per shard');
    // Per continuation: a PutMetricData of its own, its receive and delete, a claim in 3 replicas and its TTL delete in 2;
    // and the scheduled invocation's claim of its minute, the same 5 WRU, once a minute per region.
    close(item(e, 'cloudwatch.putMetricData'), (invocations / 1_000) * P.cloudwatch.putMetricDataRequests.usd, 'one request per invocation');
    close(item(e, 'dynamodb.claims'), 3 * MINUTES * (1 + continuationsPerMinute) * 5 * rwru, 'claims');
    // The event source mapping's idle long polls: 5 pollers, one 20 s poll each, 3 a minute, in each of the 3 queues.
    const sends = 3 * MINUTES * (perMinute === 0 ? 0 : 1);
    close(item(e, 'sqs.requests'), ((3 * MINUTES * 15 + 3 * MINUTES * continuationsPerMinute * 2 + sends) / PER_MILLION) * P.sqs.requests.usd, 'sqs');
    assert.deepEqual(
      e.deployment.probeRegions.map((r) => [r.region, r.shards, r.invocationsPerMonth, r.continuationsPerMonth]),
      ['ap-southeast-2', 'eu-west-1', 'us-east-1'].map((region) => [region, 1, invocations / 3, MINUTES * continuationsPerMinute]),
    );
  });

  it('bills every write in each of the 3 replicas, TTL deletes in the other 2, and storage in all 3', () => {
    assert.deepEqual(e.deployment.replicaRegions, ['ap-southeast-2', 'eu-west-1', 'us-east-1']);
    close(item(e, 'dynamodb.writes'), 3 * 3 * writesPerRegion * rwru, 'writes');
    close(item(e, 'dynamodb.ttlDeletes'), 3 * deletesPerRegion * rwru, 'TTL deletes');
    close(item(e, 'dynamodb.storage'), ((3 * 3 * storedPerRegion + home(3, 9, 3, 148).storedBytes) / GB) * P.dynamodb.storage.usd, 'storage');
    close(item(e, 'dataTransfer.replication'), ((3 * replicatedPerRegion) / GB) * P.dataTransfer.interRegion.usd, 'replication');
  });

  it('counts Failed and DurationMs per check, Failed per region of the 10 s check only, and per-region metrics', () => {
    // Failed per check 3, Failed per region of fast 3, DurationMs per check 3, LocationAlive + SkippedRuns per region 3 × 2.
    close(item(e, 'cloudwatch.metrics'), (3 + 3 + 3 + 3 * 2) * 0.3, 'metrics');
    // Quorum: fast reads its 3 regions, api and db their one Failed (1 each); latency 3; self-monitoring 3 per region.
    close(item(e, 'cloudwatch.alarms'), (3 + 1 + 1 + 3 + 3 * 3) * P.cloudwatch.standardAlarmMetrics.usd, 'alarms');
    // Overview: 3 Failed + 3 regions × 5 + 2 = 20 metrics; check dashboard: 3 × 3 + 3 = 12. Both free.
    close(item(e, 'cloudwatch.dashboards'), 0, 'two dashboards, both free');
    assert.match(e.lineItems.find((l) => l.id === 'cloudwatch.dashboards')?.assumption ?? '', /the overview in 1 page of at most 100 checks \(~20 metrics on the first\), the check dashboard \(~12 metrics;/);
    close(
      item(e, 'cloudwatchLogs.ingestion'),
      (((invocations * 1_024) / GB) * P.cloudwatch.logsIngestion.usd) + 3 * resultLogsUsd(runs.fast + runs.api + runs.db),
      'logs: per invocation and per run',
    );
    close(item(e, 'sns.publishes') + item(e, 'sns.email'), 3 * snsPerCheck, 'sns');
  });

  it('prices a canary run per check, region and interval', () => {
    const canaryRuns = 3 * (runs.fast + runs.api + runs.db);
    close(e.canary.runsPerMonth, canaryRuns, 'canary runs');
    close(e.canary.canaryMonthlyUsd, canaryRuns * 0.0012, 'canary cost');
    const fast = e.perCheckRegion.find((c) => c.checkId === 'fast' && c.region === 'eu-west-1');
    close(fast?.canaryMonthlyUsd ?? NaN, runs.fast * 0.0012, 'fast canary in one region');
    close(fast?.ratio ?? NaN, (fast?.monthlyUsd ?? NaN) / (runs.fast * 0.0012), 'fast ratio');
  });

  it('spreads every dollar over check-regions so that they add up to the total', () => {
    assert.equal(e.perCheckRegion.length, 9);
    close(
      e.perCheckRegion.reduce((sum, c) => sum + c.monthlyUsd, 0),
      e.totals.monthlyUsd,
      'sum of check-regions',
    );
    close(
      Object.values(e.totals.byService).reduce((sum, v) => sum + v, 0),
      e.totals.monthlyUsd,
      'sum of services',
    );
    close(e.canary.ratio, e.totals.monthlyUsd / e.canary.canaryMonthlyUsd, 'overall ratio');
  });
});

describe('estimateMonthlyCost: an hourly TLS check in 2 regions', () => {
  const e = estimateMonthlyCost(
    config({ defaults: { regions: ['us-east-1', 'eu-west-1'] }, checks: [{ id: 'cert', type: 'tls', host: 'example.com', interval: '1h' }] }),
  );

  it('averages the one busy minute of the hour with 59 idle ones', () => {
    // Minute 0: 400 ms TLS run + 100 ms; the other 59 minutes: 100 ms.
    close(item(e, 'lambda.duration'), 2 * MINUTES * ((500 + 59 * 100) / 60 / 1_000) * MEMORY_GB * gbSecond, 'lambda duration');
    close(item(e, 'cloudwatch.putMetricData'), ((2 * MINUTES) / 1_000) * P.cloudwatch.putMetricDataRequests.usd, 'LocationAlive every minute');
  });

  it('adds one TlsDaysRemaining metric and one TLS alarm metric, whatever the regions', () => {
    // Failed, DurationMs and TlsDaysRemaining once each; LocationAlive + SkippedRuns per region.
    close(item(e, 'cloudwatch.metrics'), (3 + 2 * 2) * 0.3, 'metrics');
    // Quorum (the Sum of its one Failed: one run an hour per region), latency and TLS once each; 3 self-monitoring per region.
    close(item(e, 'cloudwatch.alarms'), (3 + 2 * 3) * P.cloudwatch.standardAlarmMetrics.usd, 'alarms');
  });

  it('writes 1.4 KB raw items as 2 WRUs', () => {
    // Per region and run: raw 2 + rollup 1 WRU, in 2 replicas; deletes: raw 2 + rollup 1 in the other replica.
    close(item(e, 'dynamodb.writes'), 2 * 730 * 3 * 2 * rwru, 'writes');
    close(item(e, 'dynamodb.ttlDeletes'), 2 * 730 * 3 * rwru, 'TTL deletes');
    const stored = 336 * (1_400 + 148) + (60 + 148) + 9_600 * (255 + 148);
    close(item(e, 'dynamodb.storage'), ((2 * 2 * stored + home(1, 2, 2, 148).storedBytes) / GB) * P.dynamodb.storage.usd, 'storage');
  });

  it('costs more than canaries: metrics and alarms are priced by the month, whatever the interval', () => {
    close(e.canary.canaryMonthlyUsd, 2 * 730 * 0.0012, 'canary');
    assert.ok(e.canary.ratio > 1, `ratio ${e.canary.ratio}`);
    assert.equal(e.canary.goalMet, false);
    assert.equal(e.canary.checkRegionsMeetingGoal, 0);
  });
});

describe('estimateMonthlyCost: the metric shapes the probes put', () => {
  const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
  // Per region, whatever the checks: LocationAlive + SkippedRuns (2 metrics); location silent, probe errors, probe throttles (3 alarm metrics).
  const perRegionMetrics = 3 * 2;
  const perRegionAlarmMetrics = 3 * 3;
  const cases = [
    // One run per period: the quorum sums the check's one Failed.
    { name: 'a 1-minute HTTP check', check: { type: 'http', url: 'https://example.com/', interval: '1m' }, failed: 1, failedByRegion: 0, tls: 0, quorum: 1 },
    // Several runs per period: Failed per region too, and the quorum reads each region's.
    { name: 'a 30 s HTTP check', check: { type: 'http', url: 'https://example.com/', interval: '30s' }, failed: 1, failedByRegion: 3, tls: 0, quorum: 3 },
    // 90 s is not a whole number of minutes: a 2-minute period may hold two runs.
    { name: 'a 90 s HTTP check', check: { type: 'http', url: 'https://example.com/', interval: '90s' }, failed: 1, failedByRegion: 3, tls: 0, quorum: 3 },
    { name: 'an hourly TLS check', check: { type: 'tls', host: 'example.com', interval: '1h' }, failed: 1, failedByRegion: 0, tls: 1, quorum: 1 },
  ];
  for (const c of cases) {
    it(`bills ${c.name} in 3 regions ${c.failed} + ${c.failedByRegion} Failed metrics, ${c.tls} TlsDaysRemaining and ${c.quorum} quorum alarm metrics`, () => {
      const e = estimateMonthlyCost(config({ defaults: { regions }, checks: [{ id: 'web', ...c.check }] }));
      const metrics = c.failed + c.failedByRegion + 1 + c.tls + perRegionMetrics; // + DurationMs
      const alarmMetrics = c.quorum + 1 + c.tls + perRegionAlarmMetrics; // + latency (DurationMs p95); TLS expiry reads the one TlsDaysRemaining
      const metricsLine = e.lineItems.find((l) => l.id === 'cloudwatch.metrics');
      const alarmsLine = e.lineItems.find((l) => l.id === 'cloudwatch.alarms');
      assert.equal(metricsLine?.quantity, metrics);
      assert.equal(alarmsLine?.quantity, alarmMetrics);
      close(item(e, 'cloudwatch.metrics'), metrics * 0.3, 'metrics');
      close(item(e, 'cloudwatch.alarms'), alarmMetrics * P.cloudwatch.standardAlarmMetrics.usd, 'alarm metrics');
    });
  }

  it('counts 4 datums a run for a 90 s TLS check (Failed twice, DurationMs, TlsDaysRemaining) in its PutMetricData batches', () => {
    // 250 checks of 90 s fall due in minutes 0 and 1 of every 3 (0 s, 90 s; 180 s starts the next cycle). In those minutes
    // the one invocation puts 250 × 4 + 2 (LocationAlive, SkippedRuns) = 1,002 datums: 2 requests; in the third, 2 datums: 1.
    // (At 3 datums a run it would be 752: 1 request.) One shard: 250 × 1 s × 1 attempt of work a minute, under 1,600 s.
    const fleet = (n: number) =>
      estimateMonthlyCost(config({ checks: Array.from({ length: n }, (_, i) => ({ id: `cert-${i}`, type: 'tls', host: 'example.com', interval: '90s', timeout: '1s', retries: 0 })) }));
    const e = fleet(250);
    assert.equal(e.deployment.probeRegions[0]?.shards, 1);
    close(item(e, 'cloudwatch.putMetricData'), ((MINUTES * (2 + 2 + 1)) / 3 / 1_000) * P.cloudwatch.putMetricDataRequests.usd, '250 checks');
    // 249 checks: 998 datums, one request a minute.
    close(item(fleet(249), 'cloudwatch.putMetricData'), (MINUTES / 1_000) * P.cloudwatch.putMetricDataRequests.usd, '249 checks');
  });
});

describe('estimateMonthlyCost: claims of scheduled minutes', () => {
  it('claims each scheduled minute once per shard and region: 1 WRU in each of 3 replicas and its TTL delete in the other 2', () => {
    const e = estimateMonthlyCost(config({ defaults: { regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] }, checks: [{ id: 'web', type: 'http', url: 'https://example.com/' }] }));
    // 3 regions × 1 shard × 43,800 minutes × (3 + 2) replicated WRU; no sub-minute check, so no continuation claims.
    close(item(e, 'dynamodb.claims'), 3 * MINUTES * (3 + 2) * rwru, 'scheduled claims');
    const claims = e.lineItems.find((l) => l.id === 'dynamodb.claims');
    assert.match(claims?.assumption ?? '', /^one conditional put per scheduled invocation, claiming its minute/);
    assert.ok(e.assumptions.some((a) => a.includes('the scheduled one its minute')), 'the assumptions say so');
  });

  it('claims once per shard: 100 checks of 10 s timeout and 1 retry need 2 shards in their region', () => {
    // Worst case 100 × 10 s × 2 attempts = 2,000 s of work a minute over 32 slots × 50 s = 1,600 s: 2 shards.
    const checks = Array.from({ length: 100 }, (_, i) => ({ id: `page-${i}`, type: 'http', url: `https://example.com/${i}`, timeout: '10s', retries: 1 }));
    const e = estimateMonthlyCost(config({ checks }));
    assert.equal(e.deployment.probeRegions[0]?.shards, 2);
    // Single-region table: 1 WRU a claim, the TTL delete free.
    close(item(e, 'dynamodb.claims'), 2 * MINUTES * wru, 'two claims a minute');
  });
});

describe('estimateMonthlyCost: the goal', () => {
  const twenty = Array.from({ length: 20 }, (_, i) => ({ id: `page-${i}`, type: 'http', url: `https://example.com/${i}` }));
  // Twenty runs start together (fewer than 32 slots): 300 + 100 ms per invocation, shared by twenty.
  const shared =
    (MINUTES / PER_MILLION) * (P.lambda.requests.usd + P.scheduler.invocations.usd) +
    (MINUTES * 0.4 * MEMORY_GB + INIT_GB_S_PER_SHARD) * gbSecond +
    (MINUTES / 1_000) * P.cloudwatch.putMetricDataRequests.usd +
    ((MINUTES * 1_024) / GB) * P.cloudwatch.logsIngestion.usd +
    2 * 0.3 + // LocationAlive, SkippedRuns
    3 * P.cloudwatch.standardAlarmMetrics.usd +
    MINUTES * wru; // the scheduled invocation's claim of its minute, 1 WRU
  const direct =
    2 * 0.3 + // Failed and DurationMs of the check
    2 * P.cloudwatch.standardAlarmMetrics.usd + // quorum (its one Failed), latency
    (MINUTES * 1 + 730 * 60) * wru +
    ((20_160 * 950 + 160 + 9_600 * 650) / GB) * P.dynamodb.storage.usd +
    resultLogsUsd(MINUTES) +
    snsPerCheck;
  const canary = MINUTES * 0.0012;

  it('meets 1/50 with twenty 1-minute HTTP checks sharing a region and the two dashboards', () => {
    const e = estimateMonthlyCost(config({ checks: twenty }));
    // Overview: 20 Failed + 5 + 2 = 27 metrics, check dashboard 3 + 3 = 6: both free.
    close(item(e, 'cloudwatch.dashboards'), 0, 'dashboards');
    const perCheck = direct + shared / 20 + home(20, 20, 1, 100).perPair(20);
    for (const c of e.perCheckRegion) close(c.monthlyUsd, perCheck, `${c.checkId}@${c.region}`);
    close(e.canary.ratio, perCheck / canary, 'ratio');
    assert.ok(perCheck / canary <= 1 / 50);
    assert.equal(e.canary.goalMet, true);
    assert.equal(e.canary.checkRegionsMeetingGoal, 20);
  });

  it('bills the overview once it reads more than a free dashboard holds (50 metrics)', () => {
    const sixty = Array.from({ length: 60 }, (_, i) => ({ id: `page-${i}`, type: 'http', url: `https://example.com/${i}` }));
    const e = estimateMonthlyCost(config({ checks: sixty }));
    // Overview: 60 Failed + 5 + 2 = 67 metrics: billed; the check dashboard, 3 + 3 = 6: free.
    close(item(e, 'cloudwatch.dashboards'), P.cloudwatch.dashboards.usd, 'one dashboard billed');
    assert.equal(e.canary.goalMet, true);
  });

  it('counts one overview page per 100 checks: 250 checks are 3 pages and the check dashboard', () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ id: `c-${i}`, type: 'http', url: `https://example.com/${i}` }));
    const e = estimateMonthlyCost(config({ checks: many }));
    // Pages: 100 + 5 + 2 = 107 metrics (billed), 100 (billed), 50 (free: third of the free 3, within 50); check dashboard: 4th, billed.
    close(item(e, 'cloudwatch.dashboards'), 3 * P.cloudwatch.dashboards.usd, 'three dashboards billed');
    assert.match(e.lineItems.find((l) => l.id === 'cloudwatch.dashboards')?.assumption ?? '', /^4 dashboards: the overview in 3 pages of at most 100 checks/);
  });

  it('would miss it with a dashboard per check: $3 a month each beyond the free 3', () => {
    const e = estimateMonthlyCost(config({ checks: twenty }), PRICES, { dashboards: 21 });
    close(item(e, 'cloudwatch.dashboards'), (21 - 3) * P.cloudwatch.dashboards.usd, 'dashboards');
    const perCheck = direct + shared / 20 + home(20, 20, 1, 100).perPair(20) + ((21 - 3) * P.cloudwatch.dashboards.usd) / 20;
    close(e.canary.ratio, perCheck / canary, 'ratio');
    assert.equal(e.canary.goalMet, false);
  });

  it('uses the price table it is given: every price doubled doubles every line', () => {
    const input = config({ defaults: { regions: ['us-east-1', 'eu-west-1'] }, checks: [{ id: 'home', type: 'http', url: 'https://example.com/', interval: '30s' }] });
    const base = estimateMonthlyCost(input, PRICES, { dashboards: 5 });
    const doubled = estimateMonthlyCost(input, scaled(PRICES, 2), { dashboards: 5 });
    for (const l of base.lineItems) close(doubled.lineItems.find((d) => d.id === l.id)?.monthlyUsd ?? NaN, 2 * l.monthlyUsd, l.id);
    close(doubled.canary.ratio, base.canary.ratio, 'the ratio does not move');
    close(item(base, 'cloudwatch.dashboards'), 2 * P.cloudwatch.dashboards.usd, 'five dashboards, three free');
  });
});

describe('estimateMonthlyCost: continuations are costs of the sub-minute checks', () => {
  // One region, us-east-1, also the home region: a single-region table (a claim is 1 WRU, TTL deletes are free).
  const api = { id: 'api', type: 'http', url: 'https://api.example.com/' }; // every minute, one step: 300 ms
  const storefront = { id: 'storefront', type: 'http', url: 'https://www.example.com/', interval: '30s' };
  const fast = { id: 'fast', type: 'http', url: 'https://example.com/', interval: '10s', timeout: '5s' };
  const req = P.lambda.requests.usd / PER_MILLION;
  const sqs = P.sqs.requests.usd / PER_MILLION;
  const put = P.cloudwatch.putMetricDataRequests.usd / 1_000;
  const logKb = (1_024 / GB) * P.cloudwatch.logsIngestion.usd;
  const alarm = P.cloudwatch.standardAlarmMetrics.usd;
  const storage = (bytes: number) => (bytes / GB) * P.dynamodb.storage.usd;

  // What each check causes whatever its neighbours (single-region table, overhead 100 B an item):
  // api: Failed and DurationMs (2 × $0.30), quorum on its one Failed and latency (2 alarm metrics); a raw put and a rollup
  // update of 1 WRU each per run (60 runs an hour: at most 550 B); 20,160 raw items (14 d) of 950 B, a 160 B location item,
  // 9,600 rollups of 250 + 300 + 100 B; a 400 B log line per run; 8 notifications.
  const ownApi = 2 * 0.3 + 2 * alarm + (MINUTES + 730 * 60) * wru + storage(20_160 * 950 + 160 + 9_600 * 650) + resultLogsUsd(MINUTES) + snsPerCheck;
  // storefront, 2 runs a minute (87,600 a month): Failed, Failed in its region (several runs per period) and DurationMs
  // (3 × $0.30); the quorum reads its region's Failed, latency (2 alarm metrics); raw 1 WRU and rollup 1 WRU (120 runs an hour,
  // at most 250 + 600 = 850 B) per run; 40,320 raw items of 950 B, 160 B, 9,600 rollups of 250 + 600 + 100 B.
  const ownStorefront =
    3 * 0.3 + 2 * alarm + (2 * MINUTES * 2) * wru + storage(40_320 * 950 + 160 + 9_600 * 950) + resultLogsUsd(2 * MINUTES) + snsPerCheck;
  // fast, 6 runs a minute (262,800 a month): 3 metrics, 2 alarm metrics as storefront; raw 1 WRU per run, rollup updates
  // 567 WRU an hour (360 runs: k = 1..154 under 1 KB, 155..359 under 2 KB, the 360th 2,050 B: 154 + 205 × 2 + 3);
  // 120,960 raw items of 950 B, 160 B, 9,600 rollups of 250 + 1,800 + 100 B.
  const ownFast =
    3 * 0.3 + 2 * alarm + (6 * MINUTES + 730 * 567) * wru + storage(120_960 * 950 + 160 + 9_600 * 2_150) + resultLogsUsd(6 * MINUTES) + snsPerCheck;
  // Shared by every check of the shard, in both configs: the scheduled invocation at the minute's start runs api (300 ms) +
  // 100 ms overhead; its request, its schedule, its one PutMetricData (at most 7 datums), 1 KB of logs, its claim (1 WRU),
  // a 600 ms cold start an hour; LocationAlive and SkippedRuns (2 × $0.30), 3 self-monitoring alarm metrics.
  const scheduled =
    MINUTES * (req + P.scheduler.invocations.usd / PER_MILLION + 0.4 * MEMORY_GB * gbSecond + put + logKb + wru) + INIT_GB_S_PER_SHARD * gbSecond;
  const region = 2 * 0.3 + 3 * alarm;

  describe('one 30 s check and one 1-minute check', () => {
    const e = estimateMonthlyCost(config({ checks: [storefront, api] }));
    const row = (id: string) => e.perCheckRegion.find((c) => c.checkId === id) ?? assert.fail(`no row ${id}`);
    // storefront's grid: due at 15.767 s and 45.767 s of every minute. Both are 2 s or more after the minute's start, so the
    // scheduled invocation waits for neither: each goes to a continuation that arrives 14 s and 44 s into the minute
    // (floor((due − 1 s lead) / 1 s)) and lasts 1,767 ms of waiting + 300 ms of run + 100 ms overhead = 2,167 ms.
    // Per minute: 2 requests, 2 × 2,167 ms at 0.5 GB, 2 PutMetricData, 2 KB of logs, 2 window claims of 1 WRU, and
    // 1 SendMessageBatch + 2 receives + 2 deletes + 15 idle long polls (5 pollers, one 20 s poll each) = 20 SQS requests.
    const continuations = MINUTES * (2 * req + 2 * 2.167 * MEMORY_GB * gbSecond + 2 * put + 2 * logKb + 2 * wru + 20 * sqs);
    const homeShare = home(2, 2, 1, 100).perPair(2);

    it('finds the grid the arithmetic assumes', () => {
      assert.equal(spreadOffsetMs('storefront', 30_000), 15_767);
      assert.equal(e.deployment.probeRegions[0]?.continuationsPerMonth, 2 * MINUTES);
      close(item(e, 'sqs.requests'), MINUTES * 20 * sqs, 'the queue: its sends, receives, deletes and idle polls');
    });

    it("puts every continuation, SQS and in-process wait cost on the 30 s check's row and none on the 1-minute check's", () => {
      close(row('api').monthlyUsd, ownApi + (scheduled + region) / 2 + homeShare, 'api: its own costs and half the scheduled invocation');
      close(row('storefront').monthlyUsd, ownStorefront + continuations + (scheduled + region) / 2 + homeShare, 'storefront: its continuations too');
      close(row('api').sharedUsd, row('storefront').sharedUsd, 'the same share of what the shard pays together');
      assert.ok(row('api').monthlyUsd < ownApi + (scheduled + region + continuations) / 2 + homeShare, 'less than under the even spread');
    });

    it('moves dollars between rows, not the total: the even spread added up to the same', () => {
      // The even spread gave each check half of everything the shard and region paid, continuations included.
      const even = [ownApi, ownStorefront].map((own) => own + (scheduled + region + continuations) / 2 + homeShare);
      close(e.totals.monthlyUsd, even[0]! + even[1]!, 'total against the even spread');
      close(row('api').monthlyUsd + row('storefront').monthlyUsd, e.totals.monthlyUsd, 'rows add up to the total');
      close(row('api').monthlyUsd, even[0]! - continuations / 2, 'api sheds half the continuations');
    });
  });

  describe('a 10 s, a 30 s and a 1-minute check in one shard', () => {
    const e = estimateMonthlyCost(config({ checks: [fast, storefront, api] }));
    const row = (id: string) => e.perCheckRegion.find((c) => c.checkId === id) ?? assert.fail(`no row ${id}`);
    // Due times in every minute: fast at 1.382 s + k × 10 s, storefront at 15.767 s and 45.767 s, api at 0.
    // The scheduled invocation keeps fast's 1.382 s run (under 2 s after the start): it runs api at once (300 ms) and
    // stays until fast's run ends at 1,682 ms, 1,382 ms more than the 300 ms it needs for api.
    const inProcessWait = MINUTES * 1.382 * MEMORY_GB * gbSecond;
    // Continuations, arriving 10, 20, 30, 40 and 50 s into the minute: [11.382, 21.382) runs fast at 11.382 s and storefront at
    // 15.767 s: 5,767 + 300 + 100 = 6,167 ms; [41.382, 51.382) the same; the other three one fast run: 1,382 + 300 + 100 = 1,782 ms.
    // 6,167 × 2 + 1,782 × 3 = 17,680 ms a minute. 5 requests, PutMetricData, KB of logs and claims; SQS: 1 batch + 5 receives +
    // 5 deletes + 15 idle polls = 26. They make 5 fast runs and 2 storefront runs a minute: 5/7 and 2/7.
    const continuations = MINUTES * (5 * req + 17.68 * MEMORY_GB * gbSecond + 5 * put + 5 * logKb + 5 * wru + 26 * sqs);
    const homeShare = home(3, 3, 1, 100).perPair(3);

    it('finds the grid the arithmetic assumes', () => {
      assert.equal(spreadOffsetMs('fast', 10_000), 1_382);
      assert.equal(e.deployment.probeRegions[0]?.continuationsPerMonth, 5 * MINUTES);
      close(item(e, 'lambda.duration'), (MINUTES * (0.4 + 1.382 + 17.68) * MEMORY_GB) * gbSecond, 'scheduled 400 + 1,382 ms waited, continuations 17,680 ms');
    });

    it('splits continuations by the runs they make, and the in-process wait goes to the check waited for', () => {
      const shared = (scheduled + region) / 3 + homeShare;
      close(row('api').monthlyUsd, ownApi + shared, 'api: nothing of continuations, the queue or the wait');
      close(row('storefront').monthlyUsd, ownStorefront + (2 / 7) * continuations + shared, 'storefront: 2 of 7 continuation runs');
      close(row('fast').monthlyUsd, ownFast + inProcessWait + (5 / 7) * continuations + shared, 'fast: 5 of 7, and the wait');
      close(e.perCheckRegion.reduce((sum, c) => sum + c.monthlyUsd, 0), e.totals.monthlyUsd, 'rows add up to the total');
      close(e.totals.monthlyUsd, ownApi + ownStorefront + ownFast + scheduled + region + inProcessWait + continuations + 3 * homeShare, 'total by hand');
    });
  });
});

describe('continuationCost: the price behind the 2 s handoff', () => {
  it('costs what 1.9 to 2.3 s of waiting at 512 MB costs (1 to 3 replicas): the handoff is the break-even', () => {
    const one = continuationCost(PRICES, 1);
    // Lambda request + 100 ms at 0.5 GB, 2.1 SQS requests, a claim (1 WRU), one PutMetricData, 1 KB of logs.
    const byHand = 0.2e-6 + 0.05 * gbSecond + 2.1 * 0.4e-6 + wru + 0.01 / 1_000 + (1_024 / GB) * 0.5;
    close(one.usd, byHand, 'one continuation');
    close(one.waitEquivalentMs, (byHand / (0.5 * gbSecond)) * 1_000, 'wait equivalent');
    // With 3 replicas the claim and its TTL delete cost 5 WRU: a little more to hand off.
    const three = continuationCost(PRICES, 3);
    assert.ok(three.waitEquivalentMs > one.waitEquivalentMs);
    for (const c of [one, three]) assert.ok(Math.abs(c.waitEquivalentMs - HANDOFF_MS) < 0.2 * HANDOFF_MS, `${c.waitEquivalentMs} ms against the ${HANDOFF_MS} ms handoff`);
    assert.ok(one.waitEquivalentMs < HANDOFF_MS && three.waitEquivalentMs > HANDOFF_MS, 'the handoff lies between the two');
  });
});

describe('estimateMonthlyCost: home-region functions', () => {
  it('bills the every-minute sweeps and the pings when the config has heartbeats and maintenance windows', () => {
    const web = { id: 'home', type: 'http', url: 'https://example.com/' };
    const plain = estimateMonthlyCost(config({ checks: [web] }));
    const busy = estimateMonthlyCost(
      config({
        checks: [web, { type: 'heartbeat', id: 'nightly', every: '1d', grace: '1h' }],
        maintenance: [{ id: 'patch', checks: ['home'], start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z' }],
      }),
    );
    assert.equal(busy.perCheckRegion.length, 1, 'a heartbeat is no probe check');
    // Two sweeps a minute (maintenance, heartbeats) of 200 ms at 256 MB, a ping a day of 150 ms.
    const pings = (730 * 3_600_000) / 86_400_000;
    const invocations = 2 * MINUTES + pings;
    const gbS = 2 * MINUTES * 0.2 * 0.25 + pings * 0.15 * 0.25;
    close(item(busy, 'lambda.homeRequests') - item(plain, 'lambda.homeRequests'), (invocations / PER_MILLION) * P.lambda.requests.usd, 'requests');
    close(item(busy, 'lambda.homeDuration') - item(plain, 'lambda.homeDuration'), gbS * gbSecond, 'duration');
    // Each ping writes 3 WRU; the sweep reads 1 RRU a minute per heartbeat.
    close(item(busy, 'dynamodb.homeWrites') - item(plain, 'dynamodb.homeWrites'), pings * 3 * wru, 'ping writes');
    close(item(busy, 'dynamodb.reads') - item(plain, 'dynamodb.reads'), MINUTES * rru, 'sweep reads');
  });
});

describe('estimateMonthlyCost: tiered custom metrics', () => {
  it('prices metrics past 10,000 at the second tier', () => {
    // 5,001 checks × (Failed + DurationMs) + LocationAlive and SkippedRuns = 10,004 metrics.
    const checks = Array.from({ length: 5_001 }, (_, i) => ({ id: `c${i}`, type: 'tcp', host: 'db.example.com', port: 5432, interval: '1h' }));
    const e = estimateMonthlyCost(config({ checks }));
    close(item(e, 'cloudwatch.metrics'), 10_000 * 0.3 + 4 * 0.1, 'tiered metrics');
  });
});

describe('Route 53 health checks from failover entries', () => {
  it('bills nothing when the config has no failover entries', () => {
    assert.deepEqual(route53HealthChecksFrom(undefined), []);
    assert.deepEqual(route53HealthChecksFrom('primary'), []);
    assert.deepEqual(route53HealthChecksFrom([42, null, 'x']), []);
  });

  it('prices endpoints, optional features and alarm-based checks', () => {
    const failover = [
      // Non-AWS HTTPS endpoint with string matching and the 10 s interval: $0.75 + 3 × $2.00.
      { name: 'shop', healthCheck: { url: 'https://shop.example.com/health', searchString: 'ok', requestInterval: 10 } },
      // An AWS endpoint over HTTPS: $0.50 + $1.00.
      { name: 'api', healthCheck: { type: 'HTTPS', fqdn: 'api.example.com', awsEndpoint: true } },
      // Follows a skyprobe quorum alarm: AWS-endpoint price, no features.
      { name: 'checkout', healthCheck: { type: 'CLOUDWATCH_METRIC', alarm: 'skyprobe-api-checkout-down' } },
    ];
    const checks = route53HealthChecksFrom(failover);
    assert.deepEqual(checks, [
      { name: 'shop', awsEndpoint: false, features: ['https', 'stringMatching', 'fastInterval'] },
      { name: 'api', awsEndpoint: true, features: ['https'] },
      { name: 'checkout', awsEndpoint: true, features: [] },
    ]);
    const e = estimateMonthlyCost(config({ checks: [{ id: 'home', type: 'http', url: 'https://example.com/' }] }), PRICES, { failover });
    const r53 = P.route53;
    close(
      item(e, 'route53.healthChecks'),
      r53.healthCheckNonAwsEndpoint.usd + 3 * r53.optionalFeatureNonAwsEndpoint.usd + r53.healthCheckAwsEndpoint.usd + r53.optionalFeatureAwsEndpoint.usd + r53.healthCheckAwsEndpoint.usd,
      'route 53',
    );
  });

  it("reads the config's own failover field, keyed by name", () => {
    const base = config({ checks: [{ id: 'home', type: 'http', url: 'https://example.com/' }] });
    const withFailover = { ...base, failover: { shop: { host: 'shop.example.com', port: 443 } } } as unknown as Config;
    const e = estimateMonthlyCost(withFailover);
    assert.deepEqual(e.deployment.route53HealthChecks, [{ name: 'shop', awsEndpoint: false, features: [] }]);
    close(item(e, 'route53.healthChecks'), P.route53.healthCheckNonAwsEndpoint.usd, 'one non-AWS endpoint');
  });
});

describe('Route 53 health checks: a cost of the check their failover service follows', () => {
  const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
  const checks = [
    { id: 'shop', type: 'http', url: 'https://www.example.com/' },
    { id: 'blog', type: 'http', url: 'https://blog.example.com/', regions: ['us-east-1'] },
  ];
  const input = config({ defaults: { regions }, checks });
  const rows = (e: CostEstimate) => new Map(e.perCheckRegion.map((c) => [`${c.checkId}@${c.region}`, c.monthlyUsd]));
  // A non-AWS HTTPS endpoint with string matching: $0.75 + 2 × $2.00.
  const healthCheck = { url: 'https://shop.example.com/health', searchString: 'ok' };
  const price = P.route53.healthCheckNonAwsEndpoint.usd + 2 * P.route53.optionalFeatureNonAwsEndpoint.usd;
  const none = estimateMonthlyCost(input, PRICES, { failover: [] });
  const tied = estimateMonthlyCost(input, PRICES, { failover: [{ name: 'shop', check: 'shop', healthCheck }] });
  const untied = estimateMonthlyCost(input, PRICES, { failover: [{ name: 'shop', healthCheck }] });

  it('lands on the rows of the check the service follows, spread over its 3 regions; the total does not move', () => {
    close(item(tied, 'route53.healthChecks'), price, 'route 53');
    close(tied.totals.monthlyUsd, untied.totals.monthlyUsd, 'the attribution moves no dollar');
    close(tied.totals.monthlyUsd, none.totals.monthlyUsd + price, 'the health check costs its price');
    const before = rows(none);
    for (const [key, usd] of rows(tied)) {
      close(usd, (before.get(key) ?? NaN) + (key.startsWith('shop@') ? price / 3 : 0), key);
    }
    close(tied.perCheckRegion.reduce((sum, c) => sum + c.monthlyUsd, 0), tied.totals.monthlyUsd, 'rows add up to the total');
  });

  it('keeps spreading a health check that follows no check (or one not in the config) over every check and region', () => {
    const before = rows(none);
    for (const [key, usd] of rows(untied)) close(usd, (before.get(key) ?? NaN) + price / 4, key);
    const stray = estimateMonthlyCost(input, PRICES, { failover: [{ name: 'shop', check: 'gone', healthCheck }] });
    for (const [key, usd] of rows(stray)) close(usd, (before.get(key) ?? NaN) + price / 4, key);
  });

  it("attributes a validated config's failover service to its check: its health checks and HealthCheckStatus alarms", () => {
    const service = {
      id: 'shop',
      hostedZoneId: 'Z0123456789ABC',
      recordName: 'www.example.com',
      check: 'shop',
      primary: { alias: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'lb-1.us-east-1.elb.amazonaws.com' }, healthCheck: { protocol: 'https', searchString: 'ok', interval: '10s' } },
      secondary: { values: ['192.0.2.10'], healthCheck: { protocol: 'http' } },
    };
    const withFailover = estimateMonthlyCost(config({ defaults: { regions }, checks, failover: [service] }));
    // Calculated primary: the load balancer's endpoint check ($0.50 + HTTPS, string matching, 10 s at $1.00 each), the
    // alarm check ($0.50), the calculated check ($0.50); the standby's non-AWS HTTP check ($0.75); 2 alarm metrics ($0.10).
    const r53 = 0.5 + 3 * 1 + 0.5 + 0.5 + 0.75;
    close(item(withFailover, 'route53.healthChecks'), r53, 'route 53');
    const before = rows(none);
    for (const [key, usd] of rows(withFailover)) {
      close(usd, (before.get(key) ?? NaN) + (key.startsWith('shop@') ? (r53 + 2 * 0.1) / 3 : 0), key);
    }
  });

  it('keeps spreading the health checks of a service with no check', () => {
    const service = {
      id: 'shop',
      hostedZoneId: 'Z0123456789ABC',
      recordName: 'www.example.com',
      primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'http' } },
      secondary: { values: ['192.0.2.10'], healthCheck: { protocol: 'http' } },
    };
    const e = estimateMonthlyCost(config({ defaults: { regions }, checks, failover: [service] }));
    // Two non-AWS HTTP endpoint checks ($0.75 each) over the 4 check-regions; the service's 2 alarm metrics ($0.10 each) too.
    const before = rows(none);
    for (const [key, usd] of rows(e)) close(usd, (before.get(key) ?? NaN) + (2 * 0.75 + 2 * 0.1) / 4, key);
  });
});

/** The price table with every price multiplied by `factor`. */
function scaled(table: PriceTable, factor: number): PriceTable {
  const walk = (value: unknown, key: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, ''));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    return typeof value === 'number' && (key === 'usd' || key === 'usdPerMetricMonth') ? value * factor : value;
  };
  return walk(table, '') as PriceTable;
}
