/** Proves the probe-test fixtures behave as documented, using plain node clients. */
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { DetailedPeerCertificate } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { testPki } from '../support/certs.ts';
import type { CertPair, TestPki } from '../support/certs.ts';
import { makeLookup, startDnsServer } from '../support/dns-server.ts';
import type { DnsRecords, TestDnsServer } from '../support/dns-server.ts';
import { startHttpServer } from '../support/http-server.ts';
import type { TestHttpServer } from '../support/http-server.ts';
import { startTcpServer, startTlsServer, unusedPort } from '../support/tcp-server.ts';
import type { TestTlsServer } from '../support/tcp-server.ts';

const DAY_MILLIS = 24 * 60 * 60 * 1000;

// ---------- client helpers ----------

interface Handshake {
  readonly authorized: boolean;
  readonly authorizationError: string | undefined;
  readonly peer: DetailedPeerCertificate;
}

function tlsHandshake(port: number, ca: string, rejectUnauthorized: boolean): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca, rejectUnauthorized });
    socket.once('secureConnect', () => {
      const error = socket.authorizationError as Error | string | null;
      resolve({
        authorized: socket.authorized,
        authorizationError: error === null ? undefined : typeof error === 'string' ? error : errorCode(error),
        peer: socket.getPeerCertificate(true),
      });
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

async function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return errorCode(err);
  }
  assert.fail('expected a rejection');
}

/** fetch() wraps network errors in TypeError('fetch failed') with the real one as `cause`. */
async function fetchFailureCode(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
  } catch (err) {
    return errorCode((err as { cause?: unknown }).cause);
  }
  assert.fail(`expected ${url} to fail`);
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

interface RawExchange {
  readonly received: Buffer;
  /** 'FIN' for an orderly close, otherwise the socket error code. */
  readonly ending: string;
}

/** Sends `payload` over plain TCP and collects everything until the peer closes. */
function rawExchange(port: number, payload: string): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ending = 'FIN';
    const socket = netConnect(port, '127.0.0.1', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err) => (ending = errorCode(err) ?? err.message));
    socket.on('close', () => resolve({ received: Buffer.concat(chunks), ending }));
  });
}

function activeCount(type: string): number {
  return process.getActiveResourcesInfo().filter((t) => t === type).length;
}

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

// ---------- certificates ----------

describe('testPki', () => {
  let pki: TestPki;
  const servers = new Map<string, TestTlsServer>();
  const names = ['valid', 'expired', 'wrongHost', 'selfSigned', 'incompleteChain', 'expiresSoon'] as const;

  before(async () => {
    pki = testPki();
    for (const name of names) servers.set(name, await startTlsServer(pki[name]));
  });
  after(async () => {
    await Promise.all([...servers.values()].map((s) => s.close()));
  });
  const port = (name: (typeof names)[number]): number => servers.get(name)?.port ?? assert.fail(name);

  it('caches one set per process', () => {
    assert.equal(testPki(), pki);
  });

  it('verifies the valid leaf against the root CA, chain sent by the server', async () => {
    const hs = await tlsHandshake(port('valid'), pki.rootCaPem, true);
    assert.equal(hs.authorized, true);
    assert.equal(hs.peer.subject.CN, 'localhost');
    assert.match(hs.peer.subjectaltname ?? '', /DNS:localhost, IP Address:127\.0\.0\.1/);
    assert.equal(hs.peer.issuerCertificate.subject.CN, 'skyprobe test intermediate CA');
  });

  it('expires the intermediate (now+60d) before the valid leaf (now+90d)', async () => {
    const hs = await tlsHandshake(port('valid'), pki.rootCaPem, true);
    const leafMillis = Date.parse(hs.peer.valid_to);
    const intermediateMillis = Date.parse(hs.peer.issuerCertificate.valid_to);
    assert.equal(leafMillis, pki.valid.leafValidTo.getTime());
    assert.ok(Math.abs(leafMillis - (Date.now() + 90 * DAY_MILLIS)) < DAY_MILLIS / 24);
    assert.ok(Math.abs(intermediateMillis - (Date.now() + 60 * DAY_MILLIS)) < DAY_MILLIS / 24);
  });

  it('verifies expiresSoon, which ends in 5 days', async () => {
    const hs = await tlsHandshake(port('expiresSoon'), pki.rootCaPem, true);
    assert.equal(hs.authorized, true);
    const left = Date.parse(hs.peer.valid_to) - Date.now();
    assert.ok(left > 4.9 * DAY_MILLIS && left <= 5 * DAY_MILLIS, `${left}`);
  });

  const failures: [(typeof names)[number], string][] = [
    ['expired', 'CERT_HAS_EXPIRED'],
    ['wrongHost', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['selfSigned', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['incompleteChain', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ];
  for (const [name, code] of failures) {
    it(`fails ${name} with ${code}`, async () => {
      assert.equal(await rejectionCode(tlsHandshake(port(name), pki.rootCaPem, true)), code);
    });
    it(`reports ${code} as authorizationError for ${name} when not rejecting`, async () => {
      const hs = await tlsHandshake(port(name), pki.rootCaPem, false);
      assert.equal(hs.authorized, false);
      assert.equal(hs.authorizationError, code);
    });
  }

  it('keeps leafValidTo equal to the certificate notAfter', async () => {
    const hs = await tlsHandshake(port('expired'), pki.rootCaPem, false);
    assert.equal(Date.parse(hs.peer.valid_to), pki.expired.leafValidTo.getTime());
    assert.ok(pki.expired.leafValidTo.getTime() < Date.now());
  });

  it('puts only the leaf in incompleteChain and leaf + intermediate in valid', () => {
    const count = (pair: CertPair): number => pair.cert.split('BEGIN CERTIFICATE').length - 1;
    assert.equal(count(pki.incompleteChain), 1);
    assert.equal(count(pki.valid), 2);
    assert.ok(pki.valid.cert.endsWith(pki.intermediateCaPem));
  });

  it('closes each connection after the handshake and counts it', async () => {
    const server = servers.get('valid') ?? assert.fail('valid');
    const handshakesBefore = server.handshakes;
    await new Promise<void>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pki.rootCaPem });
      socket.on('error', reject);
      socket.resume();
      socket.on('end', () => resolve());
    });
    assert.equal(server.handshakes, handshakesBefore + 1);
  });
});

