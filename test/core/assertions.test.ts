import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeAssertion,
  evaluateAssertions,
  jsonEquals,
  statusAssertionResult,
  type HttpObservation,
} from '../../lambdas/core/assertions.ts';
import type { Assertion } from '../../lambdas/core/check.ts';

const JSON_BODY = JSON.stringify({
  status: 'ok',
  items: [{ id: 41, tags: ['a', 'b'] }],
  count: 7,
  price: '7',
  ratio: 0.5,
  nothing: null,
  meta: { region: 'eu-west-1', flags: { beta: true } },
  long: 'x'.repeat(500),
});

function observe(overrides: Partial<HttpObservation> = {}): HttpObservation {
  return {
    status: 200,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-cache': 'MISS',
      'set-cookie': ['a=1', 'b=2'],
      'x-empty': [],
    },
    body: JSON_BODY,
    timings: { dnsMs: 5, connectMs: 10, tlsMs: 20, ttfbMs: 480, downloadMs: 3, totalMs: 2315 },
    ...overrides,
  };
}

/** Runs `fn` while counting calls to JSON.parse (the body parse is an internal detail, so spy on the global). */
function countJsonParses<T>(fn: () => T): { result: T; calls: number } {
  const original = JSON.parse;
  let calls = 0;
  JSON.parse = ((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    calls++;
    return original(text, reviver) as unknown;
  }) as typeof JSON.parse;
  try {
    return { result: fn(), calls };
  } finally {
    JSON.parse = original;
  }
}

interface Case {
  readonly name: string;
  readonly assertion: Assertion;
  readonly obs?: Partial<HttpObservation>;
  readonly ok: boolean;
  readonly describes: string;
  readonly message: string | RegExp;
}

