import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  LOCATION_FAILURE_RATIO,
  MAX_ALARM_METRICS,
  METRICS,
  METRIC_DIMENSIONS,
  METRIC_NAMES,
  metricNamespace,
  evaluateAlertPolicy,
  locationDegraded,
  locationFailed,
  oneRunPerPeriod,
  quorumReadsLocations,
  locationPeriodsFromResults,
  periodLengthMs,
  periodStartOf,
  quorumAlarmDefinition,
} from '../../lambdas/core/alert-policy.ts';
import type { LocationPeriod } from '../../lambdas/core/alert-policy.ts';
import type { AlertPolicy, HttpCheck } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { ConfigError } from '../../lambdas/core/errors.ts';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const REGIONS3 = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

function makeCheck(over: { regions?: readonly string[]; alertPolicy?: AlertPolicy; intervalMs?: number; id?: string } = {}): HttpCheck {
  return {
    type: 'http',
    id: over.id ?? 'api',
    name: 'API',
    intervalMs: over.intervalMs ?? MIN,
    timeoutMs: 10_000,
    retries: 1,
    regions: over.regions ?? REGIONS3,
    tags: [],
    severity: 'high',
    alertPolicy: over.alertPolicy ?? { failingLocations: 2, failingPeriods: 2, evaluationPeriods: 3 },
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

/** `rows[periodIndex][location]` = [runs, failedRuns, degradedRuns?]; period 0 is the oldest, the last is now. */
function history(rows: readonly Readonly<Record<string, readonly number[]>>[], periodMs = MIN): { history: LocationPeriod[]; now: number } {
  const out: LocationPeriod[] = [];
  rows.forEach((row, i) => {
    for (const [location, [runs = 0, failedRuns = 0, degradedRuns = 0]] of Object.entries(row)) {
      out.push({ location, periodStart: T0 + i * periodMs, runs, failedRuns, degradedRuns });
    }
  });
  return { history: out, now: T0 + (rows.length - 1) * periodMs };
}

const POLICY_2_2_3: AlertPolicy = { failingLocations: 2, failingPeriods: 2, evaluationPeriods: 3 };
const OK = [1, 0];
const FAIL = [1, 1];

describe('locationFailed', () => {
  const cases: [runs: number, failed: number, expected: boolean][] = [
    [0, 0, false],
    [1, 0, false],
    [1, 1, true],
    [2, 1, true],
    [3, 1, false],
    [4, 2, true],
    [6, 2, false],
    [6, 3, true],
  ];
  for (const [runs, failedRuns, expected] of cases) {
    it(`${expected ? 'fails' : 'does not fail'} a location with ${failedRuns} of ${runs} runs failed`, () => {
      assert.equal(locationFailed({ runs, failedRuns }), expected);
    });
  }

  it('uses the same ratio the alarm expression compares with', () => assert.equal(LOCATION_FAILURE_RATIO, 0.5));
});

describe('locationDegraded', () => {
  const base = { location: 'x', periodStart: 0 };
  it('marks a location with a degraded run degraded', () => assert.ok(locationDegraded({ ...base, runs: 3, failedRuns: 0, degradedRuns: 1 })));
  it('marks a location with a minority of failed runs degraded', () => assert.ok(locationDegraded({ ...base, runs: 3, failedRuns: 1, degradedRuns: 0 })));
  it('does not mark a failed location degraded', () => assert.ok(!locationDegraded({ ...base, runs: 2, failedRuns: 1, degradedRuns: 1 })));
  it('does not mark a location without data degraded', () => assert.ok(!locationDegraded({ ...base, runs: 0, failedRuns: 0, degradedRuns: 0 })));
});

describe('periodLengthMs', () => {
  const cases: [intervalMs: number, periodMs: number][] = [
    [10_000, MIN],
    [30_000, MIN],
    [60_000, MIN],
    [61_000, 2 * MIN],
    [90_000, 2 * MIN],
    [5 * MIN, 5 * MIN],
    [60 * MIN, 60 * MIN],
  ];
  for (const [intervalMs, periodMs] of cases) {
    it(`uses a ${periodMs / 1000} s period for a ${intervalMs / 1000} s interval`, () => {
      assert.equal(periodLengthMs({ intervalMs }), periodMs);
    });
  }
});

describe('evaluateAlertPolicy', () => {
  it('marks the check down when 2 of 3 regions fail for 2 of 3 periods', () => {
    const h = history([
      { 'us-east-1': FAIL, 'eu-west-1': FAIL, 'ap-southeast-2': OK },
      { 'us-east-1': OK, 'eu-west-1': OK, 'ap-southeast-2': OK },
      { 'us-east-1': FAIL, 'eu-west-1': OK, 'ap-southeast-2': FAIL },
    ]);
    const result = evaluateAlertPolicy(POLICY_2_2_3, h.history, h.now, MIN, REGIONS3);
    assert.equal(result.state, 'down');
    assert.equal(result.failingPeriods, 2);
    assert.deepEqual(result.failingLocationsNow, ['ap-southeast-2', 'us-east-1']);
    assert.deepEqual(result.silentLocations, []);
    assert.deepEqual(
      result.periods.map((p) => p.failed),
      [true, false, true],
    );
  });

  it('keeps the check out of down when 2 of 3 regions fail for only 1 of 3 periods', () => {
    const h = history([
      { 'us-east-1': FAIL, 'eu-west-1': FAIL, 'ap-southeast-2': OK },
      { 'us-east-1': OK, 'eu-west-1': OK, 'ap-southeast-2': OK },
      { 'us-east-1': OK, 'eu-west-1': OK, 'ap-southeast-2': OK },
    ]);
    const result = evaluateAlertPolicy(POLICY_2_2_3, h.history, h.now, MIN, REGIONS3);
    assert.equal(result.state, 'up');
    assert.equal(result.failingPeriods, 1);
  });

  it('marks the check degraded when fewer than k regions fail now', () => {
    const h = history([
      { 'us-east-1': FAIL, 'eu-west-1': OK, 'ap-southeast-2': OK },
      { 'us-east-1': FAIL, 'eu-west-1': OK, 'ap-southeast-2': OK },
      { 'us-east-1': FAIL, 'eu-west-1': OK, 'ap-southeast-2': OK },
    ]);
    const result = evaluateAlertPolicy(POLICY_2_2_3, h.history, h.now, MIN, REGIONS3);
    assert.equal(result.state, 'degraded');
    assert.equal(result.failingPeriods, 0);
    assert.deepEqual(result.failingLocationsNow, ['us-east-1']);
  });

  it('marks the check degraded when a region has degraded runs now', () => {
    const h = history([{ 'us-east-1': [2, 0, 1], 'eu-west-1': OK, 'ap-southeast-2': OK }]);
    const result = evaluateAlertPolicy(POLICY_2_2_3, h.history, h.now, MIN, REGIONS3);
    assert.equal(result.state, 'degraded');
    assert.deepEqual(result.degradedLocationsNow, ['us-east-1']);
    assert.deepEqual(result.failingLocationsNow, []);
  });

  it('does not mark the check down when a region is silent', () => {
    const h = history([
      { 'us-east-1': OK, 'eu-west-1': OK },
      { 'us-east-1': OK, 'eu-west-1': OK },
      { 'us-east-1': OK, 'eu-west-1': OK },
    ]);
    const result = evaluateAlertPolicy(POLICY_2_2_3, h.history, h.now, MIN, REGIONS3);
    assert.equal(result.state, 'up');
    assert.deepEqual(result.silentLocations, ['ap-southeast-2']);
  });

  it('does not count silent regions as failing towards the quorum', () => {
    // Only one region reports, and it fails: 1 < k = 2 however long it lasts.
    const h = history([{ 'us-east-1': FAIL }, { 'us-east-1': FAIL }, { 'us-east-1': FAIL }]);
    const result = evaluateAlertPolicy(POLICY_2_2_3, h.history, h.now, MIN, REGIONS3);
    assert.equal(result.state, 'degraded');
    assert.deepEqual(result.silentLocations, ['ap-southeast-2', 'eu-west-1']);
  });

  it('reports every expected region silent and the check up when nothing reports', () => {
    const result = evaluateAlertPolicy(POLICY_2_2_3, [], T0, MIN, REGIONS3);
    assert.equal(result.state, 'up');
    assert.deepEqual(result.silentLocations, ['ap-southeast-2', 'eu-west-1', 'us-east-1']);
  });

  it('treats a location with zero runs as no data', () => {
    const h = history([{ 'us-east-1': [0, 0], 'eu-west-1': OK, 'ap-southeast-2': OK }]);
    const result = evaluateAlertPolicy({ failingLocations: 1, failingPeriods: 1, evaluationPeriods: 1 }, h.history, h.now, MIN, REGIONS3);
    assert.equal(result.state, 'up');
    assert.deepEqual(result.silentLocations, ['us-east-1']);
  });

  it('marks a 1-region check down when its only region fails', () => {
    const policy = { failingLocations: 1, failingPeriods: 1, evaluationPeriods: 1 };
    const h = history([{ local: [3, 2] }]);
    assert.equal(evaluateAlertPolicy(policy, h.history, h.now, MIN, ['local']).state, 'down');
  });

  it('keeps a 1-region check up when a minority of its runs fail', () => {
    const policy = { failingLocations: 1, failingPeriods: 1, evaluationPeriods: 1 };
    const h = history([{ local: [3, 1] }]);
    assert.equal(evaluateAlertPolicy(policy, h.history, h.now, MIN, ['local']).state, 'degraded');
  });

  it('keeps a silent 1-region check up and reports the silence', () => {
    const policy = { failingLocations: 1, failingPeriods: 2, evaluationPeriods: 3 };
    const h = history([{ local: FAIL }, { local: FAIL }, {}]);
    const result = evaluateAlertPolicy(policy, h.history, h.now, MIN, ['local']);
    assert.equal(result.state, 'down', 'two failed periods in the window still count');
    assert.deepEqual(result.silentLocations, ['local']);
    const later = evaluateAlertPolicy(policy, h.history, h.now + MIN, MIN, ['local']);
    assert.equal(later.state, 'up', 'one failed period left in the window');
  });

  it('ignores periods outside the window', () => {
    const h = history([
      { 'us-east-1': FAIL, 'eu-west-1': FAIL },
      { 'us-east-1': FAIL, 'eu-west-1': FAIL },
      { 'us-east-1': OK, 'eu-west-1': OK },
      { 'us-east-1': OK, 'eu-west-1': OK },
      { 'us-east-1': OK, 'eu-west-1': OK },
    ]);
    assert.equal(evaluateAlertPolicy(POLICY_2_2_3, h.history, h.now, MIN, REGIONS3).state, 'up');
    assert.equal(evaluateAlertPolicy(POLICY_2_2_3, h.history, h.now - 2 * MIN, MIN, REGIONS3).state, 'down');
  });

  it('ignores locations that are not expected', () => {
    const h = history([{ 'us-east-1': FAIL, 'sa-east-1': FAIL }]);
    const policy = { failingLocations: 2, failingPeriods: 1, evaluationPeriods: 1 };
    assert.equal(evaluateAlertPolicy(policy, h.history, h.now, MIN, REGIONS3).state, 'degraded');
    assert.equal(evaluateAlertPolicy(policy, h.history, h.now, MIN).state, 'down', 'every location counts without expectedLocations');
  });

  it('adds up several entries for one location and period', () => {
    const h = history([{ 'us-east-1': [1, 1] }]);
    const doubled = [...h.history, { location: 'us-east-1', periodStart: h.now, runs: 3, failedRuns: 0, degradedRuns: 0 }];
    const result = evaluateAlertPolicy({ failingLocations: 1, failingPeriods: 1, evaluationPeriods: 1 }, doubled, h.now, MIN, ['us-east-1']);
    assert.equal(result.state, 'degraded', '1 of 4 runs failed');
  });

  it('reports silence against the window when no locations are expected', () => {
    const h = history([{ 'us-east-1': OK, 'eu-west-1': OK }, { 'us-east-1': OK }]);
    const result = evaluateAlertPolicy({ failingLocations: 1, failingPeriods: 1, evaluationPeriods: 2 }, h.history, h.now, MIN);
    assert.deepEqual(result.silentLocations, ['eu-west-1']);
  });
});

describe('locationPeriodsFromResults', () => {
  it('counts runs, failures and degraded runs per location and period', () => {
    const at = (ms: number) => new Date(T0 + ms).toISOString();
    const periods = locationPeriodsFromResults(
      [
        { location: 'b', startedAt: at(1000), ok: false, status: 'down' },
        { location: 'a', startedAt: at(0), ok: true, status: 'up' },
        { location: 'a', startedAt: at(30_000), ok: true, status: 'degraded' },
        { location: 'a', startedAt: at(59_999), ok: false, status: 'down' },
        { location: 'a', startedAt: at(60_000), ok: true, status: 'up' },
      ],
      MIN,
    );
    assert.deepEqual(periods, [
      { location: 'a', periodStart: T0, runs: 3, failedRuns: 1, degradedRuns: 1 },
      { location: 'b', periodStart: T0, runs: 1, failedRuns: 1, degradedRuns: 0 },
      { location: 'a', periodStart: T0 + MIN, runs: 1, failedRuns: 0, degradedRuns: 0 },
    ]);
  });

  it('rejects a result whose startedAt is not a time', () => {
    assert.throws(() => locationPeriodsFromResults([{ location: 'a', startedAt: 'yesterday', ok: true, status: 'up' }], MIN), RangeError);
  });

  it('aligns periods to the epoch', () => {
    assert.equal(periodStartOf(T0 + 125_000, 2 * MIN), T0 + 120_000);
  });
});

describe('metric names', () => {
  it('names the namespace, metrics and dimensions the probes put and the alarms read', () => {
    assert.equal(metricNamespace('shop'), 'Skyprobe/shop');
    assert.notEqual(metricNamespace('shop'), metricNamespace('shop-eu'));
  });

  it('derives a namespace CloudWatch accepts from every project name the config allows', () => {
    // CloudWatch: 1 to 255 of letters, digits, . - _ / # : and space, not starting with AWS/.
    const accepted = /^(?!AWS\/)[A-Za-z0-9.\-_/#: ]{1,255}$/;
    for (const project of ['a', 'skyprobe', 'shop-eu-2', `z${'-9'.repeat(15)}`]) {
      assert.equal(validateConfig({ project, checks: [{ id: 'api', type: 'http', url: 'https://example.com/' }] }).project, project);
      assert.match(metricNamespace(project), accepted, project);
    }
    assert.deepEqual(METRIC_NAMES, { Failed: 'Failed', DurationMs: 'DurationMs', LocationAlive: 'LocationAlive' });
    assert.equal(METRICS.DurationMs.unit, 'Milliseconds');
    assert.deepEqual(METRIC_DIMENSIONS, { CheckId: 'CheckId', Location: 'Location' });
  });
});

describe('quorumAlarmDefinition', () => {
  it('emits one Failed average per region and counts failing regions', () => {
    const def = quorumAlarmDefinition(makeCheck({ intervalMs: 30_000 }));
    assert.deepEqual(def, {
      alarmName: 'skyprobe-api-down',
      alarmDescription: 'API is down: 2 of 3 regions failing (at least half of their runs) in 2 of the last 3 periods of 60 s',
      metrics: REGIONS3.map((region, i) => ({
        id: `m${i}`,
        namespace: 'Skyprobe/skyprobe',
        metricName: 'Failed',
        dimensions: { CheckId: 'api', Location: region },
        stat: 'Average',
        periodSeconds: 60,
      })),
      expression: 'IF(FILL(m0, 0) >= 0.5, 1, 0) + IF(FILL(m1, 0) >= 0.5, 1, 0) + IF(FILL(m2, 0) >= 0.5, 1, 0)',
      expressionLabel: 'failing regions',
      threshold: 2,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: 'notBreaching',
    });
  });

  it('sums one Failed metric per check when every period holds one run per region (whole minutes)', () => {
    for (const [intervalMs, periodSeconds] of [[MIN, 60], [5 * MIN, 300], [60 * MIN, 3600]] as const) {
      const def = quorumAlarmDefinition(makeCheck({ intervalMs }));
      assert.deepEqual(def.metrics, [{ id: 'm0', namespace: 'Skyprobe/skyprobe', metricName: 'Failed', dimensions: { CheckId: 'api' }, stat: 'Sum', periodSeconds }]);
      assert.equal(def.expression, 'FILL(m0, 0)');
      assert.equal(def.threshold, 2);
      assert.equal(def.alarmDescription, `API is down: 2 of 3 regions failing (their run) in 2 of the last 3 periods of ${periodSeconds} s`);
    }
  });

  it('tells which checks have one run per period', () => {
    assert.deepEqual(
      [10_000, 30_000, 45_000, MIN, 90_000, 2 * MIN, 150_000, 60 * MIN].map((intervalMs) => [intervalMs, oneRunPerPeriod({ intervalMs }), quorumReadsLocations({ intervalMs })]),
      [[10_000, false, true], [30_000, false, true], [45_000, false, true], [MIN, true, false], [90_000, false, true], [2 * MIN, true, false], [150_000, false, true], [60 * MIN, true, false]],
    );
  });

  it('uses the period of the check interval rounded up to whole minutes', () => {
    const def = quorumAlarmDefinition(makeCheck({ intervalMs: 150_000 }));
    assert.ok(def.metrics.every((m) => m.periodSeconds === 180));
  });

  it('names the alarm and the namespace it reads after the project', () => {
    const def = quorumAlarmDefinition(makeCheck(), { project: 'shop' });
    assert.equal(def.alarmName, 'shop-api-down');
    assert.deepEqual(def.metrics.map((m) => m.namespace), ['Skyprobe/shop']);
    const perRegion = quorumAlarmDefinition(makeCheck({ intervalMs: 30_000 }), { project: 'shop-eu' });
    assert.deepEqual([...new Set(perRegion.metrics.map((m) => m.namespace))], ['Skyprobe/shop-eu']);
  });

  it(`accepts ${MAX_ALARM_METRICS} regions when it reads one metric per region, and any number when it sums one per check`, () => {
    const regions = Array.from({ length: MAX_ALARM_METRICS }, (_, i) => `r${i}`);
    assert.equal(quorumAlarmDefinition(makeCheck({ regions, intervalMs: 30_000 })).metrics.length, 10);
    const many = Array.from({ length: 20 }, (_, i) => `r${i}`);
    assert.equal(quorumAlarmDefinition(makeCheck({ regions: many })).metrics.length, 1);
  });

  it(`rejects more than ${MAX_ALARM_METRICS} regions per-region metrics with a ConfigError naming the check and the count`, () => {
    const regions = Array.from({ length: 11 }, (_, i) => `r${i}`);
    assert.throws(
      () => quorumAlarmDefinition(makeCheck({ regions, intervalMs: 30_000 })),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.length === 1 &&
        error.issues[0]?.checkId === 'api' &&
        error.issues[0]?.path === 'regions' &&
        /at most 10 regions.*got 11/.test(error.message),
    );
  });

  const badPolicies: [name: string, policy: AlertPolicy, path: string][] = [
    ['more failing locations than regions', { failingLocations: 4, failingPeriods: 1, evaluationPeriods: 1 }, 'alertPolicy.failingLocations'],
    ['zero failing locations', { failingLocations: 0, failingPeriods: 1, evaluationPeriods: 1 }, 'alertPolicy.failingLocations'],
    ['more failing periods than evaluation periods', { failingLocations: 1, failingPeriods: 4, evaluationPeriods: 3 }, 'alertPolicy.failingPeriods'],
    ['zero evaluation periods', { failingLocations: 1, failingPeriods: 1, evaluationPeriods: 0 }, 'alertPolicy.evaluationPeriods'],
    ['an evaluation range over one day', { failingLocations: 1, failingPeriods: 1, evaluationPeriods: 1441 }, 'alertPolicy.evaluationPeriods'],
  ];
  for (const [name, alertPolicy, path] of badPolicies) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => quorumAlarmDefinition(makeCheck({ alertPolicy })),
        (error: unknown) => error instanceof ConfigError && error.issues.some((issue) => issue.path === path),
      );
    });
  }

  it('allows a 7-day evaluation range for hourly periods', () => {
    const check = makeCheck({ intervalMs: 60 * MIN, alertPolicy: { failingLocations: 1, failingPeriods: 1, evaluationPeriods: 168 } });
    assert.equal(quorumAlarmDefinition(check).evaluationPeriods, 168);
    const tooLong = makeCheck({ intervalMs: 60 * MIN, alertPolicy: { failingLocations: 1, failingPeriods: 1, evaluationPeriods: 169 } });
    assert.throws(() => quorumAlarmDefinition(tooLong), ConfigError);
  });
});
