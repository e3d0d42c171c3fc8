import { OVERVIEW_PAGE_MAX_CHECKS } from './dashboard-links.ts';
import type { Check, Config } from './check.ts';
import { CONTINUATION_WINDOW_MS, HANDOFF_MS, INVOCATION_CONCURRENCY, shardOf, shardsFor } from './deployment.ts';
import { dueTimesInMinute, planMinute, subMinuteSpanOf, type DueWindow } from './minute-plan.ts';
import { PRICES, type PriceEntry, type PriceTable } from './pricing.ts';
import { quorumReadsLocations } from './alert-policy.ts';
import { HEALTH_SOURCES, failoverHealthChecks, type FailoverService } from './failover.ts';

/**
 * What a config costs a month in AWS, line by line, beside what CloudWatch
 * Synthetics canaries running the same checks as often would cost.
 *
 * Pure: a function of the normalized config, a price table and the documented
 * assumptions below. The deployment it prices: in every probe region,
 * `shardsFor` schedules fire once a minute (EventBridge Scheduler) and each
 * invokes the probe function (arm64, 512 MB), which runs its shard's checks of a
 * minute or more due in its minute INVOCATION_CONCURRENCY at a time, and hands
 * the sub-minute runs of the next minute to continuation invocations through an
 * SQS queue (`planMinute`, the handler's own plan), each of which claims its
 * window with a conditional write, as the scheduled invocation claims its minute
 * before it runs anything; each result writes a raw item and an hourly rollup update to a
 * DynamoDB global table (replicas in every probe region and the home region) and
 * one result line to the probe's log group; metrics go to the home region with
 * PutMetricData: `Failed` per check (all regions in one metric), and per check
 * and region too for checks with several runs per alarm period
 * (`quorumReadsLocations`), `DurationMs` and `TlsDaysRemaining` per check; the
 * alarms are the quorum rule (the Sum of the check's one `Failed` when each
 * period holds one run per region, else metric math over one `Failed` per
 * region), a latency alarm on the check's one `DurationMs` p95, a TLS alarm on
 * the check's one `TlsDaysRemaining` and self-monitoring alarms; the overview
 * in pages of 100 checks, one check dashboard with a check variable, and a
 * failover dashboard with failover services, each reading a check's one
 * `Failed` (availability and latency by region come from the result lines,
 * with Logs Insights). The home region also
 * runs the notifier (alarm events; a sweep every minute with maintenance
 * windows), the heartbeat functions (a ping function, a sweep every minute, a
 * backup-event handler), the monthly report and a daily rollup compaction.
 */

export const MONTH_HOURS = 730;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const DAY_HOURS = 24;
const MONTH_MINUTES = MONTH_HOURS * 60;
const MONTH_MS = MONTH_HOURS * HOUR_MS;
const KB = 1024;
/** AWS bills GB as 2^30 bytes. */
const GB = 1024 ** 3;

/** Every assumption the estimate rests on, in one place; each is printed with the estimate. */
export const COST_ASSUMPTIONS = {
  lambdaMemoryMb: 512,
  /** Expected (not worst-case) time of one run: a passing target, no retries. */
  runMs: { httpStep: 300, tcp: 100, dns: 100, tls: 400 },
  /** Per invocation besides the runs: config, the DynamoDB batch write and the PutMetricData flush. */
  invocationOverheadMs: 100,
  coldStartsPerShardHour: 1,
  /** Node.js 20 with the bundled AWS SDK clients, at 512 MB. */
  initMs: 600,
  /** Raw result item (the ProbeResult JSON plus key and index attributes), measured on `skyprobe test` results and rounded up. */
  rawItemBytes: { http: 850, httpScenarioBase: 300, httpScenarioPerStep: 850, tcp: 550, dns: 700, tls: 1_400 },
  /** Hourly rollup: keys, counters, histogram buckets, phase sums… */
  rollupBaseBytes: 250,
  /** …plus one run id per run in its number set (the run's start offset in the hour, ms: ~5 bytes), how a result recorded twice is counted once. */
  rollupBytesPerRun: 5,
  /** One location item per check and region, written once when the location first reports (what `latest()` reads). */
  locationItemBytes: 60,
  /** DynamoDB storage overhead per item: 100 bytes, 48 more in a global table. */
  itemOverheadBytes: 100,
  globalTableOverheadBytes: 48,
  rawRetentionDays: 14,
  rollupRetentionDays: 400,
  /** Lambda START/END/REPORT lines plus one summary line per invocation. */
  logBytesPerInvocation: 1_024,
  /** One JSON result line per run (~275 B, ids, status and phase times), Lambda's prefix and CloudWatch Logs' 26 B per event. */
  resultLogBytesPerRun: 400,
  /** Incidents opened and closed per check a month (4 incidents), each published once to SNS. */
  notificationsPerCheckMonth: 8,
  /** Metrics a failover dashboard reads per failover service (its health checks' status). */
  failoverDashboardMetricsPerService: 2,
  /** Metrics the overview reads besides each check's one `Failed` (availability by region comes from Logs Insights): per probe region LocationAlive, SkippedRuns and the probe's Lambda Errors, Throttles, Duration; the notifier's Errors and Invocations. */
  overviewMetricsPerRegion: 5,
  overviewMetricsFixed: 2,
  /** The check dashboard: per probe region the probe's 3 Lambda metrics; the picked check's one `Failed`, DurationMs and TlsDaysRemaining (availability and latency by region from Logs Insights). */
  checkDashboardMetricsPerRegion: 3,
  checkDashboardMetricsFixed: 3,
  /** Metrics with the Location dimension only, per probe region: LocationAlive (SkippedRuns is put only when runs were skipped, so normally never billed). */
  metricsPerRegion: 1,
  /** Per probe region: "location silent" (LocationAlive), probe errors (Lambda Errors), probe throttles (Lambda Throttles) and its dead-letter queue's depth, one metric each. */
  selfMonitoringAlarmMetricsPerRegion: 4,
  /** The alert path's own alarms in the home region: the notifier failing, its fallback unreachable, alarm events undelivered. */
  alertPathAlarmMetrics: 3,
  /** The goal from the issue: at most 1/50 of the canary price per check and region. */
  goalRatio: 1 / 50,
  /** Idle SQS event source mapping: Lambda long-polls with 5 pollers at low traffic (AWS: "can optimize to as few as 2"), 20 s per ReceiveMessage. */
  continuationPollers: 5,
  longPollSeconds: 20,
  /** Per continuation delivered: the ReceiveMessage that returns it (besides the idle polls) and its DeleteMessage. */
  sqsRequestsPerContinuation: 2,
  /** A claim (of a continuation's window, or of a scheduled invocation's minute): one conditional PutItem under 1 KB, expired by TTL an hour later. */
  claimWriteUnits: 1,
  /** Home-region functions (256 MB unless said): billed duration of one invocation. */
  home: {
    memoryMb: 256,
    /** One notifier invocation per alarm state change: as many as notifications. */
    notifierMs: 300,
    /** The every-minute maintenance sweep (configs with maintenance windows) and the heartbeat sweep (configs with heartbeats). */
    sweepMs: 200,
    /** A heartbeat ping (function URL) or an AWS Backup job event: a state write, a raw result and a rollup update. */
    pingMs: 150,
    pingWriteUnits: 3,
    /** Monthly report: one invocation at 1,024 MB reading the month's day packs and incidents. */
    monthlyReportMemoryMb: 1024,
    monthlyReportMs: 10_000,
    /** Report items written (a summary, one per check, the published marker), ~4 KB each. */
    monthlyReportItemBytes: 4_096,
    /** Daily rollup compaction at 512 MB: a fixed part and a share per check-location. */
    compactionMemoryMb: 512,
    compactionBaseMs: 500,
    compactionPerPairMs: 20,
    /** Per check-location and day: 24 hourly rollups read (~1 KB each, one eventually consistent Query) and one day pack written. */
    compactionReadBytes: 24 * 1_024,
    dayPackBytes: 3_072,
    /** Kept like the hourly rollups. */
    dayPackRetentionDays: 400,
    /** Strongly consistent reads of heartbeat states by the sweep, each under 4 KB: one RRU per heartbeat a minute. */
    sweepReadUnitsPerHeartbeat: 1,
  },
  /** The failover dashboard reads each health check's status and share of healthy checkers; each service has 2 HealthCheckStatus alarms. */
  failoverDashboardMetricsPerHealthCheck: 2,
  failoverAlarmsPerService: 2,
} as const;

export type CostService =
  | 'Lambda'
  | 'EventBridge Scheduler'
  | 'DynamoDB'
  | 'SQS'
  | 'Data transfer'
  | 'CloudWatch'
  | 'CloudWatch Logs'
  | 'SNS'
  | 'KMS'
  | 'Route 53';

export const COST_SERVICES: readonly CostService[] = [
  'Lambda',
  'EventBridge Scheduler',
  'DynamoDB',
  'SQS',
  'Data transfer',
  'CloudWatch',
  'CloudWatch Logs',
  'SNS',
  'KMS',
  'Route 53',
];

export interface CostLineItem {
  /** Stable key, e.g. `lambda.requests`. */
  readonly id: string;
  readonly service: CostService;
  readonly item: string;
  /** In `unit`s, e.g. 0.0438 of "1M requests". */
  readonly quantity: number;
  readonly unit: string;
  /** USD per `unit` (a blended price for tiered items). */
  readonly unitPrice: number;
  readonly monthlyUsd: number;
  readonly assumption: string;
}

