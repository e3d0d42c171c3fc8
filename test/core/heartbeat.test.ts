import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeartbeatCheck } from '../../lambdas/core/check.ts';
import {
  applyPing,
  evaluateHeartbeat,
  heartbeatDueAtMs,
  initialHeartbeatState,
  MAX_MISSED_PER_EVALUATION,
  MAX_PING_MESSAGE_CHARS,
  pingMessage,
  pingPath,
  type HeartbeatState,
  type Ping,
} from '../../lambdas/core/heartbeat.ts';
import { TokenBuckets } from '../../lambdas/core/token-bucket.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 2, 10, 0, 0, 0);
const hb: HeartbeatCheck = { type: 'heartbeat', id: 'nightly', name: 'Nightly', everyMs: 24 * HOUR, graceMs: 2 * HOUR, tags: [], severity: 'high', sloPercent: 99.9, backup: null };
const fresh = initialHeartbeatState('nightly', T0);
const at = (ms: number) => new Date(ms).toISOString();

/** Applies pings in order; returns the last outcome and the state. */
function run(pings: readonly Ping[], from: HeartbeatState = fresh) {
  let state = from;
  let last = applyPing(hb, state, pings[0]!, 'local');
  state = last.state;
  for (const p of pings.slice(1)) {
    last = applyPing(hb, state, p, 'local');
    state = last.state;
  }
  return { ...last, state };
}

describe('heartbeat deadlines', () => {
  const cases: readonly { name: string; pings: readonly Ping[]; due: number }[] = [
    { name: 'a heartbeat that never pinged is due every + grace after watching began', pings: [], due: T0 + 26 * HOUR },
    { name: 'a success ping moves the deadline to every + grace after it', pings: [{ kind: 'success', atMs: T0 + HOUR, message: null }], due: T0 + 27 * HOUR },
    { name: 'a fail ping moves it too (the job did report)', pings: [{ kind: 'fail', atMs: T0 + HOUR, message: null }], due: T0 + 27 * HOUR },
    { name: 'a /start does not move it: a run that never ends is missed', pings: [{ kind: 'success', atMs: T0 + HOUR, message: null }, { kind: 'start', atMs: T0 + 25 * HOUR, message: null }], due: T0 + 27 * HOUR },
    {
      name: 'a late ping (older than the last) does not move it back',
      pings: [{ kind: 'success', atMs: T0 + 5 * HOUR, message: null }, { kind: 'success', atMs: T0 + HOUR, message: null }],
      due: T0 + 31 * HOUR,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const state = c.pings.length === 0 ? fresh : run(c.pings).state;
      assert.equal(heartbeatDueAtMs(hb, state), c.due);
    });
  }

  it('counts from the later of the last ping and a resumed watch', () => {
    const state = { ...run([{ kind: 'success', atMs: T0 + HOUR, message: null }]).state, watchingSinceMs: T0 + 10 * HOUR };
    assert.equal(heartbeatDueAtMs(hb, state), T0 + 36 * HOUR);
  });
});

