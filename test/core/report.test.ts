import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { MaintenanceWindow } from '../../lambdas/core/check.ts';
import { histogramOf } from '../../lambdas/core/histogram.ts';
import { buildMonthlyReport, FutureMonthError } from '../../lambdas/core/report.ts';
import type { CheckReport, ReportInput, ReportSubject } from '../../lambdas/core/report.ts';
import { lastFullMonth, parseMonth } from '../../lambdas/core/report-month.ts';
import type { ReportMonth } from '../../lambdas/core/report-month.ts';
import type { HourlyRollup, Incident } from '../../lambdas/core/store.ts';

/*
 * Known-answer tests: every expected figure below is worked out by hand in the comments.
 * October 2026 has 31 days: 31 × 86,400 = 2,678,400 s. November has 30: 2,592,000 s.
 */

const OCTOBER = parseMonth('2026-10');
const NOVEMBER = parseMonth('2026-11');
const AFTER_OCTOBER = Date.UTC(2026, 10, 21, 21, 0, 0);
const SHOP: ReportSubject = { id: 'shop', name: 'Shop', tags: ['public'], sloPercent: 99.9 };

function rollup(location: string, hour: string, runs: number, failedRuns: number, latenciesMs: readonly number[], checkId = 'shop'): HourlyRollup {
  return {
    checkId,
    location,
    hour,
    runs,
    failedRuns,
    degradedRuns: 0,
    latency: histogramOf(latenciesMs),
    phaseSumMs: { dns: 0, connect: 0, tls: 0, ttfb: 0, download: 0 },
    errorsByKind: {} as HourlyRollup['errorsByKind'],
  };
}

function incident(id: string, openedAt: string, closedAt: string | null, over: Partial<Incident> = {}): Incident {
  return {
    id,
    checkId: 'shop',
    openedAt,
    detectedAt: null,
    planned: false,
    closedAt,
    durationSeconds: closedAt === null ? null : (Date.parse(closedAt) - Date.parse(openedAt)) / 1000,
    failingLocations: ['a'],
    firstError: { kind: 'timeout', message: 'timed out' },
    ...over,
  };
}

const times = (count: number, ms: number): number[] => Array.from({ length: count }, () => ms);

function oneCheck(input: Partial<ReportInput> & { incidents?: Incident[]; rollups?: HourlyRollup[]; subject?: ReportSubject }): CheckReport {
  const report = buildMonthlyReport({
    project: 'demo',
    month: input.month ?? OCTOBER,
    nowMs: input.nowMs ?? AFTER_OCTOBER,
    maintenance: input.maintenance ?? [],
    subjects: [{ subject: input.subject ?? SHOP, rollups: input.rollups ?? [], incidents: input.incidents ?? [] }],
  });
  const check = report.checks[0];
  assert.ok(check);
  return check;
}

