import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { spreadOffsetMs } from '../../lambdas/core/schedule.ts';
import { dueTimesInMinute, planProbeRuns } from '../../lambdas/monitor/probe-cycle.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T10:00:00Z'); // a minute boundary

function checks(...specs: { id: string; interval: string; timeout?: string; retries?: number }[]) {
  return validateConfig({ checks: specs.map((s) => ({ timeout: '5s', retries: 0, ...s, type: 'http', url: 'https://example.com/' })) }).checks;
}

describe('dueTimesInMinute', () => {
  it('runs a 1-minute check at the start of the minute, whatever its spread offset', () => {
    const [check] = checks({ id: 'late-offset', interval: '1m' });
    assert.ok(spreadOffsetMs('late-offset', MINUTE) > 0);
    assert.deepEqual(dueTimesInMinute(check!, T0 + 1_234), [T0]);
  });

  it("runs a 5-minute check only in the minute its grid picks, at that minute's start", () => {
    const [check] = checks({ id: 'five', interval: '5m' });
    const offset = spreadOffsetMs('five', 5 * MINUTE);
    const dueMinute = T0 + Math.floor(offset / MINUTE) * MINUTE;
    const minutes = Array.from({ length: 5 }, (_, i) => T0 + i * MINUTE).filter((m) => dueTimesInMinute(check!, m + 500).length > 0);
    assert.deepEqual(minutes, [dueMinute]);
    assert.deepEqual(dueTimesInMinute(check!, dueMinute + 500), [dueMinute]);
  });

  it('puts every sub-minute check at the start of each of its intervals, whatever its id', () => {
    for (const [id, interval, step] of [['fast', '10s', 10_000], ['other', '10s', 10_000], ['twelve', '12s', 12_000], ['half', '30s', 30_000]] as const) {
      const [check] = checks({ id, interval, timeout: '2s' });
      assert.deepEqual(dueTimesInMinute(check!, T0 + 100), Array.from({ length: MINUTE / step }, (_, k) => T0 + k * step), id);
    }
  });
});

describe('planProbeRuns', () => {
  const base = { marginMs: 1_000, retryDelayMs: 1_000 };

  it('starts every check of a minute or more due in its minute at once, so the invocation does not wait for offsets', () => {
    const list = checks(...Array.from({ length: 20 }, (_, i) => ({ id: `check-${i}`, interval: '1m' })));
    const now = T0 + 700;
    const { runs, skipped } = planProbeRuns(list, { ...base, nowMs: now, deadlineMs: now + 50_000, minuteMs: T0, windows: [] });
    assert.equal(runs.length, 20);
    assert.equal(skipped.length, 0);
    assert.ok(runs.every((r) => r.startAt === now && r.dueAt === T0), 'a 1-minute run waits for its offset, or is stamped with another minute');
  });

  it('runs the checks of its nominal minute even when it fires late in that minute or after it, stamped with that minute', () => {
    const list = checks({ id: 'minutely', interval: '1m' });
    for (const now of [T0 + 59_000, T0 + MINUTE + 20_000]) {
      const { runs, skipped } = planProbeRuns(list, { ...base, nowMs: now, deadlineMs: now + 50_000, minuteMs: T0, windows: [] });
      assert.deepEqual(runs.map((r) => [r.dueAt, r.startAt]), [[T0, now]]);
      assert.deepEqual(skipped, []);
    }
  });

  it('runs no check of a minute or more in a continuation, and no sub-minute run outside its windows', () => {
    const list = checks({ id: 'minutely', interval: '1m' }, { id: 'fast', interval: '10s', timeout: '2s' });
    const window = { startMs: T0 + MINUTE + 10_000, endMs: T0 + MINUTE + 20_000 };
    const now = window.startMs - 500;
    const { runs } = planProbeRuns(list, { ...base, nowMs: now, deadlineMs: now + 50_000, minuteMs: null, windows: [window] });
    assert.deepEqual(runs.map((r) => [r.check.id, r.dueAt, r.startAt]), [['fast', window.startMs, window.startMs]]);
  });

  it('starts the runs of one moment longest worst case first, so the longest still start in time', () => {
    const list = checks(
      { id: 'a-short', interval: '1m', timeout: '1s' },
      { id: 'b-long', interval: '1m', timeout: '20s', retries: 1 },
      { id: 'c-middle', interval: '1m', timeout: '5s', retries: 1 },
    );
    const { runs } = planProbeRuns(list, { ...base, nowMs: T0, deadlineMs: T0 + 53_000, minuteMs: T0, windows: [] });
    assert.deepEqual(runs.map((r) => r.check.id), ['b-long', 'c-middle', 'a-short']);
  });

  it('skips a check of a minute or more whose worst case cannot end before the deadline, and counts it', () => {
    const list = checks({ id: 'slow', interval: '1m', timeout: '30s', retries: 1 }, { id: 'quick', interval: '1m', timeout: '1s' });
    const { runs, skipped } = planProbeRuns(list, { ...base, nowMs: T0, deadlineMs: T0 + 53_000, minuteMs: T0, windows: [] });
    assert.deepEqual(runs.map((r) => r.check.id), ['quick']);
    assert.deepEqual(skipped, [{ checkId: 'slow', dueAt: T0, reason: 'deadline' }]);
  });
});
