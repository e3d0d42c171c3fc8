/**
 * Heartbeats in the dashboard's JSON API, end to end on one real server: jobs ping the real endpoint
 * (LocalHeartbeats, as `skyprobe run` wires it) backed by the embedded store, the sweep records missed
 * deadlines, and the API shows each heartbeat's state, last ping, run duration, deadline, results and
 * incidents beside the checks. The clock is driven by the test, so late and missed deadlines come at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { AlertEvent } from '../../lambdas/core/notification.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createDashboardServer, type DashboardServer } from '../../lambdas/local/dashboard/server.ts';
import type { DailyBar, LatencyHour } from '../../lambdas/local/dashboard/rollup-math.ts';
import type { CheckSummaryView, HealthView, HeartbeatDetailView, IncidentView } from '../../lambdas/local/dashboard/views.ts';
import { LocalHeartbeats } from '../../lambdas/local/heartbeat-service.ts';
import { LOCAL_TOKENS_FILE } from '../../lambdas/local/heartbeat-tokens.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { DynamoHeartbeatStore } from '../../lambdas/store/heartbeat-store.ts';
import { startDynalite, type TestDynalite } from '../support/dynalite.ts';

const TABLE = 'skyprobe';
const MIN = 60_000;
const HOUR = 60 * MIN;
/** Three hours ago on the hour: every run lands inside the last 24 hours of the real clock too. */
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
let nowMs = T0;
const clock = { now: () => nowMs, monotonic: () => performance.now() };
const iso = (ms: number) => new Date(ms).toISOString();

const config = validateConfig({
  checks: [
    { id: 'web', type: 'http', url: 'https://example.com/' },
    { type: 'heartbeat', id: 'nightly', name: 'Nightly export', every: '10m', grace: '5m', tags: ['jobs'] },
    { type: 'heartbeat', id: 'dump', every: '1h', grace: '10m', severity: 'critical' },
    { type: 'heartbeat', id: 'waiting', every: '1d', grace: '1h', backup: { vaults: ['prod-vault'] } },
  ],
  maintenance: [{ id: 'vault-move', checks: ['waiting'], start: iso(T0 - HOUR), end: iso(T0 + 2 * 24 * HOUR) }],
});

let db: TestDynalite;
let server: DashboardServer;
let heartbeats: LocalHeartbeats;
let base: string;
let tokens: Record<string, string>;
const alerts: AlertEvent[] = [];

before(async () => {
  db = await startDynalite();
  await ensureTable(db.client, TABLE);
  const store = new DynamoResultsStore({ client: db.client, tableName: TABLE, clock });
  const dataDir = mkdtempSync(join(tmpdir(), 'skyprobe-dash-hb-'));
  heartbeats = new LocalHeartbeats({
    results: store,
    states: new DynamoHeartbeatStore({ client: db.client, tableName: TABLE }),
    notifier: { notify: (e) => alerts.push(e), drain: async () => undefined },
    clock,
    location: 'local',
    dataDir,
    env: {},
    log: () => undefined,
    sweepEveryMs: 20,
  });
  await heartbeats.setConfig(config, null);
  tokens = JSON.parse(readFileSync(join(dataDir, LOCAL_TOKENS_FILE), 'utf8')) as Record<string, string>;
  server = createDashboardServer(
    {
      config: () => config,
      states: () => [],
      heartbeatStates: () => heartbeats.states(),
      store,
      location: 'local',
      startedAt: iso(T0),
      now: () => nowMs,
      pendingWrites: () => store.pendingWrites(),
    },
    { port: 0, ping: (req, res) => heartbeats.handle(req, res), overviewCacheMillis: 0 },
  );
  base = (await server.listen()).url;
  await heartbeats.start(base);
});

after(async () => {
  await heartbeats?.stop();
  await server?.close();
  await db?.close();
});

