import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { InvalidContinuationError, parseContinuation, planMinute, subMinuteDueTimes, subMinuteSpanOf, windowOf, type ContinuationEvent } from '../../lambdas/monitor/continuations.ts';
import { planProbeRuns } from '../../lambdas/monitor/probe-cycle.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T10:00:00Z'); // a minute boundary
const SPAN = T0 + MINUTE; // the minute whose sub-minute runs the invocation scheduled for T0 owns

function checks(...specs: { id: string; interval: string }[]) {
  return validateConfig({ checks: specs.map((s) => ({ ...s, type: 'http', url: 'https://example.com/', timeout: '1s', retries: 0 })) }).checks;
}

const plan = (list: ReturnType<typeof checks>, nowMs: number, extra: Partial<Parameters<typeof planMinute>[1]> = {}) =>
  planMinute(list, { nowMs, minuteStartMs: subMinuteSpanOf(nowMs), shard: 0, shards: 1, ...extra });

/** Every due time a plan gives a window to (the scheduled invocation's own and each continuation's). */
function plannedDues(list: ReturnType<typeof checks>, p: ReturnType<typeof planMinute>): number[] {
  const windows = [p.owned, ...p.continuations.map((c) => windowOf(c.event))];
  return list.flatMap((c) => subMinuteDueTimes([c], p.owned.startMs).filter((t) => windows.some((w) => t >= w.startMs && t < w.endMs)));
}

describe('planMinute', () => {
  it("hands every run of the next minute of a 10 s check to its own continuation, arriving on its due time or within a second after, never early", () => {
    const now = T0 + 200;
    const { owned, continuations } = plan(checks({ id: 'fast', interval: '10s' }), now);
    assert.deepEqual(owned, { startMs: SPAN, endMs: SPAN }, 'nothing of the next minute is close enough to wait for');
    const wakes = [0, 1, 2, 3, 4, 5].map((k) => SPAN + k * 10_000);
    assert.deepEqual(
      continuations.map((c) => c.event),
      wakes.map((wakeAtMs, k) => ({ kind: 'continuation', shard: 0, shards: 1, minuteStartMs: SPAN, wakeAtMs, windowEndMs: wakes[k + 1] ?? SPAN + MINUTE })),
    );
    for (const [k, c] of continuations.entries()) {
      const arrival = now + c.delaySeconds * 1_000;
      assert.ok(Number.isInteger(c.delaySeconds) && arrival >= wakes[k]! && arrival < wakes[k]! + 1_000, `continuation ${k} arrives ${arrival - wakes[k]!} ms after its due time`);
    }
  });

  it('keeps the first runs of the next minute when it fires in the last 2 s of its own, and hands off the later ones', () => {
    const list = checks({ id: 'fast', interval: '10s' });
    const late = plan(list, T0 + 58_500, { minuteStartMs: SPAN });
    assert.deepEqual(late.owned, { startMs: SPAN, endMs: SPAN + 10_000 }, 'the run due in 1.5 s is its own; the next, 10 s later, is not');
    assert.equal(late.continuations.length, 5);
    // The threshold decides: a handoff longer than the 10 s gaps keeps the whole minute in-process.
    assert.deepEqual(plan(list, T0 + 58_500, { minuteStartMs: SPAN, handoffMillis: 10_001 }), { owned: { startMs: SPAN, endMs: SPAN + MINUTE }, continuations: [] });
    assert.equal(plan(list, T0 + 58_500, { minuteStartMs: SPAN, handoffMillis: 10_000 }).continuations.length, 5);
  });

  it('shares one continuation among every sub-minute check due at the same instant, however many checks', () => {
    for (const count of [1, 10, 100]) {
      const list = checks(...Array.from({ length: count }, (_, i) => ({ id: `half-${i}`, interval: '30s' })));
      assert.deepEqual(plan(list, T0 + 3_000).continuations.map((c) => c.event.wakeAtMs), [SPAN, SPAN + 30_000], `${count} checks every 30 s`);
    }
    const mixed = checks(...Array.from({ length: 60 }, (_, i) => ({ id: `m-${i}`, interval: ['10s', '20s', '30s'][i % 3]! })));
    assert.equal(plan(mixed, T0 + 3_000).continuations.length, 6, '10, 20 and 30 s checks share the six 10 s instants');
  });

  it('cuts the minute into contiguous windows of at least 5 s, each due time in exactly one, at most 12 whatever the checks', () => {
    const intervals = ['10s', '12s', '15s', '20s', '30s'];
    for (const count of [2, 3, 5, 8, 13, 21]) {
      const list = checks(...Array.from({ length: count }, (_, i) => ({ id: `c${count}-${i}`, interval: intervals[(i * 7 + count) % intervals.length]! })));
      for (const now of [T0 + 150, T0 + 41_000, T0 + 58_800]) {
        const p = plan(list, now);
        const { owned, continuations } = p;
        const windows = [owned, ...continuations.map((c) => windowOf(c.event))];
        assert.ok(continuations.length <= 12, `${count} checks: ${continuations.length} continuations`);
        assert.equal(windows[0]?.startMs, SPAN);
        assert.equal(windows.at(-1)?.endMs, SPAN + MINUTE);
        for (let k = 1; k < windows.length; k++) assert.equal(windows[k]?.startMs, windows[k - 1]?.endMs, 'contiguous');
        for (const c of continuations.slice(0, -1)) assert.ok(c.event.windowEndMs - c.event.wakeAtMs >= 5_000, 'spans at least the window');
        const dues = subMinuteDueTimes(list, SPAN);
        for (const c of continuations) assert.ok(dues.includes(c.event.wakeAtMs), 'a continuation wakes at a due time');
        for (const t of dues) assert.equal(windows.filter((w) => t >= w.startMs && t < w.endMs).length, 1, `due ${t - SPAN} in one window`);
        assert.ok(continuations.every((c) => c.delaySeconds >= 0 && Number.isInteger(c.delaySeconds)));
      }
    }
  });

  it('plans every sub-minute due time exactly once over consecutive minutes, whatever second each invocation fires at', () => {
    const list = checks({ id: 'ten', interval: '10s' }, { id: 'twelve', interval: '12s' }, { id: 'half', interval: '30s' });
    // Fire seconds all over the minute, as EventBridge Scheduler's 60-second precision allows, minute after minute.
    const fireAt = [0, 59_900, 31_000, 1_500, 58_100, 45_000, 12_000, 59_000];
    const planned = fireAt.flatMap((d, m) => plannedDues(list, plan(list, T0 + m * MINUTE + d, { minuteStartMs: subMinuteSpanOf(T0 + m * MINUTE) })));
    const expected = list.flatMap((c) => fireAt.flatMap((_, m) => subMinuteDueTimes([c], SPAN + m * MINUTE)));
    assert.deepEqual([...planned].sort((a, b) => a - b), [...expected].sort((a, b) => a - b));
  });

  it('sends nothing for checks of a minute or more', () => {
    assert.deepEqual(plan(checks({ id: 'minutely', interval: '1m' }, { id: 'five', interval: '5m' }), T0 + 300).continuations, []);
  });

  it('rejects a span that is not a minute boundary', () => {
    assert.throws(() => plan(checks({ id: 'fast', interval: '10s' }), T0, { minuteStartMs: SPAN + 1 }), /minute boundary/);
  });
});

