/** HTTP(S) probes against real loopback servers: timings, every error kind, the deadline, redirects, retries. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ProbeResult, Timings } from '../../lambdas/core/result.ts';
import { createProbeContext, type ProbeContext } from '../../lambdas/engine/context.ts';
import { runCheck } from '../../lambdas/engine/run-check.ts';
import { testPki, type TestPki } from '../support/certs.ts';
import { makeLookup, startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { startTcpServer, unusedPort, type TestTcpServer } from '../support/tcp-server.ts';
import { countClientSockets, httpCheck, startUnacceptingServer, timed, type UnacceptingServer } from './helpers.ts';

/** How far past its timeout a run may end: the deadline must tear everything down promptly. */
const DEADLINE_SLACK_MS = 300;

let pki: TestPki;
let dns: TestDnsServer;
let ctx: ProbeContext;
let web: TestHttpServer;
let other: TestHttpServer;
const tlsServers: Partial<Record<'valid' | 'expired' | 'wrongHost' | 'selfSigned' | 'incompleteChain', TestHttpServer>> = {};
let silent: TestTcpServer;

function server(name: keyof typeof tlsServers): TestHttpServer {
  const s = tlsServers[name];
  if (s === undefined) throw new Error(`no ${name} server`);
  return s;
}

before(async () => {
  pki = testPki();
  dns = await startDnsServer({
    'app.test': { A: ['127.0.0.1'] },
    'metadata.test': { A: ['169.254.169.254'] },
    'ecs-creds.test': { A: ['169.254.170.2'] },
  });
  ctx = createProbeContext({ location: 'test', allowPrivateTargets: true, extraCaPem: [pki.rootCaPem], lookup: makeLookup(dns), retryDelayMs: 10 });
  web = await startHttpServer();
  other = await startHttpServer();
  for (const name of ['valid', 'expired', 'wrongHost', 'selfSigned', 'incompleteChain'] as const) {
    tlsServers[name] = await startHttpServer({ tls: pki[name] });
  }
  silent = await startTcpServer({ silent: true });
});

after(async () => {
  await Promise.all([web.close(), other.close(), dns.close(), silent.close(), ...Object.values(tlsServers).map((s) => s.close())]);
});

const run = (input: Record<string, unknown>, context: ProbeContext = ctx): Promise<ProbeResult> => runCheck(httpCheck(input), context);

function assertKind(result: ProbeResult, kind: string, message?: RegExp): void {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  assert.equal(result.status, 'down');
  assert.equal(result.error?.kind, kind, `expected kind ${kind}, got ${JSON.stringify(result.error)}`);
  if (message) assert.match(result.error.message, message);
}

/** Phases never add up to more than the total (each figure is rounded to 0.01 ms). */
function assertPhasesWithinTotal(t: Timings): void {
  const phases = [t.dnsMs, t.connectMs, t.tlsMs, t.ttfbMs, t.downloadMs].reduce<number>((sum, v) => sum + (v ?? 0), 0);
  assert.ok(t.totalMs >= phases - 0.05, `total ${t.totalMs} is less than the sum of phases ${phases}`);
}

function assertNumber(value: number | null, what: string): void {
  assert.equal(typeof value, 'number', `${what} should be a number, got ${value}`);
  assert.ok((value as number) >= 0, `${what} should not be negative, got ${value}`);
}