export interface CheckRegionCost {
  readonly checkId: string;
  readonly region: string;
  readonly runsPerMonth: number;
  /**
   * Costs this check causes in this region: writes, storage, metrics, alarms, notifications, the Route 53 health checks of a failover
   * service that follows it; for a sub-minute check, its share (by runs) of its shard's continuations, its region's continuation queue
   * and the scheduled invocation's in-process waits for its runs.
   */
  readonly directUsd: number;
  /** Its even share of what its shard, its region and the whole deployment pay together (the scheduled invocation, per-region metrics, dashboards…). */
  readonly sharedUsd: number;
  readonly monthlyUsd: number;
  readonly canaryRunsPerMonth: number;
  readonly canaryMonthlyUsd: number;
  /** monthlyUsd / canaryMonthlyUsd. */
  readonly ratio: number;
  readonly goalMet: boolean;
  /**
   * Its share of the alarms the check must have whatever the design (the quorum alarm's metrics, the latency alarm, a tls
   * check's expiry alarm), at the standard alarm price: a floor no cost-cutting can go below.
   */
  readonly requiredAlarmsUsd: number;
  /** requiredAlarmsUsd is within goalRatio of the canary: some design could meet the goal here. */
  readonly goalAttainable: boolean;
}

export interface CanaryComparison {
  readonly pricePerRunUsd: number;
  readonly runsPerMonth: number;
  readonly canaryMonthlyUsd: number;
  readonly skyprobeMonthlyUsd: number;
  /** skyprobe / canaries, over every check and region. */
  readonly ratio: number;
  readonly goalRatio: number;
  /** The whole deployment costs at most goalRatio of the canaries. */
  readonly goalMet: boolean;
  readonly checkRegions: number;
  readonly skyprobePerCheckRegionUsd: number;
  readonly canaryPerCheckRegionUsd: number;
  /** Check-regions whose own share meets the goal. */
  readonly checkRegionsMeetingGoal: number;
  /** Check-regions where the goal is out of reach at list prices: their required alarms alone cost more than goalRatio of their canary. */
  readonly checkRegionsGoalUnattainable: number;
}

export interface ProbeRegionProfile {
  readonly region: string;
  readonly checks: number;
  readonly shards: number;
  /** Scheduled and continuation invocations. */
  readonly invocationsPerMonth: number;
  readonly continuationsPerMonth: number;
  /** Billed duration of an average invocation (runs, short in-process waits, overhead). */
  readonly averageInvocationMs: number;
}

export interface CostEstimate {
  readonly project: string;
  readonly monthHours: number;
  readonly prices: { readonly takenOn: string; readonly region: string; readonly currency: string; readonly sources: readonly string[] };
  readonly lineItems: readonly CostLineItem[];
  readonly totals: { readonly monthlyUsd: number; readonly byService: Readonly<Record<CostService, number>> };
  readonly perCheckRegion: readonly CheckRegionCost[];
  readonly canary: CanaryComparison;
  readonly deployment: {
    /** Replicas of the global table: every probe region and the home region. */
    readonly replicaRegions: readonly string[];
    readonly probeRegions: readonly ProbeRegionProfile[];
    readonly route53HealthChecks: readonly Route53HealthCheck[];
  };
  readonly assumptions: readonly string[];
}

export interface CostOptions {
  /**
   * Failover entries as written in the raw config, read defensively.
   * @default the config's own `failover` field when it has one, else none
   */
  readonly failover?: unknown;
  /**
   * Dashboards to bill, beyond the free ones, whatever metrics they read.
   * @default the overview and the check dashboard, each free unless it reads more metrics than a free dashboard may hold
   */
  readonly dashboards?: number;
}

export type HealthCheckFeature = 'https' | 'stringMatching' | 'fastInterval' | 'latencyMeasurement';

export interface Route53HealthCheck {
  readonly name: string;
  /** Billed at the AWS-endpoint price: an AWS endpoint, a CloudWatch-alarm or a calculated health check. */
  readonly awsEndpoint: boolean;
  readonly features: readonly HealthCheckFeature[];
}

// ---- the run model ----

/** Expected duration of one run of the check. */
export function expectedRunMs(check: Check): number {
  const a = COST_ASSUMPTIONS.runMs;
  switch (check.type) {
    case 'http':
      return a.httpStep * Math.max(1, check.steps.length);
    case 'tcp':
      return a.tcp;
    case 'dns':
      return a.dns;
    case 'tls':
      return a.tls;
  }
}

/** Runs in a month in one region: a sub-minute loop restarts every minute, so it runs ceil(60 s / interval) times a minute. */
export function runsPerMonth(check: Pick<Check, 'intervalMs'>): number {
  return check.intervalMs < MINUTE_MS ? MONTH_MINUTES * Math.ceil(MINUTE_MS / check.intervalMs) : MONTH_MS / check.intervalMs;
}

function rawItemBytes(check: Check): number {
  const a = COST_ASSUMPTIONS.rawItemBytes;
  switch (check.type) {
    case 'http':
      return check.steps.length > 1 ? a.httpScenarioBase + a.httpScenarioPerStep * check.steps.length : a.http;
    case 'tcp':
      return a.tcp;
    case 'dns':
      return a.dns;
    case 'tls':
      return a.tls;
  }
}

/**
 * Datums one result puts (`metricDataFor`; every run makes an attempt here): `Failed` per check, again per
 * check and location when the quorum reads locations, DurationMs, and TlsDaysRemaining for TLS checks.
 */
function datumsPerRun(check: Check): number {
  return 1 + (quorumReadsLocations(check) ? 1 : 0) + 1 + (check.type === 'tls' ? 1 : 0);
}

const writeUnits = (bytes: number): number => Math.ceil(bytes / KB);

/**
 * Average WRUs of one rollup update. An update is billed on the larger of the
 * item before and after it, and the item grows by one run id per run, so the
 * k-th run of an hour writes ceil((base + perRun × k) / 1 KB).
 */
function rollupWriteUnitsPerRun(runsPerHour: number): number {
  const n = Math.max(1, Math.round(runsPerHour));
  let sum = 0;
  for (let k = 1; k <= n; k++) sum += writeUnits(COST_ASSUMPTIONS.rollupBaseBytes + COST_ASSUMPTIONS.rollupBytesPerRun * k);
  return sum / n;
}

interface ShardProfile {
  /** Per minute, on average. The scheduled invocation (one a minute): its billed time for the runs due at its start and the overhead… */
  readonly scheduledMsPerMinute: number;
  /** …and what its runs due after its start (sub-minute runs less than HANDOFF_MS apart) add: waiting for them in-process and running them past the runs due at once. */
  readonly inProcessWaitMsPerMinute: number;
  readonly scheduledPutsPerMinute: number;
  /** Continuations, their SendMessageBatch requests, billed time and PutMetricData requests. */
  readonly continuationsPerMinute: number;
  readonly sendBatchesPerMinute: number;
  readonly continuationMsPerMinute: number;
  readonly continuationPutsPerMinute: number;
  /** Runs a minute of each check that continuations make (sub-minute checks only: a check of a minute or more runs at the minute's start). */
  readonly continuationRunsPerMinute: ReadonlyMap<Check, number>;
  /** Runs a minute of each check that the scheduled invocation waits for in-process. */
  readonly waitedRunsPerMinute: ReadonlyMap<Check, number>;
}

/**
 * A shard with sub-minute checks, minute by minute, as the handler plans it (`planMinute`): the scheduled
 * invocation of minute m (modelled as firing at its start) runs the checks of a minute or more due in m at
 * once (the longest chain), and hands the sub-minute due times of minute m + 1 to continuations, each of
 * which arrives `delaySeconds` after it and lasts until its last run ends, waiting in-process for its
 * first; each invocation adds the overhead and flushes its own metrics. (An invocation that fires in the
 * last HANDOFF_MS of its minute runs the first sub-minute runs itself: cheaper, and left out.)
 */
