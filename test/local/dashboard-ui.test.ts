/**
 * The dashboard pages in headless Chromium (playwright-core, Debian's
 * /usr/bin/chromium) over the real store, real runs against a loopback
 * target, and some synthetic history recorded through the store.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { Check, Config } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { HeartbeatState } from '../../lambdas/core/heartbeat.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createProbeContext } from '../../lambdas/engine/context.ts';
import type { ProbeContext } from '../../lambdas/engine/context.ts';
import { runCheck } from '../../lambdas/engine/run-check.ts';
import { createDashboardServer } from '../../lambdas/local/dashboard/server.ts';
import type { CheckRuntimeState, DashboardSource } from '../../lambdas/local/dashboard/source.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { startDynalite } from '../support/dynalite.ts';
import type { TestDynalite } from '../support/dynalite.ts';
import { startHttpServer } from '../support/http-server.ts';
import type { TestHttpServer } from '../support/http-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = new URL('../out/', import.meta.url);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A check name and an assertion that would run script if the page put them in as markup. */
const XSS_NAME = '<img src=x onerror="window.__xss=1">Billing <script>window.__xss=2</script>';
const XSS_BODY = '<svg onload="window.__xss=3">';
const SECRET = 'hunter2-very-secret';

let db: TestDynalite;
let store: DynamoResultsStore;
let target: TestHttpServer;
let config: Config;
let ctx: ProbeContext;
let dashboard: { close(): Promise<void> };
let base: string;
let browser: Browser;
let page: Page;
const states = new Map<string, CheckRuntimeState>();
const heartbeatStates = new Map<string, HeartbeatState>();
const XSS_MESSAGE = '<img src=x onerror="window.__xss=4">vault locked';
const consoleErrors: string[] = [];

function checkOf(id: string): Check {
  const check = config.checks.find((c) => c.id === id);
  if (check === undefined) throw new Error(`no check ${id}`);
  return check;
}

async function realRun(id: string): Promise<ProbeResult> {
  const result = await runCheck(checkOf(id), ctx);
  await store.recordResults([result]);
  return result;
}

async function setFlappy(status: number): Promise<void> {
  const res = await fetch(`${target.url}/set-status`, { method: 'POST', body: String(status) });
  assert.equal(res.status, 200);
}

function setState(result: ProbeResult, extra: Partial<CheckRuntimeState> = {}): void {
  const state = result.status;
  const previous = states.get(result.checkId);
  states.set(result.checkId, {
    checkId: result.checkId,
    state,
    since: previous?.state === state ? previous.since : result.startedAt,
    lastResult: result,
    inMaintenance: false,
    openIncidentId: null,
    ...extra,
  });
}

/** A deterministic wobble so the charts have shape. */
function wave(i: number): number {
  return (Math.sin(i * 0.7) + 1) / 2;
}

/** Synthetic history: the last 48 hours (3 runs an hour) and one run a day for 60 days before that. */
function history(checkId: string, now: number, baseMs: number, failEvery: number): ProbeResult[] {
  const out: ProbeResult[] = [];
  const make = (atMs: number, totalMs: number, ok: boolean): ProbeResult => ({
    checkId,
    type: 'http',
    location: 'local',
    startedAt: new Date(atMs).toISOString(),
    ok,
    status: ok ? 'up' : 'down',
    error: ok ? null : { kind: 'http_status', message: 'expected status 200-399, got 502' },
    timings: { dnsMs: 3, connectMs: 8, tlsMs: 18, ttfbMs: Math.max(1, totalMs - 36), downloadMs: 7, totalMs },
    httpStatus: ok ? 200 : 502,
    address: '192.0.2.20:443',
    target: 'https://history.example/',
    assertions: [],
    attempts: 1,
  });
  const hourNow = Math.floor(now / HOUR) * HOUR;
  for (let h = 48; h >= 1; h--) {
    for (let k = 0; k < 3; k++) {
      const i = h * 3 + k;
      out.push(make(hourNow - h * HOUR + k * 15 * 60_000 + 60_000, Math.round(baseMs * (0.8 + wave(i) * 0.6) * (k === 2 ? 2.2 : 1)), true));
    }
  }
  for (let d = 60; d >= 3; d--) {
    out.push(make(now - d * DAY, baseMs, d % failEvery !== 0));
  }
  return out;
}

