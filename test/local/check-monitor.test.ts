import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { AlertEvent, Notifier } from '../../lambdas/core/notification.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { CheckMonitor } from '../../lambdas/local/check-monitor.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { startDynalite, type TestDynalite } from '../support/dynalite.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z'); // a Monday, on a minute boundary

let db: TestDynalite;
let tableCount = 0;
before(async () => {
  db = await startDynalite();
});
after(() => db.close());

class Recorder implements Notifier {
  readonly events: AlertEvent[] = [];
  notify(e: AlertEvent): void {
    this.events.push(e);
  }
  async drain(): Promise<void> {}
}

function result(checkId: string, atMs: number, ok: boolean): ProbeResult {
  return {
    checkId,
    type: 'http',
    location: 'local',
    startedAt: new Date(atMs).toISOString(),
    ok,
    status: ok ? 'up' : 'down',
    error: ok ? null : { kind: 'http_status', message: 'expected status 200-399, got 503' },
    timings: { dnsMs: null, connectMs: 1, tlsMs: null, ttfbMs: 2, downloadMs: 0.1, totalMs: 3.1 },
    httpStatus: ok ? 200 : 503,
    address: '127.0.0.1:80',
    target: 'http://127.0.0.1/',
    assertions: [],
    attempts: 1,
  };
}

async function setup(extra: Record<string, unknown> = {}) {
  const config = validateConfig({
    checks: [{ id: 'shop', type: 'http', url: 'http://127.0.0.1/', interval: '10s', timeout: '2s', alertPolicy: { evaluationPeriods: 3, failingPeriods: 2 } }],
    ...extra,
  });
  const table = `monitor-${tableCount++}`;
  await ensureTable(db.client, table);
  let now = T0;
  const clock: Clock = { now: () => now, monotonic: () => now };
  const store = new DynamoResultsStore({ client: db.client, tableName: table, clock });
  const notifier = new Recorder();
  const logs: string[] = [];
  const monitor = new CheckMonitor({ store, notifier, clock, location: 'local', log: (l) => logs.push(l) });
  await monitor.setChecks(config.checks, config.maintenance, 'http://127.0.0.1:8787');
  /** Feeds one run per 10 s from `fromMs`, passing or failing as `pattern` says ("#" fails, "." passes). */
  const feed = async (fromMs: number, pattern: string) => {
    for (const [i, c] of [...pattern].entries()) {
      now = fromMs + i * 10_000;
      const r = result('shop', now, c === '.');
      await store.recordResults([r]);
      await monitor.onResult(r);
    }
    return fromMs + pattern.length * 10_000;
  };
  return { monitor, store, notifier, logs, feed, state: () => monitor.states()[0]! };
}

describe('CheckMonitor', () => {
  it('marks the check down when 2 of the last 3 periods fail, and dates the incident from the first failure', async () => {
    const { notifier, feed, state, store } = await setup();
    let t = await feed(T0, '......'); // minute 0 passes
    t = await feed(t, '######'); // minute 1 fails: 1 of 3 periods, not down yet
    assert.equal(state().state, 'degraded');
    assert.equal(notifier.events.length, 0);
    t = await feed(t, '#'); // first run of minute 2 fails: 2 failing periods
    assert.equal(state().state, 'down');
    const open = await store.openIncidentFor('shop');
    assert.equal(open?.openedAt, new Date(T0 + 60_000).toISOString());
    assert.equal(open?.detectedAt, new Date(T0 + 120_000).toISOString());
    assert.deepEqual(notifier.events.map((e) => e.kind), ['down']);
    assert.equal(notifier.events[0]!.dashboardUrl, 'http://127.0.0.1:8787/#/check/shop');
  });

  it('sends one DOWN and one RECOVERED for one outage, however many failing runs it has', async () => {
    const { notifier, feed, state, store } = await setup({});
    let t = await feed(T0, '######' + '######' + '######');
    assert.equal(state().state, 'down');
    t = await feed(t, '......' + '......' + '......');
    assert.equal(state().state, 'up');
    assert.deepEqual(notifier.events.map((e) => e.kind), ['down', 'recovered']);
    const [incident] = await store.incidents({ checkId: 'shop' });
    // From the first failing run (T0) to the first passing run (T0 + 3 min).
    assert.equal(incident?.durationSeconds, 180);
    assert.equal(notifier.events[1]!.durationSeconds, 180);
  });

  it('records an outage inside a maintenance window as planned and sends nothing', async () => {
    const { notifier, feed, state, store, logs } = await setup({
      maintenance: [{ id: 'upgrade', checks: ['shop'], start: '2026-03-02T09:00:00Z', end: '2026-03-02T11:00:00Z' }],
    });
    let t = await feed(T0, '######'.repeat(3));
    assert.equal(state().state, 'down');
    assert.equal(state().inMaintenance, true);
    assert.equal((await store.openIncidentFor('shop'))?.planned, true);
    t = await feed(t, '......'.repeat(3));
    assert.equal(notifier.events.length, 0);
    assert.ok(logs.some((l) => /recorded as planned, no alert sent/.test(l)));
  });

  it('turns a planned outage into an unplanned one, with an alert, when the window ends while still down', async () => {
    const { notifier, feed, store } = await setup({
      maintenance: [{ id: 'upgrade', checks: ['shop'], start: '2026-03-02T09:00:00Z', end: '2026-03-02T10:03:00Z' }],
    });
    await feed(T0, '######'.repeat(5)); // down from minute 1, window ends at minute 3
    const incidents = await store.incidents({ checkId: 'shop' });
    assert.deepEqual(incidents.map((i) => i.planned), [true, false]);
    assert.ok(incidents[0]!.closedAt !== null, 'the planned part is closed');
    assert.equal(incidents[1]!.closedAt, null, 'the unplanned part is open');
    assert.deepEqual(notifier.events.map((e) => e.kind), ['down']);
  });

  it('restores history and the open incident after a restart, without alerting again', async () => {
    const first = await setup();
    await first.feed(T0, '######'.repeat(3));
    assert.equal(first.state().state, 'down');
    const config = validateConfig({ checks: [{ id: 'shop', type: 'http', url: 'http://127.0.0.1/', interval: '10s', timeout: '2s', alertPolicy: { evaluationPeriods: 3, failingPeriods: 2 } }] });
    const notifier = new Recorder();
    let now = T0 + 180_000;
    const clock: Clock = { now: () => now, monotonic: () => now };
    const again = new CheckMonitor({ store: first.store, notifier, clock, location: 'local', log: () => undefined });
    await again.setChecks(config.checks, [], null);
    assert.equal(again.states()[0]!.state, 'down');
    for (let i = 0; i < 18; i++) {
      now = T0 + 180_000 + i * 10_000;
      const r = result('shop', now, true);
      await first.store.recordResults([r]);
      await again.onResult(r);
    }
    assert.deepEqual(notifier.events.map((e) => e.kind), ['recovered']);
  });
});