function continuationShardProfile(checks: readonly Check[]): ShardProfile {
  const cycle = cycleMinutes(checks);
  const overhead = COST_ASSUMPTIONS.invocationOverheadMs;
  let continuations = 0;
  let batches = 0;
  let scheduledMs = 0;
  let waitMs = 0;
  let scheduledPuts = 0;
  let continuationMs = 0;
  let continuationPuts = 0;
  const continuationRuns = new Map<Check, number>();
  const waitedRuns = new Map<Check, number>();
  const count = (into: Map<Check, number>, runs: readonly { readonly check: Check }[]) => {
    for (const r of runs) into.set(r.check, (into.get(r.check) ?? 0) + 1 / cycle);
  };
  for (let m = 0; m < cycle; m++) {
    const now = m * MINUTE_MS;
    const span = subMinuteSpanOf(now);
    const plan = planMinute(checks, { nowMs: now, minuteStartMs: span, shard: 0, shards: 1 });
    const runs = checks.flatMap((c) =>
      dueTimesInMinute(c, c.intervalMs < MINUTE_MS ? span : now).map((dueAt) => ({ check: c, dueAt, runMs: expectedRunMs(c), datums: datumsPerRun(c) })),
    );
    /** Billed time of one invocation: the chain of the runs due when it arrives, and how far its later runs reach past that. */
    /** `perRegionDatums`: the scheduled invocation's LocationAlive; a continuation puts none. */
    const invocation = (windows: readonly DueWindow[], arrivalMs: number, perRegionDatums: number) => {
      const mine = runs.filter((r) => windows.some((w) => r.dueAt >= w.startMs && r.dueAt < w.endMs));
      const later = mine.filter((r) => r.dueAt > arrivalMs);
      const atOnceMs = longestChainMs(mine.filter((r) => r.dueAt <= arrivalMs).map((r) => r.runMs), INVOCATION_CONCURRENCY);
      const laterEndMs = Math.max(0, ...later.map((r) => r.dueAt - arrivalMs + r.runMs));
      const puts = Math.ceil((perRegionDatums + mine.reduce((sum, r) => sum + r.datums, 0)) / 1000);
      return { mine, later, atOnceMs, laterMs: Math.max(0, laterEndMs - atOnceMs), puts };
    };
    // Its own minute's checks of a minute or more, and the sub-minute runs it keeps (none when it fires at the minute's start).
    const scheduled = invocation([{ startMs: now, endMs: now + MINUTE_MS }, plan.owned], now, COST_ASSUMPTIONS.metricsPerRegion);
    scheduledMs += scheduled.atOnceMs + overhead;
    waitMs += scheduled.laterMs;
    scheduledPuts += scheduled.puts;
    count(waitedRuns, scheduled.later);
    for (const c of plan.continuations) {
      const run = invocation([{ startMs: c.event.wakeAtMs, endMs: c.event.windowEndMs }], now + c.delaySeconds * 1000, 0);
      continuationMs += run.atOnceMs + run.laterMs + overhead;
      continuationPuts += run.puts;
      count(continuationRuns, run.mine);
    }
    continuations += plan.continuations.length;
    batches += Math.ceil(plan.continuations.length / 10);
  }
  return {
    scheduledMsPerMinute: scheduledMs / cycle,
    inProcessWaitMsPerMinute: waitMs / cycle,
    scheduledPutsPerMinute: scheduledPuts / cycle,
    continuationsPerMinute: continuations / cycle,
    sendBatchesPerMinute: batches / cycle,
    continuationMsPerMinute: continuationMs / cycle,
    continuationPutsPerMinute: continuationPuts / cycle,
    continuationRunsPerMinute: continuationRuns,
    waitedRunsPerMinute: waitedRuns,
  };
}

/** Minutes after which the pattern of due checks repeats (at most a month). */
function cycleMinutes(checks: readonly Check[]): number {
  let cycle = 1;
  for (const c of checks) {
    if (c.intervalMs <= MINUTE_MS) continue;
    const interval = Math.round(c.intervalMs);
    cycle = Math.min(MONTH_MINUTES, lcm(cycle, interval / gcd(interval, MINUTE_MS)));
  }
  return cycle;
}

/**
 * The invocations of one shard. Without sub-minute checks, one a minute: the
 * runs due at its start share INVOCATION_CONCURRENCY slots (longest first; the
 * invocation lasts as long as its longest chain), and the overhead comes on
 * top. Minutes are enumerated over the cycle after which the pattern of due
 * checks repeats (at most a month). With sub-minute checks, continuations.
 */
function shardProfile(checks: readonly Check[]): ShardProfile {
  if (checks.some((c) => c.intervalMs < MINUTE_MS)) return continuationShardProfile(checks);
  const cycle = cycleMinutes(checks);
  let durationSum = 0;
  let putSum = 0;
  for (let m = 0; m < cycle; m++) {
    const startingNow: number[] = [];
    let laterEndMs = 0;
    let datums = COST_ASSUMPTIONS.metricsPerRegion; // LocationAlive
    for (const c of checks) {
      const runMs = expectedRunMs(c);
      if (c.intervalMs <= MINUTE_MS) {
        const runs = Math.ceil(MINUTE_MS / c.intervalMs);
        startingNow.push(runMs);
        for (let k = 1; k < runs; k++) laterEndMs = Math.max(laterEndMs, k * c.intervalMs + runMs);
        datums += runs * datumsPerRun(c);
      } else if (isDueInMinute(c.intervalMs, m)) {
        startingNow.push(runMs);
        datums += datumsPerRun(c);
      }
    }
    durationSum += Math.max(longestChainMs(startingNow, INVOCATION_CONCURRENCY), laterEndMs) + COST_ASSUMPTIONS.invocationOverheadMs;
    putSum += Math.ceil(datums / 1000);
  }
  return {
    scheduledMsPerMinute: durationSum / cycle,
    inProcessWaitMsPerMinute: 0,
    scheduledPutsPerMinute: putSum / cycle,
    continuationsPerMinute: 0,
    sendBatchesPerMinute: 0,
    continuationMsPerMinute: 0,
    continuationPutsPerMinute: 0,
    continuationRunsPerMinute: new Map(),
    waitedRunsPerMinute: new Map(),
  };
}

/** A run falls due in minute m when some k × interval lies inside it. */
function isDueInMinute(intervalMs: number, minute: number): boolean {
  const start = minute * MINUTE_MS;
  return Math.ceil(start / intervalMs) * intervalMs < start + MINUTE_MS;
}