before(async () => {
  // CI installs Chromium; a missing browser is a failure, never a skip.
  assert.ok(existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM}: install it (apt-get install chromium) to run the dashboard UI tests`);
  await mkdir(OUT, { recursive: true });
  db = await startDynalite();
  await ensureTable(db.client, 'dashboard-ui');
  store = new DynamoResultsStore({ client: db.client, tableName: 'dashboard-ui', clock: { now: () => Date.now(), monotonic: () => performance.now() } });
  target = await startHttpServer();
  config = validateConfig({
    project: 'acme-shop',
    defaults: { retries: 0, timeout: '2s', interval: '30s' },
    checks: [
      { id: 'web', name: 'Storefront', type: 'http', url: `${target.url}/flappy`, tags: ['shop', 'prod'], severity: 'critical' },
      { id: 'search', name: 'Search', type: 'http', url: `${target.url}/delay/150`, degradedAfter: '100ms', tags: ['shop'] },
      { id: 'billing', name: XSS_NAME, type: 'http', url: `${target.url}/ok?token={{secret:BILLING_TOKEN}}`, tags: ['payments'], severity: 'high' },
      { id: 'admin', name: 'Legacy admin', type: 'http', url: `${target.url}/ok`, assertions: [{ type: 'body', contains: XSS_BODY }], severity: 'low' },
      { id: 'db', name: 'Orders database', type: 'tcp', host: '127.0.0.1', port: 5432, tags: ['data'] },
      { type: 'heartbeat', id: 'nightly', name: 'Nightly export', every: '1h', grace: '30m', tags: ['jobs'] },
      { type: 'heartbeat', id: 'vault', name: 'Vault backup', every: '1d', grace: '3h', severity: 'critical', backup: { vaults: ['prod-vault'] } },
      { type: 'heartbeat', id: 'report', name: 'Hourly report', every: '1h', grace: '30m' },
    ],
  });
  ctx = createProbeContext({ location: 'local', allowPrivateTargets: true, secrets: { BILLING_TOKEN: SECRET }, retryDelayMs: 10 });

  const now = Date.now();
  await store.recordResults([...history('web', now, 90, 17), ...history('search', now, 130, 9), ...history('admin', now, 60, 4)]);
  await setFlappy(200);
  setState(await realRun('web'));
  setState(await realRun('web'));
  setState(await realRun('search'), { inMaintenance: true });
  setState(await realRun('billing'));
  const adminFailure = await realRun('admin');
  const incident = await store.openIncident({ checkId: 'admin', openedAt: adminFailure.startedAt, failingLocations: ['local'], firstError: adminFailure.error });
  setState(adminFailure, { openIncidentId: incident.incident.id });
  const old = await store.openIncident({ checkId: 'web', openedAt: new Date(now - 5 * DAY).toISOString(), failingLocations: ['local'], firstError: { kind: 'timeout', message: 'no response within 2s' } });
  await store.closeIncident('web', new Date(Date.parse(old.incident.openedAt) + 47 * 60_000).toISOString());
  // "db" has no state: pending.

  // Heartbeats: "nightly" pinged 10 minutes ago after a 95 s run (and every hour before), "vault" reported a
  // failure, "report" is past its hour but within its grace.
  const hbState = (id: string, extra: Partial<HeartbeatState>): HeartbeatState => ({
    heartbeatId: id, watchingSinceMs: now - 3 * HOUR, lastPingMs: null, lastPingKind: null, startedMs: null, lastDurationMs: null, downSinceMs: null, missedThroughMs: null, lastMessage: null, ...extra,
  });
  heartbeatStates.set('nightly', hbState('nightly', { lastPingMs: now - 10 * 60_000, lastPingKind: 'success', lastDurationMs: 95_000, lastMessage: 'exported 42 tables' }));
  heartbeatStates.set('vault', hbState('vault', { lastPingMs: now - 20 * 60_000, lastPingKind: 'fail', lastDurationMs: 40_000, downSinceMs: now - 20 * 60_000, lastMessage: XSS_MESSAGE }));
  heartbeatStates.set('report', hbState('report', { lastPingMs: now - 70 * 60_000, lastPingKind: 'success' }));
  const nightlyRuns: ProbeResult[] = Array.from({ length: 30 }, (_, i) => ({
    checkId: 'nightly',
    type: 'heartbeat',
    location: 'local',
    startedAt: new Date(now - 10 * 60_000 - i * HOUR).toISOString(),
    ok: i !== 5,
    status: i !== 5 ? 'up' : 'down',
    error: i !== 5 ? null : { kind: 'timeout', message: 'no ping since … (expected every 1h, grace 30m)' },
    timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, downloadMs: null, totalMs: i === 5 ? 0 : i === 0 ? 95_000 : 80_000 + 5_000 * wave(i) },
    httpStatus: null,
    address: null,
    target: 'heartbeat every 1h (grace 30m)',
    assertions: [],
    attempts: 1,
  }));
  await store.recordResults(nightlyRuns);

  const source: DashboardSource = {
    config: () => config,
    states: () => [...states.values()],
    heartbeatStates: async () => heartbeatStates,
    store,
    location: 'local',
    startedAt: new Date(now - 3 * HOUR).toISOString(),
    now: () => Date.now(),
    pendingWrites: () => store.pendingWrites(),
  };
  const server = createDashboardServer(source, { port: 0 });
  base = (await server.listen()).url;
  dashboard = server;

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    consoleErrors.push(`unexpected dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
});

