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
/** Stored bytes pay storage ($0.25) and continuous backups (point-in-time recovery, $0.20) by the GB-month, in every replica. */
const storedUsd = (bytes: number) => (bytes / GB) * (P.dynamodb.storage.usd + P.dynamodb.pitrStorage.usd);
/** 8 publishes a check a month; a config without alerts has no subscriptions, so nothing is delivered. */
const snsPerCheck = (8 * P.sns.publishes.usd) / PER_MILLION;
/** The alert topic's customer managed key ($1 a month) and its requests: a data key per publish, no deliveries to decrypt. */
const kmsUsd = (checks: number) => P.kms.customerManagedKeys.usd + ((checks * 8) / 10_000) * P.kms.requests.usd;
/** One standard-resolution alarm metric a month. */
const alarm = P.cloudwatch.standardAlarmMetrics.usd;
const rru = P.dynamodb.readRequestUnits.usd / PER_MILLION;
const DAYS = 730 / 24;

/**
 * The home region's functions and the day packs, by hand. Lambda: the notifier, 300 ms at 256 MB per alarm
 * event (8 per check); the monthly report, 10 s at 1 GB; the rollup compaction once a day, 500 ms + 20 ms
 * per check-location at 512 MB. DynamoDB: a 3 KB day pack (3 WRU) per check-location a day in every
 * replica and its TTL delete in the others; its 24 hourly rollups read once (24 KB eventually consistent:
 * 3 RRU); the report reads 31 day packs (93 KB: 12 RRU) and writes (checks + 2) items of 4 KB in every
 * replica; day packs are stored 400 days (storage and continuous backups). No heartbeats, no maintenance windows.
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
    total: lambda + (dayPackWrites + reportWrites) * writePrice + reads * rru + storedUsd(storedBytes),
    /** What lands on one check-region when `checks` one-region checks share a deployment. */
    perPair: (n: number) =>
      (8 * (P.lambda.requests.usd / PER_MILLION) + 8 * 0.3 * 0.25 * gbSecond) +
      (DAYS * 3 * (2 * replicas - 1)) * writePrice + (DAYS * 3 + 12) * rru + storedUsd(replicas * 400 * (3_072 + overheadBytes)) +
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
  const storedGb = (20_160 * 950 + 160 + 9_600 * 650 + homeCosts.storedBytes) / GB;
  const storage = storedGb * P.dynamodb.storage.usd;
  // Continuous backups (point-in-time recovery) on the same bytes, $0.20 a GB-month.
  const pitr = storedGb * P.dynamodb.pitrStorage.usd;
  const metrics = 3 * 0.3; // Failed and DurationMs (per check); LocationAlive (SkippedRuns is put only when runs are skipped)
  const puts = (MINUTES / 1_000) * P.cloudwatch.putMetricDataRequests.usd;
  // Quorum (the Sum of the check's one Failed), latency over the one DurationMs; in the region location silent, probe errors,
  // probe throttles and dead letters; in the home region the alert path's 3 (notifier failing, fallback unreachable, events undelivered).
  const alarms = (2 + 4 + 3) * alarm;
  // The scheduled invocation claims its minute: one conditional put of 1 WRU a minute (single-region table: the TTL delete is free).
  const claims = MINUTES * 1 * wru;
  // 1 KB per invocation and a 400 B result line per run.
  const logs = ((MINUTES * 1_024 + MINUTES * 400) / GB) * P.cloudwatch.logsIngestion.usd;
  const total =
    lambdaRequests + lambdaDuration + lambdaInit + scheduler + claims + writes + storage + pitr + metrics + puts + alarms + logs + snsPerCheck + kmsUsd(1) +
    homeCosts.lambda + homeCosts.writes + homeCosts.reads;

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
    close(item(e, 'dynamodb.pitr'), pitr, 'continuous backups');
    close(item(e, 'dataTransfer.replication'), 0, 'no replication');
    close(item(e, 'cloudwatch.metrics'), metrics, 'metrics');
    close(item(e, 'cloudwatch.putMetricData'), puts, 'PutMetricData');
    close(item(e, 'cloudwatch.alarms'), alarms, 'alarms');
    close(item(e, 'cloudwatch.dashboards'), 0, 'the overview (8 metrics) and the check dashboard (6) are free');
    close(item(e, 'cloudwatchLogs.ingestion'), logs, 'logs');
    close(item(e, 'sns.publishes'), snsPerCheck, '8 publishes');
    close(item(e, 'sns.deliveries'), 0, 'no subscriptions in the config');
    close(item(e, 'kms.key'), P.kms.customerManagedKeys.usd, 'the alert topic key');
    close(item(e, 'kms.requests'), (8 / 10_000) * P.kms.requests.usd, 'a data key per publish');
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
  // the scheduled invocation at the minute's start runs api (300 ms) and db (100 ms) at once and hands the
  // fast runs of the next minute (at its 0, 10, … 50 s) to continuations; a continuation arrives
  // `delaySeconds` after the minute's start and lasts until its last fast run (300 ms) ends; each
  // invocation adds 100 ms.
  const fastCheck = config({ checks: [{ id: 'fast', type: 'http', url: 'https://example.com/', interval: '10s', timeout: '5s' }] }).checks;
  let minuteMs = 0;
  let perMinute = 0;
  for (let m = 0; m < 5; m++) {
    const now = m * 60_000;
    const plan = planMinute(fastCheck, { nowMs: now, minuteStartMs: now + 60_000, shard: 0, shards: 1 });
    const fastDues = [0, 1, 2, 3, 4, 5].map((k) => now + 60_000 + k * 10_000);
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
    assert.equal(continuationsPerMinute, 6, 'one continuation per 10 s instant of the next minute');
    assert.equal(minuteMs / 5, 400 + 6 * 400, 'no invocation waits: each continuation arrives on its due time');
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

  it('bills every write in each of the 3 replicas, TTL deletes in the other 2, and storage and continuous backups in all 3', () => {
    assert.deepEqual(e.deployment.replicaRegions, ['ap-southeast-2', 'eu-west-1', 'us-east-1']);
    close(item(e, 'dynamodb.writes'), 3 * 3 * writesPerRegion * rwru, 'writes');
    close(item(e, 'dynamodb.ttlDeletes'), 3 * deletesPerRegion * rwru, 'TTL deletes');
    const storedGb = (3 * 3 * storedPerRegion + home(3, 9, 3, 148).storedBytes) / GB;
    close(item(e, 'dynamodb.storage'), storedGb * P.dynamodb.storage.usd, 'storage');
    close(item(e, 'dynamodb.pitr'), storedGb * P.dynamodb.pitrStorage.usd, 'point-in-time recovery in every replica');
    close(item(e, 'dataTransfer.replication'), ((3 * replicatedPerRegion) / GB) * P.dataTransfer.interRegion.usd, 'replication');
  });

  it('counts Failed and DurationMs per check, Failed per region of the 10 s check only, and per-region metrics', () => {
    // Failed per check 3, Failed per region of fast 3, DurationMs per check 3, LocationAlive per region 3 × 1.
    close(item(e, 'cloudwatch.metrics'), (3 + 3 + 3 + 3 * 1) * 0.3, 'metrics');
    // Quorum: fast reads its 3 regions, api and db their one Failed (1 each); latency 3; self-monitoring 4 per region
    // (location silent, errors, throttles, dead letters); the alert path's 3 in the home region.
    close(item(e, 'cloudwatch.alarms'), (3 + 1 + 1 + 3 + 3 * 4 + 3) * alarm, 'alarms');
    // Overview: 3 Failed + 3 regions × 5 + 2 = 20 metrics; check dashboard: 3 × 3 + 3 = 12. Both free.
    close(item(e, 'cloudwatch.dashboards'), 0, 'two dashboards, both free');
    assert.match(e.lineItems.find((l) => l.id === 'cloudwatch.dashboards')?.assumption ?? '', /the overview in 1 page of at most 100 checks \(~20 metrics on the first\), the check dashboard \(~12 metrics;/);
    close(
      item(e, 'cloudwatchLogs.ingestion'),
      (((invocations * 1_024) / GB) * P.cloudwatch.logsIngestion.usd) + 3 * resultLogsUsd(runs.fast + runs.api + runs.db),
      'logs: per invocation and per run',
    );
    close(item(e, 'sns.publishes') + item(e, 'sns.deliveries'), 3 * snsPerCheck, 'sns: publishes, no subscriptions');
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
    // Failed, DurationMs and TlsDaysRemaining once each; LocationAlive per region.
    close(item(e, 'cloudwatch.metrics'), (3 + 2 * 1) * 0.3, 'metrics');
    // Quorum (the Sum of its one Failed: one run an hour per region), latency and TLS once each; 4 self-monitoring per
    // region; the alert path's 3.
    close(item(e, 'cloudwatch.alarms'), (3 + 2 * 4 + 3) * alarm, 'alarms');
  });

  it('writes 1.4 KB raw items as 2 WRUs', () => {
    // Per region and run: raw 2 + rollup 1 WRU, in 2 replicas; deletes: raw 2 + rollup 1 in the other replica.
    close(item(e, 'dynamodb.writes'), 2 * 730 * 3 * 2 * rwru, 'writes');
    close(item(e, 'dynamodb.ttlDeletes'), 2 * 730 * 3 * rwru, 'TTL deletes');
    const stored = 336 * (1_400 + 148) + (60 + 148) + 9_600 * (255 + 148);
    close(item(e, 'dynamodb.storage'), ((2 * 2 * stored + home(1, 2, 2, 148).storedBytes) / GB) * P.dynamodb.storage.usd, 'storage');
    close(item(e, 'dynamodb.pitr'), ((2 * 2 * stored + home(1, 2, 2, 148).storedBytes) / GB) * P.dynamodb.pitrStorage.usd, 'continuous backups');
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
  // Per region, whatever the checks: LocationAlive (1 metric); location silent, probe errors, probe throttles, dead letters
  // (4 alarm metrics). Once per deployment: the alert path's 3 alarm metrics.
  const perRegionMetrics = 3 * 1;
  const selfMonitoringAlarmMetrics = 3 * 4 + 3;
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
      const alarmMetrics = c.quorum + 1 + c.tls + selfMonitoringAlarmMetrics; // + latency (DurationMs p95); TLS expiry reads the one TlsDaysRemaining
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
    // the one invocation puts 250 × 4 + 1 (LocationAlive) = 1,001 datums: 2 requests; in the third, 1 datum: 1.
    // (At 3 datums a run it would be 751: 1 request.) One shard: a run's worst case is its one 1 s attempt, and 32 slots
    // each fit 50 of them between 1 s and 51 s into the invocation: 1,600 runs, more than 250.
    const fleet = (n: number) =>
      estimateMonthlyCost(config({ checks: Array.from({ length: n }, (_, i) => ({ id: `cert-${i}`, type: 'tls', host: 'example.com', interval: '90s', timeout: '1s', retries: 0 })) }));
    const e = fleet(250);
    assert.equal(e.deployment.probeRegions[0]?.shards, 1);
    close(item(e, 'cloudwatch.putMetricData'), ((MINUTES * (2 + 2 + 1)) / 3 / 1_000) * P.cloudwatch.putMetricDataRequests.usd, '250 checks');
    // 249 checks: 997 datums, one request a minute.
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
    // A run's worst case: 2 attempts of 10 s and the 1 s pause, 21 s; a slot fits 2 of them between 1 s and 51 s into the
    // invocation, so a shard holds at most 64 of these checks: one is too few, and the hash splits the 100 into 54 and 46.
    const checks = Array.from({ length: 100 }, (_, i) => ({ id: `page-${i}`, type: 'http', url: `https://example.com/${i}`, timeout: '10s', retries: 1 }));
    const e = estimateMonthlyCost(config({ checks }));
    assert.equal(e.deployment.probeRegions[0]?.shards, 2);
    // Single-region table: 1 WRU a claim, the TTL delete free.
    close(item(e, 'dynamodb.claims'), 2 * MINUTES * wru, 'two claims a minute');
  });
});