describe('http probe timings', () => {
  it('reports up with connect, ttfb, download and total on plain HTTP, and null dns and tls for an IP literal', async () => {
    const result = await run({ url: `${web.url}/ok` });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.status, 'up');
    assert.equal(result.httpStatus, 200);
    assert.equal(result.attempts, 1);
    assert.equal(result.address, `127.0.0.1:${web.port}`);
    const t = result.timings;
    assert.equal(t.dnsMs, null);
    assert.equal(t.tlsMs, null);
    assertNumber(t.connectMs, 'connectMs');
    assertNumber(t.ttfbMs, 'ttfbMs');
    assertNumber(t.downloadMs, 'downloadMs');
    assert.ok(t.totalMs > 0);
    assertPhasesWithinTotal(t);
    assert.equal(result.tls, undefined);
  });

  it('measures dnsMs when the host is a name resolved through the DNS server', async () => {
    const before = dns.queries.filter((q) => q.name === 'app.test').length;
    const result = await run({ url: `http://app.test:${web.port}/ok` });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assertNumber(result.timings.dnsMs, 'dnsMs');
    assert.ok(dns.queries.filter((q) => q.name === 'app.test').length > before, 'the name was not looked up through the DNS server');
    assert.equal(result.address, `127.0.0.1:${web.port}`);
    assertPhasesWithinTotal(result.timings);
  });

  it('measures tlsMs on HTTPS and reports the leaf expiry and the earlier expiry of the intermediate', async () => {
    const result = await run({ url: `${server('valid').url}/ok` });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    const t = result.timings;
    assertNumber(t.dnsMs, 'dnsMs');
    assertNumber(t.connectMs, 'connectMs');
    assertNumber(t.tlsMs, 'tlsMs');
    assertNumber(t.ttfbMs, 'ttfbMs');
    assertNumber(t.downloadMs, 'downloadMs');
    assertPhasesWithinTotal(t);

    const tls = result.tls;
    assert.ok(tls, 'an https result carries tls info');
    assert.equal(tls.validTo, pki.valid.leafValidTo.toISOString());
    const intermediateTo = new Date(new X509Certificate(pki.intermediateCaPem).validTo).toISOString();
    assert.equal(tls.chainEarliestValidTo, intermediateTo);
    assert.ok(tls.chainEarliestValidTo < tls.validTo, 'the intermediate expires before the leaf');
    assert.ok(Math.abs(tls.daysRemaining - 90) <= 0.2, `daysRemaining ${tls.daysRemaining}`);
    assert.ok(Math.abs(tls.chainEarliestDaysRemaining - 60) <= 0.2, `chainEarliestDaysRemaining ${tls.chainEarliestDaysRemaining}`);
    assert.equal(tls.authorized, true);
    assert.equal(tls.subject, 'localhost');
  });

  it('marks a passing run slower than degradedAfter as degraded, still ok', async () => {
    const slow = await run({ url: `${web.url}/delay/300`, degradedAfter: '100ms' });
    assert.equal(slow.ok, true, JSON.stringify(slow.error));
    assert.equal(slow.status, 'degraded');
    assert.ok(slow.timings.totalMs >= 300);
    const fast = await run({ url: `${web.url}/ok`, degradedAfter: '1s' });
    assert.equal(fast.status, 'up');
  });
});

