/**
 * The dashboard's JSON API over the real store (dynalite + DynamoResultsStore),
 * with results from real runCheck runs against a loopback target plus a few
 * synthetic historic results with chosen start times, recorded through the store.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Check, Config } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { ErrorKind } from '../../lambdas/core/errors.ts';
import { histogramOf, histogramQuantile } from '../../lambdas/core/histogram.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createProbeContext } from '../../lambdas/engine/context.ts';
import type { ProbeContext } from '../../lambdas/engine/context.ts';
import { runCheck } from '../../lambdas/engine/run-check.ts';
import { OverviewCache } from '../../lambdas/local/dashboard/overview-cache.ts';
import { sumHours } from '../../lambdas/local/dashboard/rollup-math.ts';
import { createDashboardServer } from '../../lambdas/local/dashboard/server.ts';
import type { CheckRuntimeState, DashboardSource } from '../../lambdas/local/dashboard/source.ts';
import type { DailyBar, LatencyHour } from '../../lambdas/local/dashboard/rollup-math.ts';
import type { CheckDetailView, CheckSummaryView, HealthView, IncidentView } from '../../lambdas/local/dashboard/views.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { startDynalite } from '../support/dynalite.ts';
import type { TestDynalite } from '../support/dynalite.ts';
import { startHttpServer } from '../support/http-server.ts';
import type { TestHttpServer } from '../support/http-server.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SECRET = 's3cr3t-token-value';
/** Log buckets are 2^(1/4) wide; a representative value is within 2^(1/8) - 1 ≈ 9.1% of anything in its bucket. */
const HISTOGRAM_ERROR = 2 ** (1 / 8) - 1;

let db: TestDynalite;
let store: DynamoResultsStore;
let target: TestHttpServer;
let config: Config;
let local: ProbeContext;
let eu: ProbeContext;
let dashboard: { close(): Promise<void> };
let base: string;
/** Added to the wall clock by the source's now(): lets a test age the overview cache. */
let clockOffsetMs = 0;
const states = new Map<string, CheckRuntimeState>();
/** Every result recorded for the check "api", to compare the API's figures with. */
const apiResults: ProbeResult[] = [];
let latencyReal: ProbeResult[] = [];
let failingRun: ProbeResult;
let euRun: ProbeResult;
let t0 = 0;
let closedIncidentId = '';
let openIncidentId = '';

/** Strictly increasing wall clock: two runs of one check never share a start time (it is the run's key). */
function increasingClock(): ProbeContext['clock'] {
  let last = 0;
  return {
    now: () => (last = Math.max(Date.now(), last + 1)),
    monotonic: () => performance.now(),
  };
}

function checkOf(id: string): Check {
  const check = config.checks.find((c) => c.id === id);
  if (check === undefined) throw new Error(`no check ${id}`);
  return check;
}

async function realRun(id: string, ctx: ProbeContext): Promise<ProbeResult> {
  const result = await runCheck(checkOf(id), ctx);
  await store.recordResults([result]);
  return result;
}

async function setFlappy(status: number): Promise<void> {
  const res = await fetch(`${target.url}/set-status`, { method: 'POST', body: String(status) });
  assert.equal(res.status, 200);
}

/** A result as a probe elsewhere (or earlier) would have produced it. */
function synthetic(checkId: string, atMs: number, opts: { location?: string; errorKind?: ErrorKind; totalMs?: number } = {}): ProbeResult {
  const ok = opts.errorKind === undefined;
  const totalMs = opts.totalMs ?? 120;
  return {
    checkId,
    type: 'http',
    location: opts.location ?? 'local',
    startedAt: new Date(atMs).toISOString(),
    ok,
    status: ok ? 'up' : 'down',
    error: ok ? null : { kind: opts.errorKind ?? 'http_status', message: 'expected status 200-399, got 503' },
    timings: { dnsMs: 2, connectMs: 4, tlsMs: null, ttfbMs: totalMs - 10, downloadMs: 4, totalMs },
    httpStatus: ok ? 200 : 503,
    address: '192.0.2.10:443',
    target: 'https://history.example/health',
    assertions: [],
    attempts: 1,
  };
}