describe('monthly report: the worked October 2026 history', () => {
  // Incidents of check "shop" (SLO 99.9%):
  //  A unplanned 10-05 10:00 → 10:30, detected 10:02: 1,800 s down, detect 120 s
  //  B unplanned 10-12 03:00 → 04:00, detected 03:03; a maintenance window 03:30-05:00 covers its second half:
  //    1,800 s unplanned + 1,800 s planned, detect 180 s, repair 3,600 s
  //  C planned   10-20 01:00 → 01:20: 1,200 s planned
  //  D unplanned 09-30 23:50 → 10-01 00:10, detected 09-30 23:51: 600 s inside October (repair 1,200 s whole;
  //    opened in September, so not in time to detect)
  //  E unplanned 10-31 22:00, still open: counts to the month's end, 7,200 s; no detection time
  //  F of another check, and G closed before October: ignored
  // Unplanned = 1,800 + 1,800 + 600 + 7,200 = 11,400 s; planned = 1,800 + 1,200 = 3,000 s.
  const maintenance: MaintenanceWindow[] = [
    { id: 'db-upgrade', schedule: 'once', startMs: Date.parse('2026-10-12T03:30:00Z'), endMs: Date.parse('2026-10-12T05:00:00Z'), checks: ['shop'], tags: [], all: false, reason: null },
  ];
  const incidents = [
    incident('A', '2026-10-05T10:00:00.000Z', '2026-10-05T10:30:00.000Z', { detectedAt: '2026-10-05T10:02:00.000Z', rootCause: 'expired cert', correctiveAction: 'auto-renew' }),
    incident('B', '2026-10-12T03:00:00.000Z', '2026-10-12T04:00:00.000Z', { detectedAt: '2026-10-12T03:03:00.000Z' }),
    incident('C', '2026-10-20T01:00:00.000Z', '2026-10-20T01:20:00.000Z', { planned: true }),
    incident('D', '2026-09-30T23:50:00.000Z', '2026-10-01T00:10:00.000Z', { detectedAt: '2026-09-30T23:51:00.000Z' }),
    incident('E', '2026-10-31T22:00:00.000Z', null),
    incident('F', '2026-10-03T00:00:00.000Z', '2026-10-03T05:00:00.000Z', { checkId: 'other' }),
    incident('G', '2026-09-29T00:00:00.000Z', '2026-09-30T00:00:00.000Z'),
  ];
  // Rollups: 100 ms lands in the bucket whose representative is 98.7 ms, 3,000 ms in the one of 3,158.4 ms.
  const rollups = [
    rollup('a', '2026-10-05T10', 60, 30, times(60, 100)),
    rollup('b', '2026-10-05T10', 60, 0, times(60, 100)),
    rollup('a', '2026-10-06T00', 60, 0, [...times(57, 100), ...times(3, 3000)]),
    rollup('a', '2026-10-07T00', 10, 0, times(10, 3000)),
    rollup('b', '2026-09-30T23', 60, 60, times(60, 5000)), // September: ignored
  ];
  const check = oneCheck({ incidents, rollups, maintenance });

  it('takes unplanned downtime from the incidents, clipped to the month, open ones to its end', () => {
    assert.equal(check.unplannedDowntimeSeconds, 11_400);
    assert.equal(check.plannedDowntimeSeconds, 3_000);
    // 100 × (2,678,400 − 11,400) / 2,678,400 = 99.5743727…
    assert.equal(check.uptimePercent, 99.574373);
    // 100 × (2,678,400 − 14,400) / 2,678,400 = 99.4623655…
    assert.equal(check.uptimeIncludingPlannedPercent, 99.462366);
  });

  it('counts unplanned incidents apart from planned ones', () => {
    assert.equal(check.incidentCount, 4); // A, B, D, E
    assert.equal(check.plannedIncidentCount, 1); // C
    assert.deepEqual(
      check.incidents.map((i) => [i.id, i.inPeriodSeconds]),
      [['D', 600], ['A', 1800], ['B', 3600], ['C', 1200], ['E', 7200]],
    );
  });

  it('measures MTTR over the whole durations of the unplanned incidents closed in the month', () => {
    // A 1,800, B 3,600, D 1,200 (whole, though it began in September); E is still open: (1800 + 3600 + 1200) / 3
    assert.equal(check.mttrSeconds, 2200);
  });

  it('measures time to detect over the unplanned incidents opened in the month with a detection time', () => {
    // A 120 s, B 180 s (D opened in September, E has none)
    assert.deepEqual(check.timeToDetect, { meanSeconds: 150, maxSeconds: 180 });
  });

  it('names the longest incident by its downtime in the month', () => {
    assert.deepEqual(check.longestIncident, { id: 'E', openedAt: '2026-10-31T22:00:00.000Z', inPeriodSeconds: 7200 });
  });

  it('measures the error budget against the SLO target over the month', () => {
    // budget = 0.1% of 2,678,400 s = 2,678.4 s; used 11,400 s; left 2,678.4 − 11,400 = −8,721.6 s;
    // used = 11,400 / 2,678.4 = 425.6272401…%
    assert.deepEqual(check.slo, {
      target: 99.9,
      actual: 99.574373,
      met: false,
      errorBudgetSeconds: 2678.4,
      errorBudgetUsedSeconds: 11_400,
      errorBudgetLeftSeconds: -8721.6,
      errorBudgetUsedPercent: 425.62724,
    });
  });

  it('reads latency quantiles from the merged histograms of every location and hour of the month', () => {
    // 177 runs at 100 ms and 13 at 3,000 ms (September's hour left out): 190 runs.
    // p50: rank 95 → 98.7; p95: rank ceil(180.5) = 181 > 177 → 3,158.4; p99: rank 189 → 3,158.4
    assert.equal(check.runs, 190);
    assert.equal(check.failedRuns, 30);
    assert.deepEqual(check.latencyMs, { p50: 98.7, p95: 3158.4, p99: 3158.4 });
  });

  it('counts the hours whose p95 (every location merged) is under 2 s among the hours with runs', () => {
    // 10-05T10: 120 × 100 ms, fast; 10-06T00: 57 × 100 + 3 × 3,000, p95 rank 57 → 98.7, fast; 10-07T00: slow → 2 of 3
    assert.equal(check.fastHoursPercent, 66.666667);
  });

  it('gives uptime per location from runs', () => {
    // a: 130 runs, 30 failed → 100 × 100 / 130 = 76.9230769…; b: 60 runs, none failed (September ignored)
    assert.deepEqual(
      check.locations.map((l) => [l.location, l.runs, l.failedRuns, l.uptimePercent, l.latencyMs.p95]),
      [
        ['a', 130, 30, 76.923077, 3158.4],
        ['b', 60, 0, 100, 98.7],
      ],
    );
  });

  it('has one day per day of the month with uptime by the rule, null for days without data', () => {
    assert.equal(check.daily.length, 31);
    const day = (date: string) => check.daily.find((d) => d.date === date);
    // 10-01: D's 600 s, no runs: 100 × 85,800 / 86,400 = 99.3055…
    assert.equal(day('2026-10-01')?.uptimePercent, 99.305556);
    assert.equal(day('2026-10-02')?.uptimePercent, null);
    // 10-05: A's 1,800 s: 100 × 84,600 / 86,400 = 97.9166…; runs 120, failed 30
    assert.deepEqual([day('2026-10-05')?.uptimePercent, day('2026-10-05')?.runs, day('2026-10-05')?.failedRuns], [97.916667, 120, 30]);
    assert.deepEqual([day('2026-10-12')?.unplannedDowntimeSeconds, day('2026-10-12')?.plannedDowntimeSeconds], [1800, 1800]);
    // 10-20: planned only, so up by the rule
    assert.equal(day('2026-10-20')?.uptimePercent, 100);
    // 10-31: E's 7,200 s: 100 × 79,200 / 86,400 = 91.6666…
    assert.equal(day('2026-10-31')?.uptimePercent, 91.666667);
    assert.deepEqual(day('2026-10-07')?.latencyMs, { p50: 3158.4, p95: 3158.4, p99: 3158.4 });
  });

  it('carries root causes and corrective actions onto the incidents', () => {
    const a = check.incidents.find((i) => i.id === 'A');
    assert.deepEqual([a?.rootCause, a?.correctiveAction, a?.durationSeconds], ['expired cert', 'auto-renew', 1800]);
    assert.deepEqual([check.incidents.find((i) => i.id === 'E')?.rootCause, check.incidents.find((i) => i.id === 'E')?.durationSeconds], [null, null]);
  });
});