async function ping(id: string, kind: '' | '/start' | '/fail', body = ''): Promise<void> {
  const res = await fetch(`${base}/ping/${id}${kind}`, { method: 'POST', headers: { authorization: `Bearer ${tokens[id]}` }, body });
  assert.equal(res.status, 200, await res.text());
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${text}`);
  return JSON.parse(text) as T;
}

const summaries = () => getJson<CheckSummaryView[]>('/api/checks');
async function summary(id: string): Promise<CheckSummaryView> {
  const found = (await summaries()).find((c) => c.id === id);
  assert.ok(found, id);
  return found;
}

/** Waits for the sweep (every 20 ms) to have acted on the clock as it is now. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('heartbeats in the dashboard API', () => {
  it('lists heartbeats after the checks, each waiting for its first ping with its deadline', async () => {
    const health = await getJson<HealthView>('/api/health');
    assert.equal(health.checks, 1);
    assert.equal(health.heartbeats, 3);
    const list = await summaries();
    assert.deepEqual(list.map((c) => [c.id, c.type, c.state]), [
      ['web', 'http', 'pending'],
      ['nightly', 'heartbeat', 'pending'],
      ['dump', 'heartbeat', 'pending'],
      ['waiting', 'heartbeat', 'pending'],
    ]);
    assert.equal(list[0]?.heartbeat, null);
    const nightly = list[1]!;
    assert.equal(nightly.name, 'Nightly export');
    assert.equal(nightly.target, 'heartbeat every 10m (grace 5m)');
    assert.equal(nightly.intervalMs, 10 * MIN);
    assert.deepEqual(nightly.tags, ['jobs']);
    assert.equal(nightly.last, null);
    assert.deepEqual(nightly.heartbeat, {
      everyMs: 10 * MIN,
      graceMs: 5 * MIN,
      lastPingAt: null,
      lastPingKind: null,
      lastMessage: null,
      lastDurationMs: null,
      runningSince: null,
      // Watching since the runner started: due every + grace later.
      dueBy: iso(T0 + 15 * MIN),
      downReason: null,
      backup: null,
    });
    const waiting = list[3]!;
    assert.equal(waiting.inMaintenance, true);
    assert.equal(list[2]?.inMaintenance, false);
    assert.deepEqual(waiting.heartbeat?.backup, { vaults: ['prod-vault'], plans: [] });
  });

  it('shows a run that started, then its success: up, the last ping, its duration and the next deadline', async () => {
    nowMs = T0 + 1 * MIN;
    await ping('nightly', '/start');
    const running = await summary('nightly');
    assert.equal(running.heartbeat?.runningSince, iso(T0 + MIN));
    assert.equal(running.state, 'pending');

    nowMs = T0 + 2 * MIN + 500;
    await ping('nightly', '', 'exported 42 tables');
    const up = await summary('nightly');
    assert.equal(up.state, 'up');
    assert.equal(up.since, null);
    assert.equal(up.openIncidentId, null);
    assert.equal(up.heartbeat?.lastPingAt, iso(T0 + 2 * MIN + 500));
    assert.equal(up.heartbeat?.lastPingKind, 'success');
    assert.equal(up.heartbeat?.lastDurationMs, MIN + 500);
    assert.equal(up.heartbeat?.runningSince, null);
    assert.equal(up.heartbeat?.lastMessage, 'exported 42 tables');
    assert.equal(up.heartbeat?.dueBy, iso(T0 + 17 * MIN + 500));
    assert.deepEqual(up.last, { location: 'local', startedAt: iso(T0 + 2 * MIN + 500), status: 'up', totalMs: MIN + 500, httpStatus: null, error: null });
  });

  it('marks a heartbeat late once `every` has passed, and down with an open incident once `every + grace` has', async () => {
    nowMs = T0 + 13 * MIN;
    const late = await summary('nightly');
    assert.equal(late.state, 'late');
    assert.equal(late.since, iso(T0 + 12 * MIN + 500));
    assert.equal(late.openIncidentId, null);

    nowMs = T0 + 18 * MIN;
    const down = await until('the sweep to open the incident', async () => {
      const s = await summary('nightly');
      return s.openIncidentId === null ? undefined : s;
    });
    assert.equal(down.state, 'down');
    assert.equal(down.since, iso(T0 + 17 * MIN + 500));
    assert.equal(down.heartbeat?.downReason, 'missed');
    const incidents = await getJson<IncidentView[]>('/api/incidents?checkId=nightly');
    assert.deepEqual(incidents.map((i) => [i.id, i.checkName, i.open, i.openedAt]), [[down.openIncidentId, 'Nightly export', true, iso(T0 + 17 * MIN + 500)]]);
    assert.match(incidents[0]?.firstError?.message ?? '', /^no ping since /);
  });

  it('shows a fail ping as down at once, with what the job said', async () => {
    nowMs = T0 + 20 * MIN;
    await ping('dump', '/start');
    nowMs = T0 + 25 * MIN;
    await ping('dump', '/fail', 'pg_dump: connection refused');
    const failed = await summary('dump');
    assert.equal(failed.state, 'down');
    assert.equal(failed.since, iso(T0 + 25 * MIN));
    assert.equal(failed.heartbeat?.downReason, 'failed');
    assert.equal(failed.heartbeat?.lastPingKind, 'fail');
    assert.equal(failed.heartbeat?.lastDurationMs, 5 * MIN);
    assert.equal(failed.last?.status, 'down');
    assert.deepEqual(failed.last?.error, { kind: 'assertion', message: 'the job reported a failure: pg_dump: connection refused' });
    assert.notEqual(failed.openIncidentId, null);
    assert.deepEqual(alerts.filter((a) => a.kind === 'down').map((a) => a.checkId).sort(), ['dump', 'nightly']);
  });

  it('serves a heartbeat\'s detail, runs, daily uptime and job durations like a check\'s', async () => {
    const detail = await getJson<HeartbeatDetailView>('/api/checks/nightly');
    assert.equal(detail.type, 'heartbeat');
    assert.equal(detail.state, 'down');
    assert.equal(detail.heartbeat.everyMs, 10 * MIN);
    assert.deepEqual(detail.latestByLocation.map((r) => [r.location, r.ok]), [['local', false]]);

    // Newest first: the missed deadline(s) after the success ping.
    const results = await getJson<ProbeResult[]>('/api/checks/nightly/results?limit=10');
    assert.ok(results.length >= 2, JSON.stringify(results.map((r) => r.startedAt)));
    assert.deepEqual(results[0] && [results[0].startedAt, results[0].ok, results[0].error?.kind], [iso(T0 + 17 * MIN + 500), false, 'timeout']);
    const success = results[results.length - 1]!;
    assert.deepEqual([success.startedAt, success.ok, success.type, success.timings.totalMs], [iso(T0 + 2 * MIN + 500), true, 'heartbeat', MIN + 500]);

    const daily = await getJson<DailyBar[]>('/api/checks/nightly/daily?days=2');
    assert.equal(daily.reduce((n, d) => n + d.runs, 0), results.length);
    assert.equal(daily.reduce((n, d) => n + d.failedRuns, 0), results.length - 1);
    const latency = await getJson<LatencyHour[]>('/api/checks/dump/latency?hours=4');
    const hour = latency.find((h) => h.runs > 0);
    assert.equal(hour?.runs, 1);
    assert.ok(Math.abs((hour?.p50Ms ?? 0) - 5 * MIN) <= 5 * MIN * 0.1, `p50 ${hour?.p50Ms}`);

    const list = await summaries();
    assert.equal(list.find((c) => c.id === 'nightly')?.uptime.h24, (100 * 1) / results.length);
  });

  it('answers 404 for an id that is neither a check nor a heartbeat', async () => {
    for (const path of ['/api/checks/nightlyx', '/api/checks/nightlyx/results', '/api/incidents?checkId=nightlyx']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 404, path);
      assert.deepEqual(await res.json(), { error: 'unknown check "nightlyx"' });
    }
  });
});
