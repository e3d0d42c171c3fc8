import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { spreadOffsetMs } from '../../lambdas/core/schedule.ts';
import { dueTimesOfMinute, InvalidContinuationError, parseContinuation, planMinute, windowOf, type ContinuationEvent } from '../../lambdas/monitor/continuations.ts';
import { planProbeRuns } from '../../lambdas/monitor/probe-cycle.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T10:00:00Z'); // a minute boundary

function checks(...specs: { id: string; interval: string }[]) {
  return validateConfig({ checks: specs.map((s) => ({ ...s, type: 'http', url: 'https://example.com/', timeout: '1s', retries: 0 })) }).checks;
}

/** The first id `<prefix>-<n>` whose spread offset in `intervalMs` lies in [fromMs, toMs): fixed ids, chosen once, so tests know their offsets. */
function idWithOffset(prefix: string, intervalMs: number, fromMs: number, toMs: number): string {
  for (let n = 0; ; n++) {
    const offset = spreadOffsetMs(`${prefix}-${n}`, intervalMs);
    if (offset >= fromMs && offset < toMs) return `${prefix}-${n}`;
  }
}

const plan = (list: ReturnType<typeof checks>, nowMs: number, extra: Partial<Parameters<typeof planMinute>[1]> = {}) =>
  planMinute(list, { nowMs, shard: 0, shards: 1, ...extra });

describe('planMinute', () => {
  it('hands every later run of a 10 s check to its own continuation, woken a little early in whole seconds', () => {
    const id = idWithOffset('fast', 10_000, 3_000, 4_000);
    const offset = spreadOffsetMs(id, 10_000);
    const now = T0 + 200;
    const { owned, continuations } = plan(checks({ id, interval: '10s' }), now);
    // The first run is 3-4 s away: more than the 2 s handoff, so even it goes to a continuation.
    assert.deepEqual(owned, { startMs: T0, endMs: T0 + offset });
    const wakes = [0, 1, 2, 3, 4, 5].map((k) => T0 + offset + k * 10_000);
    assert.deepEqual(
      continuations.map((c) => c.event),
      wakes.map((wakeAtMs, k) => ({ kind: 'continuation', shard: 0, shards: 1, minuteStartMs: T0, wakeAtMs, windowEndMs: wakes[k + 1] ?? T0 + MINUTE })),
    );
    // Arrives 1 to 2 s before its run: (wake - 1 s lead - now), rounded down to whole seconds.
    assert.deepEqual(continuations.map((c) => c.delaySeconds), wakes.map((w) => Math.floor((w - 1_000 - now) / 1_000)));
    for (const [k, c] of continuations.entries()) {
      const arrival = now + c.delaySeconds * 1_000;
      assert.ok(arrival <= (wakes[k] as number) - 1_000 && arrival > (wakes[k] as number) - 2_000, `continuation ${k} arrives ${wakes[k]! - arrival} ms early`);
    }
  });

  it('waits in-process for a run due within the handoff, and hands off a run due later', () => {
    const id = idWithOffset('soon', 10_000, 1_000, 1_500);
    const offset = spreadOffsetMs(id, 10_000);
    const list = checks({ id, interval: '10s' });
    const soon = plan(list, T0);
    assert.equal(soon.owned.endMs, T0 + offset + 10_000, 'the run due in under 2 s is owned; the next, 10 s later, is not');
    assert.equal(soon.continuations.length, 5);
    // The threshold decides: a handoff longer than the 10 s gaps keeps the whole minute in-process.
    assert.deepEqual(plan(list, T0, { handoffMillis: 10_001 }), { owned: { startMs: T0, endMs: T0 + MINUTE }, continuations: [] });
    assert.equal(plan(list, T0, { handoffMillis: 10_000 }).continuations.length, 5);
  });

  it('keeps the whole minute when runs are never more than the handoff apart (waiting is the cheaper)', () => {
    const list = checks(...Array.from({ length: 60 }, (_, i) => ({ id: `dense-${i}`, interval: '10s' })));
    const dues = dueTimesOfMinute(list, T0);
    const gaps = dues.slice(1).map((t, i) => t - (dues[i] as number));
    assert.ok(Math.max(dues[0]! - T0, ...gaps) < 2_000, 'the fixture is dense');
    assert.deepEqual(plan(list, T0), { owned: { startMs: T0, endMs: T0 + MINUTE }, continuations: [] });
  });

  it('cuts the minute into contiguous windows of at least 5 s, each due time in exactly one, at most 12 whatever the checks', () => {
    for (const count of [2, 3, 5, 8, 13, 21]) {
      const list = checks(...Array.from({ length: count }, (_, i) => ({ id: `c${count}-${i}`, interval: i % 2 === 0 ? '10s' : '15s' })));
      const now = T0 + 150;
      const { owned, continuations } = plan(list, now);
      const windows = [owned, ...continuations.map((c) => windowOf(c.event))];
      assert.ok(continuations.length <= 12, `${count} checks: ${continuations.length} continuations`);
      assert.equal(windows[0]?.startMs, T0);
      assert.equal(windows.at(-1)?.endMs, T0 + MINUTE);
      for (let k = 1; k < windows.length; k++) assert.equal(windows[k]?.startMs, windows[k - 1]?.endMs, 'contiguous');
      for (const c of continuations.slice(0, -1)) assert.ok(c.event.windowEndMs - c.event.wakeAtMs >= 5_000, 'spans at least the window');
      const dues = dueTimesOfMinute(list, now);
      for (const c of continuations) assert.ok(dues.includes(c.event.wakeAtMs), 'a continuation wakes at a due time');
      for (const t of dues) assert.equal(windows.filter((w) => t >= w.startMs && t < w.endMs).length, 1, `due ${t - T0} in one window`);
      assert.ok(continuations.every((c) => c.delaySeconds >= 0 && Number.isInteger(c.delaySeconds)));
    }
  });

  it('hands off only what is still ahead when the scheduled invocation itself is late', () => {
    const id = idWithOffset('late', 10_000, 3_000, 4_000);
    const offset = spreadOffsetMs(id, 10_000);
    const now = T0 + 35_000;
    const { owned, continuations } = plan(checks({ id, interval: '10s' }), now);
    const ahead = [0, 1, 2, 3, 4, 5].map((k) => T0 + offset + k * 10_000).filter((t) => t > now);
    assert.deepEqual(continuations.map((c) => c.event.wakeAtMs), ahead.slice(ahead[0]! - now < 2_000 ? 1 : 0));
    assert.equal(owned.startMs, T0, 'the missed runs stay with the late invocation, which collapses them');
  });

  it('sends nothing for checks of a minute or more', () => {
    assert.deepEqual(plan(checks({ id: 'minutely', interval: '1m' }, { id: 'five', interval: '5m' }), T0 + 300).continuations, []);
  });
});