describe('monthly report: the SLO edge', () => {
  it('is exactly 99.9% with 44 m 38.4 s down in October, and within budget', () => {
    // 2,678.4 s = 0.1% of 2,678,400 s
    const check = oneCheck({ incidents: [incident('X', '2026-10-10T00:00:00.000Z', '2026-10-10T00:44:38.400Z')] });
    assert.equal(check.uptimePercent, 99.9);
    assert.deepEqual([check.slo.met, check.slo.errorBudgetLeftSeconds, check.slo.errorBudgetUsedPercent], [true, 0, 100]);
  });

  it('misses the target with one millisecond more', () => {
    const check = oneCheck({ incidents: [incident('X', '2026-10-10T00:00:00.000Z', '2026-10-10T00:44:38.401Z')] });
    assert.deepEqual([check.slo.met, check.slo.errorBudgetLeftSeconds], [false, -0.001]);
  });

  it('makes 43.8 minutes down in a 30.4-day month 99.9%', () => {
    // 30.4 days = 2,626,560 s; 43.8 min = 2,628 s: 100 × 2,623,932 / 2,626,560 = 99.89994…, 99.900 to three decimals
    const start = Date.UTC(2026, 9, 1);
    const month: ReportMonth = { key: '2026-10', year: 2026, month: 10, startMs: start, endMs: start + 2_626_560_000 };
    const check = oneCheck({ month, incidents: [incident('X', '2026-10-02T00:00:00.000Z', '2026-10-02T00:43:48.000Z')] });
    assert.equal(check.uptimePercent, 99.899945);
    assert.equal(check.uptimePercent?.toFixed(3), '99.900');
    // The budget is 2,626.56 s: 43.8 minutes is 1.44 s over it.
    assert.deepEqual([check.slo.errorBudgetSeconds, check.slo.errorBudgetLeftSeconds], [2626.56, -1.44]);
  });

  it('keeps planned downtime out of the budget', () => {
    const check = oneCheck({ incidents: [incident('P', '2026-10-10T00:00:00.000Z', '2026-10-10T05:00:00.000Z', { planned: true })] });
    assert.deepEqual([check.uptimePercent, check.plannedDowntimeSeconds, check.slo.met, check.slo.errorBudgetUsedSeconds], [100, 18_000, true, 0]);
    // 100 × (2,678,400 − 18,000) / 2,678,400 = 99.3279569…
    assert.equal(check.uptimeIncludingPlannedPercent, 99.327957);
  });

  it('counts overlapping incidents once', () => {
    const check = oneCheck({
      incidents: [incident('X', '2026-10-10T00:00:00.000Z', '2026-10-10T01:00:00.000Z'), incident('Y', '2026-10-10T00:30:00.000Z', '2026-10-10T01:30:00.000Z')],
    });
    assert.equal(check.unplannedDowntimeSeconds, 5400);
  });

  it('treats weekly maintenance windows in their time zone', () => {
    // Mondays 02:00 Europe/Berlin for 1 h: 2026-10-26 is after the switch to CET (UTC+1), so 01:00-02:00Z.
    const weekly: MaintenanceWindow = {
      id: 'weekly', schedule: 'weekly', weekdays: ['mon'], startTime: '02:00', durationMs: 3_600_000, timeZone: 'Europe/Berlin', checks: [], tags: ['public'], all: false, reason: null,
    };
    const check = oneCheck({ maintenance: [weekly], incidents: [incident('X', '2026-10-26T00:30:00.000Z', '2026-10-26T01:30:00.000Z')] });
    assert.deepEqual([check.unplannedDowntimeSeconds, check.plannedDowntimeSeconds], [1800, 1800]);
  });
});