// ---------- HTTP ----------

describe('startHttpServer', () => {
  let server: TestHttpServer;
  before(async () => {
    server = await startHttpServer();
  });
  after(() => server.close());

  it('serves /ok, ignoring the query string, and records the request', async () => {
    const res = await fetch(`${server.url}/ok?x=1`, { headers: { 'x-probe': 'p1' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello skyprobe');
    const recorded = server.requests.at(-1);
    assert.equal(recorded?.method, 'GET');
    assert.equal(recorded?.url, '/ok?x=1');
    assert.equal(recorded?.headers['x-probe'], 'p1');
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves /json and /status/<code>', async () => {
    const json = await fetch(`${server.url}/json`);
    assert.equal(json.headers.get('content-type'), 'application/json');
    assert.deepEqual(await json.json(), { status: 'ok', items: [{ id: 41 }, { id: 42 }], count: 2 });
    assert.equal((await fetch(`${server.url}/status/503`)).status, 503);
    assert.equal((await fetch(`${server.url}/status/204`)).status, 204);
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
  });

  it('echoes headers and bodies', async () => {
    const headers = await (await fetch(`${server.url}/headers`, { headers: { 'x-a': 'b' } })).json();
    assert.equal((headers as Record<string, string>)['x-a'], 'b');
    const echo = (await (await fetch(`${server.url}/echo`, { method: 'PUT', body: 'payload' })).json()) as {
      method: string;
      body: string;
    };
    assert.equal(echo.method, 'PUT');
    assert.equal(echo.body, 'payload');
    assert.equal(server.requests.at(-1)?.body, 'payload');
  });

  it('redirects /redirect/<n> down to 0, /loop to itself and /abs-redirect to ?to=', async () => {
    const followed = await fetch(`${server.url}/redirect/3`);
    assert.equal(followed.status, 200);
    assert.equal(followed.redirected, true);
    assert.deepEqual(
      server.requests.slice(-4).map((r) => r.url),
      ['/redirect/3', '/redirect/2', '/redirect/1', '/redirect/0'],
    );
    const loop = await fetch(`${server.url}/loop`, { redirect: 'manual' });
    assert.equal(loop.status, 302);
    assert.equal(loop.headers.get('location'), '/loop');
    const abs = await fetch(`${server.url}/abs-redirect?to=${encodeURIComponent('http://169.254.169.254/x')}`, {
      redirect: 'manual',
    });
    assert.equal(abs.headers.get('location'), 'http://169.254.169.254/x');
  });

  it('sends /big with content-length and /big-chunked without', async () => {
    const big = await fetch(`${server.url}/big/200000`);
    assert.equal(big.headers.get('content-length'), '200000');
    assert.equal((await big.arrayBuffer()).byteLength, 200000);
    const chunked = await fetch(`${server.url}/big-chunked/150000`);
    assert.equal(chunked.headers.get('content-length'), null);
    assert.equal(chunked.headers.get('transfer-encoding'), 'chunked');
    assert.equal((await chunked.arrayBuffer()).byteLength, 150000);
  });

  it('holds the headers of /delay/<ms> for that long', async () => {
    const start = performance.now();
    const ttfbMillis = await new Promise<number>((resolve, reject) => {
      httpRequest(`${server.url}/delay/150`, (res) => {
        resolve(performance.now() - start);
        res.resume();
      })
        .on('error', reject)
        .end();
    });
    assert.ok(ttfbMillis >= 145 && ttfbMillis < 1000, `${ttfbMillis}`);
  });

  it('trickles one byte every 200 ms and stops when the client leaves', async () => {
    const timersBefore = activeCount('Timeout');
    const arrivals: number[] = [];
    const socket = netConnect(server.port, '127.0.0.1', () => socket.write('GET /trickle HTTP/1.1\r\nHost: x\r\n\r\n'));
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        // Body bytes arrive as chunked frames "1\r\n.\r\n"; count the dots.
        if (!chunk.toString('latin1').startsWith('HTTP/')) arrivals.push(performance.now());
        if (arrivals.length === 2) resolve();
      });
    });
    assert.equal(activeCount('Timeout'), timersBefore + 1);
    const gap = (arrivals[1] ?? 0) - (arrivals[0] ?? 0);
    assert.ok(gap > 150 && gap < 400, `${gap}`);
    socket.destroy();
    await sleep(30);
    assert.equal(activeCount('Timeout'), timersBefore);
  });

  it('fails /hang by never sending headers', async () => {
    const err = await fetch(`${server.url}/hang`, { signal: AbortSignal.timeout(100) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal((err as Error | undefined)?.name, 'TimeoutError');
  });

  it('resets the connection mid-body after 1000 body bytes', async () => {
    const { received, ending } = await rawExchange(server.port, 'GET /reset-mid-body HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(ending, 'ECONNRESET');
    const text = received.toString('latin1');
    assert.match(text, /content-length: 100000/i);
    assert.equal(text.length - text.indexOf('\r\n\r\n') - 4, 1000);
  });

  it('resets the connection before headers', async () => {
    assert.equal(await fetchFailureCode(`${server.url}/reset-before-headers`), 'ECONNRESET');
  });

  it('answers /garbage with non-HTTP bytes', async () => {
    const { received, ending } = await rawExchange(server.port, 'GET /garbage HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(received.toString('latin1'), 'SSH-2.0-OpenSSH\r\n');
    assert.equal(ending, 'FIN');
    assert.equal(await fetchFailureCode(`${server.url}/garbage`), 'HPE_INVALID_CONSTANT');
  });

  it('logs in and serves /me only with the bearer token and session header', async () => {
    const login = await fetch(`${server.url}/login`, { method: 'POST', body: JSON.stringify({ user: 'ann', pass: 'pw' }) });
    assert.equal(login.status, 200);
    assert.equal(login.headers.get('x-session'), 'sess-1');
    const { token } = (await login.json()) as { token: string };
    assert.equal(token, 'tok-ann');
    const me = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${token}`, 'x-session': 'sess-1' } });
    assert.deepEqual(await me.json(), { user: 'ann' });
    assert.equal((await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
  });

  it('flips /flappy with /set-status', async () => {
    assert.equal((await fetch(`${server.url}/flappy`)).status, 200);
    await fetch(`${server.url}/set-status`, { method: 'POST', body: '503' });
    assert.equal((await fetch(`${server.url}/flappy`)).status, 503);
    await fetch(`${server.url}/set-status`, { method: 'POST', body: '200' });
    assert.equal((await fetch(`${server.url}/flappy`)).status, 200);
  });

  it('lets a test add and override routes', async () => {
    server.route('/custom', (_req, res, body) => res.writeHead(201).end(`got ${body}`));
    const res = await fetch(`${server.url}/custom?q`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 201);
    assert.equal(await res.text(), 'got x');
  });

  it('closes promptly with a request still hanging, then refuses connections', async () => {
    const other = await startHttpServer();
    const hanging = fetchFailureCode(`${other.url}/hang`);
    await sleep(20);
    await other.close();
    assert.ok((await hanging) !== undefined);
    assert.equal(await fetchFailureCode(`${other.url}/ok`), 'ECONNREFUSED');
  });
});

describe('startHttpServer with tls', () => {
  let server: TestHttpServer;
  let pki: TestPki;
  before(async () => {
    pki = testPki();
    server = await startHttpServer({ tls: pki.valid });
  });
  after(() => server.close());

  it('serves HTTPS on https://localhost with the valid chain', async () => {
    assert.match(server.url, /^https:\/\/localhost:\d+$/);
    assert.deepEqual(await httpsGet(`${server.url}/ok`, pki.rootCaPem), { status: 200, body: 'hello skyprobe' });
  });

  it('resets TLS connections at the TCP level', async () => {
    assert.equal(await rejectionCode(httpsGet(`${server.url}/reset-before-headers`, pki.rootCaPem)), 'ECONNRESET');
  });
});

// ---------- TCP ----------

describe('startTcpServer', () => {
  it('sends a banner and answers with respond()', async () => {
    const server = await startTcpServer({ banner: 'HELLO\r\n', respond: (d) => (d === 'PING' ? 'PONG' : null) });
    try {
      const { received } = await new Promise<RawExchange>((resolve) => {
        const chunks: Buffer[] = [];
        const socket = netConnect(server.port, server.host);
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          const text = Buffer.concat(chunks).toString();
          if (text === 'HELLO\r\n') socket.write('PING');
          if (text.endsWith('PONG')) socket.end();
        });
        socket.on('close', () => resolve({ received: Buffer.concat(chunks), ending: 'FIN' }));
      });
      assert.equal(received.toString(), 'HELLO\r\nPONG');
      assert.equal(server.connections, 1);
    } finally {
      await server.close();
    }
  });

  it('echoes by default, stays quiet when silent, and hangs up with closeImmediately', async () => {
    const echo = await startTcpServer();
    const silent = await startTcpServer({ silent: true, banner: 'never' });
    const closing = await startTcpServer({ closeImmediately: true, banner: 'bye' });
    try {
      const echoed = await new Promise<string>((resolve) => {
        const socket = netConnect(echo.port, echo.host, () => socket.write('abc'));
        socket.once('data', (d: Buffer) => {
          resolve(d.toString());
          socket.destroy();
        });
      });
      assert.equal(echoed, 'abc');

      const quiet = await new Promise<number>((resolve) => {
        let bytes = 0;
        const socket = netConnect(silent.port, silent.host, () => socket.write('hello?'));
        socket.on('data', (d: Buffer) => (bytes += d.length));
        setTimeout(() => {
          socket.destroy();
          resolve(bytes);
        }, 50);
      });
      assert.equal(quiet, 0);
      assert.equal(silent.connections, 1);

      const hungUp = await rawExchange(closing.port, '');
      assert.deepEqual([hungUp.received.toString(), hungUp.ending], ['bye', 'FIN']);
    } finally {
      await Promise.all([echo.close(), silent.close(), closing.close()]);
    }
  });

  it('fails to connect to unusedPort() with ECONNREFUSED', async () => {
    const port = await unusedPort();
    const code = await new Promise<string | undefined>((resolve) => {
      netConnect(port, '127.0.0.1')
        .on('connect', () => resolve('connected'))
        .on('error', (err) => resolve(errorCode(err)));
    });
    assert.equal(code, 'ECONNREFUSED');
  });
});

// ---------- DNS ----------

const RECORDS: DnsRecords = {
  'example.test': {
    A: ['10.0.0.1', '10.0.0.2'],
    AAAA: ['fd00::1'],
    MX: [{ preference: 10, exchange: 'mail.example.test' }],
    TXT: ['v=spf1 -all'],
    NS: ['ns1.example.test'],
    CAA: [{ flags: 0, tag: 'issue', value: 'letsencrypt.org' }],
  },
  'www.example.test': { CNAME: ['example.test'] },
  '_svc._tcp.example.test': { SRV: [{ priority: 1, weight: 5, port: 8443, target: 'example.test' }] },
  'v6only.test': { AAAA: ['fd00::6'] },
  'noaddr.test': { TXT: ['only text'] },
};

describe('startDnsServer', () => {
  let server: TestDnsServer;
  let resolver: Resolver;
  before(async () => {
    server = await startDnsServer(RECORDS);
    resolver = new Resolver({ timeout: 100, tries: 1 });
    resolver.setServers([`${server.host}:${server.port}`]);
  });
  after(() => server.close());

  it('answers each record type in dns-packet shape', async () => {
    assert.deepEqual(await resolver.resolve4('example.test'), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(await resolver.resolve6('example.test'), ['fd00::1']);
    assert.deepEqual(await resolver.resolveMx('example.test'), [{ priority: 10, exchange: 'mail.example.test' }]);
    assert.deepEqual(await resolver.resolveTxt('example.test'), [['v=spf1 -all']]);
    assert.deepEqual(await resolver.resolveNs('example.test'), ['ns1.example.test']);
    assert.deepEqual(await resolver.resolveCaa('example.test'), [{ critical: 0, issue: 'letsencrypt.org' }]);
    assert.deepEqual(await resolver.resolveSrv('_svc._tcp.example.test'), [
      { priority: 1, weight: 5, port: 8443, name: 'example.test' },
    ]);
  });

  it('follows a CNAME within the table, case-insensitively', async () => {
    assert.deepEqual(await resolver.resolveCname('www.example.test'), ['example.test']);
    assert.deepEqual(await resolver.resolve4('WWW.Example.test'), ['10.0.0.1', '10.0.0.2']);
  });

  it('fails unknown names with NXDOMAIN and known names without the type with NODATA', async () => {
    assert.equal(await rejectionCode(resolver.resolve4('missing.test')), 'ENOTFOUND');
    assert.equal(await rejectionCode(resolver.resolve4('noaddr.test')), 'ENODATA');
  });

  it('fails servfail.test with SERVFAIL and never answers timeout.test', async () => {
    assert.equal(await rejectionCode(resolver.resolve4('servfail.test')), 'ESERVFAIL');
    assert.equal(await rejectionCode(resolver.resolve4('timeout.test')), 'ETIMEOUT');
  });

  it('records queries and serves records swapped in by setRecords', async () => {
    server.setRecords({ 'new.test': { A: ['10.9.9.9'] } });
    try {
      assert.deepEqual(await resolver.resolve4('New.Test'), ['10.9.9.9']);
      assert.deepEqual(server.queries.at(-1), { name: 'new.test', type: 'A' });
      assert.equal(await rejectionCode(resolver.resolve4('example.test')), 'ENOTFOUND');
    } finally {
      server.setRecords(RECORDS);
    }
  });

  it('resolves A and AAAA through makeLookup, IPv4 first', async () => {
    const lookup = makeLookup(server);
    assert.deepEqual(await lookup('example.test'), [
      { address: '10.0.0.1', family: 4 },
      { address: '10.0.0.2', family: 4 },
      { address: 'fd00::1', family: 6 },
    ]);
    assert.deepEqual(await lookup('v6only.test'), [{ address: 'fd00::6', family: 6 }]);
  });

  it('answers IP literals and localhost in makeLookup without a query', async () => {
    const lookup = makeLookup(server);
    const queriesBefore = server.queries.length;
    assert.deepEqual(await lookup('192.0.2.7'), [{ address: '192.0.2.7', family: 4 }]);
    assert.deepEqual(await lookup('::1'), [{ address: '::1', family: 6 }]);
    assert.deepEqual(await lookup('localhost'), [{ address: '127.0.0.1', family: 4 }]);
    assert.equal(server.queries.length, queriesBefore);
  });

  it('fails makeLookup like dns.lookup: ENOTFOUND, then the resolver code', async () => {
    const lookup = makeLookup(server, { timeoutMillis: 100 });
    assert.equal(await rejectionCode(lookup('missing.test')), 'ENOTFOUND');
    assert.equal(await rejectionCode(lookup('noaddr.test')), 'ENOTFOUND');
    assert.equal(await rejectionCode(lookup('servfail.test')), 'ESERVFAIL');
    assert.equal(await rejectionCode(lookup('timeout.test')), 'ETIMEOUT');
  });
});

// ---------- teardown ----------

describe('teardown', () => {
  it('leaves no sockets or servers open once every fixture is closed', async () => {
    await sleep(20);
    const open = process.getActiveResourcesInfo().filter((t) => /^(TCP|UDP|TLS)/.test(t));
    assert.deepEqual(open, []);
  });
});