describe('applyPing', () => {
  it('records a success with the duration measured from /start', () => {
    const out = run([{ kind: 'start', atMs: T0 + HOUR, message: null }, { kind: 'success', atMs: T0 + HOUR + 90_000, message: 'done' }]);
    assert.equal(out.result?.ok, true);
    assert.equal(out.result?.status, 'up');
    assert.equal(out.result?.type, 'heartbeat');
    assert.equal(out.result?.timings.totalMs, 90_000);
    assert.equal(out.result?.startedAt, at(T0 + HOUR + 90_000));
    assert.equal(out.state.lastDurationMs, 90_000);
    assert.equal(out.state.startedMs, null);
    assert.deepEqual(out.decision, { action: 'none' });
  });

  it('takes the run start from the ping when it knows it (an AWS Backup job), else 0 ms', () => {
    assert.equal(run([{ kind: 'success', atMs: T0 + HOUR, message: null, runStartedMs: T0 + HOUR - 5000 }]).result?.timings.totalMs, 5000);
    assert.equal(run([{ kind: 'success', atMs: T0 + HOUR, message: null }]).result?.timings.totalMs, 0);
  });

  it('records nothing for /start', () => {
    const out = run([{ kind: 'start', atMs: T0 + HOUR, message: null }]);
    assert.equal(out.result, null);
    assert.equal(out.state.startedMs, T0 + HOUR);
  });

  it('opens an incident at once on a fail ping, with the job message', () => {
    const out = run([{ kind: 'fail', atMs: T0 + HOUR, message: 'disk full' }]);
    assert.equal(out.result?.ok, false);
    assert.deepEqual(out.result?.error, { kind: 'assertion', message: 'the job reported a failure: disk full' });
    assert.deepEqual(out.decision, { action: 'open', openedAtMs: T0 + HOUR, error: { kind: 'assertion', message: 'the job reported a failure: disk full' } });
    assert.equal(out.state.downSinceMs, T0 + HOUR);
  });

  it('does not open a second incident on a second fail ping', () => {
    const out = run([{ kind: 'fail', atMs: T0 + HOUR, message: null }, { kind: 'fail', atMs: T0 + 2 * HOUR, message: null }]);
    assert.deepEqual(out.decision, { action: 'none' });
    assert.equal(out.state.downSinceMs, T0 + HOUR);
  });

  it('closes the incident on the next success ping', () => {
    const out = run([{ kind: 'fail', atMs: T0 + HOUR, message: null }, { kind: 'success', atMs: T0 + 3 * HOUR, message: null }]);
    assert.deepEqual(out.decision, { action: 'close', closedAtMs: T0 + 3 * HOUR });
    assert.equal(out.state.downSinceMs, null);
  });

  it('records a late ping but changes nothing (an AWS Backup event can come minutes late)', () => {
    const before = run([{ kind: 'fail', atMs: T0 + 5 * HOUR, message: null }]).state;
    const out = applyPing(hb, before, { kind: 'success', atMs: T0 + HOUR, message: null }, 'local');
    assert.equal(out.state, before);
    assert.equal(out.result?.ok, true);
    assert.deepEqual(out.decision, { action: 'none' });
  });
});

