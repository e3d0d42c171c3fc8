/** TCP probes against real loopback servers: connect, send and expect, silence, refusal, early close. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createProbeContext, type ProbeContext } from '../../lambdas/engine/context.ts';
import { runCheck } from '../../lambdas/engine/run-check.ts';
import { makeLookup, startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { startTcpServer, unusedPort, type TestTcpServer } from '../support/tcp-server.ts';
import { countClientSockets, startUnacceptingServer, tcpCheck, timed } from './helpers.ts';

const DEADLINE_SLACK_MS = 300;
const SECRET = 'tcpS3cretValue77';

let dns: TestDnsServer;
let ctx: ProbeContext;
let echo: TestTcpServer;
let greeter: TestTcpServer;
let silent: TestTcpServer;
let closer: TestTcpServer;
const received: string[] = [];

before(async () => {
  dns = await startDnsServer({ 'tcp.test': { A: ['127.0.0.1'] } });
  ctx = createProbeContext({ location: 'test', allowPrivateTargets: true, lookup: makeLookup(dns), retryDelayMs: 10, secrets: { PASS: SECRET } });
  echo = await startTcpServer({
    respond: (data) => {
      received.push(data);
      return data;
    },
  });
  greeter = await startTcpServer({ banner: 'HELLO 42 ready\r\n', respond: () => null });
  silent = await startTcpServer({ silent: true });
  closer = await startTcpServer({ closeImmediately: true });
});

after(async () => {
  await Promise.all([dns.close(), echo.close(), greeter.close(), silent.close(), closer.close()]);
});

const run = (input: Record<string, unknown>): Promise<ProbeResult> => runCheck(tcpCheck(input), ctx);

function assertKind(result: ProbeResult, kind: string, message?: RegExp): void {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  assert.equal(result.status, 'down');
  assert.equal(result.error?.kind, kind, `expected kind ${kind}, got ${JSON.stringify(result.error)}`);
  if (message) assert.match(result.error.message, message);
}

describe('tcp probe', () => {
  it('passes when the port accepts a connection, with connect and total timings', async () => {
    const before = greeter.connections;
    const result = await run({ host: '127.0.0.1', port: greeter.port });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.status, 'up');
    assert.equal(result.address, `127.0.0.1:${greeter.port}`);
    assert.equal(result.target, `127.0.0.1:${greeter.port}`);
    assert.equal(result.timings.dnsMs, null);
    assert.equal(typeof result.timings.connectMs, 'number');
    assert.ok(result.timings.totalMs >= (result.timings.connectMs ?? 0));
    assert.equal(greeter.connections, before + 1);
  });

  it('resolves a host name through DNS and reports dnsMs', async () => {
    const result = await run({ host: 'tcp.test', port: greeter.port });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(typeof result.timings.dnsMs, 'number');
    assert.equal(result.address, `127.0.0.1:${greeter.port}`);
  });

  it('sends the payload with escapes turned into characters and passes when the reply contains the text', async () => {
    const result = await run({ host: '127.0.0.1', port: echo.port, send: 'PING 7\\r\\n', expect: 'PING 7' });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(received.at(-1), 'PING 7\r\n');
    assert.deepEqual(result.assertions.map((a) => [a.assertion, a.ok]), [['reply contains "PING 7"', true]]);
    assert.equal(typeof result.timings.ttfbMs, 'number');
  });

  it('passes when the banner matches a /regex/', async () => {
    const result = await run({ host: '127.0.0.1', port: greeter.port, expect: '/^HELLO \\d+ ready/' });
    assert.equal(result.ok, true, JSON.stringify(result.error));
  });

  it('fails with assertion quoting the banner when it does not match the /regex/ and the server keeps the connection open', async () => {
    const { value: result, elapsedMs } = await timed(() => run({ host: '127.0.0.1', port: greeter.port, expect: '/^HELLO [a-z]+$/', timeout: '500ms' }));
    assertKind(result, 'assertion');
    assert.equal(result.error?.message, 'expected reply matches /^HELLO [a-z]+$/, got "HELLO 42 ready\\r\\n" (no match within 500ms)');
    assert.deepEqual(result.assertions.map((a) => a.ok), [false]);
    assert.ok(elapsedMs < 500 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
  });

  it('fails with assertion quoting the reply when the expected text never comes before the server closes', async () => {
    const banner = await startTcpServer({ banner: 'SSH-2.0-OpenSSH\r\n', closeImmediately: true });
    try {
      const result = await run({ host: '127.0.0.1', port: banner.port, expect: 'SMTP' });
      assertKind(result, 'assertion');
      assert.equal(result.error?.message, 'expected reply contains "SMTP", got "SSH-2.0-OpenSSH\\r\\n"');
    } finally {
      await banner.close();
    }
  });

  it('fails with timeout within the deadline when the server stays silent', async () => {
    const { value: result, elapsedMs } = await timed(() => run({ host: '127.0.0.1', port: silent.port, send: 'HELLO\\r\\n', expect: 'OK', timeout: '500ms' }));
    assertKind(result, 'timeout', /timed out after 500ms while waiting for the response: no reply matching the expectation \(reply contains "OK"\)/);
    assert.ok(elapsedMs >= 450 && elapsedMs < 500 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
  });

  it('fails with connect_refused when nothing listens', async () => {
    const port = await unusedPort();
    assertKind(await run({ host: '127.0.0.1', port }), 'connect_refused', /refused/);
  });

  it('fails with connect_timeout within the deadline when the connection is never accepted', async () => {
    const blackhole = await startUnacceptingServer();
    try {
      const { value: result, elapsedMs } = await timed(() => run({ host: '127.0.0.1', port: blackhole.port, timeout: '500ms' }));
      assertKind(result, 'connect_timeout', /while connecting/);
      assert.ok(elapsedMs < 500 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
    } finally {
      await blackhole.close();
    }
  });

  it('fails with assertion saying it got nothing when the server closes at once', async () => {
    const result = await run({ host: '127.0.0.1', port: closer.port, expect: 'READY' });
    assertKind(result, 'assertion');
    assert.equal(result.error?.message, 'expected reply contains "READY", got nothing before the server closed');
  });

  it('passes a connect-only check against a server that closes at once', async () => {
    const result = await run({ host: '127.0.0.1', port: closer.port });
    assert.equal(result.ok, true, JSON.stringify(result.error));
  });

  it('fails with blocked_target, opening no socket, for the metadata address', async () => {
    const { value: result, sockets } = await countClientSockets(() => run({ host: '169.254.169.254', port: 80, allowPrivateTargets: true }));
    assertKind(result, 'blocked_target', /metadata/);
    assert.equal(sockets, 0);
  });

  it('sends a secret for real and masks it when the reply quoting it fails the expectation', async () => {
    const result = await run({ host: '127.0.0.1', port: echo.port, send: 'AUTH {{secret:PASS}}\\r\\n', expect: 'NEVER', timeout: '300ms' });
    assert.equal(received.at(-1), `AUTH ${SECRET}\r\n`);
    assertKind(result, 'assertion');
    assert.equal(result.error?.message, 'expected reply contains "NEVER", got "AUTH ***\\r\\n" (no match within 300ms)');
    assert.ok(!JSON.stringify(result).includes(SECRET));
  });
});
