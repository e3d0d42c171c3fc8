import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextDueAt, Scheduler, spreadOffsetMs } from '../../lambdas/local/scheduler.ts';
import { systemClock } from '../../lambdas/engine/context.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('spreadOffsetMs', () => {
  it('gives each id a stable slot inside the interval', () => {
    for (const id of ['home', 'api', 'db', 'a-very-long-check-id-0123456789']) {
      const offset = spreadOffsetMs(id, 10_000);
      assert.ok(offset >= 0 && offset < 10_000);
      assert.equal(spreadOffsetMs(id, 10_000), offset);
    }
  });

  it('spreads 1,000 checks over the interval instead of firing them together', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 1000; i++) buckets[Math.floor(spreadOffsetMs(`check-${i}`, 10_000) / 1000)]! += 1;
    for (const count of buckets) assert.ok(count > 60 && count < 140, `uneven spread: ${buckets.join(',')}`);
  });
});

describe('nextDueAt', () => {
  const table: [after: number, interval: number, offset: number, due: number][] = [
    [0, 10_000, 3_000, 3_000],
    [3_000, 10_000, 3_000, 13_000],
    [12_999, 10_000, 3_000, 13_000],
    [1_000_000, 60_000, 0, 1_020_000],
  ];
  for (const [after, interval, offset, due] of table) {
    it(`puts the run after ${after} at ${due} (interval ${interval}, offset ${offset})`, () => {
      assert.equal(nextDueAt(after, interval, offset), due);
    });
  }
});

describe('Scheduler', () => {
  it('runs each job on its grid without drift', async () => {
    const due: number[] = [];
    const lags: number[] = [];
    const s = new Scheduler({ clock: systemClock, onLag: (_id, lag) => lags.push(lag) });
    s.setJobs([{ id: 'a', intervalMs: 40, run: async (at) => void due.push(at) }]);
    await sleep(230);
    await s.stop();
    assert.ok(due.length >= 4 && due.length <= 6, `ran ${due.length} times`);
    for (let i = 1; i < due.length; i++) assert.equal(due[i]! - due[i - 1]!, 40);
    assert.ok(Math.max(...lags) < 30, `lag ${Math.max(...lags)} ms`);
  });

  it('skips and counts a run whose previous run is still going', async () => {
    const missed: string[] = [];
    const s = new Scheduler({ clock: systemClock, onMissed: (id) => missed.push(id) });
    s.setJobs([{ id: 'slow', intervalMs: 30, run: () => sleep(100) }]);
    await sleep(200);
    await s.stop();
    assert.ok(s.stats().missed >= 2, `missed ${s.stats().missed}`);
    assert.equal(missed.length, s.stats().missed);
  });

  it('holds runs beyond the concurrency bound until a slot frees', async () => {
    let inFlight = 0;
    let peak = 0;
    const s = new Scheduler({ clock: systemClock, maxConcurrent: 3 });
    s.setJobs(
      Array.from({ length: 10 }, (_, i) => ({
        id: `j${i}`,
        intervalMs: 50,
        run: async () => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          await sleep(20);
          inFlight -= 1;
        },
      })),
    );
    await sleep(160);
    await s.stop();
    assert.equal(peak, 3);
    assert.ok(s.stats().started >= 10);
  });

  it('waits for runs in flight when stopped, and starts none after', async () => {
    let finished = 0;
    let startedAfterStop = 0;
    let stopped = false;
    const s = new Scheduler({ clock: systemClock });
    s.setJobs([
      {
        id: 'a',
        intervalMs: 20,
        run: async () => {
          if (stopped) startedAfterStop += 1;
          await sleep(60);
          finished += 1;
        },
      },
    ]);
    await sleep(45);
    const stopping = s.stop();
    stopped = true;
    await stopping;
    assert.ok(finished >= 1, 'the run in flight did not finish');
    await sleep(60);
    assert.equal(startedAfterStop, 0);
  });

  it('drops removed jobs and picks up new ones on setJobs', async () => {
    const runs: string[] = [];
    const s = new Scheduler({ clock: systemClock });
    const job = (id: string) => ({ id, intervalMs: 20, run: async () => void runs.push(id) });
    s.setJobs([job('old')]);
    await sleep(70);
    s.setJobs([job('new')]);
    const cut = runs.length;
    await sleep(70);
    await s.stop();
    assert.ok(runs.slice(0, cut).includes('old'));
    assert.ok(!runs.slice(cut).includes('old'), 'a removed job still ran');
    assert.ok(runs.slice(cut).includes('new'));
  });
});
