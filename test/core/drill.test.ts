import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerSide,
  complete,
  dnsSwitched,
  drillVerdict,
  formatDrillHistory,
  formatDrillReport,
  healthFromObservations,
  observe,
  phaseTimes,
  revertCommand,
  startPhase,
  type DrillObservation,
  type DrillRecord,
} from '../../lambdas/core/drill.ts';

const OK = 'Success: HTTP Status Code 200, OK';
const BAD = 'Failure: Connection timed out';

describe('healthFromObservations', () => {
  const cases: [string, string[], boolean, string, number | null][] = [
    ['all checkers see it up', [OK, OK, OK], false, 'healthy', 1],
    ['one of 8 (12.5%) is not more than 18%', [OK, BAD, BAD, BAD, BAD, BAD, BAD, BAD], false, 'unhealthy', 0.125],
    ['2 of 8 (25%) is more than 18%', [OK, OK, BAD, BAD, BAD, BAD, BAD, BAD], false, 'healthy', 0.25],
    ['inverted flips a healthy endpoint', [OK, OK], true, 'unhealthy', 1],
    ['inverted flips an unhealthy endpoint', [BAD, BAD], true, 'healthy', 0],
    ['no observations', [], false, 'unknown', null],
  ];
  for (const [what, statuses, inverted, health, share] of cases) {
    it(what, () => {
      const reading = healthFromObservations(statuses, inverted);
      assert.equal(reading.health, health);
      assert.equal(reading.healthyShare, share);
      assert.equal(reading.observations, statuses.length);
    });
  }
});

describe('answerSide', () => {
  const P = ['192.0.2.1', '192.0.2.2'];
  const S = ['198.51.100.1'];
  const cases: [readonly string[] | null, string][] = [
    [['192.0.2.1', '192.0.2.2'], 'primary'],
    [['192.0.2.2'], 'primary'], // an alias answers with a subset
    [['198.51.100.1'], 'secondary'],
    [['192.0.2.1', '198.51.100.1'], 'other'],
    [['203.0.113.5'], 'other'],
    [[], 'none'],
    [null, 'none'],
  ];
  for (const [answers, side] of cases) it(`${JSON.stringify(answers)} is ${side}`, () => assert.equal(answerSide(answers, P, S), side));
  it('compares names without case or trailing dot', () => assert.equal(answerSide(['B.Example.NET.'], ['a.example.net'], ['b.example.net']), 'secondary'));
});

describe('phase progress', () => {
  const obs = (atMs: number, route53: DrillObservation['route53'], resolver: DrillObservation['resolver'], primaryHealth: DrillObservation['primaryHealth']): DrillObservation => ({ atMs, route53, resolver, primaryHealth });

  it('detects failover when the health check reports unhealthy, and completes when both answers switched and the check passed', () => {
    let p = startPhase('secondary', 1_000);
    p = observe(p, obs(2_000, 'primary', 'primary', 'healthy'));
    assert.equal(p.detectedAtMs, null);
    p = observe(p, obs(3_000, 'primary', 'primary', 'unhealthy'));
    assert.equal(p.detectedAtMs, 3_000);
    const o = obs(5_000, 'secondary', 'primary', 'unhealthy');
    p = observe(p, o);
    assert.equal(dnsSwitched(p, o), false, 'the resolver still has the primary cached');
    const o2 = obs(9_000, 'secondary', 'secondary', 'unhealthy');
    p = observe(p, o2);
    assert.equal(dnsSwitched(p, o2), true);
    p = complete(p, 9_500);
    assert.deepEqual(phaseTimes(p), { detectMs: 2_000, switchMs: 8_500 });
    assert.equal(observe(p, obs(10_000, 'primary', 'primary', 'healthy')), p, 'a completed phase does not change');
  });

  it("detects fail-back by Route 53's answer when no checker reports come", () => {
    let p = startPhase('primary', 0);
    p = observe(p, obs(4_000, 'primary', 'secondary', 'unknown'));
    assert.deepEqual(phaseTimes(p), { detectMs: 4_000, switchMs: null });
  });

  it('never reports detection later than completion', () => {
    const p = complete(startPhase('secondary', 0), 7_000);
    assert.deepEqual(phaseTimes(p), { detectMs: 7_000, switchMs: 7_000 });
  });
});

describe('drillVerdict', () => {
  const done = { detectMs: 1_000, switchMs: 60_000 };
  it('passes when both switches are within the RTO', () => assert.deepEqual(drillVerdict(done, done, 60, null), { outcome: 'passed', reason: null }));
  it('fails a switch slower than the RTO, naming it', () => {
    assert.deepEqual(drillVerdict(done, { detectMs: 1_000, switchMs: 61_000 }, 60, null), { outcome: 'failed', reason: 'fail-back took 1m 1s, over the rto of 1m' });
  });
  it('aborts when stopped or incomplete', () => {
    assert.deepEqual(drillVerdict(done, phaseTimes(null), 60, 'interrupted'), { outcome: 'aborted', reason: 'interrupted' });
    assert.deepEqual(drillVerdict(phaseTimes(null), phaseTimes(null), 60, null), { outcome: 'aborted', reason: 'the failover never completed' });
  });
});

describe('reports', () => {
  const r: DrillRecord = {
    id: 'd1',
    service: 'shop',
    project: 'demo',
    startedAt: '2026-11-01T10:00:00.000Z',
    endedAt: '2026-11-01T10:03:00.000Z',
    outcome: 'passed',
    reason: null,
    rtoSeconds: 300,
    failover: { detectMs: 12_000, switchMs: 75_000 },
    failback: { detectMs: 9_000, switchMs: null },
    reverted: true,
    healthCheckId: 'hc-1',
    resolver: '1.1.1.1:53',
    polls: 30,
  };
  it('prints the times, the verdict and that Inverted was cleared', () => {
    const lines = formatDrillReport(r);
    assert.equal(lines[0], 'drill d1 of shop: PASSED');
    assert.ok(lines.includes('  failover           detected after 12s, complete after 1m 15s'));
    assert.ok(lines.includes('  fail-back          detected after 9s, complete after —'));
    assert.ok(lines.includes('  health check       hc-1 (Inverted cleared)'));
    assert.ok(formatDrillReport({ ...r, reverted: false }).includes('  health check       hc-1 (STILL INVERTED)'));
  });
  it('prints history as a table, or says there is none', () => {
    assert.deepEqual(formatDrillHistory([]), ['no drills recorded']);
    const [header, row] = formatDrillHistory([r]);
    assert.match(header ?? '', /^STARTED\s+SERVICE\s+OUTCOME\s+FAILOVER\s+FAIL-BACK\s+RTO\s+REASON$/);
    assert.match(row ?? '', /^2026-11-01T10:00:00\.000Z\s+shop\s+passed\s+1m 15s\s+—\s+5m$/);
  });
  it('gives the exact command to clear Inverted by hand', () => {
    assert.equal(revertCommand('abc-123'), 'aws route53 update-health-check --health-check-id abc-123 --no-inverted');
  });
});
