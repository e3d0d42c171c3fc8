/**
 * The local quorum rule and the CloudWatch alarm it emits agree on every
 * history: down ⇔ ALARM. The alarm side is evaluated by a small interpreter
 * of CloudWatch's semantics, written here from the CloudWatch docs and not
 * from alert-policy.ts:
 *
 * - a metric's datapoint for a period is the statistic (Average or Sum) of
 *   the raw values put in that period, with matching namespace, name and
 *   dimensions (exactly those dimensions); a period without values has no
 *   datapoint (missing);
 * - metric math works datapoint by datapoint: FILL(m, v) replaces a missing
 *   datapoint with v; comparison operators give 1 or 0; IF(c, a, b) gives a
 *   where c is non-zero and b where it is 0; arithmetic and comparisons with a
 *   missing operand, and IF with a missing condition, are missing;
 * - each of the last EvaluationPeriods datapoints breaches when it compares
 *   to Threshold by ComparisonOperator; a missing one does not breach
 *   (TreatMissingData notBreaching); ALARM when DatapointsToAlarm breach.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  metricNamespace,
  evaluateAlertPolicy,
  locationPeriodsFromResults,
  periodLengthMs,
  oneRunPerPeriod,
  quorumAlarmDefinition,
} from '../../lambdas/core/alert-policy.ts';
import { metricDataFor } from '../../lambdas/aws/cloudwatch-metrics.ts';
import { parse, type Node } from '../support/metric-math.ts';
import type { QuorumAlarmDefinition } from '../../lambdas/core/alert-policy.ts';
import type { AlertPolicy, HttpCheck } from '../../lambdas/core/check.ts';
import type { ProbeResult, RunStatus } from '../../lambdas/core/result.ts';

// ---- a CloudWatch metric-math alarm interpreter ----

/** One PutMetricData value. */
interface Datum {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly timestampMs: number;
  readonly value: number;
}

type Value = number | null; // null: no datapoint

function evaluate(node: Node, env: ReadonlyMap<string, Value>): Value {
  switch (node.t) {
    case 'num':
      return node.v;
    case 'ref': {
      if (!env.has(node.id)) throw new Error(`unknown metric id ${node.id}`);
      return env.get(node.id) ?? null;
    }
    case 'call': {
      const [x, y, z] = node.args;
      if (node.fn === 'FILL' && node.args.length === 2 && x && y) {
        const v = evaluate(x, env);
        return v === null ? evaluate(y, env) : v;
      }
      if (node.fn === 'IF' && node.args.length === 3 && x && y && z) {
        const c = evaluate(x, env);
        if (c === null) return null;
        return c !== 0 ? evaluate(y, env) : evaluate(z, env);
      }
      throw new Error(`unsupported function ${node.fn}/${node.args.length}`);
    }
    case 'bin': {
      const a = evaluate(node.a, env);
      const b = evaluate(node.b, env);
      if (a === null || b === null) return null;
      switch (node.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b === 0 ? null : a / b;
        case '>=': return a >= b ? 1 : 0;
        case '<=': return a <= b ? 1 : 0;
        case '>': return a > b ? 1 : 0;
        case '<': return a < b ? 1 : 0;
        case '==': return a === b ? 1 : 0;
        case '!=': return a !== b ? 1 : 0;
        default: throw new Error(`unsupported operator ${node.op}`);
      }
    }
  }
}

function metricDatapoint(def: QuorumAlarmDefinition['metrics'][number], data: readonly Datum[], periodStartMs: number): Value {
  assert.ok(def.stat === 'Average' || def.stat === 'Sum', `the interpreter knows Average and Sum only, got ${def.stat}`);
  const periodMs = def.periodSeconds * 1000;
  const values = data
    .filter(
      (d) =>
        d.namespace === def.namespace &&
        d.metricName === def.metricName &&
        Object.keys(d.dimensions).length === Object.keys(def.dimensions).length &&
        Object.entries(def.dimensions).every(([k, v]) => d.dimensions[k] === v) &&
        d.timestampMs >= periodStartMs &&
        d.timestampMs < periodStartMs + periodMs,
    )
    .map((d) => d.value);
  if (values.length === 0) return null;
  const sum = values.reduce((s, v) => s + v, 0);
  return def.stat === 'Sum' ? sum : sum / values.length;
}

