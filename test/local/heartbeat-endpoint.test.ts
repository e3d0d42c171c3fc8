/**
 * The ping endpoint of `skyprobe run`: real HTTP requests to the real dashboard server, backed by the embedded
 * store. Every refused request is answered without a single store call (counted on the store's ports).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { HeartbeatStateStore } from '../../lambdas/core/heartbeat.ts';
import type { AlertEvent } from '../../lambdas/core/notification.ts';
import type { ResultsStore } from '../../lambdas/core/store.ts';
import { TokenBuckets } from '../../lambdas/core/token-bucket.ts';
import { createDashboardServer, type DashboardServer } from '../../lambdas/local/dashboard/server.ts';
import { LocalHeartbeats } from '../../lambdas/local/heartbeat-service.ts';
import { LOCAL_TOKENS_FILE } from '../../lambdas/local/heartbeat-tokens.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { DynamoHeartbeatStore } from '../../lambdas/store/heartbeat-store.ts';
import { startDynalite, type TestDynalite } from '../support/dynalite.ts';

const TABLE = 'skyprobe';
const clock = { now: () => Date.now(), monotonic: () => performance.now() };
const config = validateConfig({
  checks: [
    { type: 'heartbeat', id: 'backup', every: '1h' },
    { type: 'heartbeat', id: 'report', every: '1d', grace: '1h' },
  ],
});

let db: TestDynalite;
let server: DashboardServer;
let base: string;
let heartbeats: LocalHeartbeats;
let token: string;
let storeCalls = 0;
const alerts: AlertEvent[] = [];
let perSource: TokenBuckets;
let perHeartbeat: TokenBuckets;
let results: DynamoResultsStore;

/** Counts every call on an object's methods, then calls through. */
function counted<T extends object>(target: T): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value: unknown = Reflect.get(obj, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        storeCalls += 1;
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

before(async () => {
  db = await startDynalite();
  await ensureTable(db.client, TABLE);
  results = new DynamoResultsStore({ client: db.client, tableName: TABLE, clock });
  const dataDir = mkdtempSync(join(tmpdir(), 'skyprobe-ping-'));
  heartbeats = new LocalHeartbeats({
    results: counted<ResultsStore>(results),
    states: counted<HeartbeatStateStore>(new DynamoHeartbeatStore({ client: db.client, tableName: TABLE })),
    notifier: { notify: (e) => alerts.push(e), drain: async () => undefined },
    clock,
    location: 'local',
    dataDir,
    env: {},
    log: () => undefined,
    sweepEveryMs: 60_000,
    // Swapped by the rate-limit tests.
    limits: {
      perSource: { take: (k, now) => perSource.take(k, now), retryAfterSeconds: (k, now) => perSource.retryAfterSeconds(k, now) },
      perHeartbeat: { take: (k, now) => perHeartbeat.take(k, now), retryAfterSeconds: (k, now) => perHeartbeat.retryAfterSeconds(k, now) },
    },
  });
  perSource = new TokenBuckets({ burst: 1000, refillPerSecond: 1000 });
  perHeartbeat = new TokenBuckets({ burst: 1000, refillPerSecond: 1000 });
  await heartbeats.setConfig(config, null);
  token = (JSON.parse(readFileSync(join(dataDir, LOCAL_TOKENS_FILE), 'utf8')) as Record<string, string>)['backup']!;
  server = createDashboardServer(
    { config: () => config, states: () => [], store: results, location: 'local', startedAt: new Date().toISOString(), now: () => Date.now(), pendingWrites: () => 0 },
    { port: 0, ping: (req, res) => heartbeats.handle(req, res) },
  );
  base = (await server.listen()).url;
});

after(async () => {
  await heartbeats?.stop();
  await server?.close();
  await db?.close();
});

beforeEach(() => {
  storeCalls = 0;
});

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
}

