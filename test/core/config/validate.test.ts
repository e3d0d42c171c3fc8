import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Check, Config, DnsCheck, HttpCheck, TcpCheck, TlsCheck } from '../../../lambdas/core/check.ts';
import { validateConfig } from '../../../lambdas/core/config/validate.ts';
import { ConfigError, type ConfigIssue } from '../../../lambdas/core/errors.ts';

type Input = Record<string, unknown>;

const HOME = { id: 'home', type: 'http', url: 'https://example.com/' };
const TCP = { id: 'smtp', type: 'tcp', host: 'mail.example.com', port: 25 };
const DNS = { id: 'apex', type: 'dns', domain: 'example.com' };
const TLS = { id: 'cert', type: 'tls', host: 'example.com' };

/** A config of one check: `base` with `fields` laid over it (a field set to undefined is removed). */
function one(fields: Input = {}, base: Input = HOME, top: Input = {}): Input {
  return { ...top, checks: [{ ...base, ...fields }] };
}

function issuesOf(input: unknown): readonly ConfigIssue[] {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return assert.fail('expected a ConfigError, but the config was accepted');
}

function show(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  ${i.checkId ?? '-'} | ${i.path} | ${i.message}`).join('\n');
}

/** Asserts that one issue has this path and message (exact string, or a pattern), and this checkId. */
function assertIssue(input: unknown, path: string, message: string | RegExp, checkId: string | undefined): void {
  const issues = issuesOf(input);
  const found = issues.find((i) => i.path === path && (typeof message === 'string' ? i.message === message : message.test(i.message)));
  assert.ok(found, `no issue at ${path} matching ${String(message)}; got:\n${show(issues)}`);
  assert.equal(found.checkId, checkId, `checkId of ${path}`);
}

function check(input: unknown): Check {
  const config = validateConfig(input);
  assert.equal(config.checks.length, 1);
  return config.checks[0] as Check;
}
const http = (input: unknown): HttpCheck => check(input) as HttpCheck;

describe('validateConfig', () => {
  it('accepts the minimal config and fills in every default', () => {
    const expected: Config = {
      project: 'skyprobe',
      homeRegion: 'us-east-1',
      checks: [
        {
          id: 'home',
          name: 'home',
          type: 'http',
          intervalMs: 60_000,
          timeoutMs: 10_000,
          retries: 1,
          regions: ['us-east-1'],
          tags: [],
          severity: 'high',
          alertPolicy: { failingLocations: 1, failingPeriods: 2, evaluationPeriods: 3 },
          degradedAfterMs: null,
          allowPrivateTargets: false,
          sloPercent: 99.9,
          steps: [
            {
              name: 'home',
              url: 'https://example.com/',
              method: 'GET',
              headers: {},
              body: null,
              expectStatus: [{ from: 200, to: 399 }],
              assertions: [],
              extract: [],
            },
          ],
          followRedirects: true,
          maxRedirects: 5,
          maxBodyBytes: 1_048_576,
          insecure: false,
        },
      ],
      heartbeats: [],
      alerts: { webhooks: [], email: [], sms: [], https: [], dashboardUrl: null },
      maintenance: [],
      failover: [],
    };
    assert.deepEqual(validateConfig(JSON.parse('{"checks":[{"id":"home","type":"http","url":"https://example.com/"}]}')), expected);
  });

  it('accepts project and homeRegion', () => {
    const config = validateConfig(one({}, HOME, { project: 'shop-prod', homeRegion: 'eu-west-1' }));
    assert.equal(config.project, 'shop-prod');
    assert.equal(config.homeRegion, 'eu-west-1');
  });

  describe('defaults', () => {
    const cases: readonly { name: string; input: Input; read: (c: Check) => unknown; expected: unknown }[] = [
      { name: 'names the check after its id', input: one(), read: (c) => c.name, expected: 'home' },
      { name: 'keeps a given name', input: one({ name: 'Home page' }), read: (c) => c.name, expected: 'Home page' },
      { name: 'uses a 1m interval', input: one(), read: (c) => c.intervalMs, expected: 60_000 },
      { name: 'takes the interval from defaults', input: one({}, HOME, { defaults: { interval: '5m' } }), read: (c) => c.intervalMs, expected: 300_000 },
      { name: 'prefers the check interval over defaults', input: one({ interval: '30s' }, HOME, { defaults: { interval: '5m' } }), read: (c) => c.intervalMs, expected: 30_000 },
      { name: 'uses a 10s timeout', input: one(), read: (c) => c.timeoutMs, expected: 10_000 },
      { name: 'takes the timeout from defaults', input: one({}, HOME, { defaults: { timeout: '2.5s' } }), read: (c) => c.timeoutMs, expected: 2_500 },
      { name: 'uses 1 retry', input: one(), read: (c) => c.retries, expected: 1 },
      { name: 'takes retries from defaults', input: one({}, HOME, { defaults: { retries: 0 } }), read: (c) => c.retries, expected: 0 },
      { name: 'probes from us-east-1', input: one(), read: (c) => c.regions, expected: ['us-east-1'] },
      {
        name: 'takes regions from defaults',
        input: one({}, HOME, { defaults: { regions: ['eu-west-1', 'ap-southeast-2'] } }),
        read: (c) => c.regions,
        expected: ['eu-west-1', 'ap-southeast-2'],
      },
      { name: 'uses severity high', input: one(), read: (c) => c.severity, expected: 'high' },
      { name: 'takes severity from defaults', input: one({}, HOME, { defaults: { severity: 'low' } }), read: (c) => c.severity, expected: 'low' },
      { name: 'has no tags', input: one(), read: (c) => c.tags, expected: [] },
      { name: 'keeps tags', input: one({ tags: ['team:web', 'Prod'] }), read: (c) => c.tags, expected: ['team:web', 'Prod'] },
      { name: 'has no degraded threshold', input: one(), read: (c) => c.degradedAfterMs, expected: null },
      { name: 'reads degradedAfter in ms', input: one({ degradedAfter: '2s' }), read: (c) => c.degradedAfterMs, expected: 2_000 },
      { name: 'treats degradedAfter null as none', input: one({ degradedAfter: null }), read: (c) => c.degradedAfterMs, expected: null },
      { name: 'refuses private targets', input: one(), read: (c) => c.allowPrivateTargets, expected: false },
      { name: 'keeps allowPrivateTargets', input: one({ allowPrivateTargets: true }), read: (c) => c.allowPrivateTargets, expected: true },
      { name: 'aims at a 99.9% SLO', input: one(), read: (c) => c.sloPercent, expected: 99.9 },
      { name: 'takes the SLO from defaults', input: one({}, HOME, { defaults: { slo: 99.5 } }), read: (c) => c.sloPercent, expected: 99.5 },
      { name: 'prefers the check SLO over defaults', input: one({ slo: 99.99 }, HOME, { defaults: { slo: 99.5 } }), read: (c) => c.sloPercent, expected: 99.99 },
      { name: 'keeps an SLO of exactly 50', input: one({ slo: 50 }), read: (c) => c.sloPercent, expected: 50 },
      {
        name: 'needs a majority of 3 regions (2 of 3) for 2 of 3 periods',
        input: one({ regions: ['us-east-1', 'eu-west-1', 'ap-northeast-1'] }),
        read: (c) => c.alertPolicy,
        expected: { failingLocations: 2, failingPeriods: 2, evaluationPeriods: 3 },
      },
      {
        name: 'needs 3 of 4 regions as a majority',
        input: one({ regions: ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'] }),
        read: (c) => c.alertPolicy.failingLocations,
        expected: 3,
      },
      {
        name: 'needs 1 failing period when only 1 is evaluated',
        input: one({ alertPolicy: { evaluationPeriods: 1 } }),
        read: (c) => c.alertPolicy,
        expected: { failingLocations: 1, failingPeriods: 1, evaluationPeriods: 1 },
      },
      {
        name: 'merges the check alertPolicy over defaults field by field',
        input: one({ regions: ['us-east-1', 'eu-west-1'], alertPolicy: { failingLocations: 1 } }, HOME, {
          defaults: { alertPolicy: { evaluationPeriods: 5, failingPeriods: 4, failingLocations: 2 } },
        }),
        read: (c) => c.alertPolicy,
        expected: { failingLocations: 1, failingPeriods: 4, evaluationPeriods: 5 },
      },
    ];
    for (const { name, input, read, expected } of cases) {
      it(name, () => assert.deepEqual(read(check(input)), expected));
    }
  });

  describe('http normalization', () => {
    it('lower-cases header names', () => {
      assert.deepEqual(http(one({ headers: { Accept: 'text/html', 'X-Api-Key': '{{secret:API_KEY}}' } })).steps[0]?.headers, {
        accept: 'text/html',
        'x-api-key': '{{secret:API_KEY}}',
      });
    });
    it('sends a string body as is', () => {
      const step = http(one({ method: 'POST', body: 'a=1' })).steps[0];
      assert.equal(step?.body, 'a=1');
      assert.deepEqual(step?.headers, {});
    });
    it('serializes a JSON body and adds a JSON content-type', () => {
      const step = http(one({ method: 'POST', body: { q: [1, 'x'] } })).steps[0];
      assert.equal(step?.body, '{"q":[1,"x"]}');
      assert.deepEqual(step?.headers, { 'content-type': 'application/json' });
    });
    it('keeps a content-type the user set on a JSON body', () => {
      const step = http(one({ method: 'PUT', headers: { 'Content-Type': 'application/vnd.api+json' }, body: [] })).steps[0];
      assert.equal(step?.body, '[]');
      assert.deepEqual(step?.headers, { 'content-type': 'application/vnd.api+json' });
    });
    const statuses: readonly [unknown, unknown][] = [
      [204, [{ from: 204, to: 204 }]],
      ['2xx', [{ from: 200, to: 299 }]],
      ['200-299', [{ from: 200, to: 299 }]],
      ['301', [{ from: 301, to: 301 }]],
      [[200, '3xx', '401-403'], [{ from: 200, to: 200 }, { from: 300, to: 399 }, { from: 401, to: 403 }]],
    ];
    for (const [spec, expected] of statuses) {
      it(`reads expectStatus ${JSON.stringify(spec)}`, () => {
        assert.deepEqual(http(one({ expectStatus: spec })).steps[0]?.expectStatus, expected);
      });
    }
    it('normalizes each kind of assertion', () => {
      const assertions = [
        { type: 'totalTime', lessThan: '2s' },
        { type: 'ttfb', lessThan: '500ms' },
        { type: 'body', contains: 'Welcome' },
        { type: 'body', notContains: 'error' },
        { type: 'body', matches: 'v\\d+' },
        { type: 'json', path: '$.status', equals: 'ok' },
        { type: 'json', path: '$.items[0]', notEquals: null },
        { type: 'json', path: "$['a b']", exists: true },
        { type: 'json', path: '$.n', greaterThan: 3 },
        { type: 'json', path: '$.items[-1].n', lessThan: 1.5 },
        { type: 'json', path: '$.v', matches: '^1\\.' },
        { type: 'header', name: 'Content-Type', equals: 'text/html' },
        { type: 'header', name: 'ETag', matches: '^W/' },
        { type: 'header', name: 'X-Cache', exists: false },
      ];
      assert.deepEqual(http(one({ assertions })).steps[0]?.assertions, [
        { type: 'totalTime', lessThanMs: 2000 },
        { type: 'ttfb', lessThanMs: 500 },
        { type: 'body', op: 'contains', value: 'Welcome' },
        { type: 'body', op: 'notContains', value: 'error' },
        { type: 'body', op: 'matches', value: 'v\\d+' },
        { type: 'json', path: '$.status', op: 'equals', value: 'ok' },
        { type: 'json', path: '$.items[0]', op: 'notEquals', value: null },
        { type: 'json', path: "$['a b']", op: 'exists', value: true },
        { type: 'json', path: '$.n', op: 'greaterThan', value: 3 },
        { type: 'json', path: '$.items[-1].n', op: 'lessThan', value: 1.5 },
        { type: 'json', path: '$.v', op: 'matches', value: '^1\\.' },
        { type: 'header', name: 'content-type', op: 'equals', value: 'text/html' },
        { type: 'header', name: 'etag', op: 'matches', value: '^W/' },
        { type: 'header', name: 'x-cache', op: 'exists', value: false },
      ]);
    });
    it('reads a scenario: default step names, extractions and variables', () => {
      const c = http(
        one({
          url: undefined,
          steps: [
            { url: 'https://api.example.com/login', method: 'POST', body: { user: 'probe', pass: '{{secret:PROBE_PASS}}' }, extract: { token: { json: '$.token' }, Etag_1: { header: 'ETag' } } },
            { name: 'orders', url: 'https://api.example.com/orders?v={{Etag_1}}', headers: { Authorization: 'Bearer {{token}}' }, expectStatus: 200 },
          ],
          followRedirects: false,
          maxRedirects: 0,
          maxBodyBytes: 2048,
          insecure: true,
        }),
      );
      assert.deepEqual(
        c.steps.map((s) => [s.name, s.method, s.url]),
        [
          ['step 1', 'POST', 'https://api.example.com/login'],
          ['orders', 'GET', 'https://api.example.com/orders?v={{Etag_1}}'],
        ],
      );
      assert.deepEqual(c.steps[0]?.extract, [
        { variable: 'token', from: 'json', path: '$.token' },
        { variable: 'Etag_1', from: 'header', path: 'etag' },
      ]);
      assert.deepEqual(c.steps[1]?.headers, { authorization: 'Bearer {{token}}' });
      assert.deepEqual([c.followRedirects, c.maxRedirects, c.maxBodyBytes, c.insecure], [false, 0, 2048, true]);
    });
    it('accepts placeholders anywhere in the URL, host included', () => {
      assert.equal(http(one({ url: 'https://{{secret:HOST}}/x?k={{secret:KEY}}' })).steps[0]?.url, 'https://{{secret:HOST}}/x?k={{secret:KEY}}');
    });
  });

  describe('tcp, dns and tls normalization', () => {
    it('fills tcp defaults', () => {
      const c = check(one({}, TCP)) as TcpCheck;
      assert.deepEqual([c.host, c.port, c.send, c.expect], ['mail.example.com', 25, null, null]);
    });
    it('turns \\r \\n \\t \\\\ escapes in send into characters', () => {
      assert.equal((check(one({ send: 'PING\\r\\n\\t\\\\x\\q' }, TCP)) as TcpCheck).send, 'PING\r\n\t\\x\\q');
    });
    it('reads expect as a substring', () => {
      assert.deepEqual((check(one({ expect: '220 ' }, TCP)) as TcpCheck).expect, { contains: '220 ' });
    });
    it('reads expect "/re/flags" as a regex, kept in literal form', () => {
      assert.deepEqual((check(one({ expect: '/^220 .*smtp/i' }, TCP)) as TcpCheck).expect, { matches: '/^220 .*smtp/i' });
    });
    it('accepts IPv4 and IPv6 tcp hosts', () => {
      assert.equal((check(one({ host: '192.0.2.10' }, TCP)) as TcpCheck).host, '192.0.2.10');
      assert.equal((check(one({ host: '2001:db8::1' }, TCP)) as TcpCheck).host, '2001:db8::1');
    });
    it('fills dns defaults', () => {
      const c = check(one({}, DNS)) as DnsCheck;
      assert.deepEqual([c.domain, c.recordType, c.expectedAnswers, c.match, c.resolver], ['example.com', 'A', [], 'all', null]);
    });
    const resolvers: readonly [string, unknown][] = [
      ['1.1.1.1', { host: '1.1.1.1', port: 53 }],
      ['8.8.8.8:5353', { host: '8.8.8.8', port: 5353 }],
      ['[2606:4700:4700::1111]:53', { host: '2606:4700:4700::1111', port: 53 }],
      ['[::1]', { host: '::1', port: 53 }],
      ['2001:db8::53', { host: '2001:db8::53', port: 53 }],
    ];
    for (const [resolver, expected] of resolvers) {
      it(`reads resolver ${resolver}`, () => {
        assert.deepEqual((check(one({ resolver }, DNS)) as DnsCheck).resolver, expected);
      });
    }
    it('reads a dns check with answers', () => {
      const c = check(one({ domain: '_dmarc.example.com.', recordType: 'TXT', expectedAnswers: ['v=DMARC1; p=none'], match: 'any' }, DNS)) as DnsCheck;
      assert.deepEqual([c.domain, c.recordType, c.expectedAnswers, c.match], ['_dmarc.example.com.', 'TXT', ['v=DMARC1; p=none'], 'any']);
    });
    it('keeps a display name apart from the domain it resolves', () => {
      const c = check(one({ name: 'Apex MX', recordType: 'MX' }, DNS)) as DnsCheck;
      assert.deepEqual([c.name, c.domain], ['Apex MX', 'example.com']);
    });
    it('fills tls defaults', () => {
      const c = check(one({}, TLS)) as TlsCheck;
      assert.deepEqual([c.host, c.port, c.minDaysRemaining, c.requireTrustedChain, c.requireHostnameMatch], ['example.com', 443, 14, true, true]);
    });
  });

  describe('field rules', () => {
    const REGIONS3 = ['us-east-1', 'eu-west-1', 'ap-northeast-1'];
    // [test name, input, path, message, checkId]
    const cases: readonly [string, unknown, string, string | RegExp, string | undefined][] = [
      // top level
      ['rejects a config that is not an object', 5, 'config', 'must be an object, got 5', undefined],
      ['rejects a config without checks', {}, 'checks', 'is required: a non-empty array of checks', undefined],
      ['rejects an empty checks array', { checks: [] }, 'checks', 'must have at least one check, got []', undefined],
      ['rejects checks that are not an array', { checks: { id: 'x' } }, 'checks', 'must be an array, got {"id":"x"}', undefined],
      ['rejects a check that is not an object', { checks: ['home'] }, 'checks[0]', 'must be an object, got "home"', undefined],
      ['rejects an unknown top-level key, suggesting the closest', one({}, HOME, { projct: 'x' }), 'projct', 'unknown field "projct" (did you mean "project"?)', undefined],
      ['rejects an unknown top-level key without a near match', one({}, HOME, { monitors: [] }), 'monitors', 'unknown field "monitors"', undefined],
      ['rejects a project name with capitals', one({}, HOME, { project: 'My-App' }), 'project', /^must be 1 to 31 lower-case .*, got "My-App"$/, undefined],
      ['rejects an unknown home region', one({}, HOME, { homeRegion: 'us-east-7' }), 'homeRegion', /^must be an AWS region code such as "us-east-1", got "us-east-7"/, undefined],
      ['rejects defaults that are not an object', one({}, HOME, { defaults: [] }), 'defaults', 'must be an object, got []', undefined],
      ['rejects an unknown key in defaults', one({}, HOME, { defaults: { intervall: '1m' } }), 'defaults.intervall', 'unknown field "intervall" (did you mean "interval"?)', undefined],
      ['rejects a bad interval in defaults', one({}, HOME, { defaults: { interval: 60 } }), 'defaults.interval', 'must be a duration such as "30s" or "5m", got 60', undefined],
      ['rejects a defaults timeout not under the defaults interval', one({}, HOME, { defaults: { interval: '30s', timeout: '30s' } }), 'defaults.timeout', 'must be less than the interval (30s from defaults.interval), got "30s"', undefined],
      ['rejects a bad alertPolicy in defaults', one({}, HOME, { defaults: { alertPolicy: { evaluationPeriods: 0 } } }), 'defaults.alertPolicy.evaluationPeriods', 'must be an integer from 1 to 10, got 0', undefined],
      ['rejects an SLO of 100 in defaults', one({}, HOME, { defaults: { slo: 100 } }), 'defaults.slo', 'must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got 100', undefined],
      ['rejects an SLO key typo in defaults, suggesting the closest', one({}, HOME, { defaults: { sol: 99 } }), 'defaults.sol', 'unknown field "sol" (did you mean "slo"?)', undefined],
      ['rejects a top-level slo (an SLO is set in defaults or on a check)', one({}, HOME, { slo: 99.9 }), 'slo', 'unknown field "slo"', undefined],
      // id, name, type
      ['rejects a check without an id', one({ id: undefined }), 'checks[0].id', 'is required', undefined],
      ['rejects an id with capitals', one({ id: 'Home' }), 'checks[0].id', /^must be 1 to 63 lower-case letters, digits, "-" and "_".*, got "Home"$/, undefined],
      ['rejects an id that is not a string', one({ id: 7 }), 'checks[0].id', /, got 7$/, undefined],
      ['rejects an id longer than 63 characters', one({ id: 'a'.repeat(64) }), 'checks[0].id', /, got "a{64}"$/, undefined],
      ['rejects an empty name', one({ name: ' ' }), 'checks[0].name', 'must not be empty, got " "', 'home'],
      ['rejects a check without a type', one({ type: undefined }), 'checks[0].type', 'is required: one of http, tcp, dns, tls, heartbeat', 'home'],
      ['rejects an unknown type, suggesting the closest', one({ type: 'htp' }), 'checks[0].type', 'must be one of http, tcp, dns, tls, heartbeat, got "htp" (did you mean "http"?)', 'home'],
      ['rejects an unknown check field, suggesting the closest', one({ timout: '5s' }), 'checks[0].timout', 'unknown field "timout" (did you mean "timeout"?)', 'home'],
      ['rejects a field of another check type', one({ port: 80 }), 'checks[0].port', 'unknown field "port" for a http check (it belongs to tcp and tls checks)', 'home'],
      // schedule
      ['rejects an interval that is not a duration', one({ interval: '10 seconds' }), 'checks[0].interval', 'must be a duration such as "30s" or "5m", got "10 seconds"', 'home'],
      ['rejects an interval under 10s', one({ interval: '5s', timeout: '1s' }), 'checks[0].interval', 'must be at least 10s, got "5s"', 'home'],
      ['rejects an interval over 1h', one({ interval: '2h' }), 'checks[0].interval', 'must be at most 1h, got "2h"', 'home'],
      ['rejects a timeout under 100ms', one({ timeout: '50ms' }), 'checks[0].timeout', 'must be at least 100ms, got "50ms"', 'home'],
      ['rejects a timeout over 60s', one({ timeout: '61s' }), 'checks[0].timeout', 'must be at most 1m, got "61s"', 'home'],
      ['rejects a timeout equal to the interval', one({ interval: '20s', timeout: '20s' }), 'checks[0].timeout', 'must be less than the interval (20s), got "20s"', 'home'],
      ['rejects an interval not over the default timeout', one({ interval: '10s' }), 'checks[0].interval', 'must be more than the timeout (10s by default), got "10s"', 'home'],
      ['rejects a timeout not under the defaults interval', one({ timeout: '30s' }, HOME, { defaults: { interval: '15s', timeout: '5s' } }), 'checks[0].timeout', 'must be less than the interval (15s from defaults.interval), got "30s"', 'home'],
      ['rejects retries over 3', one({ retries: 5 }), 'checks[0].retries', 'must be an integer from 0 to 3, got 5', 'home'],
      ['rejects fractional retries', one({ retries: 1.5 }), 'checks[0].retries', 'must be an integer from 0 to 3, got 1.5', 'home'],
      ['rejects retries given as a string', one({ retries: '1' }), 'checks[0].retries', 'must be an integer from 0 to 3, got "1"', 'home'],
      ['rejects NaN retries', one({ retries: Number.NaN }), 'checks[0].retries', 'must be an integer from 0 to 3, got NaN', 'home'],
      ['rejects an empty regions list', one({ regions: [] }), 'checks[0].regions', 'must list at least one AWS region, got []', 'home'],
      ['rejects regions that are not a list', one({ regions: 'us-east-1' }), 'checks[0].regions', 'must be an array, got "us-east-1"', 'home'],
      ['rejects an unknown region, suggesting the closest', one({ regions: ['eu-west-1', 'us-est-1'] }), 'checks[0].regions[1]', 'must be an AWS region code such as "us-east-1", got "us-est-1" (did you mean "us-east-1"?)', 'home'],
      ['rejects a duplicate region', one({ regions: ['eu-west-1', 'us-east-1', 'eu-west-1'] }), 'checks[0].regions[2]', 'duplicate region "eu-west-1" (also at checks[0].regions[0])', 'home'],
      ['rejects a tag with a space', one({ tags: ['ok', 'not ok'] }), 'checks[0].tags[1]', /, got "not ok"$/, 'home'],
      ['rejects an unknown severity', one({ severity: 'urgent' }), 'checks[0].severity', 'must be one of critical, high, medium, low, got "urgent"', 'home'],
      ['rejects degradedAfter not under the timeout', one({ timeout: '5s', degradedAfter: '5s' }), 'checks[0].degradedAfter', 'must be less than the timeout (5s), got "5s"', 'home'],
      ['rejects a degradedAfter that is not a duration', one({ degradedAfter: 2000 }), 'checks[0].degradedAfter', 'must be a duration such as "30s" or "5m", got 2000', 'home'],
      ['rejects allowPrivateTargets that is not a boolean', one({ allowPrivateTargets: 'yes' }), 'checks[0].allowPrivateTargets', 'must be true or false, got "yes"', 'home'],
      // slo
      ['rejects an SLO of 100', one({ slo: 100 }), 'checks[0].slo', 'must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got 100', 'home'],
      ['rejects an SLO written as a fraction, with a hint', one({ slo: 0.999 }), 'checks[0].slo', 'must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got 0.999 (a percent: write 99.9 for 0.999)', 'home'],
      ['rejects an SLO of 0', one({ slo: 0 }), 'checks[0].slo', 'must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got 0', 'home'],
      ['rejects a negative SLO', one({ slo: -5 }), 'checks[0].slo', 'must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got -5', 'home'],
      ['rejects an SLO over 100', one({ slo: 100.5 }), 'checks[0].slo', 'must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got 100.5', 'home'],
      ['rejects an SLO given as a string', one({ slo: '99.9%' }), 'checks[0].slo', 'must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got "99.9%"', 'home'],
      ['rejects a NaN SLO', one({ slo: Number.NaN }), 'checks[0].slo', 'must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got NaN', 'home'],
      ['rejects an SLO key typo on a check, suggesting the closest', one({ sla: 99.9 }), 'checks[0].sla', 'unknown field "sla" (did you mean "slo"?)', 'home'],
      // alert policy
      ['rejects failingLocations over the number of regions', one({ regions: REGIONS3, alertPolicy: { failingLocations: 4 } }), 'checks[0].alertPolicy.failingLocations', "failingLocations 4 is more than the check's 3 regions", 'home'],
      ['rejects failingLocations from defaults over the number of regions', one({}, HOME, { defaults: { alertPolicy: { failingLocations: 2 } } }), 'checks[0].alertPolicy.failingLocations', "failingLocations 2 (from defaults.alertPolicy) is more than the check's 1 region: set alertPolicy.failingLocations on this check", 'home'],
      ['rejects failingPeriods over evaluationPeriods', one({ alertPolicy: { failingPeriods: 4, evaluationPeriods: 3 } }), 'checks[0].alertPolicy.failingPeriods', 'failingPeriods 4 is more than evaluationPeriods 3', 'home'],
      ['rejects evaluationPeriods over 10', one({ alertPolicy: { evaluationPeriods: 11 } }), 'checks[0].alertPolicy.evaluationPeriods', 'must be an integer from 1 to 10, got 11', 'home'],
      ['rejects zero failingLocations', one({ alertPolicy: { failingLocations: 0 } }), 'checks[0].alertPolicy.failingLocations', /^must be an integer from 1 to \d+, got 0$/, 'home'],
      ['rejects an unknown alertPolicy key', one({ alertPolicy: { failingRegions: 1 } }), 'checks[0].alertPolicy.failingRegions', /^unknown field "failingRegions"/, 'home'],
      ['rejects an alertPolicy that is not an object', one({ alertPolicy: 2 }), 'checks[0].alertPolicy', 'must be an object, got 2', 'home'],
      // http request
      ['rejects an http check with both url and steps', one({ steps: [{ url: 'https://a.example/' }] }), 'checks[0].steps', 'give either "url" or "steps", not both', 'home'],
      ['rejects an http check with neither url nor steps', one({ url: undefined }), 'checks[0].url', 'is required: give "url", or "steps" for a multi-step scenario', 'home'],
      ['rejects a URL without a scheme', one({ url: 'example.com/health' }), 'checks[0].url', 'must be an absolute http:// or https:// URL, got "example.com/health"', 'home'],
      ['rejects an ftp URL', one({ url: 'ftp://example.com/' }), 'checks[0].url', 'must be an absolute http:// or https:// URL, got "ftp://example.com/"', 'home'],
      ['rejects a URL that is not a string', one({ url: 42 }), 'checks[0].url', 'must be a string, got 42', 'home'],
      ['rejects an unclosed placeholder', one({ url: 'https://example.com/{{id' }), 'checks[0].url', 'has an unclosed placeholder, got "https://example.com/{{id"', 'home'],
      ['rejects a placeholder with spaces in a URL', one({ url: 'https://example.com/{{ id }}' }), 'checks[0].url', 'invalid placeholder "{{ id }}": write {{name}} or {{secret:NAME}}, without spaces', 'home'],
      ['rejects a lower-case secret name', one({ url: 'https://example.com/?k={{secret:api_key}}' }), 'checks[0].url', 'secret name must be upper-case letters, digits and "_", got "{{secret:api_key}}"', 'home'],
      ['rejects a variable in a plain check', one({ url: 'https://example.com/{{id}}' }), 'checks[0].url', /^unknown variable "\{\{id\}\}": only the steps of a scenario/, 'home'],
      ['rejects a lower-case method', one({ method: 'get' }), 'checks[0].method', 'must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "get" (did you mean "GET"?)', 'home'],
      ['rejects headers that are not an object', one({ headers: ['accept: x'] }), 'checks[0].headers', 'must be an object, got ["accept: x"]', 'home'],
      ['rejects a header name with a space', one({ headers: { 'X Key': 'v' } }), 'checks[0].headers["X Key"]', /^header name must be .*, got "X Key"$/, 'home'],
      ['rejects a header value that is not a string', one({ headers: { Accept: 1 } }), 'checks[0].headers.Accept', 'must be a string, got 1', 'home'],
      ['rejects a header value with a line break', one({ headers: { 'x-a': 'v\r\nx-b: w' } }), 'checks[0].headers["x-a"]', 'must not contain line breaks or NUL, got "v\\r\\nx-b: w"', 'home'],
      ['rejects the same header twice in different case', one({ headers: { Accept: 'a', accept: 'b' } }), 'checks[0].headers.accept', 'duplicate header "accept" (also given as "Accept")', 'home'],
      ['rejects a body that is not JSON', one({ method: 'POST', body: () => 1 }), 'checks[0].body', 'must be a string or a JSON value, got a function', 'home'],
      ['rejects a body holding NaN', one({ method: 'POST', body: { n: Number.NaN } }), 'checks[0].body', /^must be a string or a JSON value, got /, 'home'],
      ['rejects a status code over 599', one({ expectStatus: 700 }), 'checks[0].expectStatus', /^must be a status code from 100 to 599, .*, got 700$/, 'home'],
      ['rejects a malformed status class', one({ expectStatus: '2xy' }), 'checks[0].expectStatus', /, got "2xy"$/, 'home'],
      ['rejects a bad status in a list', one({ expectStatus: [200, '6xx'] }), 'checks[0].expectStatus[1]', /, got "6xx"$/, 'home'],
      ['rejects a backwards status range', one({ expectStatus: '299-200' }), 'checks[0].expectStatus', 'status range "299-200" runs backwards', 'home'],
      ['rejects an empty status list', one({ expectStatus: [] }), 'checks[0].expectStatus', /, got \[\]$/, 'home'],
      ['rejects maxRedirects over 20', one({ maxRedirects: 21 }), 'checks[0].maxRedirects', 'must be an integer from 0 to 20, got 21', 'home'],
      ['rejects maxBodyBytes of 0', one({ maxBodyBytes: 0 }), 'checks[0].maxBodyBytes', 'must be an integer from 1 to 67108864, got 0', 'home'],
      ['rejects followRedirects that is not a boolean', one({ followRedirects: 'no' }), 'checks[0].followRedirects', 'must be true or false, got "no"', 'home'],
      ['rejects insecure that is not a boolean', one({ insecure: 1 }), 'checks[0].insecure', 'must be true or false, got 1', 'home'],
      // assertions
      ['rejects assertions that are not a list', one({ assertions: { type: 'body' } }), 'checks[0].assertions', 'must be an array, got {"type":"body"}', 'home'],
      ['rejects an unknown assertion type', one({ assertions: [{ type: 'status', equals: 200 }] }), 'checks[0].assertions[0].type', 'must be one of totalTime, ttfb, body, json, header, got "status"', 'home'],
      ['rejects an assertion without a type', one({ assertions: [{ contains: 'x' }] }), 'checks[0].assertions[0].type', 'is required', 'home'],
      ['rejects a totalTime that is not a duration', one({ assertions: [{ type: 'totalTime', lessThan: 'fast' }] }), 'checks[0].assertions[0].lessThan', 'must be a duration such as "30s" or "5m", got "fast"', 'home'],
      ['rejects a body assertion without an operator', one({ assertions: [{ type: 'body' }] }), 'checks[0].assertions[0]', 'needs one of contains, notContains, matches, got {"type":"body"}', 'home'],
      ['rejects a body assertion with two operators', one({ assertions: [{ type: 'body', contains: 'a', matches: 'b' }] }), 'checks[0].assertions[0]', 'must have exactly one of contains, notContains, matches, got contains and matches', 'home'],
      ['rejects a body regex that does not compile', one({ assertions: [{ type: 'body', matches: 'a(b' }] }), 'checks[0].assertions[0].matches', /^must be a valid regular expression, got "a\(b": Invalid regular expression: .*Unterminated group/, 'home'],
      ['rejects an operator typo, suggesting the closest', one({ assertions: [{ type: 'body', contians: 'x' }] }), 'checks[0].assertions[0].contians', 'unknown field "contians" (did you mean "contains"?)', 'home'],
      ['rejects a JSON path that does not parse', one({ assertions: [{ type: 'json', path: '$.items[', exists: true }] }), 'checks[0].assertions[0].path', /^must be a JSON path such as "\$\.items\[0\]\.id", got "\$\.items\[": /, 'home'],
      ['rejects a JSON path without "$"', one({ assertions: [{ type: 'json', path: 'status', equals: 'ok' }] }), 'checks[0].assertions[0].path', /, got "status": /, 'home'],
      ['rejects a json assertion without a path', one({ assertions: [{ type: 'json', equals: 'ok' }] }), 'checks[0].assertions[0].path', 'is required', 'home'],
      ['rejects a json greaterThan that is not a number', one({ assertions: [{ type: 'json', path: '$.n', greaterThan: '3' }] }), 'checks[0].assertions[0].greaterThan', 'must be a number, got "3"', 'home'],
      ['rejects a json exists that is not a boolean', one({ assertions: [{ type: 'json', path: '$.n', exists: 'yes' }] }), 'checks[0].assertions[0].exists', 'must be true or false, got "yes"', 'home'],
      ['rejects a json matches regex that does not compile', one({ assertions: [{ type: 'json', path: '$.n', matches: '[' }] }), 'checks[0].assertions[0].matches', /^must be a valid regular expression, got "\[": /, 'home'],
      ['rejects a header assertion with a bad name', one({ assertions: [{ type: 'header', name: 'content type', exists: true }] }), 'checks[0].assertions[0].name', /^must be a header name .*, got "content type"$/, 'home'],
      ['rejects a header equals that is not a string', one({ assertions: [{ type: 'header', name: 'age', equals: 0 }] }), 'checks[0].assertions[0].equals', 'must be a string, got 0', 'home'],
      // tcp
      ['rejects a tcp check without a port', one({ port: undefined }, TCP), 'checks[0].port', 'is required', 'smtp'],
      ['rejects a tcp port over 65535', one({ port: 70000 }, TCP), 'checks[0].port', 'must be an integer from 1 to 65535, got 70000', 'smtp'],
      ['rejects a tcp host with a scheme', one({ host: 'tcp://mail.example.com' }, TCP), 'checks[0].host', 'must be a host name or IP address (no scheme, port or path), got "tcp://mail.example.com"', 'smtp'],
      ['rejects a tcp host with a port', one({ host: 'mail.example.com:25' }, TCP), 'checks[0].host', /, got "mail\.example\.com:25"$/, 'smtp'],
      ['rejects an all-numeric host that is no IPv4 address', one({ host: '256.1.1.1' }, TCP), 'checks[0].host', /, got "256\.1\.1\.1"$/, 'smtp'],
      ['rejects an expect regex that does not compile', one({ expect: '/(/' }, TCP), 'checks[0].expect', /^must be a valid regular expression, got "\/\(\/": /, 'smtp'],
      ['rejects a stateful regex flag in expect', one({ expect: '/ok/g' }, TCP), 'checks[0].expect', 'regular expression flags may be i, m, s and u, each once, got "/ok/g"', 'smtp'],
      ['rejects an empty expect', one({ expect: '' }, TCP), 'checks[0].expect', 'must not be empty, got ""', 'smtp'],
      ['rejects a variable in tcp send', one({ send: 'AUTH {{token}}' }, TCP), 'checks[0].send', /^unknown variable "\{\{token\}\}"/, 'smtp'],
      ['rejects a tls field on a tcp check', one({ minDaysRemaining: 3 }, TCP), 'checks[0].minDaysRemaining', 'unknown field "minDaysRemaining" for a tcp check (it belongs to tls checks)', 'smtp'],
      // dns
      ['rejects a dns name with spaces', one({ domain: 'exa mple.com' }, DNS), 'checks[0].domain', 'must be a DNS name such as "example.com", got "exa mple.com"', 'apex'],
      ['rejects an unknown record type', one({ recordType: 'AAA' }, DNS), 'checks[0].recordType', 'must be one of A, AAAA, CNAME, MX, TXT, NS, SRV, CAA, PTR, SOA, got "AAA" (did you mean "AAAA"?)', 'apex'],
      ['rejects an unknown match mode', one({ match: 'some' }, DNS), 'checks[0].match', /^must be one of all, any, exact, got "some"/, 'apex'],
      ['rejects match "exact" without expected answers', one({ match: 'exact' }, DNS), 'checks[0].match', 'match "exact" needs expectedAnswers, got nothing', 'apex'],
      ['rejects an empty expected answer', one({ expectedAnswers: ['192.0.2.1', ''] }, DNS), 'checks[0].expectedAnswers[1]', 'must not be empty, got ""', 'apex'],
      ['rejects a resolver given as a host name', one({ resolver: 'dns.google' }, DNS), 'checks[0].resolver', 'must be an IP address, "ip:port" or "[ipv6]:port", got "dns.google"', 'apex'],
      ['rejects a resolver port over 65535', one({ resolver: '[::1]:99999' }, DNS), 'checks[0].resolver', 'resolver port must be from 1 to 65535, got "[::1]:99999"', 'apex'],
      ['rejects an IPv4 resolver with a leading zero octet', one({ resolver: '8.8.08.8' }, DNS), 'checks[0].resolver', /, got "8\.8\.08\.8"$/, 'apex'],
      // tls
      ['rejects minDaysRemaining over 365', one({ minDaysRemaining: 400 }, TLS), 'checks[0].minDaysRemaining', 'must be an integer from 0 to 365, got 400', 'cert'],
      ['rejects a tls port of 0', one({ port: 0 }, TLS), 'checks[0].port', 'must be an integer from 1 to 65535, got 0', 'cert'],
      ['rejects requireTrustedChain that is not a boolean', one({ requireTrustedChain: 'false' }, TLS), 'checks[0].requireTrustedChain', 'must be true or false, got "false"', 'cert'],
    ];
    for (const [name, input, path, message, checkId] of cases) {
      it(name, () => assertIssue(input, path, message, checkId));
    }
  });

  describe('scenarios', () => {
    const scenario = (...steps: Input[]): Input => one({ url: undefined, steps });
    const login = { url: 'https://api.example.com/login', extract: { token: { json: '$.token' } } };

    it('accepts a variable extracted by an earlier step', () => {
      const c = http(scenario(login, { url: 'https://api.example.com/me?t={{token}}', headers: { authorization: 'Bearer {{token}}' }, body: '{"t":"{{token}}"}', method: 'POST' }));
      assert.equal(c.steps.length, 2);
    });
    it('rejects a variable no step extracts, suggesting the closest', () => {
      assertIssue(scenario(login, { url: 'https://api.example.com/{{tokn}}' }), 'checks[0].steps[1].url', 'unknown variable "{{tokn}}": no step extracts "tokn" (did you mean "token"?)', 'home');
    });
    it('rejects a variable extracted only in a later step', () => {
      assertIssue(scenario({ url: 'https://api.example.com/{{token}}' }, login), 'checks[0].steps[0].url', 'variable "{{token}}" is extracted only in a later step (steps[1])', 'home');
    });
    it('rejects a variable used by the step that extracts it', () => {
      assertIssue(
        scenario({ ...login, url: 'https://api.example.com/login?again={{token}}' }),
        'checks[0].steps[0].url',
        'variable "{{token}}" is extracted by this same step, after its request: use it in a later step',
        'home',
      );
    });
    it('rejects an unknown variable in a header value', () => {
      assertIssue(scenario(login, { url: 'https://api.example.com/', headers: { Authorization: 'Bearer {{jwt}}' } }), 'checks[0].steps[1].headers.Authorization', /^unknown variable "\{\{jwt\}\}"/, 'home');
    });
    it('rejects an unknown variable in a JSON body', () => {
      assertIssue(scenario(login, { url: 'https://api.example.com/', method: 'POST', body: { t: '{{jwt}}' } }), 'checks[0].steps[1].body', /^unknown variable "\{\{jwt\}\}"/, 'home');
    });
    it('leaves other braces in a body alone', () => {
      assert.equal(http(one({ method: 'POST', body: '{{#each items}}x{{/each}}' })).steps[0]?.body, '{{#each items}}x{{/each}}');
    });
    it('rejects an empty steps list', () => {
      assertIssue(scenario(), 'checks[0].steps', 'must have at least one step, got []', 'home');
    });
    it('rejects more than 20 steps', () => {
      const steps = Array.from({ length: 21 }, () => ({ url: 'https://example.com/' }));
      assertIssue(scenario(...steps), 'checks[0].steps', 'must have at most 20 steps, got 21', 'home');
    });
    it('rejects request fields on the check when steps are given', () => {
      assertIssue(one({ url: undefined, method: 'POST', steps: [login] }), 'checks[0].method', '"method" belongs inside each step when "steps" is given, got "POST"', 'home');
    });
    it('rejects an unknown step field, suggesting the closest', () => {
      assertIssue(scenario({ ...login, extrct: {} }), 'checks[0].steps[0].extrct', 'unknown field "extrct" (did you mean "extract"?)', 'home');
    });
    it('rejects a variable named "secret"', () => {
      assertIssue(scenario({ url: 'https://a.example/', extract: { secret: { json: '$.s' } } }), 'checks[0].steps[0].extract.secret', /^variable name must be .*, got "secret"$/, 'home');
    });
    it('rejects a variable name starting with a digit', () => {
      assertIssue(scenario({ url: 'https://a.example/', extract: { '1st': { json: '$.s' } } }), 'checks[0].steps[0].extract["1st"]', /, got "1st"$/, 'home');
    });
    it('rejects an extraction with both json and header', () => {
      assertIssue(scenario({ url: 'https://a.example/', extract: { v: { json: '$.v', header: 'etag' } } }), 'checks[0].steps[0].extract.v', 'must have exactly one of json, header, got json and header', 'home');
    });
    it('rejects an extraction with a bad JSON path', () => {
      assertIssue(scenario({ url: 'https://a.example/', extract: { v: { json: 'v' } } }), 'checks[0].steps[0].extract.v.json', /^must be a JSON path .*, got "v": /, 'home');
    });
  });

  describe('alerts', () => {
    const TAGGED = { ...HOME, tags: ['prod', 'team:web'] };
    /** A config with the HOME check (tagged) and this `alerts` section. */
    const withAlerts = (alerts: unknown): Input => one({}, TAGGED, { alerts });
    const hook = (fields: Input = {}): Input => ({ url: 'https://hooks.example.com/x', ...fields });

    it('fills webhook defaults: json, no headers, every severity, every check', () => {
      assert.deepEqual(validateConfig(withAlerts({ webhooks: [hook()] })).alerts, {
        webhooks: [{ url: 'https://hooks.example.com/x', format: 'json', headers: {}, severities: ['critical', 'high', 'medium', 'low'], tags: null }],
        email: [],
        sms: [],
        https: [],
        dashboardUrl: null,
      });
    });
    it('reads a slack webhook with a secret URL, secret headers and filters', () => {
      const alerts = validateConfig(
        withAlerts({
          webhooks: [
            {
              url: 'https://hooks.slack.com/services/{{secret:SLACK_PATH}}',
              format: 'slack',
              headers: { Authorization: 'Bearer {{secret:HOOK_TOKEN}}', 'X-Team': 'web' },
              severities: ['low', 'critical'],
              tags: ['team:web', 'prod'],
            },
          ],
          dashboardUrl: 'https://status.example.com/',
        }),
      ).alerts;
      assert.deepEqual(alerts, {
        webhooks: [
          {
            url: 'https://hooks.slack.com/services/{{secret:SLACK_PATH}}',
            format: 'slack',
            headers: { authorization: 'Bearer {{secret:HOOK_TOKEN}}', 'x-team': 'web' },
            severities: ['critical', 'low'],
            tags: ['team:web', 'prod'],
          },
        ],
        email: [],
        sms: [],
        https: [],
        dashboardUrl: 'https://status.example.com/',
      });
    });
    it('accepts a secret standing for the whole host', () => {
      assert.equal(validateConfig(withAlerts({ webhooks: [hook({ url: 'http://{{secret:HOOK_HOST}}/alert' })] })).alerts.webhooks[0]?.url, 'http://{{secret:HOOK_HOST}}/alert');
    });
    it('accepts an empty alerts section', () => {
      assert.deepEqual(validateConfig(withAlerts({})).alerts, { webhooks: [], email: [], sms: [], https: [], dashboardUrl: null });
    });
    it('reads e-mail, sms and https subscriptions as written, in order', () => {
      const alerts = validateConfig(
        withAlerts({
          email: ['oncall@example.com', 'Team.Web+alerts@mail.example.co.uk'],
          sms: ['+14155550100', '+442071838750'],
          https: ['https://hooks.example.com/skyprobe', 'https://[2001:db8::1]:8443/sns?team=web'],
        }),
      ).alerts;
      assert.deepEqual(
        { email: alerts.email, sms: alerts.sms, https: alerts.https },
        {
          email: ['oncall@example.com', 'Team.Web+alerts@mail.example.co.uk'],
          sms: ['+14155550100', '+442071838750'],
          https: ['https://hooks.example.com/skyprobe', 'https://[2001:db8::1]:8443/sns?team=web'],
        },
      );
    });
    it('accepts empty subscription lists', () => {
      const alerts = validateConfig(withAlerts({ email: [], sms: [], https: [] })).alerts;
      assert.deepEqual([alerts.email, alerts.sms, alerts.https], [[], [], []]);
    });

    // [test name, alerts, path, message]
    const cases: readonly [string, unknown, string, string | RegExp][] = [
      ['rejects alerts that are not an object', [], 'alerts', 'must be an object, got []'],
      ['rejects an unknown alerts key, suggesting the closest', { webhook: [] }, 'alerts.webhook', 'unknown field "webhook" (did you mean "webhooks"?)'],
      ['rejects webhooks that are not a list', { webhooks: hook() }, 'alerts.webhooks', /^must be an array, got /],
      ['rejects more than 20 webhooks', { webhooks: Array.from({ length: 21 }, () => hook()) }, 'alerts.webhooks', 'must have at most 20 webhooks, got 21'],
      ['rejects a webhook that is not an object', { webhooks: ['https://hooks.example.com/'] }, 'alerts.webhooks[0]', 'must be an object, got "https://hooks.example.com/"'],
      ['rejects a webhook without a url', { webhooks: [{ format: 'json' }] }, 'alerts.webhooks[0].url', 'is required'],
      ['rejects an unknown webhook key, suggesting the closest', { webhooks: [hook({ severites: ['high'] })] }, 'alerts.webhooks[0].severites', 'unknown field "severites" (did you mean "severities"?)'],
      ['rejects a webhook URL without a scheme', { webhooks: [hook({ url: 'hooks.example.com/x' })] }, 'alerts.webhooks[0].url', 'must be an absolute http:// or https:// URL, got "hooks.example.com/x"'],
      ['rejects a mailto webhook URL', { webhooks: [hook({ url: 'mailto:ops@example.com' })] }, 'alerts.webhooks[0].url', 'must be an absolute http:// or https:// URL, got "mailto:ops@example.com"'],
      ['rejects a variable in a webhook URL', { webhooks: [hook({ url: 'https://hooks.example.com/{{token}}' })] }, 'alerts.webhooks[0].url', 'invalid placeholder "{{token}}": webhook URLs and headers take only {{secret:NAME}}, without spaces'],
      ['rejects a lower-case secret name in a webhook URL', { webhooks: [hook({ url: 'https://hooks.example.com/{{secret:path}}' })] }, 'alerts.webhooks[0].url', 'secret name must be upper-case letters, digits and "_", got "{{secret:path}}"'],
      ['rejects an unclosed placeholder in a webhook URL', { webhooks: [hook({ url: 'https://hooks.example.com/{{secret:X' })] }, 'alerts.webhooks[0].url', 'has an unclosed placeholder, got "https://hooks.example.com/{{secret:X"'],
      ['rejects an unknown format, suggesting the closest', { webhooks: [hook({ format: 'slak' })] }, 'alerts.webhooks[0].format', 'must be one of json, slack, got "slak" (did you mean "slack"?)'],
      ['rejects a header skyprobe sets itself', { webhooks: [hook({ headers: { 'Content-Type': 'text/plain' } })] }, 'alerts.webhooks[0].headers["Content-Type"]', 'header "content-type" is set by skyprobe, got "text/plain"'],
      ['rejects overriding the event id header', { webhooks: [hook({ headers: { 'x-skyprobe-event-id': 'x' } })] }, 'alerts.webhooks[0].headers["x-skyprobe-event-id"]', 'header "x-skyprobe-event-id" is set by skyprobe, got "x"'],
      ['rejects a webhook header name with a space', { webhooks: [hook({ headers: { 'X Key': 'v' } })] }, 'alerts.webhooks[0].headers["X Key"]', /^header name must be .*, got "X Key"$/],
      ['rejects a webhook header value with a line break', { webhooks: [hook({ headers: { 'x-a': 'v\nx-b: w' } })] }, 'alerts.webhooks[0].headers["x-a"]', 'must not contain line breaks or NUL, got "v\\nx-b: w"'],
      ['rejects the same webhook header twice in different case', { webhooks: [hook({ headers: { 'X-Key': 'a', 'x-key': 'b' } })] }, 'alerts.webhooks[0].headers["x-key"]', 'duplicate header "x-key" (also given as "X-Key")'],
      ['rejects a variable in a webhook header', { webhooks: [hook({ headers: { authorization: 'Bearer {{token}}' } })] }, 'alerts.webhooks[0].headers.authorization', /^invalid placeholder "\{\{token\}\}"/],
      ['rejects an unknown severity, suggesting the closest', { webhooks: [hook({ severities: ['critcal'] })] }, 'alerts.webhooks[0].severities[0]', 'must be one of critical, high, medium, low, got "critcal" (did you mean "critical"?)'],
      ['rejects an empty severities list', { webhooks: [hook({ severities: [] })] }, 'alerts.webhooks[0].severities', 'must list at least one severity, got []'],
      ['rejects a duplicate severity', { webhooks: [hook({ severities: ['high', 'high'] })] }, 'alerts.webhooks[0].severities[1]', 'duplicate severity "high" (also at alerts.webhooks[0].severities[0])'],
      ['rejects an empty tags list', { webhooks: [hook({ tags: [] })] }, 'alerts.webhooks[0].tags', 'must list at least one tag, got []'],
      ['rejects a tag no check has, suggesting the closest', { webhooks: [hook({ tags: ['prd'] })] }, 'alerts.webhooks[0].tags[0]', 'no check has tag "prd" (did you mean "prod"?)'],
      ['rejects a tag that differs only in case', { webhooks: [hook({ tags: ['Prod'] })] }, 'alerts.webhooks[0].tags[0]', 'no check has tag "Prod" (did you mean "prod"?)'],
      ['rejects a malformed tag', { webhooks: [hook({ tags: ['not ok'] })] }, 'alerts.webhooks[0].tags[0]', /, got "not ok"$/],
      ['rejects a tag listed twice', { webhooks: [hook({ tags: ['prod', 'team:web', 'prod'] })] }, 'alerts.webhooks[0].tags[2]', 'duplicate tag "prod" (also at alerts.webhooks[0].tags[0])'],
      ['rejects a dashboardUrl that is not a URL', { dashboardUrl: 'status page' }, 'alerts.dashboardUrl', 'must be an absolute http:// or https:// URL, got "status page"'],
      ['rejects a placeholder in dashboardUrl', { dashboardUrl: 'https://{{secret:HOST}}/' }, 'alerts.dashboardUrl', 'must not hold placeholders (it is shown in every alert), got "https://{{secret:HOST}}/"'],
      // SNS subscriptions
      ['rejects an unknown alerts key close to a subscription kind', { emails: ['a@example.com'] }, 'alerts.emails', 'unknown field "emails" (did you mean "email"?)'],
      ['rejects e-mail addresses given as one string', { email: 'oncall@example.com' }, 'alerts.email', 'must be an array, got "oncall@example.com"'],
      ['rejects an e-mail address without an @', { email: ['not-an-address'] }, 'alerts.email[0]', 'must be an e-mail address, got "not-an-address"'],
      ['rejects an e-mail address without a dot in the domain', { email: ['oncall@localhost'] }, 'alerts.email[0]', 'must be an e-mail address, got "oncall@localhost"'],
      ['rejects an e-mail address with a space', { email: ['on call@example.com'] }, 'alerts.email[0]', 'must be an e-mail address, got "on call@example.com"'],
      ['rejects an e-mail address that is not a string', { email: [42] }, 'alerts.email[0]', 'must be an e-mail address, got 42'],
      ['rejects a secret as an e-mail address, saying why', { email: ['{{secret:ONCALL}}'] }, 'alerts.email[0]', 'cannot hold {{...}} placeholders: subscriptions are stored in the cloudformation template, got "{{secret:ONCALL}}"'],
      ['rejects an e-mail address listed twice', { email: ['a@example.com', 'b@example.com', 'a@example.com'] }, 'alerts.email[2]', 'duplicate subscription "a@example.com" (also at alerts.email[0])'],
      ['rejects a phone number without a country code', { sms: ['555-0100'] }, 'alerts.sms[0]', 'must be an e.164 phone number such as "+14155550100", got "555-0100"'],
      ['rejects a phone number with spaces', { sms: ['+1 415 555 0100'] }, 'alerts.sms[0]', 'must be an e.164 phone number such as "+14155550100", got "+1 415 555 0100"'],
      ['rejects a phone number with a country code starting with 0', { sms: ['+04155550100'] }, 'alerts.sms[0]', 'must be an e.164 phone number such as "+14155550100", got "+04155550100"'],
      ['rejects a phone number over 15 digits', { sms: ['+1234567890123456'] }, 'alerts.sms[0]', 'must be an e.164 phone number such as "+14155550100", got "+1234567890123456"'],
      ['rejects a phone number given as a number', { sms: [14155550100] }, 'alerts.sms[0]', 'must be an e.164 phone number such as "+14155550100", got 14155550100'],
      ['rejects a phone number listed twice', { sms: ['+14155550100', '+14155550100'] }, 'alerts.sms[1]', 'duplicate subscription "+14155550100" (also at alerts.sms[0])'],
      ['rejects an http:// subscription', { https: ['http://plain.example.com/'] }, 'alerts.https[0]', 'must be an https:// url, got "http://plain.example.com/"'],
      ['rejects an https subscription without a scheme', { https: ['hooks.example.com/sns'] }, 'alerts.https[0]', 'must be an https:// url, got "hooks.example.com/sns"'],
      ['rejects an https subscription with surrounding spaces', { https: [' https://hooks.example.com/sns'] }, 'alerts.https[0]', 'must be an https:// url, got " https://hooks.example.com/sns"'],
      ['rejects a secret in an https subscription, saying why', { https: ['https://x.example.com/?t={{secret:TOKEN}}'] }, 'alerts.https[0]', 'cannot hold {{...}} placeholders: subscriptions are stored in the cloudformation template, got "https://x.example.com/?t={{secret:TOKEN}}"'],
      ['rejects an unclosed placeholder in an https subscription', { https: ['https://x.example.com/{{secret:T'] }, 'alerts.https[0]', /^cannot hold \{\{\.\.\.\}\} placeholders: /],
      ['rejects an https subscription listed twice', { https: ['https://a.example.com/', 'https://a.example.com/'] }, 'alerts.https[1]', 'duplicate subscription "https://a.example.com/" (also at alerts.https[0])'],
    ];
    for (const [name, alerts, path, message] of cases) {
      it(name, () => assertIssue(withAlerts(alerts), path, message, undefined));
    }
  });

  describe('maintenance', () => {
    const CHECKS = [
      { ...HOME, tags: ['prod'] },
      { ...TCP, tags: ['mail'] },
    ];
    const withWindows = (...windows: unknown[]): Input => ({ checks: CHECKS, maintenance: windows });
    const ONCE = { id: 'db-upgrade', checks: ['home'], start: '2025-03-01T22:00:00+01:00', end: '2025-03-02T01:30:00+01:00' };
    const WEEKLY = { id: 'backups', tags: ['prod'], weekdays: ['sun', 'wed'], startTime: '02:00', duration: '90m', timeZone: 'Europe/Berlin' };

    it('reads a one-off window in epoch ms', () => {
      assert.deepEqual(validateConfig(withWindows({ ...ONCE, reason: 'Postgres 17' })).maintenance, [
        {
          id: 'db-upgrade',
          checks: ['home'],
          tags: [],
          all: false,
          reason: 'Postgres 17',
          schedule: 'once',
          startMs: Date.parse('2025-03-01T21:00:00Z'),
          endMs: Date.parse('2025-03-02T00:30:00Z'),
        },
      ]);
    });
    it('reads a weekly window, weekdays in week order', () => {
      assert.deepEqual(validateConfig(withWindows(WEEKLY)).maintenance, [
        { id: 'backups', checks: [], tags: ['prod'], all: false, reason: null, schedule: 'weekly', weekdays: ['wed', 'sun'], startTime: '02:00', durationMs: 5_400_000, timeZone: 'Europe/Berlin' },
      ]);
    });
    it('canonicalizes the time zone name', () => {
      const [window] = validateConfig(withWindows({ ...WEEKLY, timeZone: 'europe/berlin' })).maintenance;
      assert.equal(window?.schedule === 'weekly' ? window.timeZone : undefined, 'Europe/Berlin');
    });
    it('accepts all: true without checks or tags', () => {
      assert.equal(validateConfig(withWindows({ ...ONCE, checks: undefined, all: true })).maintenance[0]?.all, true);
    });
    it('accepts a UTC time with fractional seconds', () => {
      const [window] = validateConfig(withWindows({ ...ONCE, start: '2025-03-01T21:00:00.250Z' })).maintenance;
      assert.equal(window?.schedule === 'once' ? window.startMs : undefined, Date.parse('2025-03-01T21:00:00.250Z'));
    });
    it('refers to a check that has another problem without a second issue', () => {
      const issues = issuesOf({ checks: [{ ...HOME, retries: 9 }], maintenance: [{ ...ONCE, checks: ['home'] }] });
      assert.deepEqual(issues.map((i) => i.path), ['checks[0].retries']);
    });

    // [test name, window(s), path, message]
    const cases: readonly [string, unknown, string, string | RegExp][] = [
      ['rejects maintenance that is not a list', { ...ONCE }, 'maintenance', /^must be an array, got /],
      ['rejects a window that is not an object', ['sundays'], 'maintenance[0]', 'must be an object, got "sundays"'],
      ['rejects a window without an id', [{ ...ONCE, id: undefined }], 'maintenance[0].id', 'is required'],
      ['rejects a window id with spaces', [{ ...ONCE, id: 'db upgrade' }], 'maintenance[0].id', /^must be 1 to 63 lower-case .*, got "db upgrade"$/],
      ['rejects a duplicate window id', [ONCE, { ...WEEKLY, id: 'db-upgrade' }], 'maintenance[1].id', 'duplicate id "db-upgrade": maintenance[0] already uses it'],
      ['rejects an unknown window key, suggesting the closest', [{ ...WEEKLY, timezone: 'UTC', timeZone: undefined }], 'maintenance[0].timezone', 'unknown field "timezone" (did you mean "timeZone"?)'],
      ['rejects an unknown check id, suggesting the closest', [{ ...ONCE, checks: ['hom'] }], 'maintenance[0].checks[0]', 'must be the id of a check in this config, got "hom" (did you mean "home"?)'],
      ['rejects an empty checks list', [{ ...ONCE, checks: [] }], 'maintenance[0].checks', 'must list at least one check id, got []'],
      ['rejects a check listed twice', [{ ...ONCE, checks: ['home', 'smtp', 'home'] }], 'maintenance[0].checks[2]', 'duplicate check "home" (also at maintenance[0].checks[0])'],
      ['rejects a tag no check has', [{ ...WEEKLY, tags: ['mial'] }], 'maintenance[0].tags[0]', 'no check has tag "mial" (did you mean "mail"?)'],
      ['rejects a window that selects no checks', [{ ...ONCE, checks: undefined }], 'maintenance[0]', 'needs "checks", "tags" or "all: true" to say which checks it mutes'],
      ['rejects all: false alone', [{ ...ONCE, checks: undefined, all: false }], 'maintenance[0]', 'needs "checks", "tags" or "all: true" to say which checks it mutes'],
      ['rejects all: true with checks', [{ ...ONCE, all: true }], 'maintenance[0].all', 'all: true mutes every check: leave out "checks" and "tags", or drop "all"'],
      ['rejects all that is not a boolean', [{ ...ONCE, checks: undefined, all: 'yes' }], 'maintenance[0].all', 'must be true or false, got "yes"'],
      ['rejects an empty reason', [{ ...ONCE, reason: '' }], 'maintenance[0].reason', 'must not be empty, got ""'],
      ['rejects a window with no schedule', [{ id: 'w', all: true }], 'maintenance[0]', 'needs "start" and "end" (one-off), or "weekdays", "startTime", "duration" and "timeZone" (weekly)'],
      ['rejects a window mixing one-off and weekly fields', [{ ...ONCE, weekdays: ['mon'] }], 'maintenance[0]', 'give either "start" and "end" (one-off) or "weekdays", "startTime", "duration" and "timeZone" (weekly), got start, end, weekdays'],
      ['rejects a one-off window without an end', [{ ...ONCE, end: undefined }], 'maintenance[0].end', 'is required'],
      ['rejects a start without an offset', [{ ...ONCE, start: '2025-03-01T22:00:00' }], 'maintenance[0].start', 'must be an ISO 8601 time with "Z" or an offset, such as "2025-03-01T22:00:00+01:00", got "2025-03-01T22:00:00"'],
      ['rejects a date that does not exist', [{ ...ONCE, start: '2025-02-29T22:00:00Z' }], 'maintenance[0].start', /, got "2025-02-29T22:00:00Z"$/],
      ['rejects an hour of 24', [{ ...ONCE, end: '2025-03-02T24:00:00Z' }], 'maintenance[0].end', /, got "2025-03-02T24:00:00Z"$/],
      ['rejects a start given as a Date', [{ ...ONCE, start: new Date(0) }], 'maintenance[0].start', /, got an object$/],
      ['rejects an end before the start', [{ ...ONCE, end: '2025-03-01T20:00:00Z' }], 'maintenance[0].end', 'must be after start ("2025-03-01T22:00:00+01:00"), got "2025-03-01T20:00:00Z"'],
      ['rejects an end equal to the start in another offset', [{ ...ONCE, end: '2025-03-01T21:00:00Z' }], 'maintenance[0].end', /^must be after start/],
      ['rejects a weekly window without a time zone', [{ ...WEEKLY, timeZone: undefined }], 'maintenance[0].timeZone', 'is required'],
      ['rejects an unknown time zone', [{ ...WEEKLY, timeZone: 'Mars/Olympus_Mons' }], 'maintenance[0].timeZone', 'must be an IANA time zone such as "Europe/Berlin" or "UTC", got "Mars/Olympus_Mons"'],
      ['rejects a misspelt time zone, suggesting the closest', [{ ...WEEKLY, timeZone: 'Europe/Berlni' }], 'maintenance[0].timeZone', 'must be an IANA time zone such as "Europe/Berlin" or "UTC", got "Europe/Berlni" (did you mean "Europe/Berlin"?)'],
      ['rejects a weekday that is not a short name', [{ ...WEEKLY, weekdays: ['monday'] }], 'maintenance[0].weekdays[0]', 'must be one of mon, tue, wed, thu, fri, sat, sun, got "monday"'],
      ['rejects a capitalized weekday, suggesting the closest', [{ ...WEEKLY, weekdays: ['Sun'] }], 'maintenance[0].weekdays[0]', 'must be one of mon, tue, wed, thu, fri, sat, sun, got "Sun" (did you mean "sun"?)'],
      ['rejects an empty weekdays list', [{ ...WEEKLY, weekdays: [] }], 'maintenance[0].weekdays', 'must list at least one weekday, got []'],
      ['rejects a weekday listed twice', [{ ...WEEKLY, weekdays: ['sun', 'sun'] }], 'maintenance[0].weekdays[1]', 'duplicate weekday "sun" (also at maintenance[0].weekdays[0])'],
      ['rejects a 12-hour startTime', [{ ...WEEKLY, startTime: '2am' }], 'maintenance[0].startTime', 'must be a 24-hour time "HH:MM" such as "02:00", got "2am"'],
      ['rejects a startTime without a leading zero', [{ ...WEEKLY, startTime: '2:00' }], 'maintenance[0].startTime', /, got "2:00"$/],
      ['rejects a startTime of 24:00', [{ ...WEEKLY, startTime: '24:00' }], 'maintenance[0].startTime', /, got "24:00"$/],
      ['rejects a duration under 1m', [{ ...WEEKLY, duration: '30s' }], 'maintenance[0].duration', 'must be at least 1m, got "30s"'],
      ['rejects a duration over 7d', [{ ...WEEKLY, duration: '8d' }], 'maintenance[0].duration', 'must be at most 7d, got "8d"'],
      ['rejects a duration that is not a duration string', [{ ...WEEKLY, duration: 90 }], 'maintenance[0].duration', 'must be a duration such as "30s" or "5m", got 90'],
    ];
    for (const [name, windows, path, message] of cases) {
      it(name, () => assertIssue({ checks: CHECKS, maintenance: windows }, path, message, undefined));
    }
  });

  it('reports every problem at once, each with its check', () => {
    const issues = issuesOf({
      projectt: 'x',
      checks: [
        { id: 'a', type: 'http', url: 'https://a.example/', interval: '5s', timeout: '1s', retries: 9 },
        { id: 'b', type: 'tcp', host: 'b.example', port: 0 },
        { id: 'c', type: 'dns', domain: 'c.example', recordType: 'AAA' },
        { id: 'Bad', type: 'tls', host: 'd.example' },
      ],
    });
    assert.deepEqual(
      issues.map((i) => [i.checkId, i.path]),
      [
        [undefined, 'projectt'],
        ['a', 'checks[0].interval'],
        ['a', 'checks[0].retries'],
        ['b', 'checks[1].port'],
        ['c', 'checks[2].recordType'],
        [undefined, 'checks[3].id'],
      ],
    );
  });

  it('rejects a duplicate id on the second check, naming the first', () => {
    const issues = issuesOf({ checks: [HOME, TCP, { ...TLS, id: 'home' }] });
    assert.deepEqual(issues, [{ checkId: 'home', path: 'checks[2].id', message: 'duplicate id "home": checks[0] already uses it' }]);
  });

  it('formats issues into the error message, one per line', () => {
    assert.throws(
      () => validateConfig(one({ interval: '10 seconds', regions: ['mars-1'] })),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.name === 'ConfigError' &&
        error.message ===
          'check "home": checks[0].interval: must be a duration such as "30s" or "5m", got "10 seconds"\n' +
            'check "home": checks[0].regions[0]: must be an AWS region code such as "us-east-1", got "mars-1"',
    );
  });

  it('never throws anything but ConfigError for random values at random places', () => {
    const valid: Input = {
      project: 'fuzz',
      homeRegion: 'eu-west-1',
      defaults: { interval: '1m', timeout: '5s', retries: 1, regions: ['us-east-1', 'eu-west-1'], severity: 'low', alertPolicy: { evaluationPeriods: 3 }, slo: 99.5 },
      checks: [
        {
          id: 'web',
          type: 'http',
          url: 'https://example.com/',
          headers: { Accept: 'text/html' },
          body: { a: [1] },
          method: 'POST',
          expectStatus: [200, '3xx'],
          assertions: [
            { type: 'json', path: '$.a[0]', equals: 1 },
            { type: 'header', name: 'etag', exists: true },
            { type: 'body', matches: 'x+' },
            { type: 'totalTime', lessThan: '1s' },
          ],
          alertPolicy: { failingLocations: 1, failingPeriods: 1 },
          tags: ['a'],
          degradedAfter: '1s',
          slo: 99.99,
        },
        {
          id: 'flow',
          type: 'http',
          steps: [{ url: 'https://example.com/a', extract: { t: { json: '$.t' }, e: { header: 'etag' } } }, { name: 'b', url: 'https://example.com/{{t}}', headers: { x: '{{e}}' } }],
        },
        { id: 'tcp', type: 'tcp', host: '192.0.2.1', port: 25, send: 'HELO\\r\\n', expect: '/^250/' },
        { id: 'dns', type: 'dns', domain: 'example.com', recordType: 'MX', expectedAnswers: ['mx.example.com'], match: 'any', resolver: '[::1]:53' },
        { id: 'tls', type: 'tls', host: 'example.com', port: 8443, minDaysRemaining: 7, requireTrustedChain: false },
      ],
      alerts: {
        webhooks: [
          { url: 'https://hooks.example.com/{{secret:HOOK}}', format: 'slack', headers: { authorization: 'Bearer {{secret:T}}' }, severities: ['high', 'low'], tags: ['a'] },
          { url: 'http://127.0.0.1:9/x' },
        ],
        email: ['oncall@example.com'],
        sms: ['+14155550100'],
        https: ['https://hooks.example.com/sns'],
        dashboardUrl: 'https://status.example.com/',
      },
      maintenance: [
        { id: 'once', checks: ['web', 'tcp'], start: '2025-03-01T22:00:00+01:00', end: '2025-03-02T01:00:00Z', reason: 'upgrade' },
        { id: 'weekly', tags: ['a'], weekdays: ['sun', 'mon'], startTime: '23:30', duration: '2h', timeZone: 'America/New_York' },
        { id: 'all', all: true, weekdays: ['sat'], startTime: '00:00', duration: '1m', timeZone: 'UTC' },
      ],
    };
    assert.doesNotThrow(() => validateConfig(valid), 'the fuzz base config must be valid');

    /** Every place in the tree: a path of keys and indexes. */
    const places: (string | number)[][] = [];
    const walk = (node: unknown, path: (string | number)[]): void => {
      places.push(path);
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, i]));
      else if (typeof node === 'object' && node !== null) for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
    };
    walk(valid, []);

    const setAt = (root: unknown, path: readonly (string | number)[], value: unknown, asNewKey: string | undefined): unknown => {
      const copy: unknown = structuredClone(root);
      if (path.length === 0) return asNewKey === undefined ? value : copy;
      // An earlier mutation may have replaced a branch of this path: then there is nothing left to mutate.
      // Only plain objects and arrays are walked into: writing into a typed array or a Map set earlier would
      // convert the value (and may throw in this helper, not in the validator).
      const isBranch = (v: unknown): v is Record<string | number, unknown> =>
        Array.isArray(v) || (typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null));
      let node: unknown = copy;
      for (const key of path.slice(0, -1)) node = isBranch(node) ? node[key] : undefined;
      if (!isBranch(node)) return copy;
      const last = path[path.length - 1] as string | number;
      if (asNewKey !== undefined && typeof node[last] === 'object' && node[last] !== null && !Array.isArray(node[last])) {
        (node[last] as Record<string, unknown>)[asNewKey] = value;
      } else {
        node[last] = value;
      }
      return copy;
    };

    const nasty = fc.constantFrom<unknown>(Number.NaN, Infinity, -0, 1e308, -1, 0.5, '', ' ', '{{', '}}', '{{x}}', '\u0000', '__proto__', [], {}, null, true, 10n);
    const anyValue = fc.oneof(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true }), fc.jsonValue(), nasty);
    const mutation = fc.record({
      place: fc.nat({ max: places.length - 1 }),
      value: anyValue,
      newKey: fc.option(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'url', 'type')), { nil: undefined }),
    });

    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        let input: unknown = valid;
        for (const m of mutations) input = setAt(input, places[m.place] ?? [], m.value, m.newKey);
        try {
          validateConfig(input);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          assert.ok(error.issues.length > 0);
          for (const issue of error.issues) {
            assert.equal(typeof issue.path, 'string');
            assert.ok(issue.message.length > 0);
          }
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(anyValue, (input) => {
        assert.throws(() => validateConfig(input), ConfigError);
      }),
      { numRuns: 300 },
    );
  });
});