/** ALARM or OK after the period starting at `nowPeriodStartMs`. */
function alarmState(def: QuorumAlarmDefinition, data: readonly Datum[], nowPeriodStartMs: number): 'ALARM' | 'OK' {
  assert.equal(def.comparisonOperator, 'GreaterThanOrEqualToThreshold');
  assert.equal(def.treatMissingData, 'notBreaching');
  const periodSeconds = def.metrics[0]?.periodSeconds ?? 0;
  assert.ok(def.metrics.every((m) => m.periodSeconds === periodSeconds), 'one period for all metrics');
  const expression = parse(def.expression);
  let breaching = 0;
  for (let i = 0; i < def.evaluationPeriods; i++) {
    const periodStart = nowPeriodStartMs - i * periodSeconds * 1000;
    const env = new Map(def.metrics.map((m) => [m.id, metricDatapoint(m, data, periodStart)] as const));
    const datapoint = evaluate(expression, env);
    if (datapoint !== null && datapoint >= def.threshold) breaching += 1;
  }
  return breaching >= def.datapointsToAlarm ? 'ALARM' : 'OK';
}

// ---- generators ----

const ALL_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1', 'eu-central-1'];
const INTERVALS_MS = [10_000, 30_000, 60_000, 90_000, 120_000, 300_000, 3_600_000];
const EPOCH = Date.UTC(2025, 5, 1, 0, 0, 0);
const PROJECT = 'shop';

function makeCheck(regions: readonly string[], alertPolicy: AlertPolicy, intervalMs: number): HttpCheck {
  return {
    type: 'http',
    id: 'prop',
    name: 'prop',
    intervalMs,
    timeoutMs: 10_000,
    retries: 0,
    regions,
    tags: [],
    severity: 'high',
    alertPolicy,
    degradedAfterMs: null,
    allowPrivateTargets: false,
    sloPercent: 99.9,
    steps: [],
    followRedirects: true,
    maxRedirects: 5,
    maxBodyBytes: 1_048_576,
    insecure: false,
  };
}

const checkArb = fc
  .record({
    regionCount: fc.integer({ min: 1, max: 5 }),
    n: fc.integer({ min: 1, max: 5 }),
    intervalMs: fc.constantFrom(...INTERVALS_MS),
    kSeed: fc.nat(),
    mSeed: fc.nat(),
  })
  .map(({ regionCount, n, intervalMs, kSeed, mSeed }) => {
    const regions = ALL_REGIONS.slice(0, regionCount);
    const policy = { failingLocations: 1 + (kSeed % regionCount), failingPeriods: 1 + (mSeed % n), evaluationPeriods: n };
    return makeCheck(regions, policy, intervalMs);
  });

interface Run {
  readonly location: string;
  readonly startedAtMs: number;
  readonly ok: boolean;
  readonly status: RunStatus;
}

/** Runs in a location during one period: none (silent), all passing, all failing, or a mix. */
const periodRunsArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant([]) },
  {
    weight: 4,
    arbitrary: fc.array(fc.record({ at: fc.double({ min: 0, max: 0.999, noNaN: true }), kind: fc.constantFrom('up', 'degraded', 'down', 'down') }), {
      minLength: 1,
      maxLength: 6,
    }),
  },
);

/**
 * Histories over n + 2 periods (the two oldest are outside the window), plus runs from a location the check
 * does not use. A check whose interval is a whole number of minutes has at most one run per location and
 * period (its period is its interval, and the schedule grid puts one due time in each).
 */
function historyArb(check: HttpCheck) {
  const periods = check.alertPolicy.evaluationPeriods + 2;
  const locations = [...check.regions, 'stray-location'];
  return fc.array(fc.array(periodRunsArb, { minLength: locations.length, maxLength: locations.length }), {
    minLength: periods,
    maxLength: periods,
  }).map((table) => {
    const periodMs = periodLengthMs(check);
    const firstPeriodStart = EPOCH;
    const runs: Run[] = [];
    table.forEach((row, p) =>
      row.forEach((cell, l) => {
        for (const { at, kind } of oneRunPerPeriod(check) ? cell.slice(0, 1) : cell) {
          runs.push({
            location: locations[l] as string,
            startedAtMs: firstPeriodStart + p * periodMs + Math.floor(at * periodMs),
            ok: kind !== 'down',
            status: kind as RunStatus,
          });
        }
      }),
    );
    return { runs, nowPeriodStart: firstPeriodStart + (periods - 1) * periodMs };
  });
}

/**
 * What the probes put, from the probe's own `metricDataFor`: each run is stamped with its due time (here
 * its start). A probe runs only the checks of its own region, so the stray location puts nothing.
 */
function putMetricData(check: HttpCheck, runs: readonly Run[], project = PROJECT): Datum[] {
  return runs
    .filter((r) => check.regions.includes(r.location))
    .flatMap((r) =>
      metricDataFor([{ result: probeResult(check.id, r), dueAtMs: r.startedAtMs, intervalMs: check.intervalMs }], r.location, { atMs: r.startedAtMs }),
    )
    .filter((d) => d.MetricName === 'Failed')
    .map((d) => ({
      namespace: metricNamespace(project),
      metricName: d.MetricName ?? '',
      dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name ?? '', x.Value ?? ''])),
      timestampMs: d.Timestamp?.getTime() ?? Number.NaN,
      value: d.Value ?? Number.NaN,
    }));
}