describe('evaluateHeartbeat', () => {
  it('does nothing before the deadline', () => {
    const out = evaluateHeartbeat(hb, fresh, T0 + 26 * HOUR - 1, 'local');
    assert.deepEqual(out, { state: fresh, missed: [], decision: { action: 'none' } });
  });

  it('opens an incident at the deadline (openedAt = the deadline) and records the missed run once', () => {
    const state = run([{ kind: 'success', atMs: T0 + HOUR, message: null }]).state;
    const out = evaluateHeartbeat(hb, state, T0 + 27 * HOUR + 30_000, 'local');
    assert.deepEqual(out.decision, {
      action: 'open',
      openedAtMs: T0 + 27 * HOUR,
      error: { kind: 'timeout', message: `no ping since ${at(T0 + HOUR)} (expected every 1d, grace 2h)` },
    });
    assert.deepEqual(out.missed.map((r) => [r.startedAt, r.ok, r.status]), [[at(T0 + 27 * HOUR), false, 'down']]);
    const again = evaluateHeartbeat(hb, out.state, T0 + 27 * HOUR + 90_000, 'local');
    assert.deepEqual(again.missed, []);
    assert.deepEqual(again.decision, { action: 'none' });
  });

  it('records one more missed run for each period that passes without a ping', () => {
    const first = evaluateHeartbeat(hb, fresh, T0 + 26 * HOUR, 'local');
    const later = evaluateHeartbeat(hb, first.state, T0 + 26 * HOUR + 2 * 24 * HOUR + 5, 'local');
    assert.deepEqual(later.missed.map((r) => r.startedAt), [at(T0 + 50 * HOUR), at(T0 + 74 * HOUR)]);
    assert.deepEqual(later.decision, { action: 'none' });
  });

  it('says a run that started did not finish', () => {
    const state = run([{ kind: 'success', atMs: T0, message: null }, { kind: 'start', atMs: T0 + 24 * HOUR, message: null }]).state;
    const out = evaluateHeartbeat(hb, state, T0 + 26 * HOUR, 'local');
    assert.equal(out.decision.action === 'open' ? out.decision.error.message : '', `the run started at ${at(T0 + 24 * HOUR)} did not finish by ${at(T0 + 26 * HOUR)} (expected every 1d, grace 2h)`);
  });

  it('says when it never pinged at all', () => {
    const out = evaluateHeartbeat(hb, fresh, T0 + 26 * HOUR, 'local');
    assert.match(out.decision.action === 'open' ? out.decision.error.message : '', /^no ping since skyprobe started watching at /);
  });

  it('records missed runs but opens nothing while already down from a fail ping', () => {
    const state = run([{ kind: 'fail', atMs: T0, message: null }]).state;
    const out = evaluateHeartbeat(hb, state, T0 + 26 * HOUR, 'local');
    assert.equal(out.missed.length, 1);
    assert.deepEqual(out.decision, { action: 'none' });
  });

  it(`records at most ${MAX_MISSED_PER_EVALUATION} missed runs at once, the latest ones`, () => {
    const short: HeartbeatCheck = { ...hb, everyMs: 10_000, graceMs: 0 };
    const out = evaluateHeartbeat(short, fresh, T0 + 10_000 * 1000, 'local');
    assert.equal(out.missed.length, MAX_MISSED_PER_EVALUATION);
    assert.equal(out.missed.at(-1)?.startedAt, at(T0 + 10_000 * 1000));
    assert.equal(out.state.missedThroughMs, T0 + 10_000 * 1000);
  });
});

describe('ping messages and paths', () => {
  const redact = (t: string) => t.replace(/s3cret/g, '***');
  const cases: readonly [string, string, string | null][] = [
    ['keeps a short log line', 'dumped 42 tables', 'dumped 42 tables'],
    ['redacts secrets', 'token=s3cret ok', 'token=*** ok'],
    ['turns control characters into spaces and trims', '\u001b[31merror\u001b[0m\r\nline 2\n', '[31merror [0m line 2'],
    ['is null when nothing is left', ' \n ', null],
    ['cuts long text', 'x'.repeat(5000), `${'x'.repeat(MAX_PING_MESSAGE_CHARS - 1)}…`],
  ];
  for (const [name, body, expected] of cases) it(name, () => assert.equal(pingMessage(body, redact), expected));

  it('builds ping paths', () => {
    assert.deepEqual([pingPath('db'), pingPath('db', 'start'), pingPath('db', 'fail')], ['/ping/db', '/ping/db/start', '/ping/db/fail']);
  });
});

describe('TokenBuckets', () => {
  it('allows a burst, then refills over time, per key', () => {
    const buckets = new TokenBuckets({ burst: 2, refillPerSecond: 1 });
    assert.deepEqual([buckets.take('a', 0), buckets.take('a', 0), buckets.take('a', 0), buckets.take('b', 0)], [true, true, false, true]);
    assert.equal(buckets.retryAfterSeconds('a', 0), 1);
    assert.equal(buckets.take('a', 999), false);
    assert.equal(buckets.take('a', 1000), true);
  });

  it('forgets the key idle longest past maxKeys (it comes back full)', () => {
    const buckets = new TokenBuckets({ burst: 1, refillPerSecond: 0.001, maxKeys: 2 });
    buckets.take('a', 0);
    buckets.take('b', 0);
    buckets.take('c', 0);
    assert.equal(buckets.take('a', 1), true);
    assert.equal(buckets.take('c', 1), false);
  });

  it('rejects a burst below 1', () => {
    assert.throws(() => new TokenBuckets({ burst: 0, refillPerSecond: 1 }), /burst must be at least 1/);
  });
});