/** One raw request (node:http, so the test controls Content-Length and chunking). */
function send(method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers: opts.headers ?? {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

const auth = (t = token) => ({ authorization: `Bearer ${t}` });

describe('the ping endpoint', () => {
  it('records a success ping with a bearer token', async () => {
    const reply = await send('POST', '/ping/backup', { headers: auth(), body: 'dumped 42 tables' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body['heartbeat'], 'backup');
    assert.equal(reply.body['kind'], 'success');
    const [latest] = await results.recentResults('backup', 'local', { limit: 1 });
    assert.equal(latest?.ok, true);
    assert.equal(latest?.type, 'heartbeat');
  });

  it('takes the token from ?token= too, for a bare cron curl', async () => {
    const reply = await send('POST', `/ping/backup/start?token=${encodeURIComponent(token)}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body['kind'], 'start');
  });

  it('records a fail ping with the message redacted and cut, and alerts at once', async () => {
    const before = alerts.length;
    const reply = await send('POST', '/ping/backup/fail', { headers: auth(), body: `token ${token} leaked\n${'x'.repeat(5000)}` });
    assert.equal(reply.status, 200);
    const [latest] = await results.recentResults('backup', 'local', { limit: 1 });
    assert.equal(latest?.ok, false);
    assert.ok(!latest!.error!.message.includes(token), latest!.error!.message);
    assert.match(latest!.error!.message, /^the job reported a failure: token \*\*\* leaked x+…$/);
    assert.equal(alerts.length, before + 1);
    assert.equal(alerts.at(-1)?.kind, 'down');
    assert.equal((await send('POST', '/ping/backup', { headers: auth() })).status, 200);
    assert.equal(alerts.at(-1)?.kind, 'recovered');
  });

  const refused: readonly { name: string; method: string; path: string; headers?: () => Record<string, string>; body?: () => string | Buffer; status: number; error: RegExp }[] = [
    { name: 'rejects a path that is no ping', method: 'POST', path: '/ping', status: 404, error: /^not a ping URL/ },
    { name: 'rejects an unknown ping kind', method: 'POST', path: '/ping/backup/restart', headers: auth, status: 404, error: /^not a ping URL/ },
    { name: 'rejects a deeper path', method: 'POST', path: '/ping/backup/start/now', headers: auth, status: 404, error: /^not a ping URL/ },
    { name: 'rejects GET', method: 'GET', path: '/ping/backup', headers: auth, status: 405, error: /^method GET is not allowed/ },
    { name: 'rejects PUT', method: 'PUT', path: '/ping/backup/fail', headers: auth, status: 405, error: /^method PUT is not allowed/ },
    { name: 'rejects a missing token', method: 'POST', path: '/ping/backup', status: 401, error: /^unknown heartbeat or wrong token: send Authorization/ },
    { name: 'rejects a wrong token', method: 'POST', path: '/ping/backup', headers: () => auth('x'.repeat(43)), status: 401, error: /^unknown heartbeat or wrong token$/ },
    { name: "rejects another heartbeat's token", method: 'POST', path: '/ping/report', headers: auth, status: 401, error: /^unknown heartbeat or wrong token$/ },
    { name: 'rejects an unknown id exactly like a wrong token', method: 'POST', path: '/ping/no-such-job', headers: auth, status: 401, error: /^unknown heartbeat or wrong token$/ },
    { name: 'rejects an id that is no id', method: 'POST', path: '/ping/%E0%A4%A', headers: auth, status: 401, error: /^unknown heartbeat or wrong token$/ },
    { name: 'rejects a malformed authorization header', method: 'POST', path: '/ping/backup', headers: () => ({ authorization: `Basic ${token}` }), status: 401, error: /^unknown heartbeat/ },
    { name: 'rejects a body over 10 KiB', method: 'POST', path: '/ping/backup', headers: auth, body: () => Buffer.alloc(10 * 1024 + 1, 'a'), status: 413, error: /^the body is over 10240 bytes/ },
  ];
  for (const c of refused) {
    it(`${c.name} (${c.status}) without touching the store`, async () => {
      const reply = await send(c.method, c.path, { headers: c.headers?.() ?? {}, ...(c.body ? { body: c.body() } : {}) });
      assert.equal(reply.status, c.status, JSON.stringify(reply.body));
      assert.match(String(reply.body['error']), c.error);
      assert.equal(storeCalls, 0);
      if (c.status === 405) assert.equal(reply.headers['allow'], 'POST');
      if (c.status === 401) assert.equal(reply.headers['www-authenticate'], 'Bearer');
    });
  }

  it('rejects a chunked body that grows past 10 KiB (413) without touching the store', async () => {
    const reply = await send('POST', '/ping/backup', { headers: { ...auth(), 'transfer-encoding': 'chunked' }, chunks: [Buffer.alloc(8000, 'a'), Buffer.alloc(8000, 'b')] });
    assert.equal(reply.status, 413);
    assert.equal(reply.headers['connection'], 'close');
    assert.equal(storeCalls, 0);
  });

  it('rejects a flood from one address (429 with Retry-After) before looking at the token', async () => {
    perSource = new TokenBuckets({ burst: 3, refillPerSecond: 0.01 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await send('POST', '/ping/backup', { headers: auth('wrong') })).status);
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      const reply = await send('POST', '/ping/backup', { headers: auth() });
      assert.equal(reply.status, 429);
      assert.ok(Number(reply.headers['retry-after']) >= 1);
      assert.equal(storeCalls, 0);
    } finally {
      perSource = new TokenBuckets({ burst: 1000, refillPerSecond: 1000 });
    }
  });

  it('rejects too many pings of one heartbeat (429), while strangers with wrong tokens never use up its allowance', async () => {
    perHeartbeat = new TokenBuckets({ burst: 2, refillPerSecond: 0.01 });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await send('POST', '/ping/backup', { headers: auth('wrong') })).status, 401);
      assert.equal((await send('POST', '/ping/backup/start', { headers: auth() })).status, 200);
      assert.equal((await send('POST', '/ping/backup', { headers: auth() })).status, 200);
      storeCalls = 0;
      const reply = await send('POST', '/ping/backup', { headers: auth() });
      assert.equal(reply.status, 429);
      assert.match(String(reply.body['error']), /^too many pings for backup/);
      assert.equal(storeCalls, 0);
    } finally {
      perHeartbeat = new TokenBuckets({ burst: 1000, refillPerSecond: 1000 });
    }
  });
});