/** Makespan of runs started together on `slots` parallel slots, longest first. */
function longestChainMs(durations: readonly number[], slots: number): number {
  if (durations.length === 0) return 0;
  if (durations.length <= slots) return Math.max(...durations);
  const loads = new Array<number>(slots).fill(0);
  for (const d of [...durations].sort((a, b) => b - a)) {
    let least = 0;
    for (let i = 1; i < slots; i++) if ((loads[i] as number) < (loads[least] as number)) least = i;
    loads[least] = (loads[least] as number) + d;
  }
  return Math.max(...loads);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

/**
 * What one continuation invocation costs beyond its runs (Lambda request and overhead, its share of a
 * SendMessageBatch, its receive and delete, its claim in every replica and the TTL delete, its own
 * PutMetricData and log lines), and how long an invocation could wait in-process for the same money:
 * the price behind HANDOFF_MS.
 */
export function continuationCost(prices: PriceTable = PRICES, replicas = 1): { readonly usd: number; readonly waitEquivalentMs: number } {
  const a = COST_ASSUMPTIONS;
  const memoryGb = a.lambdaMemoryMb / 1024;
  const writePrice = replicas > 1 ? prices.dynamodb.replicatedWriteRequestUnits : prices.dynamodb.writeRequestUnits;
  const usd =
    costOf(1, prices.lambda.requests) +
    costOf((a.invocationOverheadMs / 1000) * memoryGb, prices.lambda.arm64Duration) +
    costOf(a.sqsRequestsPerContinuation + 1 / 10, prices.sqs.requests) +
    costOf(a.claimWriteUnits * (2 * replicas - 1), writePrice) +
    costOf(1, prices.cloudwatch.putMetricDataRequests) +
    costOf(a.logBytesPerInvocation / GB, prices.cloudwatch.logsIngestion);
  return { usd, waitEquivalentMs: (usd / costOf(memoryGb, prices.lambda.arm64Duration)) * 1000 };
}

// ---- Route 53 ----

const ENDPOINT_FIELDS = ['url', 'host', 'hostname', 'fqdn', 'domain', 'ipAddress', 'ip', 'endpoint', 'target'];
const ENTRY_FIELDS = ['healthCheck', 'healthChecks', 'type', 'name', 'id', 'record', 'primary', 'secondary', ...ENDPOINT_FIELDS];

/** A Route 53 health check and the skyprobe check its failover service follows (null: none). */
interface TiedHealthCheck {
  readonly healthCheck: Route53HealthCheck;
  readonly checkId: string | null;
}

/**
 * Route 53 health checks implied by `failover` entries of a raw config, read
 * defensively: an array of entries or an object of them by name; an entry's
 * `healthChecks` (array), its `healthCheck` (object), or the entry itself
 * describes a health check. One without an endpoint (url, host, ip…) or typed
 * as a CloudWatch-metric or calculated check is billed at the AWS-endpoint
 * price; an endpoint is non-AWS unless `awsEndpoint: true`. Anything else is ignored.
 */
export function route53HealthChecksFrom(failover: unknown): Route53HealthCheck[] {
  return tiedHealthChecksFrom(failover).map((t) => t.healthCheck);
}

/** As `route53HealthChecksFrom`, each tied to the entry's `check` (or `checkId`) when it names one. */
function tiedHealthChecksFrom(failover: unknown): TiedHealthCheck[] {
  if (!isRecord(failover) && !Array.isArray(failover)) return [];
  const entries: unknown[] = Array.isArray(failover)
    ? failover
    : ENTRY_FIELDS.some((f) => f in failover)
      ? [failover]
      : Object.entries(failover).map(([name, v]) => (isRecord(v) && v['name'] === undefined ? { name, ...v } : v));
  const checks: TiedHealthCheck[] = [];
  entries.forEach((entry, index) => {
    if (!isRecord(entry) || entry['healthCheck'] === false) return;
    const entryName = typeof entry['name'] === 'string' ? entry['name'] : typeof entry['id'] === 'string' ? entry['id'] : `failover[${index}]`;
    const followed = entry['checkId'] ?? entry['check'];
    const checkId = typeof followed === 'string' ? followed : null;
    const list = entry['healthChecks'];
    const specs: unknown[] = Array.isArray(list) ? list : isRecord(entry['healthCheck']) ? [entry['healthCheck']] : [entry];
    specs.forEach((spec, i) => {
      if (!isRecord(spec)) return;
      const name = typeof spec['name'] === 'string' ? spec['name'] : specs.length > 1 ? `${entryName}[${i}]` : entryName;
      checks.push({ healthCheck: classifyHealthCheck(name, spec), checkId });
    });
  });
  return checks;
}

/**
 * The health checks the CDK app creates for the config's failover services (`failoverHealthChecks`, the
 * same list infra/constructs/failover.ts builds). A `failover` field of another shape (a config object
 * built by hand) is read defensively by `route53HealthChecksFrom`.
 */
export function route53HealthChecksOfConfig(config: Config): Route53HealthCheck[] {
  return tiedHealthChecksOfConfig(config).map((t) => t.healthCheck);
}

/** As `route53HealthChecksOfConfig`, each tied to its service's check (every health check of the service, the standby's too). */
function tiedHealthChecksOfConfig(config: Config): TiedHealthCheck[] {
  const failover: unknown = (config as { readonly failover?: unknown }).failover;
  if (!Array.isArray(failover) || !failover.every(isFailoverService)) return tiedHealthChecksFrom(failover);
  return failover.flatMap((service) =>
    failoverHealthChecks(service).map((spec): TiedHealthCheck => {
      const name = `${service.id} ${spec.role}`;
      if (spec.kind !== 'endpoint') return { healthCheck: { name, awsEndpoint: true, features: [] }, checkId: service.checkId };
      const h = spec.endpoint;
      const features: HealthCheckFeature[] = [];
      if (h.protocol === 'https') features.push('https');
      if (h.searchString !== null) features.push('stringMatching');
      if (h.intervalSeconds === 10) features.push('fastInterval');
      return { healthCheck: { name, awsEndpoint: isAwsEndpoint(h.host), features }, checkId: service.checkId };
    }),
  );
}

function isFailoverService(value: unknown): value is FailoverService {
  return isRecord(value) && typeof value['id'] === 'string' && (HEALTH_SOURCES as readonly unknown[]).includes(value['health']) && isRecord(value['secondary']);
}

/** Load balancers, CloudFront, API Gateway, S3 websites: endpoints AWS bills at the AWS-endpoint price. */
function isAwsEndpoint(host: string | null): boolean {
  return host !== null && /\.(amazonaws\.com|cloudfront\.net|awsglobalaccelerator\.com)$/.test(host);
}

function classifyHealthCheck(name: string, spec: Readonly<Record<string, unknown>>): Route53HealthCheck {
  const type = String(spec['type'] ?? spec['kind'] ?? '').toLowerCase();
  const hasEndpoint = ENDPOINT_FIELDS.some((f) => spec[f] !== undefined);
  if (!hasEndpoint || /cloudwatch|metric|alarm|calculated/.test(type)) return { name, awsEndpoint: true, features: [] };
  const url = typeof spec['url'] === 'string' ? spec['url'].toLowerCase() : '';
  const features: HealthCheckFeature[] = [];
  if (type.startsWith('https') || spec['https'] === true || String(spec['protocol'] ?? '').toLowerCase() === 'https' || url.startsWith('https:')) {
    features.push('https');
  }
  const search = spec['searchString'] ?? spec['stringMatch'] ?? spec['search'];
  if (type.includes('str_match') || (typeof search === 'string' && search !== '')) features.push('stringMatching');
  const interval = spec['requestInterval'] ?? spec['requestIntervalSeconds'] ?? spec['interval'];
  if (spec['fastInterval'] === true || interval === 10 || interval === '10s' || spec['requestIntervalMs'] === 10_000) features.push('fastInterval');
  if (spec['measureLatency'] === true || spec['latencyMeasurement'] === true) features.push('latencyMeasurement');
  return { name, awsEndpoint: spec['awsEndpoint'] === true || spec['endpointInAws'] === true, features };
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- the estimate ----

/** Cost of `count` units at `price` (which is per `price.per` units). */
function costOf(count: number, price: PriceEntry): number {
  return (count / price.per) * price.usd;
}

function unitLabel(price: PriceEntry): string {
  if (price.per === 1) return price.unit;
  const n = price.per >= 1_000_000 ? `${price.per / 1_000_000}M` : price.per >= 1_000 ? `${price.per / 1_000}K` : String(price.per);
  return `${n} ${price.unit}`;
}

/** Custom metrics priced through the tiers. */
function tieredMetricsUsd(count: number, prices: PriceTable): number {
  let left = count;
  let tierStart = 0;
  let usd = 0;
  for (const tier of prices.cloudwatch.customMetrics.tiers) {
    const size = tier.upToMetrics === null ? left : Math.max(0, tier.upToMetrics - tierStart);
    const take = Math.min(left, size);
    usd += take * tier.usdPerMetricMonth;
    left -= take;
    if (tier.upToMetrics !== null) tierStart = tier.upToMetrics;
    if (left <= 0) break;
  }
  return usd;
}

interface PairAccount {
  readonly check: Check;
  readonly region: string;
  readonly runs: number;
  direct: number;
  shared: number;
}

/**
 * The monthly estimate for `config` at `prices`. Line items carry their
 * quantity, unit price and the assumption behind them; every line is also
 * spread over check-regions by what causes it (direct costs where they
 * arise, continuations on the sub-minute checks that need them, shared
 * costs evenly over the check-regions that share them), so the
 * per-check-region costs add up to the total.
 */
export function estimateMonthlyCost(config: Config, prices: PriceTable = PRICES, options: CostOptions = {}): CostEstimate {
  const a = COST_ASSUMPTIONS;
  const memoryGb = a.lambdaMemoryMb / 1024;
  const probeRegions = [...new Set(config.checks.flatMap((c) => c.regions))].sort();
  const replicaRegions = [...new Set([...probeRegions, config.homeRegion])].sort();
  const replicas = replicaRegions.length;
  const globalTable = replicas > 1;
  const overheadBytes = a.itemOverheadBytes + (globalTable ? a.globalTableOverheadBytes : 0);

  const pairs: PairAccount[] = config.checks.flatMap((check) =>
    check.regions.map((region) => ({ check, region, runs: runsPerMonth(check), direct: 0, shared: 0 })),
  );
  const pairsByRegion = groupBy(pairs, (p) => p.region);
  const pairsByCheck = groupBy(pairs, (p) => p.check);
  const pairsInRegion = (region: string) => pairsByRegion.get(region) ?? [];
  const spread = (over: readonly PairAccount[], usd: number, kind: 'direct' | 'shared') => {
    if (over.length === 0 || usd === 0) return;
    for (const p of over) p[kind] += usd / over.length;
  };
  /** A cost the runs of `over`'s checks cause: direct, in proportion to each check's runs (evenly if none has any). */
  const spreadByRuns = (over: readonly PairAccount[], runs: ReadonlyMap<Check, number>, usd: number) => {
    const total = over.reduce((sum, p) => sum + (runs.get(p.check) ?? 0), 0);
    if (total === 0) return spread(over, usd, 'direct');
    for (const p of over) p.direct += (usd * (runs.get(p.check) ?? 0)) / total;
  };

  // ---- Lambda, Scheduler, PutMetricData, claims, SQS and logs: per region and shard ----
  // The scheduled invocation of a shard is shared by the shard's check-regions; continuations, the queue and
  // the scheduled invocation's in-process waits exist only for sub-minute checks, and are theirs.
  let invocations = 0;
  let invokeGbSeconds = 0;
  let initGbSeconds = 0;
  let putRequests = 0;
  const regionProfiles: ProbeRegionProfile[] = [];
  const writePrice = globalTable ? prices.dynamodb.replicatedWriteRequestUnits : prices.dynamodb.writeRequestUnits;
  let scheduledInvocations = 0;
  let continuations = 0;
  let sqsRequests = 0;
  let claimUnits = 0;
  let queues = 0;
  let shardCount = 0;
  // A claim in each replica, and its TTL delete replicated to the others.
  const claimUnitsEach = a.claimWriteUnits * (2 * replicas - 1);
  const gbSecondsOf = (msPerMinute: number) => MONTH_MINUTES * (msPerMinute / 1000) * memoryGb;
  const logGbOf = (count: number) => (count * a.logBytesPerInvocation) / GB;
  for (const region of probeRegions) {
    const checks = config.checks.filter((c) => c.regions.includes(region));
    const shards = shardsFor(checks);
    const regionPairs = pairsInRegion(region);
    const regionContinuationRuns = new Map<Check, number>();
    let regionInvocations = 0;
    let regionContinuations = 0;
    let regionMs = 0;
    for (let shard = 0; shard < shards; shard++) {
      const inShard = checks.filter((c) => shardOf(c.id, shards) === shard);
      const profile = shardProfile(inShard);
      const shardChecks = new Set<Check>(inShard);
      const over = regionPairs.filter((p) => shardChecks.has(p.check));
      const subMinute = over.filter((p) => p.check.intervalMs < MINUTE_MS);
      for (const [check, runs] of profile.continuationRunsPerMinute) regionContinuationRuns.set(check, (regionContinuationRuns.get(check) ?? 0) + runs);

      // The scheduled invocation: its request, its time for the runs due at its start and the overhead, a cold
      // start an hour, its PutMetricData, its claim of the minute, its schedule, its log lines.
      const scheduledGbS = gbSecondsOf(profile.scheduledMsPerMinute);
      const initGbS = MONTH_HOURS * a.coldStartsPerShardHour * (a.initMs / 1000) * memoryGb;
      const scheduledPuts = MONTH_MINUTES * profile.scheduledPutsPerMinute;
      const scheduledClaims = MONTH_MINUTES * claimUnitsEach;
      spread(
        over.length > 0 ? over : regionPairs,
        costOf(MONTH_MINUTES, prices.lambda.requests) +
          costOf(scheduledGbS + initGbS, prices.lambda.arm64Duration) +
          costOf(MONTH_MINUTES, prices.scheduler.invocations) +
          costOf(scheduledPuts, prices.cloudwatch.putMetricDataRequests) +
          costOf(logGbOf(MONTH_MINUTES), prices.cloudwatch.logsIngestion) +
          costOf(scheduledClaims, writePrice),
        'shared',
      );
      // What waiting in-process for later sub-minute runs adds to the scheduled invocation: the checks waited for.
      const waitGbS = gbSecondsOf(profile.inProcessWaitMsPerMinute);
      spreadByRuns(subMinute, profile.waitedRunsPerMinute, costOf(waitGbS, prices.lambda.arm64Duration));
      // Continuations: request, time, PutMetricData, log lines, the claim of the window, the SQS send (batched),
      // receive and delete; the sub-minute checks whose runs they make.
      const shardContinuations = MONTH_MINUTES * profile.continuationsPerMinute;
      const continuationGbS = gbSecondsOf(profile.continuationMsPerMinute);
      const continuationPuts = MONTH_MINUTES * profile.continuationPutsPerMinute;
      const continuationClaims = shardContinuations * claimUnitsEach;
      const continuationSqs = MONTH_MINUTES * profile.sendBatchesPerMinute + shardContinuations * a.sqsRequestsPerContinuation;
      spreadByRuns(
        subMinute,
        profile.continuationRunsPerMinute,
        costOf(shardContinuations, prices.lambda.requests) +
          costOf(continuationGbS, prices.lambda.arm64Duration) +
          costOf(continuationPuts, prices.cloudwatch.putMetricDataRequests) +
          costOf(logGbOf(shardContinuations), prices.cloudwatch.logsIngestion) +
          costOf(continuationClaims, writePrice) +
          costOf(continuationSqs, prices.sqs.requests),
      );

      shardCount += 1;
      scheduledInvocations += MONTH_MINUTES;
      continuations += shardContinuations;
      invocations += MONTH_MINUTES + shardContinuations;
      invokeGbSeconds += scheduledGbS + waitGbS + continuationGbS;
      initGbSeconds += initGbS;
      putRequests += scheduledPuts + continuationPuts;
      sqsRequests += continuationSqs;
      claimUnits += scheduledClaims + continuationClaims;
      regionInvocations += MONTH_MINUTES + shardContinuations;
      regionContinuations += shardContinuations;
      regionMs += MONTH_MINUTES * (profile.scheduledMsPerMinute + profile.inProcessWaitMsPerMinute + profile.continuationMsPerMinute);
    }
    // A region with sub-minute checks has the queue, whose event source mapping long-polls it even when idle:
    // the region's sub-minute checks, by the runs continuations make for them.
    const subMinuteInRegion = regionPairs.filter((p) => p.check.intervalMs < MINUTE_MS);
    if (subMinuteInRegion.length > 0) {
      queues += 1;
      const idlePolls = MONTH_MINUTES * a.continuationPollers * (60 / a.longPollSeconds);
      sqsRequests += idlePolls;
      spreadByRuns(subMinuteInRegion, regionContinuationRuns, costOf(idlePolls, prices.sqs.requests));
    }
    regionProfiles.push({
      region,
      checks: checks.length,
      shards,
      invocationsPerMonth: regionInvocations,
      continuationsPerMonth: regionContinuations,
      averageInvocationMs: regionInvocations > 0 ? regionMs / regionInvocations : 0,
    });
  }
  const invocationLogGb = (invocations * a.logBytesPerInvocation) / GB;

  // ---- DynamoDB and replication transfer: per check-region ----
  // Every replica keeps continuous backups (point-in-time recovery), billed on what it stores.
  const storedUsd = (bytes: number) => costOf(bytes / GB, prices.dynamodb.storage) + costOf(bytes / GB, prices.dynamodb.pitrStorage);
  let resultWriteUnits = 0;
  let ttlDeleteUnits = 0;
  let storageBytes = 0;
  let replicatedBytes = 0;
  for (const p of pairs) {
    const rawBytes = rawItemBytes(p.check);
    const runsPerHour = p.runs / MONTH_HOURS;
    const rollupFinalBytes = a.rollupBaseBytes + a.rollupBytesPerRun * runsPerHour;
    const rollupAverageBytes = a.rollupBaseBytes + (a.rollupBytesPerRun * (runsPerHour + 1)) / 2;
    // Per result: the raw put and the rollup update. (The location item is written once, ever: not counted.)
    const writes = p.runs * (writeUnits(rawBytes) + rollupWriteUnitsPerRun(runsPerHour)) * replicas;
    // Steady state: as many raw items (and hourly rollups) expire a month as are written.
    const deletes = (replicas - 1) * (p.runs * writeUnits(rawBytes) + MONTH_HOURS * writeUnits(rollupFinalBytes));
    const rawStored = (p.runs / MONTH_HOURS) * DAY_HOURS * a.rawRetentionDays;
    const rollupsStored = DAY_HOURS * a.rollupRetentionDays;
    const stored =
      replicas * (rawStored * (rawBytes + overheadBytes) + (a.locationItemBytes + overheadBytes) + rollupsStored * (rollupFinalBytes + overheadBytes));
    const replicated = (replicas - 1) * p.runs * (rawBytes + rollupAverageBytes);
    resultWriteUnits += writes;
    ttlDeleteUnits += deletes;
    storageBytes += stored;
    replicatedBytes += replicated;
    p.direct += costOf(writes + deletes, writePrice) + storedUsd(stored) + costOf(replicated / GB, prices.dataTransfer.interRegion);
  }

  // ---- home region: notifier, heartbeat functions, monthly report, daily rollup compaction ----
  const h = a.home;
  const gbS = (count: number, ms: number, memoryMb: number) => count * (ms / 1000) * (memoryMb / 1024);
  const notifierInvocations = config.checks.length * a.notificationsPerCheckMonth;
  const maintenanceSweeps = config.maintenance.length > 0 ? MONTH_MINUTES : 0;
  const heartbeatSweeps = config.heartbeats.length > 0 ? MONTH_MINUTES : 0;
  const pings = config.heartbeats.reduce((sum, hb) => sum + MONTH_MS / hb.everyMs, 0);
  const days = MONTH_HOURS / DAY_HOURS;
  const homeInvocations = notifierInvocations + maintenanceSweeps + heartbeatSweeps + pings + 1 + days;
  const homeGbSeconds =
    gbS(notifierInvocations, h.notifierMs, h.memoryMb) +
    gbS(maintenanceSweeps + heartbeatSweeps, h.sweepMs, h.memoryMb) +
    gbS(pings, h.pingMs, h.memoryMb) +
    gbS(1, h.monthlyReportMs, h.monthlyReportMemoryMb) +
    gbS(days, h.compactionBaseMs + h.compactionPerPairMs * pairs.length, h.compactionMemoryMb);
  const notifierUsd = (check: Check) =>
    costOf(a.notificationsPerCheckMonth, prices.lambda.requests) + costOf(gbS(a.notificationsPerCheckMonth, h.notifierMs, h.memoryMb), prices.lambda.arm64Duration);
  for (const check of config.checks) spread(pairsByCheck.get(check) ?? [], notifierUsd(check), 'direct');
  const reportItemUnits = (config.checks.length + 2) * writeUnits(h.monthlyReportItemBytes);
  // Heartbeat pings and report items are written in the home region and replicated to every replica.
  const homeWriteUnitsShared = (pings * h.pingWriteUnits + reportItemUnits) * replicas;
  // Eventually consistent reads: half an RRU per 4 KB (a Query rounds its whole result up to 4 KB).
  const eventualReadUnits = (bytes: number) => Math.ceil(bytes / (4 * KB)) / 2;
  const compactionReadUnitsPerPair = days * eventualReadUnits(h.compactionReadBytes);
  const reportReadUnitsPerPair = eventualReadUnits(Math.ceil(days) * h.dayPackBytes);
  const sweepReadUnits = heartbeatSweeps * config.heartbeats.length * h.sweepReadUnitsPerHeartbeat;
  // Day packs: written once a day per check-location in every replica, expired (replicated deletes) after their retention.
  const dayPackWriteUnitsPerPair = days * writeUnits(h.dayPackBytes) * (2 * replicas - 1);
  const dayPackStoredBytesPerPair = replicas * h.dayPackRetentionDays * (h.dayPackBytes + overheadBytes);
  const readPrice = prices.dynamodb.readRequestUnits;
  for (const p of pairs) {
    storageBytes += dayPackStoredBytesPerPair;
    p.direct +=
      costOf(dayPackWriteUnitsPerPair, writePrice) +
      costOf(compactionReadUnitsPerPair + reportReadUnitsPerPair, readPrice) +
      storedUsd(dayPackStoredBytesPerPair);
  }
  const homeWriteUnits = homeWriteUnitsShared + pairs.length * dayPackWriteUnitsPerPair;
  const readUnits = sweepReadUnits + pairs.length * (compactionReadUnitsPerPair + reportReadUnitsPerPair);
  const homeLambdaUsd = costOf(homeInvocations, prices.lambda.requests) + costOf(homeGbSeconds, prices.lambda.arm64Duration);
  spread(
    pairs,
    homeLambdaUsd - config.checks.reduce((sum, c) => sum + notifierUsd(c), 0) + costOf(homeWriteUnitsShared, writePrice) + costOf(sweepReadUnits, readPrice),
    'shared',
  );

  // ---- CloudWatch metrics and alarms ----
  // Per check and region: Failed with the Location dimension, put only for checks whose quorum reads locations,
  // and read by that quorum (one alarm metric each).
  const pairMetrics = (p: PairAccount) => (quorumReadsLocations(p.check) ? 1 : 0);
  // Per check, every region in one metric (dimension CheckId only): Failed, DurationMs, TlsDaysRemaining for TLS checks.
  const checkMetrics = (check: Check) => 2 + (check.type === 'tls' ? 1 : 0);
  const metricCount =
    pairs.reduce((sum, p) => sum + pairMetrics(p), 0) + config.checks.reduce((sum, c) => sum + checkMetrics(c), 0) + probeRegions.length * a.metricsPerRegion;
  const metricsUsd = tieredMetricsUsd(metricCount, prices);
  const blendedMetricUsd = metricCount > 0 ? metricsUsd / metricCount : prices.cloudwatch.customMetrics.tiers[0]?.usdPerMetricMonth ?? 0;
  // The quorum reads one Failed per region when it reads locations (`pairMetrics`), else the check's one Failed
  // (its Sum); the latency alarm reads the check's one DurationMs, the TLS alarm its one TlsDaysRemaining.
  const checkAlarmMetrics = (check: Check) => (quorumReadsLocations(check) ? 0 : 1) + 1 + (check.type === 'tls' ? 1 : 0);
  const selfAlarmMetrics = probeRegions.length * a.selfMonitoringAlarmMetricsPerRegion;
  const failoverServices: readonly FailoverService[] = Array.isArray(config.failover) ? config.failover.filter(isFailoverService) : [];
  const failoverAlarmMetrics = failoverServices.length * a.failoverAlarmsPerService;
  const alarmMetricCount =
    pairs.reduce((sum, p) => sum + pairMetrics(p), 0) +
    config.checks.reduce((sum, c) => sum + checkAlarmMetrics(c), 0) +
    selfAlarmMetrics +
    a.alertPathAlarmMetrics +
    failoverAlarmMetrics;
  const alarmPrice = prices.cloudwatch.standardAlarmMetrics;
  const requiredAlarmsUsd = (p: PairAccount) =>
    costOf(pairMetrics(p), alarmPrice) + costOf(checkAlarmMetrics(p.check), alarmPrice) / Math.max(1, (pairsByCheck.get(p.check) ?? []).length);
  for (const p of pairs) p.direct += pairMetrics(p) * blendedMetricUsd + costOf(pairMetrics(p), alarmPrice);
  for (const check of config.checks) {
    spread(pairsByCheck.get(check) ?? [], checkMetrics(check) * blendedMetricUsd + costOf(checkAlarmMetrics(check), alarmPrice), 'direct');
  }
  for (const region of probeRegions) {
    spread(pairsInRegion(region), a.metricsPerRegion * blendedMetricUsd + costOf(a.selfMonitoringAlarmMetricsPerRegion, alarmPrice), 'shared');
  }
  spread(pairs, costOf(a.alertPathAlarmMetrics, alarmPrice), 'shared');
  // The HealthCheckStatus alarms of a failover service follow the check whose quorum alarm it uses.
  for (const service of failoverServices) {
    const followed = config.checks.find((c) => c.id === service.checkId);
    spread((followed === undefined ? pairs : pairsByCheck.get(followed)) ?? pairs, costOf(a.failoverAlarmsPerService, alarmPrice), 'direct');
  }
  const dashboardPrice = prices.cloudwatch.dashboards;
  // The overview's pages (page 1 also reads the probes' own metrics), the check dashboard and the failover dashboard, and
  // the metrics each reads; a dashboard is free when among the free ones and within their metric limit.
  const overviewPages = Math.max(1, Math.ceil(config.checks.length / OVERVIEW_PAGE_MAX_CHECKS));
  const dashboardMetrics = [
    ...Array.from({ length: overviewPages }, (_, page) =>
      Math.min(OVERVIEW_PAGE_MAX_CHECKS, config.checks.length - page * OVERVIEW_PAGE_MAX_CHECKS) +
      (page === 0 ? probeRegions.length * a.overviewMetricsPerRegion + a.overviewMetricsFixed : 0),
    ),
    probeRegions.length * a.checkDashboardMetricsPerRegion + a.checkDashboardMetricsFixed,
    ...(failoverServices.length > 0 ? [failoverServices.length * a.failoverDashboardMetricsPerService] : []),
  ];
  const dashboards = options.dashboards ?? dashboardMetrics.length;
  const billedDashboards =
    options.dashboards !== undefined
      ? Math.max(0, dashboards - dashboardPrice.freeDashboards)
      : dashboardMetrics.filter((metrics, i) => i >= dashboardPrice.freeDashboards || metrics > dashboardPrice.freeDashboardMaxMetrics).length;
  const dashboardsUsd = costOf(billedDashboards, dashboardPrice);

  // ---- result log lines: per check-region ----
  let resultLogGb = 0;
  for (const p of pairs) {
    const gb = (p.runs * a.resultLogBytesPerRun) / GB;
    resultLogGb += gb;
    p.direct += costOf(gb, prices.cloudwatch.logsIngestion);
  }

  // ---- SNS: each publish goes to every subscription of the config ----
  const publishes = config.checks.length * a.notificationsPerCheckMonth;
  const subscribers = { email: config.alerts.email.length, sms: config.alerts.sms.length, https: config.alerts.https.length };
  const deliveriesUsd = (n: number) =>
    costOf(n * subscribers.email, prices.sns.emailDeliveries) + costOf(n * subscribers.sms, prices.sns.smsUs) + costOf(n * subscribers.https, prices.sns.httpDeliveries);
  for (const check of config.checks) {
    const n = a.notificationsPerCheckMonth;
    spread(pairsByCheck.get(check) ?? [], costOf(n, prices.sns.publishes) + deliveriesUsd(n), 'direct');
  }
  // The alert topic's customer managed key: SNS asks KMS for a data key when it encrypts a message and each
  // subscription's delivery decrypts it (at most; SNS reuses data keys for a while).
  const kmsRequests = publishes * (1 + subscribers.email + subscribers.sms + subscribers.https);
  spread(pairs, costOf(1, prices.kms.customerManagedKeys) + costOf(kmsRequests, prices.kms.requests), 'shared');

  // ---- Route 53 ----
  const tiedHealthChecks = options.failover !== undefined ? tiedHealthChecksFrom(options.failover) : tiedHealthChecksOfConfig(config);
  const healthChecks = tiedHealthChecks.map((t) => t.healthCheck);
  const r53 = prices.route53;
  const healthCheckUsd = (h: Route53HealthCheck) =>
    costOf(1, h.awsEndpoint ? r53.healthCheckAwsEndpoint : r53.healthCheckNonAwsEndpoint) +
    costOf(h.features.length, h.awsEndpoint ? r53.optionalFeatureAwsEndpoint : r53.optionalFeatureNonAwsEndpoint);
  const route53Usd = healthChecks.reduce((sum, h) => sum + healthCheckUsd(h), 0);
  // DNS failover is a feature canaries do not offer: a health check is a direct cost of the check its service
  // follows, spread over that check's regions; one that follows no check of the config is shared by all.
  let untiedRoute53Usd = 0;
  for (const { healthCheck, checkId } of tiedHealthChecks) {
    const followed = checkId === null ? undefined : config.checks.find((c) => c.id === checkId);
    const over = followed === undefined ? [] : (pairsByCheck.get(followed) ?? []);
    if (over.length > 0) spread(over, healthCheckUsd(healthCheck), 'direct');
    else untiedRoute53Usd += healthCheckUsd(healthCheck);
  }
  spread(pairs, dashboardsUsd + untiedRoute53Usd, 'shared');

  // ---- line items ----
  const n = (value: number) => formatCount(value);
  /** A price in an assumption: cents and up to 5 significant digits below them. */
  const usd = (value: number) => `$${value >= 0.01 ? value.toFixed(2) : Number(value.toPrecision(3)).toString()}`;
  const line = (id: string, service: CostService, item: string, count: number, price: PriceEntry, assumption: string): CostLineItem => ({
    id,
    service,
    item,
    quantity: count / price.per,
    unit: unitLabel(price),
    unitPrice: price.usd,
    monthlyUsd: costOf(count, price),
    assumption,
  });
  const lambdaDuration = prices.lambda.arm64Duration;
  const averageInvocationMs = invocations > 0 ? (invokeGbSeconds / memoryGb / invocations) * 1000 : 0;
  const metricTiers = prices.cloudwatch.customMetrics.tiers.map((t) => `$${t.usdPerMetricMonth.toFixed(2)}${t.upToMetrics === null ? ' beyond' : ` to ${n(t.upToMetrics)}`}`).join(', ');
  const healthCheckSummary =
    healthChecks.length === 0
      ? 'no failover entries in the config: no health checks'
      : `${healthChecks.filter((h) => h.awsEndpoint).length} at the AWS-endpoint price, ${healthChecks.filter((h) => !h.awsEndpoint).length} non-AWS; ` +
        `${healthChecks.reduce((s, h) => s + h.features.length, 0)} optional features (HTTPS, string matching, fast interval, latency)`;
  const lineItems: CostLineItem[] = [
    line(
      'lambda.requests',
      'Lambda',
      'probe invocations',
      invocations,
      prices.lambda.requests,
      `one scheduled invocation a minute per shard (${shardCount} shard${shardCount === 1 ? '' : 's'} in ${probeRegions.length} region${probeRegions.length === 1 ? '' : 's'})` +
        (continuations > 0 ? `, plus ${n(continuations / MONTH_MINUTES)} continuations a minute for the later runs of sub-minute checks` : ''),
    ),
    line(
      'lambda.duration',
      'Lambda',
      'invocation duration (arm64, 512 MB)',
      invokeGbSeconds,
      lambdaDuration,
      `average invocation ${n(averageInvocationMs)} ms: runs of ~${a.runMs.httpStep} ms per HTTP step, ${a.runMs.tcp} ms TCP/DNS, ${a.runMs.tls} ms TLS, ` +
        `${INVOCATION_CONCURRENCY} at once (the longest chain counts); a continuation arrives on its due time or just after ` +
        `(its delay is rounded up to whole seconds), so no invocation waits for its runs; +${a.invocationOverheadMs} ms overhead per invocation`,
    ),
    line(
      'lambda.init',
      'Lambda',
      'cold starts (INIT billed)',
      initGbSeconds,
      lambdaDuration,
      `${a.coldStartsPerShardHour} cold start per shard an hour, ${a.initMs} ms each`,
    ),
    line(
      'lambda.homeRequests',
      'Lambda',
      'home-region function invocations',
      homeInvocations,
      prices.lambda.requests,
      `notifier: ${n(notifierInvocations)} alarm events` +
        (maintenanceSweeps > 0 ? ` and a maintenance sweep a minute` : '') +
        (heartbeatSweeps > 0 ? `; heartbeat sweep a minute, ${n(pings)} pings (ping URL or AWS Backup events)` : '') +
        `; monthly report once; rollup compaction once a day`,
    ),
    line(
      'lambda.homeDuration',
      'Lambda',
      'home-region function duration (arm64)',
      homeGbSeconds,
      lambdaDuration,
      `${h.memoryMb} MB: notifier ${h.notifierMs} ms per event, sweeps ${h.sweepMs} ms, pings ${h.pingMs} ms; monthly report ${h.monthlyReportMs / 1000} s at ${h.monthlyReportMemoryMb} MB; ` +
        `compaction ${h.compactionBaseMs} ms + ${h.compactionPerPairMs} ms per check-location at ${h.compactionMemoryMb} MB`,
    ),
    line('scheduler.invocations', 'EventBridge Scheduler', 'schedule invocations', scheduledInvocations, prices.scheduler.invocations, 'one per shard a minute (continuations come from SQS); free tier ignored'),
    {
      id: 'sqs.requests',
      service: 'SQS',
      item: 'continuation queue requests',
      quantity: sqsRequests / prices.sqs.requests.per,
      unit: unitLabel(prices.sqs.requests),
      unitPrice: prices.sqs.requests.usd,
      monthlyUsd: costOf(sqsRequests, prices.sqs.requests),
      assumption:
        queues === 0
          ? 'no sub-minute checks: no continuation queue'
          : `${queues} queue${queues === 1 ? '' : 's'} (regions with sub-minute checks): the idle long polls of the event source mapping, ${a.continuationPollers} pollers × ` +
            `${60 / a.longPollSeconds} a minute each; per continuation its receive and delete; one SendMessageBatch per 10 continuations`,
    },
    line(
      'dynamodb.writes',
      'DynamoDB',
      globalTable ? `result writes × ${replicas} replicas` : 'result writes',
      resultWriteUnits,
      writePrice,
      `per result: a raw put of ~${a.rawItemBytes.http} B (HTTP; scenario ${a.rawItemBytes.httpScenarioBase} + ${a.rawItemBytes.httpScenarioPerStep} B/step, ` +
        `TCP ${a.rawItemBytes.tcp}, DNS ${a.rawItemBytes.dns}, TLS ${a.rawItemBytes.tls}), 1 WRU per KB, and a rollup update billed on its size, ` +
        `${a.rollupBaseBytes} B + ${a.rollupBytesPerRun} B per run so far in the hour (under 1 KB, 1 WRU, at one run a minute); no latest-state item` +
        (globalTable ? `; every write billed in each of ${replicas} replicas (${replicaRegions.join(', ')})` : ''),
    ),
    line(
      'dynamodb.claims',
      'DynamoDB',
      'invocation claims',
      claimUnits,
      writePrice,
      `one conditional put per scheduled invocation, claiming its minute (so a repeated scheduled event runs nothing)` +
        (continuations > 0 ? ` and one per continuation, claiming its window (so a repeated SQS delivery runs nothing)` : '') +
        `, ${a.claimWriteUnits} WRU each, expired an hour later` +
        (globalTable ? `; billed in each of ${replicas} replicas, its TTL delete in the ${replicas - 1} others` : ''),
    ),
    line(
      'dynamodb.homeWrites',
      'DynamoDB',
      'home-region writes and day packs',
      homeWriteUnits,
      writePrice,
      `heartbeat pings ${h.pingWriteUnits} WRU each, monthly report items ~${n(h.monthlyReportItemBytes)} B per check; a daily ~${n(h.dayPackBytes)} B day pack per check-location ` +
        `(rollup compaction, billed by size)${globalTable ? `, all replicated to ${replicas} replicas, day packs expired after ${h.dayPackRetentionDays} d` : ''}`,
    ),
    line(
      'dynamodb.reads',
      'DynamoDB',
      'reads by home-region functions',
      readUnits,
      readPrice,
      `compaction: 24 hourly rollups per check-location a day (one eventually consistent Query, ${eventualReadUnits(h.compactionReadBytes)} RRU); ` +
        `monthly report: the month's day packs` +
        (heartbeatSweeps > 0 ? `; heartbeat sweep: ${h.sweepReadUnitsPerHeartbeat} strongly consistent RRU per heartbeat a minute` : ''),
    ),
    line(
      'dynamodb.ttlDeletes',
      'DynamoDB',
      'TTL deletes replicated',
      ttlDeleteUnits,
      writePrice,
      globalTable
        ? `raw results after ${a.rawRetentionDays} d, rollups after ${a.rollupRetentionDays} d: free where TTL deletes, replicated writes in the ${replicas - 1} other replicas`
        : 'single-region table: TTL deletes are free',
    ),
    line(
      'dynamodb.storage',
      'DynamoDB',
      globalTable ? `storage × ${replicas} replicas` : 'storage',
      storageBytes / GB,
      prices.dynamodb.storage,
      `raw results kept ${a.rawRetentionDays} d, hourly rollups ${a.rollupRetentionDays} d, day packs ${h.dayPackRetentionDays} d, one ${a.locationItemBytes} B location item per check-region (written once); ` +
        `+${overheadBytes} B overhead per item; GB = 2^30 bytes`,
    ),
    line(
      'dynamodb.pitr',
      'DynamoDB',
      globalTable ? `point-in-time recovery × ${replicas} replicas` : 'point-in-time recovery',
      storageBytes / GB,
      prices.dynamodb.pitrStorage,
      'continuous backups (35 days) are on in every replica, billed on what each stores',
    ),
    line(
      'dataTransfer.replication',
      'Data transfer',
      'global table replication',
      replicatedBytes / GB,
      prices.dataTransfer.interRegion,
      globalTable ? `each result's raw item and rollup update copied to ${replicas - 1} other regions, at the us-east-1 inter-region rate` : 'single-region table: no replication',
    ),
    {
      id: 'cloudwatch.metrics',
      service: 'CloudWatch',
      item: 'custom metrics',
      quantity: metricCount,
      unit: 'metric-months',
      unitPrice: blendedMetricUsd,
      monthlyUsd: metricsUsd,
      assumption:
        `Failed, DurationMs and TlsDaysRemaining (TLS checks) per check, all regions in one (availability and latency by region come from the result log lines); ` +
        `Failed per check and region too for checks with several runs per alarm period (sub-minute intervals or intervals not a whole number of minutes); ` +
        `LocationAlive per region (SkippedRuns only in hours with skipped runs, normally none); ` +
        `tiered (${metricTiers})`,
    },
    line(
      'cloudwatch.putMetricData',
      'CloudWatch',
      'PutMetricData requests',
      putRequests,
      prices.cloudwatch.putMetricDataRequests,
      'one batch per invocation: ceil(datums / 1,000) requests to the home region',
    ),
    line(
      'cloudwatch.alarms',
      'CloudWatch',
      'alarm metrics (standard resolution)',
      alarmMetricCount,
      alarmPrice,
      `per check: quorum (the Sum of the check's one Failed when every period holds one run per region; otherwise metric math over Failed, one metric per region), ` +
        `latency (the check's one DurationMs, p95), TLS expiry (the check's one TlsDaysRemaining, Minimum); ` +
        (failoverServices.length > 0 ? `${a.failoverAlarmsPerService} HealthCheckStatus alarms per failover service; ` : '') +
        `per probe region ${a.selfMonitoringAlarmMetricsPerRegion}: location silent (LocationAlive), probe errors (Lambda Errors), probe throttles (Lambda Throttles), ` +
        `its dead letters (the scheduler's dead-letter queue); in the home region ${a.alertPathAlarmMetrics} on the alert path itself (notifier failing, its fallback unreachable, alarm events undelivered)`,
    ),
    line(
      'cloudwatch.dashboards',
      'CloudWatch',
      `dashboards beyond the free ones`,
      billedDashboards,
      dashboardPrice,
      options.dashboards !== undefined
        ? `${dashboards} dashboard${dashboards === 1 ? '' : 's'}, ${dashboardPrice.freeDashboards} free`
        : `${dashboards} dashboards: the overview in ${overviewPages} page${overviewPages === 1 ? '' : 's'} of at most ${OVERVIEW_PAGE_MAX_CHECKS} checks ` +
          `(~${n(dashboardMetrics[0] ?? 0)} metrics on the first), the check dashboard (~${n(dashboardMetrics[overviewPages] ?? 0)} metrics; a variable picks the check)` +
          `${failoverServices.length > 0 ? ` and the failover dashboard (~${n(dashboardMetrics[overviewPages + 1] ?? 0)} metrics)` : ''}; the first ${dashboardPrice.freeDashboards} dashboards are free ` +
          `up to ${dashboardPrice.freeDashboardMaxMetrics} metrics each; Logs Insights queries of the dashboards are reads, not counted`,
    ),
    line(
      'cloudwatchLogs.ingestion',
      'CloudWatch Logs',
      'probe logs ingested',
      invocationLogGb + resultLogGb,
      prices.cloudwatch.logsIngestion,
      `${n(a.logBytesPerInvocation)} B per invocation, plus one result line of ~${n(a.resultLogBytesPerRun)} B per run (what the dashboards' latency and phase widgets query)`,
    ),
    line(
      'sns.publishes',
      'SNS',
      'alert publishes',
      publishes,
      prices.sns.publishes,
      `${a.notificationsPerCheckMonth} notifications per check a month (4 incidents opened and closed); webhooks are called directly`,
    ),
    line(
      'sns.deliveries',
      'SNS',
      'alert deliveries',
      publishes,
      { ...prices.sns.publishes, usd: publishes > 0 ? deliveriesUsd(1) : 0, per: 1, unit: 'publishes' },
      subscribers.email + subscribers.sms + subscribers.https === 0
        ? `no subscriptions in the config's alerts (email, sms, https); each one you add costs ${usd(costOf(1, prices.sns.emailDeliveries))} an email, ` +
            `${usd(prices.sns.smsUs.usd)} a US text message (plus carrier fees; varies by country) or ${usd(costOf(1, prices.sns.httpDeliveries))} an https delivery per publish`
        : `every publish to the config's ${subscribers.email} email, ${subscribers.sms} sms and ${subscribers.https} https subscriptions: ` +
            `${usd(costOf(1, prices.sns.emailDeliveries))} an email, ${usd(prices.sns.smsUs.usd)} a US text message (plus carrier fees; varies by country), ` +
            `${usd(costOf(1, prices.sns.httpDeliveries))} an https delivery`,
    ),
    line(
      'kms.key',
      'KMS',
      'alert topic key (customer managed, rotated yearly)',
      1,
      prices.kms.customerManagedKeys,
      `one key encrypts the alert topic; ${prices.kms.customerManagedKeys.note}`,
    ),
    line('kms.requests', 'KMS', 'alert topic key requests', kmsRequests, prices.kms.requests, 'at most a data key per publish and a decrypt per delivery (SNS reuses data keys for a while)'),
    {
      id: 'route53.healthChecks',
      service: 'Route 53',
      item: 'failover health checks',
      quantity: healthChecks.length,
      unit: r53.healthCheckAwsEndpoint.unit,
      unitPrice: healthChecks.length > 0 ? route53Usd / healthChecks.length : r53.healthCheckAwsEndpoint.usd,
      monthlyUsd: route53Usd,
      assumption: healthCheckSummary,
    },
  ];

  const byService = Object.fromEntries(COST_SERVICES.map((s) => [s, 0])) as Record<CostService, number>;
  for (const l of lineItems) byService[l.service] += l.monthlyUsd;
  const totalUsd = lineItems.reduce((sum, l) => sum + l.monthlyUsd, 0);

  // ---- canaries ----
  const canaryPrice = prices.synthetics.canaryRuns;
  const perCheckRegion: CheckRegionCost[] = pairs.map((p) => {
    const canaryRuns = MONTH_MS / p.check.intervalMs;
    const canaryUsd = costOf(canaryRuns, canaryPrice);
    const monthlyUsd = p.direct + p.shared;
    const ratio = monthlyUsd / canaryUsd;
    const required = requiredAlarmsUsd(p);
    return {
      checkId: p.check.id,
      region: p.region,
      runsPerMonth: p.runs,
      directUsd: p.direct,
      sharedUsd: p.shared,
      monthlyUsd,
      canaryRunsPerMonth: canaryRuns,
      canaryMonthlyUsd: canaryUsd,
      ratio,
      goalMet: ratio <= a.goalRatio,
      requiredAlarmsUsd: required,
      goalAttainable: required <= canaryUsd * a.goalRatio,
    };
  });
  const canaryRuns = perCheckRegion.reduce((sum, c) => sum + c.canaryRunsPerMonth, 0);
  const canaryUsd = costOf(canaryRuns, canaryPrice);
  const ratio = canaryUsd > 0 ? totalUsd / canaryUsd : 0;
  const canary: CanaryComparison = {
    pricePerRunUsd: canaryPrice.usd / canaryPrice.per,
    runsPerMonth: canaryRuns,
    canaryMonthlyUsd: canaryUsd,
    skyprobeMonthlyUsd: totalUsd,
    ratio,
    goalRatio: a.goalRatio,
    goalMet: canaryUsd > 0 && ratio <= a.goalRatio,
    checkRegions: pairs.length,
    skyprobePerCheckRegionUsd: pairs.length > 0 ? totalUsd / pairs.length : 0,
    canaryPerCheckRegionUsd: pairs.length > 0 ? canaryUsd / pairs.length : 0,
    checkRegionsMeetingGoal: perCheckRegion.filter((c) => c.goalMet).length,
    checkRegionsGoalUnattainable: perCheckRegion.filter((c) => !c.goalAttainable).length,
  };

  const assumptions = [
    `A ${MONTH_HOURS}-hour month; ${prices.region} list prices in ${prices.currency} taken ${prices.takenOn}, applied to every region; free tiers, taxes and discounts left out.`,
    `Normal operation: targets pass, no retries; failing targets take longer (up to timeout × attempts) and cost more.`,
    `Lambda: arm64, ${a.lambdaMemoryMb} MB; shards per region as the stacks size them (shardsFor: every run of a shard starts in time even when every attempt of every check times out); ` +
      `the scheduled invocation of a minute runs the checks of a minute or more due in it at once and hands the sub-minute runs of the next minute, which sit at the start of each ` +
      `of their intervals, to continuation invocations through SQS (one per instant, at least ${CONTINUATION_WINDOW_MS / 1000} s apart), as the probe handler plans it; modelled as ` +
      `invoked at the start of its minute (one that fires in the last ${HANDOFF_MS / 1000} s of it runs the first sub-minute runs itself, which costs less). ` +
      `Every invocation first claims its work with one conditional write to the global table (the scheduled one its minute, a continuation its window), ` +
      `expired by TTL an hour later, so a repeated delivery runs nothing.`,
    `Canaries: one CloudWatch Synthetics canary per check and region (a multi-step HTTP scenario is one canary), one run per interval ` +
      `(canaries run at most once a minute, so a sub-minute interval needs several); canary Lambda, S3 and alarm charges not included.`,
    `Per check and region, each cost goes to what causes it. Per-run costs (result writes, their replication, storage and continuous backups, result log lines) ` +
      `are the check's own. Continuations exist only for sub-minute checks (intervals under a minute): their Lambda requests and duration, ` +
      `PutMetricData requests, log lines and window claims, and the continuation queue's requests (sends, receives, deletes and the idle long polls; ` +
      `a region has the queue only when it has sub-minute checks) go to the sub-minute checks of their shard (the idle polls: of their region) ` +
      `in proportion to the runs continuations make for each; so does what waiting in-process for runs due less than ${HANDOFF_MS / 1000} s apart ` +
      `adds to the scheduled invocation's duration (beyond running what is due at the minute's start), to the sub-minute checks it waits for, ` +
      `in proportion to those runs. The scheduled invocation of each shard (its Lambda request, its duration for the runs due at the minute's start ` +
      `and the overhead, cold starts, its PutMetricData request, its claim of the minute, its schedule and log lines) is spread evenly over the ` +
      `shard's check-regions, whatever their intervals; per-region metrics and self-monitoring alarms over the region's; home-region functions ` +
      `besides the notifier, report items and dashboards over every check and region. Per-check metrics and alarms (Failed, DurationMs, ` +
      `TlsDaysRemaining; quorum of a check with one run per period, latency, TLS expiry), its notifications and its day packs are its own, ` +
      `spread over its regions; Route 53 health checks, a DNS failover feature canaries do not offer, and a failover service's HealthCheckStatus ` +
      `alarms are direct costs of the check the service follows, spread over its regions (a health check that follows no check is spread ` +
      `evenly over every check and region).`,
    `Not counted: reads by people (dashboards, their Logs Insights queries at $0.005 per GB scanned, status views, \`skyprobe report\`), incident items, ` +
      `the monthly report's one SNS message, claim items' storage (an hour each), SSM Parameter Store reads (standard tier), data transfer to targets, the results table's KMS requests (AWS managed key, which DynamoDB caches), ` +
      `the functions and queues that run only when something fails (the notifier's fallback, the dead-letter relays and queues), the delivery ledger's and ` +
      `notice items, log storage past ingestion ($0.03 per GB-month, 30 days kept).`,
  ];

  return {
    project: config.project,
    monthHours: MONTH_HOURS,
    prices: { takenOn: prices.takenOn, region: prices.region, currency: prices.currency, sources: [...prices.sources] },
    lineItems,
    totals: { monthlyUsd: totalUsd, byService },
    perCheckRegion,
    canary,
    deployment: { replicaRegions, probeRegions: regionProfiles, route53HealthChecks: healthChecks },
    assumptions,
  };
}

/** 1234.5 → "1,234.5"; small values keep up to 4 significant decimals. */
function formatCount(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 4;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}
