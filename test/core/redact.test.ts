import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor, redactDeep } from '../../lambdas/core/redact.ts';

// Node's Buffer builds the expected encodings independently of the module under test.
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

describe('createRedactor', () => {
  const secret = 'p@ss w/rd+1';
  const cases: readonly [string, readonly string[], string, string][] = [
    ['replaces a plain value', ['hunter22'], 'password is hunter22.', 'password is ***.'],
    ['replaces every occurrence', ['hunter22'], 'hunter22hunter22 x hunter22', '****** x ***'],
    ['replaces a URL-encoded value', [secret], `?key=${encodeURIComponent(secret)}&a=1`, '?key=***&a=1'],
    ['replaces a form-encoded value', [secret], `key=${new URLSearchParams({ k: secret }).toString().slice(2)}`, 'key=***'],
    [
      'replaces a URL-encoded value with lowercase hex',
      [secret],
      `?key=${encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())}`,
      '?key=***',
    ],
    ['replaces a base64 value', ['user:hunter22'], `Authorization: Basic ${b64('user:hunter22')}`, 'Authorization: Basic ***'],
    ['replaces a base64url value', ['hunter22!?>'], `token=${b64url('hunter22!?>')}`, 'token=***'],
    ['replaces a JSON-escaped value', ['a"b\\c'], JSON.stringify({ pw: 'a"b\\c' }), '{"pw":"***"}'],
    ['replaces a multibyte value', ['pässwörd'], 'x pässwörd y', 'x *** y'],
    ['prefers the longest overlapping secret', ['abcd', 'abcdefgh'], 'abcdefgh', '***'],
    ['redacts a short secret everywhere, however widely', ['ab'], 'tab cab', 't*** c***'],
    ['ignores empty secrets', ['', 'hunter22'], 'hunter22 and more', '*** and more'],
    ['treats regex characters in secrets literally', ['a.c+(x)'], 'abc a.c+(x)', 'abc ***'],
    ['does not re-redact inserted masks', ['**', '***'], 'a**b', 'a***b'],
    ['leaves text without secrets unchanged', ['hunter22'], 'nothing here', 'nothing here'],
    ['returns text unchanged with no secrets', [], 'hunter22', 'hunter22'],
  ];
  for (const [name, secrets, text, expected] of cases) {
    it(name, () => {
      assert.equal(createRedactor(secrets)(text), expected);
    });
  }

  // The password inside a Basic auth header encodes differently at each byte offset modulo 3.
  for (const user of ['u', 'us', 'use', 'user']) {
    it(`hides a password inside Basic auth for user "${user}" (offset ${(user.length + 1) % 3})`, () => {
      const password = 'correct-horse-battery';
      const header = `Basic ${b64(`${user}:${password}`)}`;
      const redacted = createRedactor([password])(header);
      assert.match(redacted, /\*\*\*/);
      // What is left can carry at most the bits of the user name and two partial characters.
      const left = redacted.replace('Basic ', '').replace('***', '');
      assert.ok(left.length <= Math.ceil(((user.length + 1) * 8) / 6) + 4, `left ${left}`);
      assert.doesNotMatch(Buffer.from(left, 'base64').toString('latin1'), /horse/);
    });
  }
});

describe('redactDeep', () => {
  const redact = createRedactor(['hunter22']);

  it('redacts strings at every depth and keeps other values', () => {
    const input = {
      message: 'got hunter22',
      n: 3,
      ok: false,
      nothing: null,
      missing: undefined,
      list: ['hunter22', 1, [{ deep: 'x hunter22 x' }]],
    };
    assert.deepEqual(redactDeep(input, redact), {
      message: 'got ***',
      n: 3,
      ok: false,
      nothing: null,
      missing: undefined,
      list: ['***', 1, [{ deep: 'x *** x' }]],
    });
  });

  it('does not mutate its input', () => {
    const input = { a: ['hunter22'], b: { c: 'hunter22' } };
    const snapshot = structuredClone(input);
    const output = redactDeep(input, redact);
    assert.deepEqual(input, snapshot);
    assert.notEqual(output, input);
    assert.notEqual(output.a, input.a);
  });

  it('keeps object keys as they are', () => {
    assert.deepEqual(redactDeep({ hunter22: 'hunter22' }, redact), { hunter22: '***' });
  });

  it('keeps a "__proto__" key an ordinary key', () => {
    const input: unknown = JSON.parse('{"__proto__": {"x": "hunter22"}}');
    const output = redactDeep(input, redact) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(output), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(output, '__proto__')?.value, { x: '***' });
  });

  const scalars: readonly unknown[] = ['hunter22', 42, null, undefined, true];
  for (const scalar of scalars) {
    it(`handles a top-level ${JSON.stringify(scalar) ?? 'undefined'}`, () => {
      assert.equal(redactDeep(scalar, redact), scalar === 'hunter22' ? '***' : scalar);
    });
  }

  it('returns non-plain objects unchanged', () => {
    const when = new Date(0);
    assert.equal(redactDeep({ when }, redact).when, when);
  });

  it('copies circular structures without looping', () => {
    const input: { name: string; self?: unknown } = { name: 'hunter22' };
    input.self = input;
    const output = redactDeep(input, redact);
    assert.equal(output.name, '***');
    assert.equal(output.self, output);
  });
});
