import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertPolicy, Check, HttpStep } from '../../lambdas/core/check.ts';
import { renderForDisplay, renderTemplate, secretNamesOfCheck, templateNames } from '../../lambdas/core/templates.ts';

describe('templateNames', () => {
  const cases: readonly [string, { variables: string[]; secrets: string[] }][] = [
    ['https://example.com/health', { variables: [], secrets: [] }],
    ['https://example.com/{{path}}', { variables: ['path'], secrets: [] }],
    ['Bearer {{secret:API_TOKEN}}', { variables: [], secrets: ['API_TOKEN'] }],
    [
      '{{a}}/{{secret:B_1}}/{{a}}/{{c_2}}/{{secret:B_1}}/{{secret:D}}',
      { variables: ['a', 'c_2'], secrets: ['B_1', 'D'] },
    ],
    ['{{secret:lower}} {{ spaced }} {{1abc}} {{}} {secret:X}', { variables: [], secrets: [] }],
    ['{{{x}}}', { variables: ['x'], secrets: [] }],
  ];
  for (const [template, names] of cases) {
    it(`finds ${JSON.stringify(names)} in ${JSON.stringify(template)}`, () => {
      assert.deepEqual(templateNames(template), names);
    });
  }
});

describe('renderTemplate', () => {
  const vars = { id: '42', token: 'abc{{id}}', constructorish: 'x' };
  const secrets = { API_TOKEN: 's3cr3t', EMPTY: '' };
  const cases: readonly [string, string, ReturnType<typeof renderTemplate>][] = [
    ['leaves plain text alone', 'https://example.com/', { ok: true, value: 'https://example.com/' }],
    ['fills variables', '/items/{{id}}?again={{id}}', { ok: true, value: '/items/42?again=42' }],
    ['fills secrets', 'Bearer {{secret:API_TOKEN}}', { ok: true, value: 'Bearer s3cr3t' }],
    ['fills an empty secret', 'k={{secret:EMPTY}}', { ok: true, value: 'k=' }],
    ['does not expand placeholders inside values', 't={{token}}', { ok: true, value: 't=abc{{id}}' }],
    ['leaves non-placeholders as written', '{{secret:lower}} {{ id }}', { ok: true, value: '{{secret:lower}} {{ id }}' }],
    ['fails when a variable is missing', '/items/{{missing}}', { ok: false, missing: 'missing' }],
    ['fails when a secret is missing', 'Bearer {{secret:NOPE}}', { ok: false, missing: 'secret:NOPE' }],
    ['names the first missing placeholder', '{{secret:NOPE}}{{gone}}', { ok: false, missing: 'secret:NOPE' }],
    ['fails when a variable and a secret share a name', '{{API_TOKEN}}', { ok: false, missing: 'API_TOKEN' }],
    ['does not read inherited properties', '{{constructor}}', { ok: false, missing: 'constructor' }],
    ['does not read inherited properties of secrets', '{{secret:__PROTO__}}', { ok: false, missing: 'secret:__PROTO__' }],
  ];
  for (const [name, template, expected] of cases) {
    it(name, () => {
      assert.deepEqual(renderTemplate(template, vars, secrets), expected);
    });
  }
});

describe('renderForDisplay', () => {
  const cases: readonly [string, string][] = [
    ['https://example.com/?key={{secret:API_KEY}}', 'https://example.com/?key=***'],
    ['https://example.com/items/{{id}}', 'https://example.com/items/{{id}}'],
    ['{{secret:A}}:{{secret:B}}@{{host}}', '***:***@{{host}}'],
    ['{{secret:lower}}', '{{secret:lower}}'],
  ];
  for (const [template, shown] of cases) {
    it(`shows ${template} as ${shown}`, () => {
      assert.equal(renderForDisplay(template), shown);
    });
  }
});

describe('secretNamesOfCheck', () => {
  const alertPolicy: AlertPolicy = { failingLocations: 1, failingPeriods: 1, evaluationPeriods: 1 };
  const base = {
    id: 'c',
    name: 'c',
    intervalMs: 60_000,
    timeoutMs: 10_000,
    retries: 1,
    regions: ['us-east-1'],
    tags: [],
    severity: 'high',
    alertPolicy,
    degradedAfterMs: null,
    allowPrivateTargets: false,
    sloPercent: 99.9,
  } as const;
  const step = (overrides: Partial<HttpStep>): HttpStep => ({
    name: 'step',
    url: 'https://example.com/',
    method: 'GET',
    headers: {},
    body: null,
    expectStatus: [{ from: 200, to: 399 }],
    assertions: [],
    extract: [],
    ...overrides,
  });
  const http = (steps: HttpStep[]): Check => ({
    ...base,
    type: 'http',
    steps,
    followRedirects: true,
    maxRedirects: 5,
    maxBodyBytes: 1_048_576,
    insecure: false,
  });

  const cases: readonly [string, Check, string[]][] = [
    ['finds none in a plain check', http([step({})]), []],
    [
      'finds secrets in urls, header values and bodies of every step, sorted and unique',
      http([
        step({ url: 'https://example.com/?k={{secret:ZETA}}', headers: { authorization: 'Bearer {{secret:TOKEN}}' } }),
        step({
          url: 'https://example.com/{{id}}',
          headers: { 'x-a': '{{secret:ALPHA}}', 'x-b': '{{secret:TOKEN}}' },
          body: '{"password":"{{secret:PASSWORD}}"}',
        }),
      ]),
      ['ALPHA', 'PASSWORD', 'TOKEN', 'ZETA'],
    ],
    [
      'finds secrets in a tcp payload',
      { ...base, type: 'tcp', host: 'example.com', port: 25, send: 'AUTH {{secret:SMTP_PASS}}\r\n', expect: null },
      ['SMTP_PASS'],
    ],
    [
      'finds none in a tcp check that sends nothing',
      { ...base, type: 'tcp', host: 'example.com', port: 25, send: null, expect: { contains: '{{secret:X}}' } },
      [],
    ],
    [
      'finds none in a tls check',
      {
        ...base,
        type: 'tls',
        host: 'example.com',
        port: 443,
        minDaysRemaining: 14,
        requireTrustedChain: true,
        requireHostnameMatch: true,
      },
      [],
    ],
  ];
  for (const [name, check, names] of cases) {
    it(name, () => {
      assert.deepEqual(secretNamesOfCheck(check), names);
    });
  }
});
