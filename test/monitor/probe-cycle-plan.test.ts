import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { spreadOffsetMs } from '../../lambdas/core/schedule.ts';
import { dueTimesInMinute, planProbeRuns } from '../../lambdas/monitor/probe-cycle.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T10:00:00Z'); // a minute boundary

function checks(...specs: { id: string; interval: string }[]) {
  return validateConfig({ checks: specs.map((s) => ({ ...s, type: 'http', url: 'https://example.com/', timeout: '5s', retries: 0 })) }).checks;
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

  it('keeps the offsets of a sub-minute check inside the minute', () => {
    const [check] = checks({ id: 'fast', interval: '10s' });
    const offset = spreadOffsetMs('fast', 10_000);
    assert.deepEqual(dueTimesInMinute(check!, T0 + 100), [0, 1, 2, 3, 4, 5].map((k) => T0 + offset + k * 10_000));
  });
});

describe('planProbeRuns', () => {
  it('starts every check of a minute or more at once, so the invocation does not wait for offsets', () => {
    const list = checks(...Array.from({ length: 20 }, (_, i) => ({ id: `check-${i}`, interval: '1m' })));
    const now = T0 + 700;
    const { runs, skipped } = planProbeRuns(list, { nowMs: now, deadlineMs: now + 50_000, marginMs: 1_000, retryDelayMs: 1_000 });
    assert.equal(runs.length, 20);
    assert.equal(skipped.length, 0);
    assert.ok(runs.every((r) => r.startAt === now), 'a 1-minute run waits for its offset');
  });
});
