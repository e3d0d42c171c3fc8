import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFailedRun } from '../../lambdas/core/alert-policy.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { RESULT_LOG_FIELDS, RESULT_LOG_PHASES, resultLogLine } from '../../lambdas/core/result-log.ts';

/** The line's fields, in order: the contract with the dashboards' Logs Insights queries. */
const FIELDS = [
  'skyprobe',
  'checkId',
  'location',
  'startedAt',
  'ok',
  'failed',
  'status',
  'errorKind',
  'httpStatus',
  'dnsMs',
  'connectMs',
  'tlsMs',
  'ttfbMs',
  'downloadMs',
  'totalMs',
];

const SECRET = 'sk_live_51HxQ2eZvKYlo2CabcDEF';

const UP: ProbeResult = {
  checkId: 'storefront',
  type: 'http',
  location: 'eu-west-1',
  startedAt: '2025-03-01T21:00:04.123Z',
  ok: true,
  status: 'up',
  error: null,
  timings: { dnsMs: 3.21, connectMs: 12.5, tlsMs: 30.02, ttfbMs: 80.4, downloadMs: 4.1, totalMs: 130.23 },
  httpStatus: 200,
  address: '93.184.216.34:443',
  target: 'https://www.example.com/',
  assertions: [{ assertion: 'status equals 200', ok: true, message: 'status 200' }],
  attempts: 1,
  redirects: 0,
  tls: {
    validTo: '2025-06-01T00:00:00.000Z',
    daysRemaining: 91.1,
    issuer: 'CN=Example CA',
    subject: 'CN=www.example.com',
    chainEarliestValidTo: '2025-06-01T00:00:00.000Z',
    chainEarliestDaysRemaining: 91.1,
    authorized: true,
    authorizationError: null,
    protocol: 'TLSv1.3',
  },
};

/** A failure whose free text carries a secret-looking string everywhere free text can go. */
const DOWN: ProbeResult = {
  ...UP,
  checkId: 'api-checkout',
  ok: false,
  status: 'down',
  error: { kind: 'assertion', message: `expected status 200, got 401 (Authorization: Bearer ${SECRET})` },
  timings: { dnsMs: null, connectMs: 11, tlsMs: 29, ttfbMs: 60, downloadMs: 2, totalMs: 102 },
  httpStatus: 401,
  address: '10.0.0.7:443',
  target: `https://api.example.com/v1/cart?token=${SECRET}`,
  assertions: [{ assertion: 'json $.token exists', ok: false, message: `got ${SECRET}` }],
  steps: [
    {
      name: 'log in',
      ok: false,
      error: { kind: 'assertion', message: `password ${SECRET} rejected` },
      url: `https://api.example.com/v1/login?key=${SECRET}`,
      httpStatus: 401,
      timings: { dnsMs: null, connectMs: 11, tlsMs: 29, ttfbMs: 60, downloadMs: 2, totalMs: 102 },
      assertions: [],
    },
  ],
};

/** What the probe cycle produces for a check whose secret is missing: no network, no phases. */
const UNRUNNABLE: ProbeResult = {
  ...UP,
  checkId: 'missing-secret',
  ok: false,
  status: 'down',
  error: { kind: 'assertion', message: 'secret ABSENT has no value: SSM parameter /shop/secrets/ABSENT not found' },
  timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, downloadMs: null, totalMs: 0 },
  httpStatus: null,
  address: null,
  assertions: [],
  attempts: 0,
};

describe('result log line', () => {
  const cases: Array<{ name: string; result: ProbeResult; line: string }> = [
    {
      name: 'an up run, with every phase',
      result: UP,
      line:
        '{"skyprobe":"result","checkId":"storefront","location":"eu-west-1","startedAt":"2025-03-01T21:00:04.123Z","ok":true,"failed":0,"status":"up","errorKind":null,' +
        '"httpStatus":200,"dnsMs":3.21,"connectMs":12.5,"tlsMs":30.02,"ttfbMs":80.4,"downloadMs":4.1,"totalMs":130.23}',
    },
    {
      name: 'a failed run: the error kind, never its message',
      result: DOWN,
      line:
        '{"skyprobe":"result","checkId":"api-checkout","location":"eu-west-1","startedAt":"2025-03-01T21:00:04.123Z","ok":false,"failed":1,"status":"down","errorKind":"assertion",' +
        '"httpStatus":401,"dnsMs":null,"connectMs":11,"tlsMs":29,"ttfbMs":60,"downloadMs":2,"totalMs":102}',
    },
    {
      name: 'an unrunnable check: no phases, no status code',
      result: UNRUNNABLE,
      line:
        '{"skyprobe":"result","checkId":"missing-secret","location":"eu-west-1","startedAt":"2025-03-01T21:00:04.123Z","ok":false,"failed":1,"status":"down","errorKind":"assertion",' +
        '"httpStatus":null,"dnsMs":null,"connectMs":null,"tlsMs":null,"ttfbMs":null,"downloadMs":null,"totalMs":0}',
    },
    {
      name: 'a time that is not a finite number, as null',
      result: { ...UP, timings: { ...UP.timings, downloadMs: Number.NaN, totalMs: Number.POSITIVE_INFINITY } },
      line:
        '{"skyprobe":"result","checkId":"storefront","location":"eu-west-1","startedAt":"2025-03-01T21:00:04.123Z","ok":true,"failed":0,"status":"up","errorKind":null,' +
        '"httpStatus":200,"dnsMs":3.21,"connectMs":12.5,"tlsMs":30.02,"ttfbMs":80.4,"downloadMs":null,"totalMs":null}',
    },
  ];
  for (const c of cases) {
    it(`writes ${c.name}`, () => {
      assert.equal(resultLogLine(c.result), c.line);
    });
  }

  it('writes exactly the fields of RESULT_LOG_FIELDS, in its order, on one line', () => {
    for (const result of [UP, DOWN, UNRUNNABLE]) {
      const line = resultLogLine(result);
      assert.doesNotMatch(line, /\n/);
      assert.deepEqual(Object.keys(JSON.parse(line) as object), FIELDS);
    }
    assert.deepEqual(Object.values(RESULT_LOG_FIELDS), FIELDS);
    assert.deepEqual(
      RESULT_LOG_PHASES.map((p) => `${p.label}:${p.field}`),
      ['dns:dnsMs', 'connect:connectMs', 'tls:tlsMs', 'ttfb:ttfbMs', 'download:downloadMs'],
    );
  });

  it('writes failed as the number the Failed metric counts: 1 for a failed run, 0 for a passing or degraded one', () => {
    const degraded: ProbeResult = { ...UP, status: 'degraded' };
    const failedOf = (result: ProbeResult) => (JSON.parse(resultLogLine(result)) as { failed: unknown }).failed;
    assert.deepEqual([UP, degraded, DOWN, UNRUNNABLE].map(failedOf), [0, 0, 1, 1]);
    for (const result of [UP, degraded, DOWN, UNRUNNABLE]) assert.equal(failedOf(result), isFailedRun(result) ? 1 : 0, result.checkId);
  });

  it('leaves out every free-text field: no error message, url, target, address, assertion or certificate text', () => {
    const line = resultLogLine(DOWN);
    assert.doesNotMatch(line, new RegExp(SECRET));
    for (const text of ['expected status', 'Bearer', 'https://', 'api.example.com', '10.0.0.7', 'json $.token', 'log in', 'Example CA', 'message', 'url', 'target']) {
      assert.ok(!line.includes(text), `"${text}" is not in ${line}`);
    }
  });
});