const cases: readonly Case[] = [
  // timings
  {
    name: 'fails when the total time is over the limit',
    assertion: { type: 'totalTime', lessThanMs: 2000 },
    ok: false,
    describes: 'total time < 2000ms',
    message: 'expected total time under 2000ms, got 2315ms',
  },
  {
    name: 'passes when the total time is under the limit',
    assertion: { type: 'totalTime', lessThanMs: 3000 },
    ok: true,
    describes: 'total time < 3000ms',
    message: 'total time 2315ms, under 3000ms',
  },
  {
    name: 'fails when the total time equals the limit',
    assertion: { type: 'totalTime', lessThanMs: 2315 },
    ok: false,
    describes: 'total time < 2315ms',
    message: 'expected total time under 2315ms, got 2315ms',
  },
  {
    name: 'passes when the ttfb is under the limit',
    assertion: { type: 'ttfb', lessThanMs: 500 },
    ok: true,
    describes: 'ttfb < 500ms',
    message: 'ttfb 480ms, under 500ms',
  },
  {
    name: 'fails when the ttfb is over the limit, rounding the figure',
    assertion: { type: 'ttfb', lessThanMs: 400 },
    obs: { timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: 512.6, downloadMs: null, totalMs: 600 } },
    ok: false,
    describes: 'ttfb < 400ms',
    message: 'expected ttfb under 400ms, got 513ms',
  },
  {
    name: 'fails when no ttfb was measured',
    assertion: { type: 'ttfb', lessThanMs: 400 },
    obs: { timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, downloadMs: null, totalMs: 600 } },
    ok: false,
    describes: 'ttfb < 400ms',
    message: 'expected ttfb under 400ms, got none (no response)',
  },
  // body
  {
    name: 'passes when the body contains the text',
    assertion: { type: 'body', op: 'contains', value: 'Welcome' },
    obs: { body: '<h1>Welcome back</h1>' },
    ok: true,
    describes: 'body contains "Welcome"',
    message: 'body contains "Welcome"',
  },
  {
    name: 'fails when the body does not contain the text',
    assertion: { type: 'body', op: 'contains', value: 'Welcome' },
    obs: { body: '<h1>welcome back</h1>' },
    ok: false,
    describes: 'body contains "Welcome"',
    message: 'expected body to contain "Welcome"',
  },
  {
    name: 'fails when the body contains forbidden text',
    assertion: { type: 'body', op: 'notContains', value: 'Error' },
    obs: { body: 'Internal Error' },
    ok: false,
    describes: 'body does not contain "Error"',
    message: 'expected body not to contain "Error"',
  },
  {
    name: 'passes when the body lacks forbidden text',
    assertion: { type: 'body', op: 'notContains', value: 'Error' },
    obs: { body: 'all good' },
    ok: true,
    describes: 'body does not contain "Error"',
    message: 'body does not contain "Error"',
  },
  {
    name: 'passes when the body matches a bare pattern',
    assertion: { type: 'body', op: 'matches', value: 'v\\d+\\.\\d+' },
    obs: { body: 'version v2.13' },
    ok: true,
    describes: 'body matches /v\\d+\\.\\d+/',
    message: 'body matches /v\\d+\\.\\d+/',
  },
  {
    name: 'fails when a bare pattern is case-sensitive',
    assertion: { type: 'body', op: 'matches', value: 'welcome' },
    obs: { body: 'WELCOME' },
    ok: false,
    describes: 'body matches /welcome/',
    message: 'expected body to match /welcome/',
  },
  {
    name: 'passes with flags written as /re/i',
    assertion: { type: 'body', op: 'matches', value: '/welcome/i' },
    obs: { body: 'WELCOME' },
    ok: true,
    describes: 'body matches /welcome/i',
    message: 'body matches /welcome/i',
  },
  {
    name: 'fails with a readable message on an invalid pattern',
    assertion: { type: 'body', op: 'matches', value: 'a(' },
    ok: false,
    describes: 'body matches /a(/',
    message: /^invalid regular expression \/a\(\/: .*(Unterminated group|unterminated)/i,
  },
  // json
  {
    name: 'passes when a JSON string equals',
    assertion: { type: 'json', path: '$.status', op: 'equals', value: 'ok' },
    ok: true,
    describes: 'json $.status equals "ok"',
    message: 'json $.status is "ok"',
  },
  {
    name: 'fails when a JSON number differs',
    assertion: { type: 'json', path: '$.items[0].id', op: 'equals', value: 42 },
    ok: false,
    describes: 'json $.items[0].id equals 42',
    message: 'json $.items[0].id: expected 42, got 41',
  },
  {
    name: 'fails when a number is compared with a numeric string',
    assertion: { type: 'json', path: '$.price', op: 'equals', value: 7 },
    ok: false,
    describes: 'json $.price equals 7',
    message: 'json $.price: expected 7, got "7"',
  },
  {
    name: 'passes when objects are deeply equal in another key order',
    assertion: { type: 'json', path: '$.meta', op: 'equals', value: { flags: { beta: true }, region: 'eu-west-1' } },
    ok: true,
    describes: 'json $.meta equals {"flags":{"beta":true},"region":"eu-west-1"}',
    message: 'json $.meta is {"region":"eu-west-1","flags":{"beta":true}}',
  },
  {
    name: 'fails when arrays differ in order',
    assertion: { type: 'json', path: '$.items[0].tags', op: 'equals', value: ['b', 'a'] },
    ok: false,
    describes: 'json $.items[0].tags equals ["b","a"]',
    message: 'json $.items[0].tags: expected ["b","a"], got ["a","b"]',
  },
  {
    name: 'passes when null equals null',
    assertion: { type: 'json', path: '$.nothing', op: 'equals', value: null },
    ok: true,
    describes: 'json $.nothing equals null',
    message: 'json $.nothing is null',
  },
  {
    name: 'fails when a value equals the forbidden one',
    assertion: { type: 'json', path: '$.status', op: 'notEquals', value: 'ok' },
    ok: false,
    describes: 'json $.status does not equal "ok"',
    message: 'json $.status: expected anything but "ok", got "ok"',
  },
  {
    name: 'passes when a value differs from the forbidden one',
    assertion: { type: 'json', path: '$.status', op: 'notEquals', value: 'error' },
    ok: true,
    describes: 'json $.status does not equal "error"',
    message: 'json $.status is "ok", not "error"',
  },
  {
    name: 'fails when the path is not found',
    assertion: { type: 'json', path: '$.token', op: 'equals', value: 'x' },
    ok: false,
    describes: 'json $.token equals "x"',
    message: 'json $.token: not found',
  },
  {
    name: 'fails notEquals when the path is not found',
    assertion: { type: 'json', path: '$.token', op: 'notEquals', value: 'x' },
    ok: false,
    describes: 'json $.token does not equal "x"',
    message: 'json $.token: not found',
  },
  {
    name: 'passes exists when the value is present, even null',
    assertion: { type: 'json', path: '$.nothing', op: 'exists', value: true },
    ok: true,
    describes: 'json $.nothing exists',
    message: 'json $.nothing: found',
  },
  {
    name: 'fails exists when the value is absent',
    assertion: { type: 'json', path: '$.token', op: 'exists', value: true },
    ok: false,
    describes: 'json $.token exists',
    message: 'json $.token: not found',
  },
  {
    name: 'passes exists false when the value is absent',
    assertion: { type: 'json', path: '$.token', op: 'exists', value: false },
    ok: true,
    describes: 'json $.token does not exist',
    message: 'json $.token: not found',
  },
  {
    name: 'fails exists false when the value is present',
    assertion: { type: 'json', path: '$.status', op: 'exists', value: false },
    ok: false,
    describes: 'json $.status does not exist',
    message: 'json $.status: expected no value, got "ok"',
  },
  {
    name: 'passes greaterThan on a larger number',
    assertion: { type: 'json', path: '$.count', op: 'greaterThan', value: 5 },
    ok: true,
    describes: 'json $.count > 5',
    message: 'json $.count is 7, greater than 5',
  },
  {
    name: 'fails greaterThan on an equal number',
    assertion: { type: 'json', path: '$.count', op: 'greaterThan', value: 7 },
    ok: false,
    describes: 'json $.count > 7',
    message: 'json $.count: expected a number greater than 7, got 7',
  },
  {
    name: 'fails greaterThan on a numeric string, naming its type',
    assertion: { type: 'json', path: '$.price', op: 'greaterThan', value: 5 },
    ok: false,
    describes: 'json $.price > 5',
    message: 'json $.price: expected a number greater than 5, got string "7"',
  },
  {
    name: 'fails lessThan on null, naming its type',
    assertion: { type: 'json', path: '$.nothing', op: 'lessThan', value: 1 },
    ok: false,
    describes: 'json $.nothing < 1',
    message: 'json $.nothing: expected a number less than 1, got null null',
  },
  {
    name: 'fails lessThan on an array, naming its type',
    assertion: { type: 'json', path: '$.items', op: 'lessThan', value: 1 },
    ok: false,
    describes: 'json $.items < 1',
    message: /^json \$\.items: expected a number less than 1, got array \[\{"id":41/,
  },
  {
    name: 'passes lessThan on a smaller fraction',
    assertion: { type: 'json', path: '$.ratio', op: 'lessThan', value: 0.75 },
    ok: true,
    describes: 'json $.ratio < 0.75',
    message: 'json $.ratio is 0.5, less than 0.75',
  },
  {
    name: 'passes matches on a string value',
    assertion: { type: 'json', path: '$.meta.region', op: 'matches', value: '^eu-' },
    ok: true,
    describes: 'json $.meta.region matches /^eu-/',
    message: 'json $.meta.region is "eu-west-1", matches /^eu-/',
  },
  {
    name: 'fails matches on a string value that does not match',
    assertion: { type: 'json', path: '$.meta.region', op: 'matches', value: '^us-' },
    ok: false,
    describes: 'json $.meta.region matches /^us-/',
    message: 'json $.meta.region: expected to match /^us-/, got "eu-west-1"',
  },
  {
    name: 'matches a non-string value against its JSON text',
    assertion: { type: 'json', path: '$.meta.flags', op: 'matches', value: '"beta":true' },
    ok: true,
    describes: 'json $.meta.flags matches /"beta":true/',
    message: 'json $.meta.flags is {"beta":true}, matches /"beta":true/',
  },
  {
    name: 'matches a number against its text, unquoted',
    assertion: { type: 'json', path: '$.count', op: 'matches', value: '^7$' },
    ok: true,
    describes: 'json $.count matches /^7$/',
    message: 'json $.count is 7, matches /^7$/',
  },
  {
    name: 'fails with a parse error when the body is not JSON',
    assertion: { type: 'json', path: '$.status', op: 'equals', value: 'ok' },
    obs: { body: '<html>oops</html>' },
    ok: false,
    describes: 'json $.status equals "ok"',
    message: /^body is not JSON: Unexpected token/,
  },
  {
    name: 'fails on an empty body',
    assertion: { type: 'json', path: '$.status', op: 'exists', value: false },
    obs: { body: '' },
    ok: false,
    describes: 'json $.status does not exist',
    message: /^body is not JSON: Unexpected end of JSON input/,
  },
  {
    name: 'fails with a readable message on an invalid path',
    assertion: { type: 'json', path: '$..x', op: 'exists', value: true },
    ok: false,
    describes: 'json $..x exists',
    message: /^json \$\.\.x: invalid path: recursive descent/,
  },
  {
    name: 'cuts a long actual value to about 200 characters',
    assertion: { type: 'json', path: '$.long', op: 'equals', value: 'short' },
    ok: false,
    describes: 'json $.long equals "short"',
    message: `json $.long: expected "short", got "${'x'.repeat(199)}… (502 chars)`,
  },
  // headers
  {
    name: 'passes when a header matches',
    assertion: { type: 'header', name: 'Content-Type', op: 'matches', value: 'json' },
    ok: true,
    describes: 'header content-type matches /json/',
    message: 'header content-type is "application/json; charset=utf-8", matches /json/',
  },
  {
    name: 'fails when a header does not match',
    assertion: { type: 'header', name: 'x-cache', op: 'matches', value: 'HIT' },
    ok: false,
    describes: 'header x-cache matches /HIT/',
    message: 'expected header x-cache to match /HIT/, got "MISS"',
  },
  {
    name: 'passes a header match with the i flag',
    assertion: { type: 'header', name: 'x-cache', op: 'matches', value: '/miss/i' },
    ok: true,
    describes: 'header x-cache matches /miss/i',
    message: 'header x-cache is "MISS", matches /miss/i',
  },
  {
    name: 'fails when the header is missing',
    assertion: { type: 'header', name: 'etag', op: 'matches', value: '.' },
    ok: false,
    describes: 'header etag matches /./',
    message: 'header etag: missing',
  },
  {
    name: 'fails equals when the header is missing',
    assertion: { type: 'header', name: 'etag', op: 'equals', value: 'x' },
    ok: false,
    describes: 'header etag equals "x"',
    message: 'header etag: missing',
  },
  {
    name: 'treats a header with no values as missing',
    assertion: { type: 'header', name: 'x-empty', op: 'exists', value: true },
    ok: false,
    describes: 'header x-empty exists',
    message: 'header x-empty: missing',
  },
  {
    name: 'passes equals on an exact header value',
    assertion: { type: 'header', name: 'x-cache', op: 'equals', value: 'MISS' },
    ok: true,
    describes: 'header x-cache equals "MISS"',
    message: 'header x-cache is "MISS"',
  },
  {
    name: 'fails equals on a header value that differs in case',
    assertion: { type: 'header', name: 'x-cache', op: 'equals', value: 'miss' },
    ok: false,
    describes: 'header x-cache equals "miss"',
    message: 'expected header x-cache to equal "miss", got "MISS"',
  },
  {
    name: 'passes equals on one value of a repeated header',
    assertion: { type: 'header', name: 'set-cookie', op: 'equals', value: 'b=2' },
    ok: true,
    describes: 'header set-cookie equals "b=2"',
    message: 'header set-cookie is "a=1, b=2"',
  },
  {
    name: 'passes equals on the joined values of a repeated header',
    assertion: { type: 'header', name: 'set-cookie', op: 'equals', value: 'a=1, b=2' },
    ok: true,
    describes: 'header set-cookie equals "a=1, b=2"',
    message: 'header set-cookie is "a=1, b=2"',
  },
  {
    name: 'fails equals on a repeated header with no matching value',
    assertion: { type: 'header', name: 'set-cookie', op: 'equals', value: 'c=3' },
    ok: false,
    describes: 'header set-cookie equals "c=3"',
    message: 'expected header set-cookie to equal "c=3", got "a=1, b=2"',
  },
  {
    name: 'passes when a required header exists',
    assertion: { type: 'header', name: 'x-cache', op: 'exists', value: true },
    ok: true,
    describes: 'header x-cache exists',
    message: 'header x-cache is "MISS"',
  },
  {
    name: 'fails when a forbidden header is present',
    assertion: { type: 'header', name: 'x-cache', op: 'exists', value: false },
    ok: false,
    describes: 'header x-cache does not exist',
    message: 'expected no header x-cache, got "MISS"',
  },
  {
    name: 'passes when a forbidden header is absent',
    assertion: { type: 'header', name: 'server', op: 'exists', value: false },
    ok: true,
    describes: 'header server does not exist',
    message: 'header server: absent',
  },
  {
    name: 'does not read inherited properties as headers',
    assertion: { type: 'header', name: 'constructor', op: 'exists', value: true },
    ok: false,
    describes: 'header constructor exists',
    message: 'header constructor: missing',
  },
];

describe('evaluateAssertions', () => {
  for (const c of cases) {
    it(c.name, () => {
      const [result] = evaluateAssertions([c.assertion], observe(c.obs));
      assert.ok(result);
      assert.equal(result.ok, c.ok, result.message);
      assert.equal(result.assertion, c.describes);
      assert.equal(describeAssertion(c.assertion), c.describes);
      if (typeof c.message === 'string') assert.equal(result.message, c.message);
      else assert.match(result.message, c.message);
    });
  }

  it('returns one result per assertion, in order', () => {
    const results = evaluateAssertions(
      [
        { type: 'body', op: 'contains', value: 'ok' },
        { type: 'json', path: '$.status', op: 'equals', value: 'ok' },
        { type: 'header', name: 'etag', op: 'exists', value: true },
      ],
      observe(),
    );
    assert.deepEqual(
      results.map((r) => [r.assertion, r.ok]),
      [
        ['body contains "ok"', true],
        ['json $.status equals "ok"', true],
        ['header etag exists', false],
      ],
    );
  });

  it('returns nothing for no assertions', () => {
    assert.deepEqual(evaluateAssertions([], observe()), []);
  });

  it('parses the body only once for several JSON assertions', () => {
    const { result, calls } = countJsonParses(() =>
      evaluateAssertions(
        [
          { type: 'json', path: '$.status', op: 'equals', value: 'ok' },
          { type: 'json', path: '$.count', op: 'greaterThan', value: 1 },
          { type: 'json', path: '$.token', op: 'exists', value: false },
        ],
        observe(),
      ),
    );
    assert.deepEqual(result.map((r) => r.ok), [true, true, true]);
    assert.equal(calls, 1);
  });

  it('does not parse the body when there is no JSON assertion', () => {
    const { result, calls } = countJsonParses(() =>
      evaluateAssertions([{ type: 'body', op: 'contains', value: 'ok' }], observe()),
    );
    assert.equal(result[0]?.ok, true);
    assert.equal(calls, 0);
  });
});

describe('jsonEquals', () => {
  const cases: readonly [unknown, unknown, boolean][] = [
    [1, 1, true],
    [1, '1', false],
    [null, null, true],
    [null, {}, false],
    [[], {}, false],
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: null }, false],
    [{ a: 1 }, { b: 1 }, false],
    [[1, 2], [1, 2, 3], false],
    [true, false, false],
  ];
  for (const [a, b, expected] of cases) {
    it(`${expected ? 'equates' : 'tells apart'} ${JSON.stringify(a)} and ${JSON.stringify(b)}`, () => {
      assert.equal(jsonEquals(a, b), expected);
      assert.equal(jsonEquals(b, a), expected);
    });
  }
});

describe('statusAssertionResult', () => {
  it('fails when the status is outside the ranges', () => {
    assert.deepEqual(statusAssertionResult(503, [{ from: 200, to: 399 }]), {
      assertion: 'status 200-399',
      ok: false,
      message: 'expected status 200-399, got 503',
    });
  });

  it('passes when the status is inside one of the ranges', () => {
    assert.deepEqual(
      statusAssertionResult(204, [
        { from: 200, to: 200 },
        { from: 204, to: 204 },
      ]),
      { assertion: 'status 200 or 204', ok: true, message: 'status 204, expected 200 or 204' },
    );
  });
});