describe('planProbeRuns in a continuation window', () => {
  const list = checks({ id: 'fast', interval: '10s' }, { id: 'minutely', interval: '1m' });
  const base = { deadlineMs: 0, marginMs: 1_000, retryDelayMs: 0, minuteMs: null };

  it('runs only the due times of its window, at their time, and no check of a minute or more', () => {
    const window = { startMs: SPAN + 20_000, endMs: SPAN + 30_000 };
    const now = window.startMs - 700;
    const { runs, skipped } = planProbeRuns(list, { ...base, nowMs: now, deadlineMs: now + 50_000, windows: [window] });
    assert.deepEqual(runs.map((r) => [r.check.id, r.dueAt, r.startAt]), [['fast', window.startMs, window.startMs]]);
    assert.deepEqual(skipped, []);
  });

  it('runs a late window once now, not in a burst, and counts the due times it collapsed', () => {
    const window = { startMs: SPAN + 10_000, endMs: SPAN + 40_000 };
    const now = SPAN + 35_000;
    const { runs, skipped } = planProbeRuns(list, { ...base, nowMs: now, deadlineMs: now + 50_000, windows: [window] });
    assert.deepEqual(runs.map((r) => [r.dueAt, r.startAt]), [[SPAN + 30_000, now]]);
    assert.deepEqual(skipped.map((s) => [s.dueAt, s.reason]), [[SPAN + 10_000, 'missed'], [SPAN + 20_000, 'missed']]);
  });

  it('runs nothing for a window of a minute already over, and counts each of its due times as stale', () => {
    const window = { startMs: SPAN + 10_000, endMs: SPAN + 40_000 };
    const now = SPAN + MINUTE + 2_000;
    const { runs, skipped } = planProbeRuns(list, { ...base, nowMs: now, deadlineMs: now + 50_000, windows: [window] });
    assert.deepEqual(runs, []);
    assert.deepEqual(skipped.map((s) => [s.dueAt, s.reason]), [10_000, 20_000, 30_000].map((d) => [SPAN + d, 'stale']));
  });
});

describe('parseContinuation', () => {
  const valid: ContinuationEvent = { kind: 'continuation', shard: 1, shards: 2, minuteStartMs: T0, wakeAtMs: T0 + 12_000, windowEndMs: T0 + 30_000 };

  it('reads back what the scheduled invocation sends', () => {
    assert.deepEqual(parseContinuation(JSON.stringify(valid)), valid);
  });

  it('rejects anything else with one line naming the problem', () => {
    const cases: [unknown, RegExp][] = [
      [42, /must be a string/],
      ['not json', /not JSON/],
      ['[1]', /JSON object/],
      [JSON.stringify({ ...valid, extra: 1 }), /unknown field\(s\) extra/],
      [JSON.stringify({ ...valid, kind: 'scheduled' }), /"kind": "continuation"/],
      [JSON.stringify({ ...valid, shard: 2 }), /"shard" must be below "shards" \(2\), got 2/],
      [JSON.stringify({ ...valid, shards: 0 }), /"shards", an integer ≥ 1, got 0/],
      [JSON.stringify({ ...valid, wakeAtMs: 'soon' }), /"wakeAtMs", an integer/],
      [JSON.stringify({ ...valid, minuteStartMs: T0 + 1 }), /minute boundary/],
      [JSON.stringify({ ...valid, windowEndMs: T0 + MINUTE + 1 }), /inside the minute/],
      [JSON.stringify({ ...valid, windowEndMs: valid.wakeAtMs }), /non-empty/],
    ];
    for (const [body, message] of cases) {
      assert.throws(() => parseContinuation(body), (error: unknown) => error instanceof InvalidContinuationError && message.test(error.message) && !error.message.includes('\n'));
    }
  });
});