describe('monthly report: the month in progress', () => {
  // Report on 2026-11-11T00:00Z: 10 days of November elapsed = 864,000 s; an incident open since 11-10 23:00.
  const nowMs = Date.UTC(2026, 10, 11);
  const check = oneCheck({ month: NOVEMBER, nowMs, incidents: [incident('X', '2026-11-10T23:00:00.000Z', null)] });

  it('measures uptime over the elapsed part, the open incident up to now', () => {
    // 100 × (864,000 − 3,600) / 864,000 = 99.5833…
    assert.deepEqual([check.uptimePercent, check.unplannedDowntimeSeconds], [99.583333, 3600]);
    assert.equal(check.daily.length, 10);
  });

  it('keeps the whole month as the error budget', () => {
    // 0.1% of 2,592,000 s = 2,592 s; left 2,592 − 3,600 = −1,008 s
    assert.deepEqual([check.slo.errorBudgetSeconds, check.slo.errorBudgetLeftSeconds, check.slo.met], [2592, -1008, false]);
  });

  it('says the report is not complete and where the period ends', () => {
    const report = buildMonthlyReport({ project: 'demo', month: NOVEMBER, nowMs, maintenance: [], subjects: [] });
    assert.deepEqual([report.complete, report.periodEnd, report.periodSeconds, report.monthSeconds], [false, '2026-11-11T00:00:00.000Z', 864_000, 2_592_000]);
  });

  it('rejects a month that has not begun', () => {
    assert.throws(() => buildMonthlyReport({ project: 'demo', month: parseMonth('2026-12'), nowMs, maintenance: [], subjects: [] }), FutureMonthError);
  });
});

