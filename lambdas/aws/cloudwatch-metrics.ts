import { setTimeout as sleep } from 'node:timers/promises';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchClient, Dimension, MetricDatum, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { isFailedRun, METRIC_DIMENSIONS, METRICS, quorumReadsLocations } from '../core/alert-policy.ts';
import type { ProbeResult } from '../core/result.ts';
import type { CycleMetrics, MeasuredRun, ProbeMetricsSink } from '../monitor/probe-cycle.ts';
import { AWS_PROBE_METRICS } from '../core/probe-metrics.ts';

/**
 * Probe metrics to CloudWatch in the HOME region, where the quorum alarms live (an alarm cannot read
 * another region's metrics). The payload is built apart from sending it: `metricDataFor` is pure,
 * `put` only chunks and sends.
 */

/** CloudWatch: at most 1000 datums per PutMetricData. */
export const MAX_DATUMS_PER_PUT = 1000;
/** CloudWatch: at most 1 MB per PutMetricData request; this leaves room for the envelope. */
export const MAX_PUT_BYTES = 900_000;

export interface MetricDataOptions {
  /** Epoch ms of the SkippedRuns datum: when the invocation ran. */
  readonly atMs: number;
  /** Epoch ms of the LocationAlive datum (a scheduled invocation's nominal minute); null: none (a continuation). @default atMs */
  readonly aliveAtMs?: number | null;
  /** Due runs the invocation skipped. @default 0 */
  readonly skippedRuns?: number;
}

/**
 * The datums for one invocation, per run, each stamped with the run's due time (the schedule grid's, not
 * the start: a run that starts late still lands in its own alarm period, once):
 * - `Failed` (1/0) with CheckId only: the check's failure rate over every region, and, for checks with one
 *   run per period, the quorum (its Sum is the number of failing locations);
 * - `Failed` (1/0) with CheckId + Location, only for checks with several runs per period: their quorum
 *   reads each location's failure rate;
 * - `DurationMs` (total time; left out for a run that made no attempt) with CheckId only: the latency
 *   alarm's p95 over every region (per-region latency comes from the result log lines);
 * - `TlsDaysRemaining` per TLS run, CheckId only: the expiry alarm reads its Minimum over every region.
 * Once per invocation, with Location only: `LocationAlive` = 1 for a scheduled invocation, stamped with its
 * nominal minute (so a region's n shards put exactly n in each minute, which the "location silent" alarm
 * expects), and `SkippedRuns` when it skipped any (a 0 would make CloudWatch bill the metric every hour for a
 * graph that shows nothing).
 */
export function metricDataFor(runs: readonly MeasuredRun[], location: string, options: MetricDataOptions): MetricDatum[] {
  const data: MetricDatum[] = [];
  for (const { result: r, dueAtMs, intervalMs } of runs) {
    const byCheck: Dimension[] = [{ Name: METRIC_DIMENSIONS.CheckId, Value: r.checkId }];
    const timestamp = new Date(dueAtMs);
    const datum = (metric: { readonly name: string; readonly unit: string }, dimensions: Dimension[], value: number): MetricDatum => ({
      MetricName: metric.name,
      Dimensions: dimensions,
      Timestamp: timestamp,
      Value: value,
      Unit: metric.unit as StandardUnit,
    });
    const failed = isFailedRun(r) ? 1 : 0;
    data.push(datum(METRICS.Failed, byCheck, failed));
    if (quorumReadsLocations({ intervalMs })) {
      data.push(datum(METRICS.Failed, [...byCheck, { Name: METRIC_DIMENSIONS.Location, Value: r.location }], failed));
    }
    if (r.attempts > 0) data.push(datum(METRICS.DurationMs, byCheck, r.timings.totalMs));
    const days = tlsDaysRemaining(r);
    if (days !== null) data.push(datum(AWS_PROBE_METRICS.TlsDaysRemaining, byCheck, days));
  }
  const locationOnly: Dimension[] = [{ Name: METRIC_DIMENSIONS.Location, Value: location }];
  const at = new Date(options.atMs);
  const aliveAt = options.aliveAtMs === undefined ? options.atMs : options.aliveAtMs;
  if (aliveAt !== null) {
    data.push({ MetricName: METRICS.LocationAlive.name, Dimensions: locationOnly, Timestamp: new Date(aliveAt), Value: 1, Unit: METRICS.LocationAlive.unit });
  }
  const skipped = options.skippedRuns ?? 0;
  if (skipped > 0) {
    data.push({ MetricName: AWS_PROBE_METRICS.SkippedRuns.name, Dimensions: locationOnly, Timestamp: at, Value: skipped, Unit: AWS_PROBE_METRICS.SkippedRuns.unit });
  }
  return data;
}