function probeResult(checkId: string, r: Run): ProbeResult {
  return {
    checkId,
    type: 'http',
    location: r.location,
    startedAt: new Date(r.startedAtMs).toISOString(),
    ok: r.ok,
    status: r.status,
    error: r.ok ? null : { kind: 'http_status', message: 'expected 200, got 503' },
    timings: { dnsMs: 1, connectMs: 1, tlsMs: null, ttfbMs: 1, downloadMs: 1, totalMs: 4 },
    httpStatus: r.ok ? 200 : 503,
    address: null,
    target: 'http://example.test/',
    assertions: [],
    attempts: 1,
  };
}

function localState(check: HttpCheck, runs: readonly Run[], nowPeriodStart: number) {
  const periodMs = periodLengthMs(check);
  const history = locationPeriodsFromResults(
    runs.map((r) => ({ location: r.location, startedAt: new Date(r.startedAtMs).toISOString(), ok: r.ok, status: r.status })),
    periodMs,
  );
  return evaluateAlertPolicy(check.alertPolicy, history, nowPeriodStart, periodMs, check.regions);
}

// ---- properties ----

describe('the quorum alarm and the local rule', () => {
  it('agree on down ⇔ ALARM for every history', () => {
    const scenario = checkArb.chain((check) => historyArb(check).map((h) => ({ check, ...h })));
    fc.assert(
      fc.property(scenario, ({ check, runs, nowPeriodStart }) => {
        const local = localState(check, runs, nowPeriodStart);
        const alarm = alarmState(quorumAlarmDefinition(check, { project: PROJECT }), putMetricData(check, runs), nowPeriodStart);
        assert.equal(local.state === 'down', alarm === 'ALARM', `local ${local.state} (${local.failingPeriods} failing periods), alarm ${alarm}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('never alarm when every location that reports passes, however many are silent', () => {
    const scenario = checkArb.chain((check) =>
      historyArb(check).map((h) => ({ check, nowPeriodStart: h.nowPeriodStart, runs: h.runs.map((r) => ({ ...r, ok: true, status: 'up' as const })) })),
    );
    fc.assert(
      fc.property(scenario, ({ check, runs, nowPeriodStart }) => {
        assert.notEqual(localState(check, runs, nowPeriodStart).state, 'down');
        assert.equal(alarmState(quorumAlarmDefinition(check, { project: PROJECT }), putMetricData(check, runs), nowPeriodStart), 'OK');
      }),
      { numRuns: 200 },
    );
  });

  it('never read another project\'s runs of a check with the same id (same account and home region)', () => {
    const scenario = checkArb.chain((check) => historyArb(check).map((h) => ({ check, ...h })));
    fc.assert(
      fc.property(scenario, ({ check, runs, nowPeriodStart }) => {
        // Project "shop-eu" watches a check with the same id, failing everywhere all the time.
        const failing = check.regions.flatMap((location) =>
          Array.from({ length: check.alertPolicy.evaluationPeriods + 1 }, (_, p) => ({ location, startedAtMs: nowPeriodStart - p * periodLengthMs(check), ok: false, status: 'down' as RunStatus })),
        );
        const data = [...putMetricData(check, runs), ...putMetricData(check, failing, 'shop-eu')];
        const local = localState(check, runs, nowPeriodStart);
        assert.equal(alarmState(quorumAlarmDefinition(check, { project: PROJECT }), data, nowPeriodStart) === 'ALARM', local.state === 'down');
        assert.equal(alarmState(quorumAlarmDefinition(check, { project: 'shop-eu' }), data, nowPeriodStart), 'ALARM', 'the other project\'s own alarm still sees its runs');
      }),
      { numRuns: 300 },
    );
  });

  it('the interpreter follows CloudWatch semantics on hand-checked cases', () => {
    const env = new Map<string, Value>([['m0', null], ['m1', 0.5], ['m2', 0.25]]);
    assert.equal(evaluate(parse('FILL(m0, 0)'), env), 0);
    assert.equal(evaluate(parse('m0 + m1'), env), null);
    assert.equal(evaluate(parse('IF(FILL(m1, 0) >= 0.5, 1, 0) + IF(FILL(m2, 0) >= 0.5, 1, 0)'), env), 1);
    assert.equal(evaluate(parse('IF(m0 >= 0.5, 1, 0)'), env), null);
    assert.throws(() => evaluate(parse('m9'), env), /unknown metric id/);
  });
});
