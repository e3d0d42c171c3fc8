/** TLS certificate checks against real loopback TLS servers, including a name with two addresses. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createProbeContext, type ProbeContext } from '../../lambdas/engine/context.ts';
import { runCheck } from '../../lambdas/engine/run-check.ts';
import { testPki, type CertPair, type TestPki } from '../support/certs.ts';
import { makeLookup, startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { startTcpServer, startTlsServer, unusedPort, type TestTcpServer, type TestTlsServer } from '../support/tcp-server.ts';
import { countClientSockets, timed, tlsCheck } from './helpers.ts';

const DEADLINE_SLACK_MS = 300;

type CertName = 'valid' | 'expired' | 'wrongHost' | 'selfSigned' | 'incompleteChain' | 'expiresSoon';

let pki: TestPki;
let dns: TestDnsServer;
let ctx: ProbeContext;
const servers: Partial<Record<CertName, TestTlsServer>> = {};
/** Servers this file binds itself on 127.0.0.2, next to a 127.0.0.1 server on the same port. */
const extra: TlsServer[] = [];
let silent: TestTcpServer;
let banner: TestTcpServer;

function port(name: CertName): number {
  const s = servers[name];
  if (s === undefined) throw new Error(`no ${name} server`);
  return s.port;
}

/** A TLS server on `host:port` that completes each handshake and closes, like startTlsServer. */
async function listenTls(pair: CertPair, host: string, listenPort: number): Promise<TlsServer & { boundPort: number }> {
  const server = createTlsServer({ key: pair.key, cert: pair.cert }, (socket) => {
    socket.on('error', () => undefined);
    socket.end();
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, host, () => resolve());
  });
  extra.push(server);
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : listenPort;
  return Object.assign(server, { boundPort });
}

before(async () => {
  pki = testPki();
  dns = await startDnsServer({
    'multi.test': { A: ['127.0.0.1', '127.0.0.2'] },
    'meta.test': { A: ['169.254.169.254'] },
  });
  ctx = createProbeContext({ location: 'test', allowPrivateTargets: true, extraCaPem: [pki.rootCaPem], lookup: makeLookup(dns), retryDelayMs: 10 });
  for (const name of ['valid', 'expired', 'wrongHost', 'selfSigned', 'incompleteChain', 'expiresSoon'] as const) {
    servers[name] = await startTlsServer(pki[name]);
  }
  silent = await startTcpServer({ silent: true });
  banner = await startTcpServer({ banner: 'SSH-2.0-OpenSSH_9.6\r\n', respond: () => null });
});

after(async () => {
  for (const server of extra) {
    server.close();
  }
  await Promise.all([dns.close(), silent.close(), banner.close(), ...Object.values(servers).map((s) => s.close())]);
});

const run = (input: Record<string, unknown>): Promise<ProbeResult> => runCheck(tlsCheck({ host: 'localhost', ...input }), ctx);

function assertKind(result: ProbeResult, kind: string, message?: RegExp): void {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  assert.equal(result.status, 'down');
  assert.equal(result.error?.kind, kind, `expected kind ${kind}, got ${JSON.stringify(result.error)}`);
  if (message) assert.match(result.error.message, message);
}

const near = (actual: number | undefined, expected: number, what: string): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 0.2, `${what}: expected about ${expected}, got ${actual}`);
};