describe('http probe error kinds', () => {
  it('fails with dns when the name does not exist (NXDOMAIN)', async () => {
    const result = await run({ url: `http://missing.test:${web.port}/ok` });
    assertKind(result, 'dns', /NXDOMAIN/);
    assert.equal(result.address, null);
    assert.equal(result.timings.connectMs, null);
  });

  it('fails with connect_refused when nothing listens on the port', async () => {
    const port = await unusedPort();
    assertKind(await run({ url: `http://127.0.0.1:${port}/ok` }), 'connect_refused', /refused/);
  });

  it('fails with connect_timeout within the deadline when the server never completes the handshake', async () => {
    const blackhole: UnacceptingServer = await startUnacceptingServer();
    try {
      const { value: result, elapsedMs } = await timed(() => run({ url: `http://127.0.0.1:${blackhole.port}/ok`, timeout: '500ms' }));
      assertKind(result, 'connect_timeout', /timed out after 500ms while connecting/);
      assert.ok(elapsedMs >= 450 && elapsedMs < 500 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
      assert.equal(result.timings.connectMs, null);
    } finally {
      await blackhole.close();
    }
  });

  it('fails with reset when the server resets before sending headers', async () => {
    const result = await run({ url: `${web.url}/reset-before-headers` });
    assertKind(result, 'reset', /waiting for the response/);
    assert.equal(result.httpStatus, null);
  });

  it('fails with reset when the server resets in the middle of the body', async () => {
    const result = await run({ url: `${web.url}/reset-mid-body` });
    assertKind(result, 'reset', /reading the body/);
    assertNumber(result.timings.ttfbMs, 'ttfbMs');
  });

  it('fails with tls_handshake when https meets a plain HTTP port', async () => {
    assertKind(await run({ url: `https://127.0.0.1:${web.port}/ok` }), 'tls_handshake', /TLS/);
  });

  it('fails with tls_expired when the certificate has expired', async () => {
    const result = await run({ url: `${server('expired').url}/ok` });
    assertKind(result, 'tls_expired', /expired/);
    assert.equal(server('expired').requests.length, 0, 'no request may be sent over an unverified connection');
  });

  it('fails with tls_hostname when the certificate is for another host', async () => {
    assertKind(await run({ url: `${server('wrongHost').url}/ok` }), 'tls_hostname', /host/);
  });

  it('fails with tls_untrusted when the certificate is self-signed', async () => {
    assertKind(await run({ url: `${server('selfSigned').url}/ok` }), 'tls_untrusted', /self-signed/);
  });

  it('fails with tls_untrusted when the server sends an incomplete chain', async () => {
    assertKind(await run({ url: `${server('incompleteChain').url}/ok` }), 'tls_untrusted', /incomplete chain|issuer/);
  });

  it('passes on a self-signed certificate when the check is insecure', async () => {
    const result = await run({ url: `${server('selfSigned').url}/ok`, insecure: true });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.httpStatus, 200);
    assert.equal(result.tls?.authorized, false);
  });

  it('fails with timeout within the deadline when the server never answers (/hang)', async () => {
    const { value: result, elapsedMs } = await timed(() => run({ url: `${web.url}/hang`, timeout: '1s' }));
    assertKind(result, 'timeout', /timed out after 1000ms while waiting for the response/);
    assert.ok(elapsedMs >= 950 && elapsedMs < 1000 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
  });

  it('fails with timeout within the deadline when the body trickles forever (/trickle)', async () => {
    const { value: result, elapsedMs } = await timed(() => run({ url: `${web.url}/trickle`, timeout: '1s' }));
    assertKind(result, 'timeout', /timed out after 1000ms while reading the body/);
    assert.ok(elapsedMs >= 950 && elapsedMs < 1000 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
    assertNumber(result.timings.ttfbMs, 'ttfbMs');
  });

  it('fails with timeout when the response comes after the timeout (/delay)', async () => {
    const { value: result, elapsedMs } = await timed(() => run({ url: `${web.url}/delay/3000`, timeout: '300ms' }));
    assertKind(result, 'timeout', /after 300ms/);
    assert.ok(elapsedMs < 300 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
  });

  it('fails with timeout within the deadline when the TLS handshake never completes', async () => {
    const { value: result, elapsedMs } = await timed(() => run({ url: `https://127.0.0.1:${silent.port}/`, timeout: '500ms' }));
    assertKind(result, 'timeout', /TLS handshake/);
    assert.ok(elapsedMs < 500 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
  });

  it('fails with http_status naming the expected range and the status got', async () => {
    const result = await run({ url: `${web.url}/status/503` });
    assertKind(result, 'http_status');
    assert.equal(result.error?.message, 'expected status 200-399, got 503');
    assert.equal(result.httpStatus, 503);
  });

  it('passes a non-2xx status the check expects', async () => {
    const result = await run({ url: `${web.url}/status/503`, expectStatus: 503 });
    assert.equal(result.ok, true, JSON.stringify(result.error));
  });

  it('fails with assertion and a readable message when the body does not contain the text', async () => {
    const result = await run({ url: `${web.url}/ok`, assertions: [{ type: 'body', contains: 'goodbye' }] });
    assertKind(result, 'assertion');
    assert.equal(result.error?.message, 'expected body to contain "goodbye"');
  });

  it('fails with assertion when a JSON value differs, naming the path and both values', async () => {
    const result = await run({ url: `${web.url}/json`, assertions: [{ type: 'json', path: '$.status', equals: 'down' }, { type: 'json', path: '$.count', equals: 2 }] });
    assertKind(result, 'assertion');
    assert.equal(result.error?.message, 'json $.status: expected "down", got "ok"');
    assert.deepEqual(result.assertions.map((a) => a.ok), [true, false, true]);
  });

  it('fails with assertion when a header differs, and counts the other failures', async () => {
    const result = await run({
      url: `${web.url}/json`,
      assertions: [
        { type: 'header', name: 'Content-Type', equals: 'text/html' },
        { type: 'body', contains: 'nothing-like-this' },
      ],
    });
    assertKind(result, 'assertion');
    assert.equal(result.error?.message, 'expected header content-type to equal "text/html", got "application/json" (and 1 more failed assertion)');
  });

  it('passes when every body, json and header assertion holds', async () => {
    const result = await run({
      url: `${web.url}/json`,
      assertions: [
        { type: 'body', contains: '"items"' },
        { type: 'json', path: '$.items[1].id', equals: 42 },
        { type: 'header', name: 'content-type', matches: '^application/json' },
      ],
    });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.assertions.length, 4);
  });

  it('fails with too_many_redirects on a redirect loop', async () => {
    assertKind(await run({ url: `${web.url}/loop` }), 'too_many_redirects', /more than 5 redirects/);
  });

  it('fails with too_many_redirects when a chain is longer than maxRedirects, without following the extra hop', async () => {
    const seen = web.requests.length;
    const result = await run({ url: `${web.url}/redirect/10`, maxRedirects: 3 });
    assertKind(result, 'too_many_redirects', /more than 3 redirects \(last: 302 to \/redirect\/6\)/);
    assert.deepEqual(web.requests.slice(seen).map((r) => r.url), ['/redirect/10', '/redirect/9', '/redirect/8', '/redirect/7']);
  });

  it('fails with too_many_redirects on one redirect more than maxRedirects', async () => {
    assertKind(await run({ url: `${web.url}/redirect/4`, maxRedirects: 3 }), 'too_many_redirects');
  });

  it('passes a chain of exactly maxRedirects redirects and counts them', async () => {
    const result = await run({ url: `${web.url}/redirect/3`, maxRedirects: 3 });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.redirects, 3);
    assert.equal(result.httpStatus, 200);
  });

  it('reports the redirect itself when followRedirects is false', async () => {
    const result = await run({ url: `${web.url}/redirect/3`, followRedirects: false });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.httpStatus, 302);
    assert.equal(result.redirects, 0);
  });

  it('fails with body_too_large when the declared length is over the default 1 MiB cap', async () => {
    assertKind(await run({ url: `${web.url}/big/2000000` }), 'body_too_large', /2000000 bytes, over the 1048576-byte limit/);
  });

  it('fails with body_too_large when a chunked body grows over the cap', async () => {
    assertKind(await run({ url: `${web.url}/big-chunked/2000000` }), 'body_too_large', /1048576-byte limit/);
  });

  it('applies maxBodyBytes: one byte over fails, exactly at the limit passes', async () => {
    assertKind(await run({ url: `${web.url}/big/1001`, maxBodyBytes: 1000 }), 'body_too_large', /1000-byte limit/);
    assertKind(await run({ url: `${web.url}/big-chunked/1001`, maxBodyBytes: 1000 }), 'body_too_large', /1000-byte limit/);
    const atLimit = await run({ url: `${web.url}/big-chunked/1000`, maxBodyBytes: 1000 });
    assert.equal(atLimit.ok, true, JSON.stringify(atLimit.error));
  });

  it('fails with protocol when the server does not speak HTTP', async () => {
    assertKind(await run({ url: `${web.url}/garbage` }), 'protocol', /HTTP/);
  });
});

describe('http probe target policy', () => {
  it('fails with blocked_target on loopback when neither the context nor the check allows private targets', async () => {
    const strict = createProbeContext({ location: 'test', lookup: makeLookup(dns), retryDelayMs: 10 });
    const seen = web.requests.length;
    const { value: result, sockets } = await countClientSockets(() => run({ url: `${web.url}/ok` }, strict));
    assertKind(result, 'blocked_target', /127\.0\.0\.1 is a loopback address \(set allowPrivateTargets to probe it\)/);
    assert.equal(sockets, 0, 'no connection may be attempted');
    assert.equal(web.requests.length, seen);
  });

  it('probes loopback when the check itself allows private targets', async () => {
    const strict = createProbeContext({ location: 'test', lookup: makeLookup(dns), retryDelayMs: 10 });
    const result = await run({ url: `${web.url}/ok`, allowPrivateTargets: true }, strict);
    assert.equal(result.ok, true, JSON.stringify(result.error));
  });

  for (const [label, url] of [
    ['a name resolving to 169.254.169.254', 'http://metadata.test:PORT/latest/meta-data/'],
    ['a name resolving to the ECS credentials address', 'http://ecs-creds.test:PORT/v2/credentials'],
    ['the literal 169.254.169.254', 'http://169.254.169.254:PORT/latest/meta-data/'],
    ['IPv4-mapped IPv6 metadata', 'http://[::ffff:169.254.169.254]:PORT/latest/meta-data/'],
    ['the IPv6 metadata address', 'http://[fd00:ec2::254]:PORT/latest/meta-data/'],
  ] as const) {
    it(`fails fast with blocked_target, sending no packet, for ${label} even with everything allowed`, async () => {
      const { value: timedRun, sockets } = await countClientSockets(() => timed(() => run({ url: url.replace('PORT', String(web.port)), allowPrivateTargets: true })));
      assertKind(timedRun.value, 'blocked_target', /metadata address/);
      assert.equal(sockets, 0, 'a socket was opened towards the metadata address');
      assert.equal(timedRun.value.timings.connectMs, null);
      assert.ok(timedRun.elapsedMs < 200, `took ${timedRun.elapsedMs}ms`);
    });
  }

  it('fails with blocked_target when a redirect points at the metadata address, without following it', async () => {
    const to = encodeURIComponent(`http://169.254.169.254:${web.port}/latest/meta-data/`);
    const { value: result, sockets } = await countClientSockets(() => run({ url: `${web.url}/abs-redirect?to=${to}`, allowPrivateTargets: true }));
    assertKind(result, 'blocked_target', /169\.254\.169\.254 is a cloud metadata address/);
    assert.equal(sockets, 1, 'only the first server may be contacted');
  });
});

describe('http probe requests', () => {
  it('sends a POST JSON body with content-type application/json', async () => {
    const result = await run({ url: `${web.url}/echo`, method: 'POST', body: { hello: 'world', n: 1 } });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    const seen = web.requests.at(-1);
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.url, '/echo');
    assert.equal(seen?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen?.body ?? ''), { hello: 'world', n: 1 });
  });

  it('drops authorization and cookie headers on a redirect to another origin', async () => {
    const to = encodeURIComponent(`${other.url}/headers`);
    const seenBefore = other.requests.length;
    const result = await run({ url: `${web.url}/abs-redirect?to=${to}`, headers: { Authorization: 'Bearer top', Cookie: 'sid=1', 'X-Trace': 'kept' } });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.redirects, 1);
    assert.equal(web.requests.at(-1)?.headers.authorization, 'Bearer top');
    const second = other.requests[seenBefore];
    assert.ok(second, 'the second server was not reached');
    assert.equal(second.url, '/headers');
    assert.equal(second.headers.authorization, undefined);
    assert.equal(second.headers.cookie, undefined);
    assert.equal(second.headers['x-trace'], 'kept');
  });

  it('keeps authorization on a redirect within the same origin', async () => {
    const result = await run({ url: `${web.url}/abs-redirect?to=${encodeURIComponent('/headers')}`, headers: { Authorization: 'Bearer top' } });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    const last = web.requests.at(-1);
    assert.equal(last?.url, '/headers');
    assert.equal(last?.headers.authorization, 'Bearer top');
  });

  it('turns a POST into a GET without a body after a 302, and keeps both after a 307', async () => {
    web.route('/temp-redirect', (_req, res) => {
      res.writeHead(307, { location: '/echo', 'content-length': 0 });
      res.end();
    });
    await run({ url: `${web.url}/abs-redirect?to=%2Fecho`, method: 'POST', body: { a: 1 } });
    const after302 = web.requests.at(-1);
    assert.equal(after302?.url, '/echo');
    assert.equal(after302?.method, 'GET');
    assert.equal(after302?.body, '');
    assert.equal(after302?.headers['content-type'], undefined);

    await run({ url: `${web.url}/temp-redirect`, method: 'POST', body: { a: 1 } });
    const after307 = web.requests.at(-1);
    assert.equal(after307?.url, '/echo');
    assert.equal(after307?.method, 'POST');
    assert.deepEqual(JSON.parse(after307?.body ?? ''), { a: 1 });
  });
});