/** `count` results, `failed` of them failing, one minute apart from `startMs`. */
function series(checkId: string, startMs: number, count: number, failed: number, location = 'local'): ProbeResult[] {
  return Array.from({ length: count }, (_, i) =>
    synthetic(checkId, startMs + i * 60_000, i < failed ? { location, errorKind: 'http_status' } : { location }),
  );
}

const hourStart = (ms: number): number => Math.floor(ms / HOUR) * HOUR;
const dayStart = (ms: number): number => Math.floor(ms / DAY) * DAY;
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

async function getJson<T>(path: string): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as T, headers: res.headers };
}

/** A refused request: the status, and a body that is exactly {"error": "<one line>"} with no stack trace. */
async function assertRefused(path: string, status: number, message: RegExp, method = 'GET'): Promise<void> {
  const res = await fetch(`${base}${path}`, { method });
  const text = await res.text();
  assert.equal(res.status, status, `${method} ${path}: ${text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['error'], text);
  const error = body['error'];
  assert.equal(typeof error, 'string');
  assert.doesNotMatch(String(error), /\n|\bat .*\.ts:\d+/, 'one line, no stack');
  assert.match(String(error), message);
}

before(async () => {
  t0 = Date.now();
  db = await startDynalite();
  await ensureTable(db.client, 'dashboard-api');
  store = new DynamoResultsStore({ client: db.client, tableName: 'dashboard-api', clock: { now: () => Date.now(), monotonic: () => performance.now() } });
  target = await startHttpServer();
  config = validateConfig({
    project: 'dash-api',
    defaults: { retries: 0, timeout: '2s', interval: '30s' },
    checks: [
      { id: 'api', name: 'Public API', type: 'http', url: `${target.url}/flappy`, tags: ['api', 'prod'], severity: 'critical' },
      { id: 'slow', name: 'Slow page', type: 'http', url: `${target.url}/delay/150`, degradedAfter: '100ms' },
      { id: 'secret', name: 'Token check', type: 'http', url: `${target.url}/ok?token={{secret:API_TOKEN}}` },
      { id: 'latency', name: 'Latency history', type: 'http', url: 'https://history.example/health' },
      { id: 'db', name: 'Database port', type: 'tcp', host: '127.0.0.1', port: 5432 },
      { id: 'zone', type: 'dns', domain: 'example.com', recordType: 'MX' },
    ],
  });
  const secrets = { API_TOKEN: SECRET };
  local = createProbeContext({ location: 'local', allowPrivateTargets: true, clock: increasingClock(), secrets, retryDelayMs: 10 });
  eu = createProbeContext({ location: 'eu-west-1', allowPrivateTargets: true, clock: increasingClock(), secrets, retryDelayMs: 10 });

  // History first, as it happened. "api": 3 days ago 2 of 4 failed; 10 days ago 8 passed (eu-west-1);
  // 45 days ago 5 of 5 failed; 100 days ago 3 passed.
  const now = Date.now();
  const history = [
    ...series('api', hourStart(now) - 3 * DAY + 30 * 60_000, 4, 2),
    ...series('api', dayStart(now) - 10 * DAY + 12 * HOUR, 8, 0, 'eu-west-1'),
    ...series('api', dayStart(now) - 45 * DAY + 6 * HOUR, 5, 5),
    ...series('api', dayStart(now) - 100 * DAY + 6 * HOUR, 3, 0),
  ];
  apiResults.push(...history);
  // "latency": 20 runs two hours ago, 10, 20, ..., 200 ms.
  const latencyHistory = Array.from({ length: 20 }, (_, i) => synthetic('latency', hourStart(now) - 2 * HOUR + i * 60_000, { totalMs: 10 * (i + 1) }));
  const report = await store.recordResults([...history, ...latencyHistory]);
  assert.equal(report.pending, 0);

  // Real runs now: "api" passes 3 times (2 local, 1 eu-west-1), then fails once locally.
  await setFlappy(200);
  euRun = await realRun('api', eu);
  apiResults.push(await realRun('api', local), await realRun('api', local), euRun);
  await setFlappy(503);
  const failing = await realRun('api', local);
  failingRun = failing;
  apiResults.push(failing);
  latencyReal = [await realRun('slow', local), await realRun('slow', local)];
  const secretRun = await realRun('secret', local);

  const closed = await store.openIncident({ checkId: 'api', openedAt: new Date(hourStart(now) - 3 * DAY + 30 * 60_000).toISOString(), failingLocations: ['local'], firstError: { kind: 'http_status', message: 'expected status 200-399, got 503' } });
  await store.closeIncident('api', new Date(Date.parse(closed.incident.openedAt) + 600_000).toISOString());
  closedIncidentId = closed.incident.id;
  const open = await store.openIncident({ checkId: 'api', openedAt: failing.startedAt, failingLocations: ['local'], firstError: failing.error, rootCause: 'deploy <b>42</b>' });
  openIncidentId = open.incident.id;

  states.set('api', { checkId: 'api', state: 'down', since: failing.startedAt, lastResult: failing, inMaintenance: false, openIncidentId });
  states.set('slow', { checkId: 'slow', state: 'degraded', since: latencyReal[0]?.startedAt ?? null, lastResult: latencyReal[1] ?? null, inMaintenance: true, openIncidentId: null });
  states.set('secret', { checkId: 'secret', state: 'up', since: secretRun.startedAt, lastResult: secretRun, inMaintenance: false, openIncidentId: null });
  // "latency", "db" and "zone" have no runtime state: they show as pending.

  const source: DashboardSource = {
    config: () => config,
    states: () => [...states.values()],
    store,
    location: 'local',
    startedAt: new Date(t0).toISOString(),
    now: () => Date.now() + clockOffsetMs,
    pendingWrites: () => store.pendingWrites(),
  };
  const server = createDashboardServer(source, { port: 0 });
  base = (await server.listen()).url;
  dashboard = server;
});

after(async () => {
  await dashboard?.close();
  await Promise.all([target?.close(), db?.close()]);
});

describe('dashboard API', () => {
  it('reports health: location, start time, number of checks, pending writes', async () => {
    const { status, body, headers } = await getJson<HealthView>('/api/health');
    assert.equal(status, 200);
    assert.match(headers.get('cache-control') ?? '', /no-store/);
    assert.equal(body.ok, true);
    assert.equal(body.location, 'local');
    assert.equal(body.startedAt, new Date(t0).toISOString());
    assert.equal(body.checks, 6);
    assert.equal(body.pendingWrites, 0);
    assert.equal(body.project, 'dash-api');
    assert.equal(body.overviewCache.lastError, null);
  });

  it('lists every check with state, last run and uptime computed from hourly rollups', async () => {
    const { status, body } = await getJson<CheckSummaryView[]>('/api/checks');
    assert.equal(status, 200);
    assert.deepEqual(body.map((c) => c.id), ['api', 'slow', 'secret', 'latency', 'db', 'zone']);
    const api = body.find((c) => c.id === 'api');
    assert.ok(api);
    assert.equal(api.name, 'Public API');
    assert.equal(api.type, 'http');
    assert.equal(api.target, `${target.url}/flappy`);
    assert.deepEqual(api.tags, ['api', 'prod']);
    assert.equal(api.severity, 'critical');
    assert.equal(api.intervalMs, 30_000);
    assert.equal(api.state, 'down');
    assert.equal(api.openIncidentId, openIncidentId);
    assert.equal(api.last?.status, 'down');
    assert.equal(api.last?.httpStatus, 503);
    assert.equal(api.last?.error?.kind, 'http_status');
    // 24 h: 4 real runs, 1 failed. 7 d: + 4 runs 3 days ago, 2 failed. 30 d: + 8 passing runs 10 days ago.
    assert.deepEqual(api.uptime, { h24: 75, d7: 62.5, d30: 81.25 });
    assert.equal(api.daily90.length, 90);
    const now = Date.now();
    assert.equal(api.daily90[89], 75);
    assert.equal(api.daily90[89 - 3], 50);
    assert.equal(api.daily90[89 - 10], 100);
    assert.equal(api.daily90[89 - 45], 0);
    assert.equal(api.daily90.filter((v) => v !== null).length, 4, `days with runs around ${isoDate(now)}: ${JSON.stringify(api.daily90)}`);

    const slow = body.find((c) => c.id === 'slow');
    assert.equal(slow?.state, 'degraded');
    assert.equal(slow?.inMaintenance, true);
    assert.equal(slow?.last?.status, 'degraded');
    assert.deepEqual(slow?.uptime, { h24: 100, d7: 100, d30: 100 });

    for (const id of ['db', 'zone']) {
      const idle = body.find((c) => c.id === id);
      assert.equal(idle?.state, 'pending');
      assert.equal(idle?.last, null);
      assert.deepEqual(idle?.uptime, { h24: null, d7: null, d30: null });
      assert.ok(idle?.daily90.every((v) => v === null));
    }
    assert.equal(body.find((c) => c.id === 'db')?.target, '127.0.0.1:5432');
    assert.equal(body.find((c) => c.id === 'zone')?.target, 'example.com MX');
  });

  it('shows targets with secrets as *** and never returns a secret value', async () => {
    const overview = await getJson<CheckSummaryView[]>('/api/checks');
    assert.equal(overview.body.find((c) => c.id === 'secret')?.target, `${target.url}/ok?token=***`);
    // The real run sent the secret to the target...
    assert.ok(target.requests.some((r) => r.url.includes(SECRET)));
    // ...and no response shows it.
    for (const path of ['/api/checks', '/api/checks/secret', '/api/checks/secret/results', '/api/incidents']) {
      const text = await (await fetch(`${base}${path}`)).text();
      assert.ok(!text.includes(SECRET), `${path} leaks the secret`);
    }
  });

  it('returns details of one check with the latest result of each location', async () => {
    const { status, body } = await getJson<CheckDetailView>('/api/checks/api');
    assert.equal(status, 200);
    assert.equal(body.id, 'api');
    assert.equal(body.timeoutMs, 2000);
    assert.equal(body.retries, 0);
    assert.deepEqual(body.steps, [{ name: 'Public API', method: 'GET', url: `${target.url}/flappy` }]);
    assert.deepEqual(body.uptime, { h24: 75, d7: 62.5, d30: 81.25 });
    assert.deepEqual(body.latestByLocation.map((r) => r.location), ['eu-west-1', 'local']);
    const latestLocal = body.latestByLocation.find((r) => r.location === 'local');
    assert.equal(latestLocal?.startedAt, failingRun.startedAt);
    assert.equal(latestLocal?.httpStatus, 503);
    assert.equal(latestLocal?.ok, false);
    // eu-west-1: the real run is newer than its synthetic history.
    assert.equal(body.latestByLocation.find((r) => r.location === 'eu-west-1')?.startedAt, euRun.startedAt);
  });

  it('returns daily uptime bars per UTC day, oldest first, today last', async () => {
    const { status, body } = await getJson<DailyBar[]>('/api/checks/api/daily?days=90');
    assert.equal(status, 200);
    assert.equal(body.length, 90);
    const now = Date.now();
    assert.equal(body[89]?.date, isoDate(now));
    assert.equal(body[0]?.date, isoDate(now - 89 * DAY));
    const byDate = new Map(body.map((b) => [b.date, b]));
    assert.deepEqual(byDate.get(isoDate(now)), { date: isoDate(now), runs: 4, failedRuns: 1, uptimePercent: 75 });
    assert.deepEqual(byDate.get(isoDate(now - 3 * DAY)), { date: isoDate(now - 3 * DAY), runs: 4, failedRuns: 2, uptimePercent: 50 });
    assert.deepEqual(byDate.get(isoDate(now - 10 * DAY)), { date: isoDate(now - 10 * DAY), runs: 8, failedRuns: 0, uptimePercent: 100 });
    assert.deepEqual(byDate.get(isoDate(now - 45 * DAY)), { date: isoDate(now - 45 * DAY), runs: 5, failedRuns: 5, uptimePercent: 0 });
    assert.deepEqual(byDate.get(isoDate(now - 1 * DAY)), { date: isoDate(now - 1 * DAY), runs: 0, failedRuns: 0, uptimePercent: null });
    assert.equal(body.reduce((n, b) => n + b.runs, 0), 4 + 4 + 8 + 5, 'the run 100 days ago is outside the window');

    const week = await getJson<DailyBar[]>('/api/checks/api/daily?days=7');
    assert.deepEqual(week.body, body.slice(-7));
  });

  it('returns hourly p50/p95 within histogram accuracy, and average phase times', async () => {
    const { status, body } = await getJson<LatencyHour[]>('/api/checks/latency/latency?hours=48');
    assert.equal(status, 200);
    assert.equal(body.length, 48);
    const now = Date.now();
    assert.equal(body[47]?.hour, new Date(now).toISOString().slice(0, 13));
    const hour = body.find((h) => h.hour === new Date(hourStart(now) - 2 * HOUR).toISOString().slice(0, 13));
    assert.ok(hour, JSON.stringify(body));
    assert.equal(hour.runs, 20);
    // Exact nearest-rank quantiles of 10, 20, ..., 200 ms: p50 = 100, p95 = 190.
    assert.ok(Math.abs((hour.p50Ms ?? 0) - 100) <= 100 * HISTOGRAM_ERROR, `p50 ${hour.p50Ms}`);
    assert.ok(Math.abs((hour.p95Ms ?? 0) - 190) <= 190 * HISTOGRAM_ERROR, `p95 ${hour.p95Ms}`);
    // ttfb = total - 10 ms, so its average is 105 - 10.
    assert.deepEqual(hour.phases, { dns: 2, connect: 4, tls: 0, ttfb: 95, download: 4 });
    const empty = body.filter((h) => h.runs === 0);
    assert.equal(empty.length, 47);
    assert.ok(empty.every((h) => h.p50Ms === null && h.p95Ms === null && h.phases === null));
  });

  it('reports the latency of real runs against a slow target', async () => {
    const { body } = await getJson<LatencyHour[]>('/api/checks/slow/latency?hours=2');
    assert.equal(body.length, 2);
    const withRuns = body.filter((h) => h.runs > 0);
    assert.equal(withRuns.reduce((n, h) => n + h.runs, 0), 2);
    for (const h of withRuns) {
      const inHour = latencyReal.filter((r) => r.startedAt.slice(0, 13) === h.hour).map((r) => r.timings.totalMs);
      const exact = histogramQuantile(histogramOf(inHour), 0.5) ?? 0;
      assert.ok(Math.abs((h.p50Ms ?? 0) - exact) <= 0.1, `p50 ${h.p50Ms} vs ${exact}`);
      const sorted = [...inHour].sort((a, b) => a - b);
      const nearestRank = sorted[Math.ceil(0.5 * sorted.length) - 1] ?? 0;
      assert.ok(nearestRank >= 150);
      assert.ok(Math.abs((h.p50Ms ?? 0) - nearestRank) <= nearestRank * HISTOGRAM_ERROR, `p50 ${h.p50Ms} vs ${nearestRank}`);
      assert.ok((h.phases?.ttfb ?? 0) >= 140, `ttfb ${JSON.stringify(h.phases)}`);
    }
  });

  it('returns recent raw results of every location, newest first', async () => {
    const { status, body } = await getJson<ProbeResult[]>('/api/checks/api/results');
    assert.equal(status, 200);
    const expected = [...apiResults].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
    assert.deepEqual(body.map((r) => `${r.startedAt} ${r.location}`), expected.map((r) => `${r.startedAt} ${r.location}`));
    assert.equal(body[0]?.error?.kind, 'http_status');

    const three = await getJson<ProbeResult[]>('/api/checks/api/results?limit=3');
    assert.deepEqual(three.body.map((r) => r.startedAt), expected.slice(0, 3).map((r) => r.startedAt));
  });

  it('lists incidents newest first with durations, open ones measured so far', async () => {
    const before = Date.now();
    const { status, body } = await getJson<IncidentView[]>('/api/incidents');
    const afterMs = Date.now();
    assert.equal(status, 200);
    assert.deepEqual(body.map((i) => i.id), [openIncidentId, closedIncidentId]);
    const [open, closed] = body;
    assert.ok(open && closed);
    assert.equal(open.open, true);
    assert.equal(open.closedAt, null);
    assert.equal(open.checkName, 'Public API');
    assert.equal(open.rootCause, 'deploy <b>42</b>');
    const openedMs = Date.parse(open.openedAt);
    assert.ok(open.durationSeconds >= Math.round((before - openedMs) / 1000) && open.durationSeconds <= Math.round((afterMs - openedMs) / 1000) + 1);
    assert.equal(closed.open, false);
    assert.equal(closed.durationSeconds, 600);

    assert.deepEqual((await getJson<IncidentView[]>('/api/incidents?status=open')).body.map((i) => i.id), [openIncidentId]);
    assert.deepEqual((await getJson<IncidentView[]>('/api/incidents?checkId=api&limit=1')).body.map((i) => i.id), [openIncidentId]);
    assert.deepEqual((await getJson<IncidentView[]>('/api/incidents?checkId=slow')).body, []);
  });

  it('serves the pages with a strict content security policy', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await page.text(), /<script src="app\.js" defer><\/script>/);
    for (const [path, type] of [['/app.js', /javascript/], ['/style.css', /text\/css/], ['/favicon.svg', /svg/]] as const) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type);
      await res.arrayBuffer();
    }
  });

  it('rejects bad parameters with 400 and one line naming the parameter and value', async () => {
    await assertRefused('/api/checks/api/daily?days=0', 400, /^days must be an integer from 1 to 90, got "0"$/);
    await assertRefused('/api/checks/api/daily?days=91', 400, /days .* got "91"/);
    await assertRefused('/api/checks/api/daily?days=abc', 400, /days .* got "abc"/);
    await assertRefused('/api/checks/api/daily?days=1.5', 400, /days .* got "1.5"/);
    await assertRefused('/api/checks/api/latency?hours=721', 400, /^hours must be an integer from 1 to 720, got "721"$/);
    await assertRefused('/api/checks/api/results?limit=0', 400, /^limit must be an integer from 1 to 500, got "0"$/);
    await assertRefused('/api/checks/api/results?limit=501', 400, /limit .* got "501"/);
    await assertRefused('/api/incidents?status=closed', 400, /^status must be one of open, all, got "closed"$/);
    await assertRefused('/api/incidents?limt=5', 400, /^unknown parameter "limt" \(expected checkId, status, limit\)$/);
    await assertRefused('/api/incidents?limit=1&limit=2', 400, /^parameter limit is given more than once$/);
    await assertRefused('/api/incidents?checkId=', 400, /^checkId must not be empty$/);
    await assertRefused('/api/checks?sort=name', 400, /unknown parameter "sort" \(this route takes no parameters\)/);
    await assertRefused('/api/checks/%E0%A4%A', 400, /path segment "%E0%A4%A" is not valid percent-encoding/);
  });

  it('answers 404 for unknown checks and routes, 405 for other methods, 403 for a foreign Host', async () => {
    await assertRefused('/api/checks/nope', 404, /^unknown check "nope"$/);
    await assertRefused('/api/checks/nope/daily', 404, /^unknown check "nope"$/);
    await assertRefused('/api/checks/nope/results?limit=5', 404, /unknown check "nope"/);
    await assertRefused('/api/incidents?checkId=nope', 404, /unknown check "nope"/);
    await assertRefused('/api/checks/api/uptime', 404, /^no such API route: \/api\/checks\/api\/uptime$/);
    await assertRefused('/api/nope', 404, /no such API route/);
    await assertRefused('/index.php', 404, /^no such page: \/index\.php$/);
    await assertRefused('/api/checks', 405, /^method POST is not allowed/, 'POST');
    await assertRefused('/api/health', 405, /method DELETE/, 'DELETE');
    await assertRefused('/', 405, /method PUT/, 'PUT');
    const allow = await fetch(`${base}/api/checks`, { method: 'POST' });
    assert.equal(allow.headers.get('allow'), 'GET');
    await allow.arrayBuffer();

    // A page on another origin reaching 127.0.0.1 through DNS rebinding sends its own host name.
    const { port } = new URL(base);
    const rebinding = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/checks', headers: { host: `evil.example:${port}` } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(rebinding.status, 403);
    assert.match(rebinding.body, /"error":"host \\"evil.example:\d+\\" is not this dashboard/);
  });

  it('serves overview numbers from a cache, refreshed once they are 30 s old', async () => {
    const first = await getJson<CheckSummaryView[]>('/api/checks');
    assert.equal(first.body.find((c) => c.id === 'api')?.uptime.h24, 75);
    // One more failing run: 5 runs in 24 h, 2 failed.
    apiResults.push(await realRun('api', local));
    const cached = await getJson<CheckSummaryView[]>('/api/checks');
    assert.equal(cached.body.find((c) => c.id === 'api')?.uptime.h24, 75, 'still the cached figure');

    clockOffsetMs = 31_000;
    const deadline = Date.now() + 5000;
    let h24: number | null | undefined;
    while (Date.now() < deadline) {
      h24 = (await getJson<CheckSummaryView[]>('/api/checks')).body.find((c) => c.id === 'api')?.uptime.h24;
      if (h24 === 60) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(h24, 60);
    const daily = await getJson<DailyBar[]>('/api/checks/api/daily?days=1');
    assert.equal(daily.body[0]?.runs, 5);
    assert.equal(daily.body[0]?.failedRuns, 2);
  });
});

describe('overview cache', () => {
  const runsOf = (counts: ReadonlyMap<string, { runs: number; failedRuns: number }> | undefined): number =>
    counts === undefined ? -1 : sumHours(counts, '0000', '9999').runs;

  it('reads back far enough for results that land late while the store had writes pending', async () => {
    const start = hourStart(Date.now()) + 30 * 60_000;
    let now = start;
    let pending = 0;
    let ids = ['late'];
    const cache = new OverviewCache({ store, now: () => now, checkIds: () => ids, pendingWrites: () => pending });
    await store.recordResults(series('late', start - 5 * HOUR, 2, 0));
    assert.equal(runsOf((await cache.snapshot()).countsOf('late')), 2, 'first load: the whole window');

    // Two hours on, the outbox holds the runs made meanwhile; a refresh sees it non-empty.
    now = start + 2 * HOUR;
    pending = 3;
    await cache.snapshot();
    await cache.settle();
    // The outbox drains: runs from 1 h 50 min before that refresh land now.
    await store.recordResults(series('late', start + 10 * 60_000, 4, 1));
    pending = 0;
    now += 31_000;
    await cache.snapshot();
    await cache.settle();
    const counts = (await cache.snapshot()).countsOf('late');
    assert.equal(runsOf(counts), 6, 'an ordinary refresh reads back only an hour before the previous one');
    assert.equal(counts === undefined ? null : sumHours(counts, '0000', '9999').failedRuns, 1);

    // A check new to the config gets a whole-window load; one gone from it is dropped.
    await store.recordResults(series('added', start - 20 * DAY, 3, 3));
    ids = ['added'];
    now += 31_000;
    await cache.snapshot();
    await cache.settle();
    const after = await cache.snapshot();
    assert.equal(runsOf(after.countsOf('added')), 3);
    assert.equal(after.countsOf('late'), undefined);
    assert.equal(after.lastError, null);
  });
});