describe('tls probe', () => {
  it('passes a valid certificate and reports the leaf (~90 days) and the chain’s earliest expiry (~60 days)', async () => {
    const result = await run({ port: port('valid') });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.status, 'up');
    near(result.tls?.daysRemaining, 90, 'daysRemaining');
    near(result.tls?.chainEarliestDaysRemaining, 60, 'chainEarliestDaysRemaining');
    assert.equal(result.tls?.validTo, pki.valid.leafValidTo.toISOString());
    assert.equal(result.tls?.addresses?.length, 1);
    assert.deepEqual(result.tls?.addresses?.[0], { address: '127.0.0.1', ok: true, error: null, validTo: pki.valid.leafValidTo.toISOString(), daysRemaining: result.tls?.daysRemaining });
    assert.equal(result.address, `127.0.0.1:${port('valid')}`);
    assert.equal(typeof result.timings.connectMs, 'number');
    assert.equal(typeof result.timings.tlsMs, 'number');
    assert.ok(result.assertions.length >= 4 && result.assertions.every((a) => a.ok));
  });

  it('completes the handshake before closing, so the server does not see a failed one', async () => {
    const handshakes = servers.valid?.handshakes ?? 0;
    const result = await run({ port: port('valid') });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    // The server counts the handshake once it has read the client's Finished, a moment after the client is done.
    for (let i = 0; i < 20 && servers.valid?.handshakes === handshakes; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(servers.valid?.handshakes, handshakes + 1);
  });

  it('passes a valid certificate probed by IP literal (the SAN holds 127.0.0.1)', async () => {
    const result = await run({ host: '127.0.0.1', port: port('valid') });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.timings.dnsMs, null);
  });

  it('fails with assertion naming the days when the leaf expires sooner than minDaysRemaining', async () => {
    const result = await run({ port: port('expiresSoon'), minDaysRemaining: 14 });
    assertKind(result, 'assertion');
    const days = result.tls?.daysRemaining;
    near(days, 5, 'daysRemaining');
    assert.equal(result.error?.message, `certificate for localhost expires in ${days} days (${pki.expiresSoon.leafValidTo.toISOString()}), under the 14-day minimum`);
  });

  it('passes the same certificate when minDaysRemaining is below its days left', async () => {
    const result = await run({ port: port('expiresSoon'), minDaysRemaining: 3 });
    assert.equal(result.ok, true, JSON.stringify(result.error));
  });

  it('fails with tls_expired when the certificate has expired', async () => {
    const result = await run({ port: port('expired') });
    assertKind(result, 'tls_expired');
    assert.equal(result.error?.message, `certificate for localhost expired on ${pki.expired.leafValidTo.toISOString()}`);
    assert.ok((result.tls?.daysRemaining ?? 0) < 0);
  });

  it('fails with tls_hostname when the certificate is for another host', async () => {
    assertKind(await run({ port: port('wrongHost') }), 'tls_hostname', /localhost/);
  });

  it('passes a certificate for another host when requireHostnameMatch is false', async () => {
    const result = await run({ port: port('wrongHost'), requireHostnameMatch: false });
    assert.equal(result.ok, true, JSON.stringify(result.error));
  });

  it('fails with tls_untrusted when the certificate is self-signed', async () => {
    assertKind(await run({ port: port('selfSigned') }), 'tls_untrusted', /self-signed/);
  });

  it('fails with tls_untrusted when the server sends no intermediate', async () => {
    assertKind(await run({ port: port('incompleteChain') }), 'tls_untrusted', /incomplete chain/);
  });

  it('passes a self-signed certificate when requireTrustedChain is false', async () => {
    const result = await run({ port: port('selfSigned'), requireTrustedChain: false });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.tls?.authorized, false);
  });

  it('fails naming the bad address when one of two addresses serves an expired certificate', async () => {
    const listenPort = port('valid');
    await listenTls(pki.expired, '127.0.0.2', listenPort);
    const result = await run({ host: 'multi.test', port: listenPort, requireHostnameMatch: false });
    assertKind(result, 'tls_expired');
    assert.equal(result.error?.message, `127.0.0.2: certificate for multi.test expired on ${pki.expired.leafValidTo.toISOString()}`);
    const addresses = result.tls?.addresses ?? [];
    assert.equal(addresses.length, 2);
    assert.deepEqual(addresses.map((a) => [a.address, a.ok, a.error?.kind ?? null]), [
      ['127.0.0.1', true, null],
      ['127.0.0.2', false, 'tls_expired'],
    ]);
    assert.equal(result.address, `127.0.0.2:${listenPort}`);
    assert.ok(result.assertions.some((a) => a.assertion === '127.0.0.2: leaf not expired' && !a.ok));
  });

  it('passes when both addresses of a name serve a good certificate', async () => {
    const first = await listenTls(pki.valid, '127.0.0.1', 0);
    await listenTls(pki.valid, '127.0.0.2', first.boundPort);
    const result = await run({ host: 'multi.test', port: first.boundPort, requireHostnameMatch: false });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.deepEqual(result.tls?.addresses?.map((a) => [a.address, a.ok]), [
      ['127.0.0.1', true],
      ['127.0.0.2', true],
    ]);
  });

  it('fails with timeout within the deadline when the server never answers the handshake', async () => {
    const { value: result, elapsedMs } = await timed(() => run({ host: '127.0.0.1', port: silent.port, timeout: '500ms' }));
    assertKind(result, 'timeout', /TLS handshake/);
    assert.ok(elapsedMs >= 450 && elapsedMs < 500 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
  });

  it('fails with tls_handshake when the port speaks another protocol', async () => {
    assertKind(await run({ host: '127.0.0.1', port: banner.port }), 'tls_handshake', /TLS/);
  });

  it('fails with connect_refused when nothing listens', async () => {
    assertKind(await run({ port: await unusedPort() }), 'connect_refused');
  });

  it('fails with dns when the name does not exist', async () => {
    assertKind(await run({ host: 'missing.test', port: 443 }), 'dns', /NXDOMAIN/);
  });

  it('fails with blocked_target, opening no socket, when the name resolves to the metadata address', async () => {
    const { value: result, sockets } = await countClientSockets(() => run({ host: 'meta.test', port: 443, allowPrivateTargets: true }));
    assertKind(result, 'blocked_target', /metadata/);
    assert.equal(sockets, 0);
  });
});
