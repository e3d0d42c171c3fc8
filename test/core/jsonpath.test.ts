import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonPath, queryJsonPath } from '../../lambdas/core/jsonpath.ts';

describe('parseJsonPath', () => {
  const valid: readonly [string, readonly (string | number)[]][] = [
    ['$', []],
    ['$.a.b', ['a', 'b']],
    ['$.items[0].id', ['items', 0, 'id']],
    ['$.a[-1]', ['a', -1]],
    ['$.a[-0]', ['a', 0]],
    ["$['key with.dots']", ['key with.dots']],
    ['$["k"]', ['k']],
    ["$['it\\'s']", ["it's"]],
    ['$["a]b"][2]["c"]', ['a]b', 2, 'c']],
    ['$.length', ['length']],
    ['$.snake_case.kebab-case.$ref', ['snake_case', 'kebab-case', '$ref']],
    ['$.café', ['café']],
    ['$[0][1]', [0, 1]],
  ];
  for (const [path, segments] of valid) {
    it(`parses ${path}`, () => {
      assert.deepEqual(parseJsonPath(path), { ok: true, segments });
    });
  }

  const invalid: readonly [string, RegExp][] = [
    ['', /must start with "\$"/],
    ['a.b', /must start with "\$"/],
    ['$.', /expected a key after "\." at position 1/],
    ['$..a', /recursive descent/],
    ['$.a.*', /wildcards are not supported/],
    ['$.a[*]', /wildcards are not supported/],
    ['$.a[', /unclosed "\["/],
    ['$.a[x]', /integer index or a quoted key/],
    ['$.a[1.5]', /integer index/],
    ['$.a[01]', /integer index/],
    ['$.a[ 1 ]', /integer index/],
    ["$['abc", /unterminated quoted key/],
    ["$['a'x]", /expected "\]" at position 5/],
    ['$a', /unexpected "a" at position 1/],
    ['$.a b', /unexpected " " at position 3/],
    ['$.a]', /unexpected "\]"/],
    ['$[99999999999999999999]', /too large/],
  ];
  for (const [path, error] of invalid) {
    it(`rejects ${JSON.stringify(path)}`, () => {
      const parsed = parseJsonPath(path);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, error);
    });
  }
});

describe('queryJsonPath', () => {
  const doc = {
    status: 'ok',
    count: 0,
    nothing: null,
    flag: false,
    items: [{ id: 41 }, { id: 42 }, { id: 43 }],
    'key with.dots': 'dotted',
    nested: { length: 7, deeper: { list: [[1, 2], [3, 4]] } },
  };
  const found: readonly [string, unknown][] = [
    ['$', doc],
    ['$.status', 'ok'],
    ['$.count', 0],
    ['$.nothing', null],
    ['$.flag', false],
    ['$.items[1].id', 42],
    ['$.items[-1].id', 43],
    ['$.items[-3].id', 41],
    ["$['key with.dots']", 'dotted'],
    ['$.nested.length', 7],
    ['$.nested.deeper.list[1][0]', 3],
    ['$.nested.deeper.list[-1][-1]', 4],
  ];
  for (const [path, value] of found) {
    it(`finds ${path}`, () => {
      assert.deepEqual(queryJsonPath(doc, path), { found: true, value });
    });
  }

  const missing: readonly [string, string][] = [
    ['$.token', 'an absent key'],
    ['$.items[3]', 'an index past the end'],
    ['$.items[-4]', 'a negative index before the start'],
    ['$.items.length', 'length of an array (keys only read objects)'],
    ['$.items.0', 'a dotted number on an array'],
    ['$.status[0]', 'an index into a string'],
    ['$.status.length', 'a key of a string'],
    ['$.nothing.x', 'a key of null'],
    ['$.nested[0]', 'an index into an object'],
    ['$.constructor', 'an inherited property'],
    ['$.toString', 'an inherited method'],
    ['$.__proto__', 'the prototype'],
    ['$..status', 'an invalid path'],
  ];
  for (const [path, why] of missing) {
    it(`does not find ${path} (${why})`, () => {
      assert.deepEqual(queryJsonPath(doc, path), { found: false });
    });
  }

  it('reads a top-level array and scalar documents', () => {
    assert.deepEqual(queryJsonPath([1, 2, 3], '$[-1]'), { found: true, value: 3 });
    assert.deepEqual(queryJsonPath('text', '$'), { found: true, value: 'text' });
    assert.deepEqual(queryJsonPath(null, '$.a'), { found: false });
  });

  it('reads an own "__proto__" key parsed from JSON', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"x": 1}}');
    assert.deepEqual(queryJsonPath(parsed, "$['__proto__'].x"), { found: true, value: 1 });
  });
});
