/** runBatch over real servers: hostile targets, order of results, the concurrency bound, a large batch. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Check } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { LookupFn } from '../../lambdas/core/ports.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createProbeContext, type ProbeContext } from '../../lambdas/engine/context.ts';
import { runBatch } from '../../lambdas/engine/run-check.ts';
import { testPki, type TestPki } from '../support/certs.ts';
import { makeLookup, startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { startTcpServer, startTlsServer, unusedPort, type TestTcpServer, type TestTlsServer } from '../support/tcp-server.ts';
import { timed } from './helpers.ts';

const TIMEOUT_MS = 1000;
/** Time allowed on top of the longest timeout for everything else in the batch. */
const MARGIN_MS = 700;

let pki: TestPki;
let dns: TestDnsServer;
let ctx: ProbeContext;
let web: TestHttpServer;
let silent: TestTcpServer;
let expired: TestTlsServer;

before(async () => {
  pki = testPki();
  dns = await startDnsServer({ 'app.test': { A: ['127.0.0.1'] } });
  const viaDns = makeLookup(dns);
  // A lookup that misbehaves for two names: the batch must still produce a result for them.
  const lookup: LookupFn = (hostname) => {
    if (hostname === 'throws.test') throw new Error('lookup blew up');
    if (hostname === 'empty.test') return Promise.resolve([]);
    return viaDns(hostname);
  };
  ctx = createProbeContext({ location: 'test', allowPrivateTargets: true, extraCaPem: [pki.rootCaPem], lookup, retryDelayMs: 10 });
  web = await startHttpServer();
  silent = await startTcpServer({ silent: true });
  expired = await startTlsServer(pki.expired);
});

after(async () => {
  await Promise.all([dns.close(), web.close(), silent.close(), expired.close()]);
});

function checksOf(inputs: readonly Record<string, unknown>[]): readonly Check[] {
  return validateConfig({ checks: inputs.map((c, i) => ({ id: `c${String(i).padStart(3, '0')}`, timeout: `${TIMEOUT_MS}ms`, retries: 0, ...c })) }).checks;
}

describe('runBatch', () => {
  it('runs a hostile batch within the longest timeout plus a margin, in input order, without throwing', async () => {
    const refused = await unusedPort();
    // Four slow targets (they take the whole timeout), no more than the concurrency: the batch then takes one timeout.
    const plan: readonly (readonly [Record<string, unknown>, string | null])[] = [
      [{ type: 'http', url: `${web.url}/trickle` }, 'timeout'],
      [{ type: 'http', url: `${web.url}/ok` }, null],
      [{ type: 'http', url: `${web.url}/garbage` }, 'protocol'],
      [{ type: 'http', url: `http://127.0.0.1:${refused}/` }, 'connect_refused'],
      [{ type: 'http', url: `${web.url}/hang` }, 'timeout'],
      [{ type: 'http', url: `${web.url}/json`, assertions: [{ type: 'json', path: '$.status', equals: 'ok' }] }, null],
      [{ type: 'http', url: `${web.url}/reset-before-headers` }, 'reset'],
      [{ type: 'http', url: `${web.url}/status/503` }, 'http_status'],
      [{ type: 'http', url: `${web.url}/loop` }, 'too_many_redirects'],
      [{ type: 'http', url: `${web.url}/big/2000000` }, 'body_too_large'],
      [{ type: 'tcp', host: '127.0.0.1', port: silent.port, expect: 'READY' }, 'timeout'],
      [{ type: 'tcp', host: '127.0.0.1', port: refused }, 'connect_refused'],
      [{ type: 'dns', domain: 'timeout.test', resolver: `127.0.0.1:${dns.port}` }, 'timeout'],
      [{ type: 'dns', domain: 'app.test', resolver: `127.0.0.1:${dns.port}`, expectedAnswers: ['127.0.0.1'] }, null],
      [{ type: 'tls', host: 'localhost', port: expired.port }, 'tls_expired'],
      [{ type: 'http', url: `http://throws.test:${web.port}/ok` }, 'dns'],
      [{ type: 'http', url: `http://empty.test:${web.port}/ok` }, 'dns'],
      [{ type: 'http', url: `http://169.254.169.254:${web.port}/`, allowPrivateTargets: true }, 'blocked_target'],
      [{ type: 'http', url: `http://app.test:${web.port}/ok` }, null],
      [{ type: 'http', url: `https://127.0.0.1:${web.port}/ok` }, 'tls_handshake'],
    ];
    assert.equal(plan.length, 20);
    const checks = checksOf(plan.map(([input]) => input));
    const seen: number[] = [];
    const { value: results, elapsedMs } = await timed(() =>
      runBatch(checks, ctx, {
        concurrency: 4,
        onResult: (result, index) => {
          assert.equal(result.checkId, checks[index]?.id);
          seen.push(index);
        },
      }),
    );
    assert.ok(elapsedMs < TIMEOUT_MS + MARGIN_MS, `the batch took ${elapsedMs}ms`);
    assert.equal(results.length, 20);
    assert.deepEqual(results.map((r) => r.checkId), checks.map((c) => c.id));
    assert.deepEqual([...seen].sort((a, b) => a - b), [...Array(20).keys()]);
    assert.deepEqual(
      results.map((r) => r.error?.kind ?? null),
      plan.map(([, kind]) => kind),
    );
    for (const r of results) assert.equal(r.ok, r.error === null, `${r.checkId}: ok and error disagree`);
  });

  it('never has more checks in flight than the concurrency', async () => {
    let active = 0;
    let peak = 0;
    web.route('/held', (_req, res) => {
      active += 1;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active -= 1;
        res.writeHead(200, { 'content-length': 2 });
        res.end('ok');
      }, 30);
    });
    const checks = checksOf(Array.from({ length: 24 }, () => ({ type: 'http', url: `${web.url}/held` })));
    const results = await runBatch(checks, ctx, { concurrency: 4 });
    assert.ok(results.every((r) => r.ok));
    assert.equal(peak, 4);
  });

  it('returns an empty list for no checks', async () => {
    assert.deepEqual(await runBatch([], ctx, { concurrency: 4 }), []);
  });

  it('runs 500 checks against /ok with concurrency 50, all ok, in order', async () => {
    const checks = checksOf(Array.from({ length: 500 }, () => ({ type: 'http', url: `${web.url}/ok` })));
    const before = web.requests.length;
    const results: ProbeResult[] = await runBatch(checks, ctx, { concurrency: 50 });
    assert.equal(results.length, 500);
    const failed = results.filter((r) => !r.ok);
    assert.equal(failed.length, 0, JSON.stringify(failed.slice(0, 3)));
    assert.deepEqual(results.map((r) => r.checkId), checks.map((c) => c.id));
    assert.equal(web.requests.length - before, 500);
  });
});
