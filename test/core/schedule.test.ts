import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shardOf } from '../../lambdas/core/deployment.ts';
import { stableHash } from '../../lambdas/core/schedule.ts';

describe('stableHash', () => {
  it('is stable for the same text', () => {
    assert.equal(stableHash('storefront'), stableHash('storefront'));
    assert.notEqual(stableHash('storefront'), stableHash('storefronu'));
  });

  it('splits ids that differ in one character over two shards (plain FNV-1a does not)', () => {
    // a1, b2, c3 ... have characters whose low bits XOR to the same value.
    const ids = ['a1', 'b2', 'c3', 'd4', 'e5', 'f6', 'g7', 'h8', 'i9', 'j0', 'k1', 'l2'];
    const shards = new Set(ids.map((id) => shardOf(id, 2)));
    assert.equal(shards.size, 2);
  });

  it('balances 10,000 ids over 4 shards within 5%', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[shardOf(`check-${i}`, 4)]! += 1;
    for (const c of counts) assert.ok(Math.abs(c - 2500) < 125, `unbalanced: ${counts.join(',')}`);
  });
});