describe('estimateMonthlyCost: the goal', () => {
  const pages = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `page-${i}`, type: 'http', url: `https://example.com/${i}` }));
  const twenty = pages(20);
  // n 1-minute HTTP checks in one region (n up to 32 start together): 300 + 100 ms per invocation, shared by the n.
  const shared = (n: number) =>
    (MINUTES / PER_MILLION) * (P.lambda.requests.usd + P.scheduler.invocations.usd) +
    (MINUTES * 0.4 * MEMORY_GB + INIT_GB_S_PER_SHARD) * gbSecond +
    (MINUTES / 1_000) * P.cloudwatch.putMetricDataRequests.usd +
    ((MINUTES * 1_024) / GB) * P.cloudwatch.logsIngestion.usd +
    1 * 0.3 + // LocationAlive
    4 * alarm + // location silent, probe errors, probe throttles, dead letters
    3 * alarm + // the alert path's own alarms in the home region, the same region here
    kmsUsd(n) + // the alert topic's key and a data key per publish
    MINUTES * wru; // the scheduled invocation's claim of its minute, 1 WRU
  const direct =
    2 * 0.3 + // Failed and DurationMs of the check
    2 * alarm + // quorum (its one Failed), latency
    (MINUTES * 1 + 730 * 60) * wru +
    storedUsd(20_160 * 950 + 160 + 9_600 * 650) +
    resultLogsUsd(MINUTES) +
    snsPerCheck;
  const canary = MINUTES * 0.0012;
  const perCheck = (n: number) => direct + shared(n) / n + home(n, n, 1, 100).perPair(n);

  it('meets 1/50 with twenty 1-minute HTTP checks sharing a region and the two dashboards', () => {
    const e = estimateMonthlyCost(config({ checks: twenty }));
    // Overview: 20 Failed + 5 + 2 = 27 metrics, check dashboard 3 + 3 = 6: both free.
    close(item(e, 'cloudwatch.dashboards'), 0, 'dashboards');
    for (const c of e.perCheckRegion) close(c.monthlyUsd, perCheck(20), `${c.checkId}@${c.region}`);
    close(e.canary.ratio, perCheck(20) / canary, 'ratio');
    assert.ok(perCheck(20) / canary <= 1 / 50);
    assert.equal(e.canary.goalMet, true);
    assert.equal(e.canary.checkRegionsMeetingGoal, 20);
  });

  it('misses it with ten: what they share (the scheduled invocation, the $1 alert topic key, 7 alarm metrics) weighs twice as much on each', () => {
    const e = estimateMonthlyCost(config({ checks: pages(10) }));
    // $1.14 a check-region (skyprobe cost prints it), 1/46 of its $52.56 canary.
    for (const c of e.perCheckRegion) close(c.monthlyUsd, perCheck(10), `${c.checkId}@${c.region}`);
    assert.ok(perCheck(10) / canary > 1 / 50, `${perCheck(10)} against ${canary / 50}`);
    assert.equal(e.canary.goalMet, false);
    assert.equal(e.canary.checkRegionsMeetingGoal, 0);
    assert.equal(e.canary.checkRegionsGoalUnattainable, 0, 'some design could: the required alarms are $0.20 against $1.05');
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
    close(e.canary.ratio, (perCheck(20) + ((21 - 3) * P.cloudwatch.dashboards.usd) / 20) / canary, 'ratio');
    assert.equal(e.canary.goalMet, false);
  });

  it('finds the goal out of reach for an hourly TLS check in 3 regions: its required alarms alone cost more than 1/50 of its canary', () => {
    const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
    const e = estimateMonthlyCost(config({ defaults: { regions }, checks: [{ id: 'cert', type: 'tls', host: 'example.com', interval: '1h' }] }));
    // Quorum (the Sum of its one Failed), latency and TLS expiry: 3 alarm metrics, $0.30, over 3 regions: $0.10 a region.
    // Its canary, 730 runs a month in one region: $0.876, of which 1/50 is $0.01752.
    assert.equal(e.perCheckRegion.length, 3);
    for (const r of e.perCheckRegion) {
      close(r.requiredAlarmsUsd, (3 * alarm) / 3, `${r.region}: required alarms`);
      close(r.canaryMonthlyUsd / 50, 0.01752, `${r.region}: the goal's share`);
      assert.equal(r.goalAttainable, false, r.region);
      assert.equal(r.goalMet, false, r.region);
    }
    assert.equal(e.canary.checkRegionsGoalUnattainable, 3);
  });

  it('keeps the goal within reach for a 30 s check in 3 regions and a 1-minute check', () => {
    const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
    const e = estimateMonthlyCost(
      config({
        defaults: { regions },
        checks: [
          { id: 'shop', type: 'http', url: 'https://shop.example.com/', interval: '30s' },
          { id: 'api', type: 'http', url: 'https://api.example.com/', regions: ['us-east-1'] },
        ],
      }),
    );
    const row = (id: string) => e.perCheckRegion.find((c) => c.checkId === id) ?? assert.fail(`no row ${id}`);
    // shop: the quorum reads each region's Failed (one alarm metric in this region) and a third of its latency alarm:
    // $0.10 + $0.10 / 3, against 1/50 of 87,600 canary runs ($105.12): $2.1024.
    close(row('shop').requiredAlarmsUsd, alarm + alarm / 3, 'shop');
    assert.equal(row('shop').goalAttainable, true);
    // api: quorum and latency, $0.20, against 1/50 of $52.56: $1.0512.
    close(row('api').requiredAlarmsUsd, 2 * alarm, 'api');
    assert.equal(row('api').goalAttainable, true);
    assert.equal(e.canary.checkRegionsGoalUnattainable, 0);
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

  // What each check causes whatever its neighbours (single-region table, overhead 100 B an item, stored bytes paying
  // storage and continuous backups):
  // api: Failed and DurationMs (2 × $0.30), quorum on its one Failed and latency (2 alarm metrics); a raw put and a rollup
  // update of 1 WRU each per run (60 runs an hour: at most 550 B); 20,160 raw items (14 d) of 950 B, a 160 B location item,
  // 9,600 rollups of 250 + 300 + 100 B; a 400 B log line per run; 8 notifications.
  const ownApi = 2 * 0.3 + 2 * alarm + (MINUTES + 730 * 60) * wru + storedUsd(20_160 * 950 + 160 + 9_600 * 650) + resultLogsUsd(MINUTES) + snsPerCheck;
  // storefront, 2 runs a minute (87,600 a month): Failed, Failed in its region (several runs per period) and DurationMs
  // (3 × $0.30); the quorum reads its region's Failed, latency (2 alarm metrics); raw 1 WRU and rollup 1 WRU (120 runs an hour,
  // at most 250 + 600 = 850 B) per run; 40,320 raw items of 950 B, 160 B, 9,600 rollups of 250 + 600 + 100 B.
  const ownStorefront =
    3 * 0.3 + 2 * alarm + (2 * MINUTES * 2) * wru + storedUsd(40_320 * 950 + 160 + 9_600 * 950) + resultLogsUsd(2 * MINUTES) + snsPerCheck;
  // fast, 6 runs a minute (262,800 a month): 3 metrics, 2 alarm metrics as storefront; raw 1 WRU per run, rollup updates
  // 567 WRU an hour (360 runs: k = 1..154 under 1 KB, 155..359 under 2 KB, the 360th 2,050 B: 154 + 205 × 2 + 3);
  // 120,960 raw items of 950 B, 160 B, 9,600 rollups of 250 + 1,800 + 100 B.
  const ownFast =
    3 * 0.3 + 2 * alarm + (6 * MINUTES + 730 * 567) * wru + storedUsd(120_960 * 950 + 160 + 9_600 * 2_150) + resultLogsUsd(6 * MINUTES) + snsPerCheck;
  // Shared by every check of the shard, in both configs: the scheduled invocation at the minute's start runs api (300 ms) +
  // 100 ms overhead; its request, its schedule, its one PutMetricData (LocationAlive and api's Failed and DurationMs: 3 datums),
  // 1 KB of logs, its claim (1 WRU), a 600 ms cold start an hour; LocationAlive ($0.30), 4 self-monitoring alarm metrics
  // (location silent, probe errors, probe throttles, dead letters).
  const scheduled =
    MINUTES * (req + P.scheduler.invocations.usd / PER_MILLION + 0.4 * MEMORY_GB * gbSecond + put + logKb + wru) + INIT_GB_S_PER_SHARD * gbSecond;
  const region = 0.3 + 4 * alarm;
  // Shared by every check and region of the deployment (one region here): the alert path's 3 alarm metrics, the alert
  // topic's key and a data key per publish of its `checks` checks.
  const deployment = (checks: number) => 3 * alarm + kmsUsd(checks);

  describe('one 30 s check and one 1-minute check', () => {
    const e = estimateMonthlyCost(config({ checks: [storefront, api] }));
    const row = (id: string) => e.perCheckRegion.find((c) => c.checkId === id) ?? assert.fail(`no row ${id}`);
    // storefront's grid in AWS: due at 0 s and 30 s of every minute. The scheduled invocation of a minute hands both runs of
    // the next minute to continuations, which arrive on their due time (delays of 60 and 90 s, whole seconds) and last
    // 300 ms of run + 100 ms overhead = 400 ms. Per minute: 2 requests, 2 × 400 ms at 0.5 GB, 2 PutMetricData, 2 KB of
    // logs, 2 window claims of 1 WRU, and 1 SendMessageBatch + 2 receives + 2 deletes + 15 idle long polls (5 pollers,
    // one 20 s poll each) = 20 SQS requests.
    const continuations = MINUTES * (2 * req + 2 * 0.4 * MEMORY_GB * gbSecond + 2 * put + 2 * logKb + 2 * wru + 20 * sqs);
    const homeShare = home(2, 2, 1, 100).perPair(2);
    // What the two check-regions pay together, evenly: the shard's scheduled invocation, the region's, the deployment's.
    const together = scheduled + region + deployment(2);

    it('finds the grid the arithmetic assumes', () => {
      assert.equal(e.deployment.probeRegions[0]?.continuationsPerMonth, 2 * MINUTES);
      close(item(e, 'lambda.duration'), (MINUTES * (0.4 + 2 * 0.4) * MEMORY_GB) * gbSecond, 'scheduled 400 ms, continuations 2 × 400 ms');
      close(item(e, 'sqs.requests'), MINUTES * 20 * sqs, 'the queue: its sends, receives, deletes and idle polls');
    });

    it("puts every continuation and SQS cost on the 30 s check's row and none on the 1-minute check's", () => {
      close(row('api').monthlyUsd, ownApi + together / 2 + homeShare, 'api: its own costs and half the scheduled invocation');
      close(row('storefront').monthlyUsd, ownStorefront + continuations + together / 2 + homeShare, 'storefront: its continuations too');
      close(row('api').sharedUsd, row('storefront').sharedUsd, 'the same share of what the shard pays together');
      assert.ok(row('api').monthlyUsd < ownApi + (together + continuations) / 2 + homeShare, 'less than under the even spread');
    });

    it('moves dollars between rows, not the total: the even spread added up to the same', () => {
      // The even spread gave each check half of everything the shard and region paid, continuations included.
      const even = [ownApi, ownStorefront].map((own) => own + (together + continuations) / 2 + homeShare);
      close(e.totals.monthlyUsd, even[0]! + even[1]!, 'total against the even spread');
      close(row('api').monthlyUsd + row('storefront').monthlyUsd, e.totals.monthlyUsd, 'rows add up to the total');
      close(row('api').monthlyUsd, even[0]! - continuations / 2, 'api sheds half the continuations');
    });
  });

  describe('a 10 s, a 30 s and a 1-minute check in one shard', () => {
    const e = estimateMonthlyCost(config({ checks: [fast, storefront, api] }));
    const row = (id: string) => e.perCheckRegion.find((c) => c.checkId === id) ?? assert.fail(`no row ${id}`);
    // Due times in every minute: fast at k × 10 s, storefront at 0 and 30 s, api at the minute's start. The scheduled
    // invocation runs api at once (300 ms + 100 ms) and hands the next minute's 8 sub-minute runs to 6 continuations, one per
    // 10 s instant (storefront shares those at 0 and 30 s with fast), each arriving on its due time and lasting 300 ms of
    // runs at once + 100 ms: 2,400 ms a minute, nothing waited in-process. 6 requests, PutMetricData, KB of logs and claims;
    // SQS: 1 batch + 6 receives + 6 deletes + 15 idle polls = 28. They make 6 fast runs and 2 storefront runs: 6/8 and 2/8.
    const continuations = MINUTES * (6 * req + 2.4 * MEMORY_GB * gbSecond + 6 * put + 6 * logKb + 6 * wru + 28 * sqs);
    const homeShare = home(3, 3, 1, 100).perPair(3);
    const together = scheduled + region + deployment(3);

    it('finds the grid the arithmetic assumes', () => {
      assert.equal(e.deployment.probeRegions[0]?.continuationsPerMonth, 6 * MINUTES);
      close(item(e, 'lambda.duration'), (MINUTES * (0.4 + 2.4) * MEMORY_GB) * gbSecond, 'scheduled 400 ms, continuations 2,400 ms');
    });

    it('splits continuations by the runs they make', () => {
      const shared = together / 3 + homeShare;
      close(row('api').monthlyUsd, ownApi + shared, 'api: nothing of continuations or the queue');
      close(row('storefront').monthlyUsd, ownStorefront + (2 / 8) * continuations + shared, 'storefront: 2 of 8 continuation runs');
      close(row('fast').monthlyUsd, ownFast + (6 / 8) * continuations + shared, 'fast: 6 of 8');
      close(e.perCheckRegion.reduce((sum, c) => sum + c.monthlyUsd, 0), e.totals.monthlyUsd, 'rows add up to the total');
      close(e.totals.monthlyUsd, ownApi + ownStorefront + ownFast + together + continuations + 3 * homeShare, 'total by hand');
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

describe('estimateMonthlyCost: continuous backups of the results table', () => {
  // Two checks in us-east-1 (home) and eu-west-1: a global table of 2 replicas, 148 B of overhead an item.
  const input = config({
    defaults: { regions: ['us-east-1', 'eu-west-1'] },
    checks: [
      { id: 'api', type: 'http', url: 'https://api.example.com/' },
      { id: 'cert', type: 'tls', host: 'example.com', interval: '1h' },
    ],
  });
  const e = estimateMonthlyCost(input);
  const noPitr = estimateMonthlyCost(input, { ...PRICES, dynamodb: { ...PRICES.dynamodb, pitrStorage: { ...PRICES.dynamodb.pitrStorage, usd: 0 } } });
  // Per check-region in each of the 2 replicas: its raw items (14 d), its location item, its 9,600 rollups and its 400 day packs.
  // api, 60 runs an hour: 20,160 raw items of 850 B, rollups of 250 + 300 B. cert, one run an hour: 336 of 1,400 B, rollups of 255 B.
  const dayPacks = 400 * (3_072 + 148);
  const apiBytes = 2 * (20_160 * (850 + 148) + (60 + 148) + 9_600 * (550 + 148) + dayPacks);
  const certBytes = 2 * (336 * (1_400 + 148) + (60 + 148) + 9_600 * (255 + 148) + dayPacks);

  it('bills point-in-time recovery on what every replica stores, at $0.20 a GB-month beside the $0.25 of storage', () => {
    const gb = (2 * apiBytes + 2 * certBytes) / GB;
    close(item(e, 'dynamodb.storage'), gb * 0.25, 'storage');
    close(item(e, 'dynamodb.pitr'), gb * 0.2, 'continuous backups');
    const line = e.lineItems.find((l) => l.id === 'dynamodb.pitr');
    assert.equal(line?.item, 'point-in-time recovery × 2 replicas');
    assert.equal(line?.quantity, e.lineItems.find((l) => l.id === 'dynamodb.storage')?.quantity, 'the same GB as storage');
  });

  it("puts each row's backups on that row: its own results and day packs, nothing on the others", () => {
    for (const r of e.perCheckRegion) {
      const before = noPitr.perCheckRegion.find((c) => c.checkId === r.checkId && c.region === r.region) ?? assert.fail(`no row ${r.checkId}`);
      const bytes = r.checkId === 'api' ? apiBytes : certBytes;
      close(r.directUsd - before.directUsd, (bytes / GB) * 0.2, `${r.checkId}@${r.region} direct`);
      close(r.sharedUsd, before.sharedUsd, `${r.checkId}@${r.region} shared`);
    }
  });
});

describe('estimateMonthlyCost: the alert topic, its subscriptions and its key', () => {
  const checks = [
    { id: 'api', type: 'http', url: 'https://api.example.com/' },
    { id: 'shop', type: 'http', url: 'https://shop.example.com/' },
  ];
  const quiet = estimateMonthlyCost(config({ checks }));
  const alerts = { email: ['ops@example.com', 'oncall@example.com'], sms: ['+14155550100'], https: ['https://hooks.example.com/sns'] };
  const loud = estimateMonthlyCost(config({ checks, alerts }));
  // 2 checks × 8 notifications = 16 publishes. Each goes to 2 emails ($2.00 per 100,000), 1 US text message ($0.00581)
  // and 1 https endpoint ($0.60 per million): per publish 2 × $0.00002 + $0.00581 + $0.0000006 = $0.0058506.
  const perPublish = 2 * (2 / 100_000) + 0.00581 + 0.6 / PER_MILLION;

  it('delivers every publish to each subscription of the config, priced by kind', () => {
    close(item(loud, 'sns.publishes'), 16 * (0.5 / PER_MILLION), 'publishes');
    close(item(loud, 'sns.deliveries'), 16 * perPublish, 'deliveries');
    const line = loud.lineItems.find((l) => l.id === 'sns.deliveries');
    assert.equal(line?.quantity, 16);
    close(line?.unitPrice ?? NaN, perPublish, 'per publish');
    assert.match(line?.assumption ?? '', /the config's 2 email, 1 sms and 1 https subscriptions/);
  });

  it('delivers nothing without subscriptions, and says what each would cost', () => {
    close(item(quiet, 'sns.deliveries'), 0, 'no deliveries');
    assert.match(quiet.lineItems.find((l) => l.id === 'sns.deliveries')?.assumption ?? '', /^no subscriptions in the config's alerts/);
  });

  it('bills the key a month and a request per publish and per delivery', () => {
    close(item(loud, 'kms.key'), 1, 'one customer managed key');
    // 16 publishes × (a data key + 4 deliveries' decrypts) = 80 requests at $0.03 per 10,000; 16 without subscriptions.
    close(item(loud, 'kms.requests'), (80 / 10_000) * 0.03, 'requests with 4 subscriptions');
    close(item(quiet, 'kms.key'), 1, 'the key whatever the subscriptions');
    close(item(quiet, 'kms.requests'), (16 / 10_000) * 0.03, 'a data key per publish');
    assert.equal(loud.totals.byService.KMS, item(loud, 'kms.key') + item(loud, 'kms.requests'));
  });

  it("puts each check's deliveries on its rows and spreads the key's cost evenly", () => {
    for (const r of loud.perCheckRegion) {
      const before = quiet.perCheckRegion.find((c) => c.checkId === r.checkId) ?? assert.fail(`no row ${r.checkId}`);
      close(r.directUsd - before.directUsd, 8 * perPublish, `${r.checkId}: its 8 publishes delivered 4 times`);
      close(r.sharedUsd - before.sharedUsd, ((80 - 16) / 10_000) * 0.03 / 2, `${r.checkId}: half the decrypts`);
    }
    // Without subscriptions each of the 2 rows carries half the key and half the 16 requests: against a free KMS, shared only.
    const kms = P.kms;
    const freeKms = estimateMonthlyCost(config({ checks }), { ...PRICES, kms: { customerManagedKeys: { ...kms.customerManagedKeys, usd: 0 }, requests: { ...kms.requests, usd: 0 } } });
    for (const r of quiet.perCheckRegion) {
      const before = freeKms.perCheckRegion.find((c) => c.checkId === r.checkId) ?? assert.fail(`no row ${r.checkId}`);
      close(r.sharedUsd - before.sharedUsd, (1 + (16 / 10_000) * 0.03) / 2, `${r.checkId}: half the key and its requests`);
      close(r.directUsd, before.directUsd, `${r.checkId}: no direct KMS cost`);
    }
  });
});

describe('estimateMonthlyCost: SkippedRuns', () => {
  it('bills no SkippedRuns metric or datum when no run is skipped: 333 one-minute TLS checks fill one PutMetricData', () => {
    // Each run puts Failed, DurationMs and TlsDaysRemaining: 333 × 3 + LocationAlive = 1,000 datums a minute, one request
    // (with SkippedRuns every minute it would be 1,001: two). Metrics: 999 + 1 = 1,000 at $0.30.
    const checks = Array.from({ length: 333 }, (_, i) => ({ id: `cert-${i}`, type: 'tls', host: 'example.com', timeout: '1s', retries: 0 }));
    const e = estimateMonthlyCost(config({ checks }));
    assert.equal(e.deployment.probeRegions[0]?.shards, 1);
    close(item(e, 'cloudwatch.putMetricData'), (MINUTES / 1_000) * P.cloudwatch.putMetricDataRequests.usd, 'one request a minute');
    assert.equal(e.lineItems.find((l) => l.id === 'cloudwatch.metrics')?.quantity, 1_000);
    close(item(e, 'cloudwatch.metrics'), 1_000 * 0.3, 'metrics');
  });
});

describe('estimateMonthlyCost: tiered custom metrics', () => {
  it('prices metrics past 10,000 at the second tier', () => {
    // 5,001 checks × (Failed + DurationMs) + LocationAlive = 10,003 metrics.
    const checks = Array.from({ length: 5_001 }, (_, i) => ({ id: `c${i}`, type: 'tcp', host: 'db.example.com', port: 5432, interval: '1h' }));
    const e = estimateMonthlyCost(config({ checks }));
    close(item(e, 'cloudwatch.metrics'), 10_000 * 0.3 + 3 * 0.1, 'tiered metrics');
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