describe('monthly report: no data', () => {
  it('gives null, never NaN, for a check without runs or incidents', () => {
    const check = oneCheck({});
    assert.deepEqual(
      [check.uptimePercent, check.mttrSeconds, check.timeToDetect, check.longestIncident, check.fastHoursPercent, check.slo.met, check.slo.errorBudgetLeftSeconds],
      [null, null, null, null, null, null, null],
    );
    assert.deepEqual(check.latencyMs, { p50: null, p95: null, p99: null });
    assert.equal(check.slo.errorBudgetSeconds, 2678.4);
    assert.doesNotMatch(JSON.stringify(check), /NaN|Infinity/);
  });
});

describe('monthly report: overview', () => {
  it('sums the checks and names the lowest uptime', () => {
    const report = buildMonthlyReport({
      project: 'demo',
      month: OCTOBER,
      nowMs: AFTER_OCTOBER,
      maintenance: [],
      subjects: [
        { subject: SHOP, rollups: [rollup('a', '2026-10-01T00', 1, 0, [50])], incidents: [incident('X', '2026-10-10T00:00:00.000Z', '2026-10-10T01:00:00.000Z')] },
        { subject: { ...SHOP, id: 'api', sloPercent: 99 }, rollups: [rollup('a', '2026-10-01T00', 1, 0, [50], 'api')], incidents: [incident('Y', '2026-10-10T00:00:00.000Z', '2026-10-10T00:30:00.000Z', { checkId: 'api' })] },
        { subject: { ...SHOP, id: 'idle' }, rollups: [], incidents: [] },
      ],
    });
    // shop: 3,600 s > 2,678.4 s budget, missed; api: 1,800 s < 26,784 s, met; idle: no data.
    // shop uptime 100 × 2,674,800 / 2,678,400 = 99.8655913…
    assert.deepEqual(report.overview, {
      checks: 3,
      checksWithData: 2,
      checksMeetingSlo: 1,
      checksMissingSlo: 1,
      incidentCount: 2,
      unplannedDowntimeSeconds: 5400,
      plannedDowntimeSeconds: 0,
      lowestUptime: { checkId: 'shop', uptimePercent: 99.865591 },
    });
    assert.deepEqual([report.month, report.complete, report.periodStart, report.periodEnd], ['2026-10', true, '2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z']);
  });
});

describe('report months', () => {
  it('defaults to the last full month, across a year boundary', () => {
    assert.equal(lastFullMonth(Date.UTC(2026, 10, 21)).key, '2026-10');
    assert.equal(lastFullMonth(Date.UTC(2027, 0, 1, 0, 5)).key, '2026-12');
  });

  it('rejects months that are not yyyy-mm', () => {
    for (const bad of ['2026-13', '2026-1', '26-10', '2026-00', 'october', '1969-12']) assert.throws(() => parseMonth(bad), /month must be yyyy-mm/, bad);
  });
});

describe('monthly report: heartbeat jobs', () => {
  const BACKUPS: ReportSubject = { id: 'vault', name: 'Nightly backups', tags: [], sloPercent: 99, job: { backup: true } };
  const jobHour = (hour: string, runs: number, failedRuns: number, missed: number): HourlyRollup => ({
    ...rollup('us-east-1', hour, runs, failedRuns, times(runs, 60_000), 'vault'),
    errorsByKind: { timeout: missed, assertion: failedRuns - missed } as HourlyRollup['errorsByKind'],
  });

  it('counts succeeded, failed and missed backup jobs and the success rate', () => {
    // 28 nightly runs that completed, one that failed (a fail ping: assertion), one deadline missed (timeout).
    const rollups = [
      ...Array.from({ length: 28 }, (_, d) => jobHour(`2026-10-${String(d + 1).padStart(2, '0')}T03`, 1, 0, 0)),
      jobHour('2026-10-29T03', 1, 1, 0),
      jobHour('2026-10-30T05', 1, 1, 1),
    ];
    const c = oneCheck({ subject: BACKUPS, rollups });
    // 28 / 30 = 93.333333%.
    assert.deepEqual(c.jobs, { backup: true, succeeded: 28, failed: 1, missed: 1, successPercent: 93.333333 });
  });

  it('has no job figures for a check, and a null rate for a job that never ran', () => {
    assert.equal(oneCheck({ rollups: [rollup('a', '2026-10-01T00', 1, 0, [5])] }).jobs, null);
    assert.deepEqual(oneCheck({ subject: { ...BACKUPS, job: { backup: false } } }).jobs, { backup: false, succeeded: 0, failed: 0, missed: 0, successPercent: null });
  });
});
