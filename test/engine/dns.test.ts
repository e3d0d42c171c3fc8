/** DNS probes against the real UDP DNS fixture: record types, match modes, failures and the deadline. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createProbeContext, type ProbeContext } from '../../lambdas/engine/context.ts';
import { runCheck } from '../../lambdas/engine/run-check.ts';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { dnsCheck, timed } from './helpers.ts';

const DEADLINE_SLACK_MS = 300;

let dns: TestDnsServer;
let ctx: ProbeContext;

before(async () => {
  dns = await startDnsServer({
    'example.test': {
      A: ['192.0.2.10', '192.0.2.11'],
      AAAA: ['2001:db8::1'],
      MX: [
        { preference: 10, exchange: 'mx1.example.test' },
        { preference: 20, exchange: 'mx2.example.test' },
      ],
      TXT: ['v=spf1 -all', ['hello ', 'world']],
    },
    'www.example.test': { CNAME: ['example.test'] },
    '_sip._tcp.example.test': { SRV: [{ priority: 10, weight: 5, port: 5060, target: 'sip.example.test' }] },
    'only-a.test': { A: ['192.0.2.20'] },
  });
  ctx = createProbeContext({ location: 'test', allowPrivateTargets: true, retryDelayMs: 10 });
});

after(async () => {
  await dns.close();
});

const run = (input: Record<string, unknown>): Promise<ProbeResult> => runCheck(dnsCheck({ resolver: `127.0.0.1:${dns.port}`, ...input }), ctx);

function assertPass(result: ProbeResult): void {
  assert.equal(result.ok, true, JSON.stringify(result.error));
  assert.equal(result.status, 'up');
  assert.equal(result.error, null);
}

function assertKind(result: ProbeResult, kind: string, message?: RegExp): void {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  assert.equal(result.error?.kind, kind, `expected kind ${kind}, got ${JSON.stringify(result.error)}`);
  if (message) assert.match(result.error.message, message);
}

describe('dns probe answers', () => {
  it('answers A records through the given resolver, with dnsMs, address and target', async () => {
    const seen = dns.queries.length;
    const result = await run({ domain: 'example.test' });
    assertPass(result);
    assert.deepEqual([...(result.dns?.answers ?? [])].sort(), ['192.0.2.10', '192.0.2.11']);
    assert.deepEqual(dns.queries.slice(seen), [{ name: 'example.test', type: 'A' }]);
    assert.equal(typeof result.timings.dnsMs, 'number');
    assert.equal(result.address, `127.0.0.1:${dns.port}`);
    assert.equal(result.target, `example.test A @127.0.0.1:${dns.port}`);
    assert.deepEqual(result.assertions.map((a) => [a.assertion, a.ok]), [['A answer exists', true]]);
  });

  const cases: readonly (readonly [type: string, name: string, answers: readonly string[]])[] = [
    ['AAAA', 'example.test', ['2001:db8::1']],
    ['MX', 'example.test', ['10 mx1.example.test', '20 mx2.example.test']],
    ['TXT', 'example.test', ['hello world', 'v=spf1 -all']],
    ['CNAME', 'www.example.test', ['example.test']],
    ['SRV', '_sip._tcp.example.test', ['10 5 5060 sip.example.test']],
  ];
  for (const [recordType, name, answers] of cases) {
    it(`answers ${recordType} records as comparable strings`, async () => {
      const result = await run({ domain: name, recordType });
      assertPass(result);
      assert.deepEqual([...(result.dns?.answers ?? [])].sort(), answers);
    });
  }

  it('passes expected answers written in another case, with a trailing dot', async () => {
    assertPass(await run({ domain: 'example.test', recordType: 'AAAA', expectedAnswers: ['2001:DB8::1'] }));
    assertPass(await run({ domain: 'example.test', recordType: 'MX', expectedAnswers: ['10 MX1.example.test.'] }));
  });
});

describe('dns probe match modes', () => {
  const table: readonly (readonly [match: string, expected: readonly string[], ok: boolean, message: string])[] = [
    ['all', ['192.0.2.10'], true, 'got 192.0.2.10, 192.0.2.11'],
    ['all', ['192.0.2.10', '192.0.2.11'], true, 'got 192.0.2.10, 192.0.2.11'],
    ['all', ['192.0.2.10', '192.0.2.99'], false, 'expected 192.0.2.99 among the answers, got 192.0.2.10, 192.0.2.11'],
    ['any', ['192.0.2.99', '192.0.2.11'], true, 'got 192.0.2.10, 192.0.2.11'],
    ['any', ['192.0.2.98', '192.0.2.99'], false, 'expected any of 192.0.2.98, 192.0.2.99, got 192.0.2.10, 192.0.2.11'],
    ['exact', ['192.0.2.11', '192.0.2.10'], true, 'got 192.0.2.10, 192.0.2.11'],
    ['exact', ['192.0.2.10'], false, 'expected exactly 192.0.2.10, got 192.0.2.10, 192.0.2.11'],
    ['exact', ['192.0.2.10', '192.0.2.11', '192.0.2.12'], false, 'expected exactly 192.0.2.10, 192.0.2.11, 192.0.2.12, got 192.0.2.10, 192.0.2.11'],
  ];
  for (const [match, expectedAnswers, ok, message] of table) {
    it(`${ok ? 'passes' : 'fails'} match ${match} of ${expectedAnswers.join(', ')}`, async () => {
      const result = await run({ domain: 'example.test', expectedAnswers, match });
      // The fixture answers in table order; the message lists the answers as received.
      const sorted = (result.dns?.answers ?? []).join(', ') === '192.0.2.10, 192.0.2.11';
      assert.ok(sorted, `unexpected answer order ${JSON.stringify(result.dns?.answers)}`);
      assert.equal(result.ok, ok, JSON.stringify(result.error));
      assert.equal(result.assertions[0]?.message, message);
      if (ok) assert.equal(result.error, null);
      else assert.deepEqual(result.error, { kind: 'assertion', message });
    });
  }
});

describe('dns probe failures', () => {
  it('fails with dns when the name does not exist (NXDOMAIN)', async () => {
    const result = await run({ domain: 'missing.test' });
    assertKind(result, 'dns', /^missing\.test does not exist \(NXDOMAIN\)$/);
    assert.equal(result.dns, undefined);
  });

  it('fails with dns when the name has no records of the type', async () => {
    assertKind(await run({ domain: 'only-a.test', recordType: 'MX' }), 'dns', /^only-a\.test has no MX records$/);
  });

  it('fails with dns on SERVFAIL', async () => {
    assertKind(await run({ domain: 'servfail.test' }), 'dns', /SERVFAIL/);
  });

  it('fails with timeout within the deadline when the server never answers', async () => {
    const { value: result, elapsedMs } = await timed(() => run({ domain: 'timeout.test', timeout: '500ms' }));
    assertKind(result, 'timeout', /no DNS answer for timeout\.test A within 500ms/);
    assert.ok(elapsedMs >= 450 && elapsedMs < 500 + DEADLINE_SLACK_MS, `took ${elapsedMs}ms`);
  });

  it('fails with connect_refused when nothing listens on the resolver port', async () => {
    // A UDP port that was free a moment ago: loopback answers the query with ICMP port unreachable.
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    const { value: result, elapsedMs } = await timed(() => run({ domain: 'example.test', resolver: `127.0.0.1:${port}`, timeout: '500ms' }));
    assertKind(result, 'connect_refused', new RegExp(`^resolver 127\\.0\\.0\\.1:${port} refused the query$`));
    assert.ok(elapsedMs < 500, `took ${elapsedMs}ms`);
  });
});