describe('http probe retries', () => {
  it('passes on the second attempt when the first fails, reporting 2 attempts', async () => {
    let calls = 0;
    web.route('/flaky-once', (_req, res) => {
      calls += 1;
      res.writeHead(calls === 1 ? 503 : 200, { 'content-length': 2 });
      res.end('hi');
    });
    const result = await run({ url: `${web.url}/flaky-once`, retries: 2 });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.attempts, 2);
    assert.equal(calls, 2);
  });

  it('fails after retries + 1 attempts when every attempt fails', async () => {
    let calls = 0;
    web.route('/always-down', (_req, res) => {
      calls += 1;
      res.writeHead(500, { 'content-length': 0 });
      res.end();
    });
    const result = await run({ url: `${web.url}/always-down`, retries: 2 });
    assertKind(result, 'http_status', /got 500/);
    assert.equal(result.attempts, 3);
    assert.equal(calls, 3);
  });

  it('follows the server when /flappy changes status between runs', async () => {
    const set = (code: number) => run({ url: `${web.url}/set-status`, method: 'POST', body: String(code) });
    assert.equal((await set(502)).ok, true);
    assertKind(await run({ url: `${web.url}/flappy` }), 'http_status', /got 502/);
    assert.equal((await set(200)).ok, true);
    assert.equal((await run({ url: `${web.url}/flappy` })).ok, true);
  });
});
