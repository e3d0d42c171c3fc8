import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusRange } from '../../lambdas/core/check.ts';
import { describeStatusRanges, statusMatches } from '../../lambdas/core/status.ts';

const r = (from: number, to = from): StatusRange => ({ from, to });

describe('statusMatches', () => {
  const cases: readonly [string, number, readonly StatusRange[], boolean][] = [
    ['matches a single code', 200, [r(200)], true],
    ['fails a different single code', 201, [r(200)], false],
    ['matches the lower bound', 200, [r(200, 299)], true],
    ['matches the upper bound', 299, [r(200, 299)], true],
    ['fails just above the range', 300, [r(200, 299)], false],
    ['fails just below the range', 199, [r(200, 299)], false],
    ['matches the second of several ranges', 302, [r(200), r(204), r(300, 399)], true],
    ['fails between ranges', 250, [r(200), r(300, 399)], false],
    ['fails with no ranges', 200, [], false],
  ];
  for (const [name, status, ranges, expected] of cases) {
    it(`${name} (${status})`, () => {
      assert.equal(statusMatches(status, ranges), expected);
    });
  }
});

describe('describeStatusRanges', () => {
  const cases: readonly [readonly StatusRange[], string][] = [
    [[r(200)], '200'],
    [[r(200, 299)], '200-299'],
    [[r(200), r(204)], '200 or 204'],
    [[r(200), r(204), r(300, 399)], '200, 204 or 300-399'],
    [[], 'none'],
  ];
  for (const [ranges, text] of cases) {
    it(`describes ${JSON.stringify(ranges)} as "${text}"`, () => {
      assert.equal(describeStatusRanges(ranges), text);
    });
  }
});