after(async () => {
  await browser?.close();
  await dashboard?.close();
  await Promise.all([target?.close(), db?.close()]);
});

const badgeOf = (id: string) => page.locator(`tr[data-check-id="${id}"] .col-state .badge`).first();

describe('dashboard pages', () => {
  it('shows every check with its state on the overview', async () => {
    await page.goto(`${base}/#/`);
    await page.locator('#checks-table').waitFor();
    const expected: Record<string, string> = { web: 'Up', search: 'Degraded', billing: 'Up', admin: 'Down', db: 'Pending', nightly: 'Up', vault: 'Down', report: 'Late' };
    for (const [id, label] of Object.entries(expected)) {
      assert.equal((await badgeOf(id).textContent())?.trim(), label, `badge of ${id}`);
    }
    assert.equal(await page.locator('tr.check-row').count(), 8);
    // Problems first, then config order (checks, then heartbeats).
    assert.deepEqual(await page.locator('tr.check-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-check-id'))), ['admin', 'vault', 'search', 'report', 'db', 'web', 'billing', 'nightly']);
    assert.equal(await page.locator('tr[data-check-id="search"] .badge-maintenance').count(), 1);
    // 90-day bars: one rect per day, coloured by uptime.
    assert.equal(await page.locator('tr[data-check-id="web"] .days .day').count(), 90);
    assert.ok((await page.locator('tr[data-check-id="web"] .days .day-ok').count()) > 50);
    assert.ok((await page.locator('tr[data-check-id="admin"] .days .day-bad').count()) > 5);
    assert.equal(await page.locator('tr[data-check-id="db"] .days .day-none').count(), 90);
    // Incidents: the open one and the resolved one.
    assert.equal(await page.locator('#incidents tbody tr').count(), 2);
    assert.match((await page.locator('#incidents tbody tr').first().textContent()) ?? '', /Open.*Legacy admin/s);
  });

  it('puts names and errors in as text, never as markup, and shows no secret', async () => {
    const name = page.locator('tr[data-check-id="billing"] .check-name');
    assert.equal(await name.textContent(), XSS_NAME);
    assert.equal(await page.locator('tr[data-check-id="billing"] .check-name img, tr[data-check-id="billing"] script').count(), 0);
    assert.match((await page.locator('tr[data-check-id="billing"] .target').textContent()) ?? '', /token=\*\*\*/);
    assert.match((await page.locator('tr[data-check-id="admin"] .error-line').textContent()) ?? '', /<svg onload=/);
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
    assert.ok(!(await page.content()).includes(SECRET));
    await page.screenshot({ path: new URL('dashboard-overview.png', OUT).pathname, fullPage: true });
  });

  it('shows heartbeats beside checks: state, last ping, run duration, next deadline, and a failure as text', async () => {
    const tiles = await page.locator('.section-summary .tile').evaluateAll((els) => els.map((e) => (e as unknown as { innerText: string }).innerText.replace(/\s+/g, ' ').trim()));
    assert.ok(tiles.includes('5 Checks') && tiles.includes('3 Heartbeats') && tiles.includes('1 Late'), tiles.join(' | '));
    const cell = (id: string) => page.locator(`tr[data-check-id="${id}"] .col-last`);
    const nightly = (await cell('nightly').innerText()).replace(/\s+/g, ' ');
    assert.match(nightly, /Last ping 10 min ago took 95\.0 s/);
    assert.match(nightly, /next ping due in 1 h (19|20) min/);
    assert.match(nightly, /exported 42 tables/);
    assert.match((await page.locator('tr[data-check-id="nightly"] .target').textContent()) ?? '', /Heartbeatheartbeat every 1h \(grace 30m\)/);
    assert.match((await page.locator('tr[data-check-id="nightly"] .chips').textContent()) ?? '', /every 1 h/);
    assert.match((await cell('report').innerText()).replace(/\s+/g, ' '), /Last ping 1 h 10 min ago .*next ping due in (19|20) min/);
    assert.match((await page.locator('tr[data-check-id="report"] .col-state').textContent()) ?? '', /Late\s*for (9|10) min/);
    const vault = cell('vault');
    assert.match((await vault.innerText()).replace(/\s+/g, ' '), /Failure reported 20 min ago took 40\.0 s/);
    assert.equal(await vault.locator('.error-line').last().textContent(), `the job reported a failure: ${XSS_MESSAGE}`);
    assert.equal(await vault.locator('img').count(), 0);
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
    // Filtering reaches heartbeats by type and tag.
    await page.locator('#filter').fill('heartbeat');
    assert.deepEqual(await page.locator('tr.check-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-check-id'))), ['vault', 'report', 'nightly']);
    await page.locator('#filter').fill('');
    assert.equal(await page.locator('tr.check-row').count(), 8);
  });

  it('changes a badge on the next auto-refresh when the check goes down', async () => {
    await setFlappy(503);
    const failure = await realRun('web');
    assert.equal(failure.ok, false);
    const incident = await store.openIncident({ checkId: 'web', openedAt: failure.startedAt, failingLocations: ['local'], firstError: failure.error });
    setState(failure, { openIncidentId: incident.incident.id });
    const started = Date.now();
    await page.locator('tr[data-check-id="web"] .col-state .badge-down').waitFor({ timeout: 8000 });
    assert.equal((await badgeOf('web').textContent())?.trim(), 'Down');
    assert.ok(Date.now() - started <= 7000, 'within one refresh period (5 s) and a little');
    assert.match((await page.locator('tr[data-check-id="web"] .error-line').textContent()) ?? '', /http_status: expected status .*got 503/);
    assert.equal(await page.locator('#incidents tbody tr.incident-open').count(), 2);
    assert.equal(await page.title(), '(3 down) skyprobe');
  });

  it('shows the latency chart, phase breakdown, results and incidents of one check', async () => {
    await page.locator('tr[data-check-id="web"] a.check-name').click();
    await page.waitForURL(/#\/check\/web$/);
    await page.locator('#latency-chart path.line').first().waitFor();
    await page.locator('#results-table').waitFor();
    const paths = await page.locator('#latency-chart path.line').evaluateAll((els) => els.map((e) => (e.getAttribute('d') ?? '').length));
    assert.equal(paths.length, 2, 'p50 and p95');
    assert.ok(paths.every((n) => n > 100), `paths with data: ${paths.join(', ')}`);
    assert.ok((await page.locator('#phase-chart rect.ph').count()) > 48 * 3);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Storefront');
    assert.equal((await page.locator('.check-head .badge').first().textContent())?.trim(), 'Down');
    // Newest first: the failed real run, with its error.
    const rows = page.locator('#results-table tbody tr');
    assert.equal(await rows.count(), 50);
    assert.match((await rows.first().textContent()) ?? '', /Down.*503.*http_status: expected status/s);
    assert.equal(await page.locator('.section-daily .days .day').count(), 90);
    const incidents = page.locator('#incidents tbody tr');
    assert.equal(await incidents.count(), 2);
    assert.match((await incidents.nth(1).textContent()) ?? '', /Resolved.*47 min.*timeout: no response within 2s/s);
    await page.screenshot({ path: new URL('dashboard-check.png', OUT).pathname, fullPage: true });
  });

  it('shows one heartbeat: its schedule, last ping, deadline, job durations and recent runs', async () => {
    await page.goto(`${base}/#/check/nightly`);
    await page.locator('#results-table').waitFor();
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Nightly export');
    const facts = (await page.locator('.check-head .facts').innerText()).replace(/\s+/g, ' ');
    assert.match(facts, /Expected every 1 h, grace 30 min/i);
    assert.match(facts, /Last ping \S+ \(success, 10 min ago\)/i);
    assert.match(facts, /Last message exported 42 tables/i);
    assert.match((await page.locator('#hb-due').textContent()) ?? '', /^in 1 h (19|20) min \(/);
    assert.match((await page.locator('.section-tiles').innerText()).replace(/\s+/g, ' '), /95\.0 s Last run took/);
    assert.match((await page.locator('.section-charts h2').textContent()) ?? '', /Job duration, last 48 hours/);
    assert.equal(await page.locator('#phase-chart').count(), 0, 'no phase breakdown for a job');
    assert.ok((await page.locator('#latency-chart path.line').first().getAttribute('d'))!.length > 50);
    const rows = page.locator('#results-table tbody tr');
    assert.equal(await rows.count(), 30);
    assert.deepEqual(await page.locator('#results-table thead th').allTextContents(), ['Time', 'Location', 'Result', 'Duration', 'Error']);
    assert.match((await rows.nth(5).innerText()).replace(/\s+/g, ' '), /Down — timeout: no ping since/);
    await page.screenshot({ path: new URL('dashboard-heartbeat.png', OUT).pathname, fullPage: true });

    await page.goto(`${base}/#/check/vault`);
    await page.locator('.check-head .facts').waitFor();
    const vaultFacts = (await page.locator('.check-head .facts').innerText()).replace(/\s+/g, ' ');
    assert.match(vaultFacts, /Down \(the job reported a failure\) for 20 min/i);
    assert.match(vaultFacts, /AWS Backup vault prod-vault/i);
    assert.equal(await page.locator('.check-head img').count(), 0);
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
  });

  it('shows a clear message for an unknown check', async () => {
    await page.goto(`${base}/#/check/${encodeURIComponent('no-such-check')}`);
    await page.getByText('There is no check "no-such-check" in the config.').waitFor();
    // The 404 of the API call is expected here; it is the only console error allowed.
    const unexpected = consoleErrors.filter((e) => !/status of 404/.test(e));
    consoleErrors.length = 0;
    consoleErrors.push(...unexpected);
  });

  it('logs no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