describe('planProbeRuns in a continuation window', () => {
  const id = idWithOffset('win', 10_000, 3_000, 4_000);
  const offset = spreadOffsetMs(id, 10_000);
  const list = checks({ id, interval: '10s' }, { id: 'minutely', interval: '1m' });
  const base = { deadlineMs: 0, marginMs: 1_000, retryDelayMs: 0 };

  it('runs only the due times of its window, at their time', () => {
    const window = { startMs: T0 + offset + 20_000, endMs: T0 + offset + 30_000 };
    const now = window.startMs - 1_500;
    const { runs, skipped } = planProbeRuns(list, { ...base, nowMs: now, deadlineMs: now + 50_000, windows: [window] });
    assert.deepEqual(runs.map((r) => [r.check.id, r.dueAt, r.startAt]), [[id, window.startMs, window.startMs]]);
    assert.deepEqual(skipped, []);
  });

  it('runs a late window once now, not in a burst, and counts the due times it collapsed', () => {
    const window = { startMs: T0 + offset + 10_000, endMs: T0 + offset + 40_000 };
    const now = T0 + offset + 35_000;
    const { runs, skipped } = planProbeRuns(list, { ...base, nowMs: now, deadlineMs: now + 50_000, windows: [window] });
    assert.deepEqual(runs.map((r) => [r.dueAt, r.startAt]), [[T0 + offset + 30_000, now]]);
    assert.deepEqual(skipped.map((s) => [s.dueAt, s.reason]), [[T0 + offset + 10_000, 'missed'], [T0 + offset + 20_000, 'missed']]);
  });

  it('runs nothing for a window of a minute already over, and counts each of its due times as stale', () => {
    const window = { startMs: T0 + offset + 10_000, endMs: T0 + offset + 40_000 };
    const now = T0 + MINUTE + 2_000;
    const { runs, skipped } = planProbeRuns(list, { ...base, nowMs: now, deadlineMs: now + 50_000, windows: [window] });
    assert.deepEqual(runs, []);
    assert.deepEqual(skipped.map((s) => [s.dueAt, s.reason]), [10_000, 20_000, 30_000].map((d) => [T0 + offset + d, 'stale']));
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