/** A TLS check's earliest expiry among the chain and every address it reached; null for other results. */
export function tlsDaysRemaining(result: ProbeResult): number | null {
  if (result.type !== 'tls' || result.tls === undefined) return null;
  const perAddress = (result.tls.addresses ?? []).map((a) => a.daysRemaining).filter((d): d is number => d !== null);
  return Math.min(result.tls.chainEarliestDaysRemaining, result.tls.daysRemaining, ...perAddress);
}

/** Splits datums into PutMetricData-sized chunks: ≤ MAX_DATUMS_PER_PUT datums and ≤ `maxBytes` of JSON each. */
export function chunkMetricData(data: readonly MetricDatum[], maxBytes = MAX_PUT_BYTES): MetricDatum[][] {
  const chunks: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  for (const datum of data) {
    const size = Buffer.byteLength(JSON.stringify(datum)) + 1;
    if (current.length > 0 && (current.length >= MAX_DATUMS_PER_PUT || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Some chunks could not be sent (after retrying throttles). */
export class MetricsPutError extends Error {
  override readonly name = 'MetricsPutError';
  readonly failedDatums: number;
  constructor(message: string, failedDatums: number, options?: { cause?: unknown }) {
    super(message, options);
    this.failedDatums = failedDatums;
  }
}

export interface CloudWatchMetricsSinkProps {
  /** A client for the home region. */
  readonly client: CloudWatchClient;
  /** The project's namespace, `metricNamespace(project)`: the only one its probes may put to. */
  readonly namespace: string;
  /** Sends per chunk when CloudWatch throttles, the first included (on top of the SDK's own retries). @default 5 */
  readonly maxAttempts?: number;
  /** Backoff before the first throttle retry, doubled each time, with full jitter. @default 200 */
  readonly baseDelayMs?: number;
  /** @default MAX_PUT_BYTES */
  readonly maxBytesPerPut?: number;
}

const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
]);
const MAX_BACKOFF_MS = 5_000;

export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return (typeof e.name === 'string' && THROTTLING_ERRORS.has(e.name)) || e.$metadata?.httpStatusCode === 429;
}

export class CloudWatchMetricsSink implements ProbeMetricsSink {
  readonly #client: CloudWatchClient;
  readonly #namespace: string;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxBytes: number;

  constructor(props: CloudWatchMetricsSinkProps) {
    this.#client = props.client;
    this.#namespace = props.namespace;
    this.#maxAttempts = props.maxAttempts ?? 5;
    this.#baseDelayMs = props.baseDelayMs ?? 200;
    this.#maxBytes = props.maxBytesPerPut ?? MAX_PUT_BYTES;
    if (!(Number.isInteger(this.#maxAttempts) && this.#maxAttempts >= 1)) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${this.#maxAttempts}`);
    }
  }

  putCycle(cycle: CycleMetrics): Promise<void> {
    return this.put(metricDataFor(cycle.runs, cycle.location, { atMs: cycle.atMs, aliveAtMs: cycle.aliveAtMs, skippedRuns: cycle.skippedRuns }));
  }

  /**
   * Sends every datum, in chunks CloudWatch accepts, retrying throttled chunks with backoff. A chunk that
   * fails for another reason does not stop the others; the call then rejects with `MetricsPutError`.
   */
  async put(data: readonly MetricDatum[]): Promise<void> {
    const failures: { error: unknown; datums: number }[] = [];
    for (const chunk of chunkMetricData(data, this.#maxBytes)) {
      try {
        await this.#send(chunk);
      } catch (error) {
        failures.push({ error, datums: chunk.length });
      }
    }
    if (failures.length === 0) return;
    const failedDatums = failures.reduce((sum, f) => sum + f.datums, 0);
    const first = failures[0]?.error;
    const reason = first instanceof Error ? `${first.name}: ${first.message}` : String(first);
    throw new MetricsPutError(
      `PutMetricData failed for ${failedDatums} of ${data.length} datums (${failures.length} request(s)): ${reason}`,
      failedDatums,
      { cause: first },
    );
  }

  async #send(chunk: MetricDatum[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.send(new PutMetricDataCommand({ Namespace: this.#namespace, MetricData: chunk }));
        return;
      } catch (error) {
        if (!isThrottlingError(error) || attempt >= this.#maxAttempts) throw error;
        await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, this.#baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
