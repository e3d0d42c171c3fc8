import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  HISTOGRAM_BUCKET_RATIO,
  HISTOGRAM_CAP_MS,
  HISTOGRAM_LAST_BUCKET,
  bucketIndex,
  bucketLowerMs,
  bucketRepresentativeMs,
  bucketUpperMs,
  histogramCount,
  histogramOf,
  histogramQuantile,
  mergeHistograms,
} from '../../lambdas/core/histogram.ts';

/** Exact nearest-rank quantile: the ceil(q·N)-th smallest value (the smallest for q = 0). */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

describe('bucketIndex', () => {
  const cases: [ms: number, bucket: number][] = [
    [0, 0],
    [-5, 0],
    [0.3, 0],
    [1, 0],
    [1.0001, 1],
    [HISTOGRAM_BUCKET_RATIO, 1],
    [HISTOGRAM_BUCKET_RATIO + 1e-9, 2],
    [2, 4],
    [2.0001, 5],
    [4, 8],
    [100, 27], // 2^(26/4) ≈ 90.5 < 100 ≤ 2^(27/4) ≈ 107.6
    [1000, 40], // 2^(39/4) ≈ 861 < 1000 ≤ 2^10 = 1024
    [1024, 40],
    [10_000, 54],
    [HISTOGRAM_CAP_MS, HISTOGRAM_LAST_BUCKET],
    [3_600_000, HISTOGRAM_LAST_BUCKET],
    [Number.POSITIVE_INFINITY, HISTOGRAM_LAST_BUCKET],
  ];
  for (const [ms, bucket] of cases) {
    it(`puts ${ms} ms in bucket ${bucket}`, () => assert.equal(bucketIndex(ms), bucket));
  }

  it('rejects NaN', () => assert.throws(() => bucketIndex(Number.NaN), RangeError));

  it('puts every exact bucket bound in the bucket it closes', () => {
    for (let i = 1; i < HISTOGRAM_LAST_BUCKET; i++) {
      assert.equal(bucketIndex(bucketUpperMs(i)), i, `bound of bucket ${i}`);
      assert.equal(bucketIndex(bucketUpperMs(i) * (1 + 1e-12)), i + 1, `just above bucket ${i}`);
    }
  });

  it('keeps every latency inside its bucket bounds', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (ms) => {
        const i = bucketIndex(ms);
        return (i === 0 ? ms >= 0 : ms > bucketLowerMs(i)) && ms <= bucketUpperMs(i);
      }),
    );
  });
});

describe('bucket bounds', () => {
  it('has a last bucket that holds 300 s and everything above', () => {
    assert.equal(HISTOGRAM_LAST_BUCKET, 73);
    assert.ok(bucketLowerMs(HISTOGRAM_LAST_BUCKET) < HISTOGRAM_CAP_MS);
    assert.equal(bucketUpperMs(HISTOGRAM_LAST_BUCKET), Number.POSITIVE_INFINITY);
  });

  it('makes each bucket about 19% wider than the previous', () => {
    assert.ok(Math.abs(bucketUpperMs(10) / bucketUpperMs(9) - 1.1892) < 1e-4);
  });

  it('represents a bucket by the geometric middle of its bounds', () => {
    assert.equal(bucketRepresentativeMs(0), 0.5);
    assert.ok(Math.abs(bucketRepresentativeMs(40) - Math.sqrt(bucketLowerMs(40) * bucketUpperMs(40))) < 1e-9);
  });

  it('rejects bucket indexes out of range', () => {
    assert.throws(() => bucketUpperMs(-1), RangeError);
    assert.throws(() => bucketUpperMs(HISTOGRAM_LAST_BUCKET + 1), RangeError);
    assert.throws(() => bucketUpperMs(1.5), RangeError);
  });
});

describe('mergeHistograms', () => {
  it('adds counts bucket by bucket', () => {
    assert.deepEqual(mergeHistograms({ 1: 2, 40: 1 }, { 40: 3, 50: 1 }, {}), { 1: 2, 40: 4, 50: 1 });
  });

  it('gives the histogram of all values together', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 400_000, noNaN: true })), fc.array(fc.double({ min: 0, max: 400_000, noNaN: true })), (a, b) => {
        assert.deepEqual(mergeHistograms(histogramOf(a), histogramOf(b)), histogramOf([...a, ...b]));
      }),
    );
  });

  it('leaves out empty buckets', () => {
    assert.deepEqual(mergeHistograms({ 3: 0, 4: 1 }), { 4: 1 });
  });
});

describe('histogramCount', () => {
  it('counts every latency', () => {
    assert.equal(histogramCount({}), 0);
    assert.equal(histogramCount(histogramOf([1, 2, 3, 500, 1e6])), 5);
  });
});

describe('histogramQuantile', () => {
  it('returns null for an empty histogram', () => assert.equal(histogramQuantile({}, 0.5), null));

  it('rejects q outside 0..1', () => {
    assert.throws(() => histogramQuantile({ 1: 1 }, 1.5), RangeError);
    assert.throws(() => histogramQuantile({ 1: 1 }, Number.NaN), RangeError);
  });

  const table: [name: string, values: number[], q: number, expected: number][] = [
    ['the only bucket', [100, 100, 100], 0.5, bucketRepresentativeMs(27)],
    ['the smallest for q = 0', [10, 100, 1000], 0, bucketRepresentativeMs(bucketIndex(10))],
    ['the largest for q = 1', [10, 100, 1000], 1, bucketRepresentativeMs(40)],
    ['the median by nearest rank', [10, 100, 1000, 1000], 0.5, bucketRepresentativeMs(27)],
    ['p95 of 19 fast and 1 slow', [...Array<number>(19).fill(50), 5000], 0.95, bucketRepresentativeMs(bucketIndex(50))],
    ['p99 of 19 fast and 1 slow', [...Array<number>(19).fill(50), 5000], 0.99, bucketRepresentativeMs(bucketIndex(5000))],
  ];
  for (const [name, values, q, expected] of table) {
    it(`returns ${name}`, () => assert.equal(histogramQuantile(histogramOf(values), q), expected));
  }

  it('stays within 10% of the exact quantile on random latencies', () => {
    const latency = fc.oneof(
      // Bucket 0 ([0, 1] ms) is coarse on purpose; the accuracy claim is for (1 ms, 262 s].
      fc.double({ min: 1, minExcluded: true, max: 250_000, noNaN: true }),
      // Log-uniform, like real latencies: most mass at tens to hundreds of ms.
      fc.double({ min: 0.001, max: Math.log2(250_000), noNaN: true }).map((e) => 2 ** e),
    );
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, q) => {
        const exact = exactQuantile(values, q);
        const estimate = histogramQuantile(histogramOf(values), q);
        assert.ok(estimate !== null);
        const relativeError = Math.abs(estimate - exact) / exact;
        assert.ok(relativeError <= 0.1, `q=${q}: estimate ${estimate} vs exact ${exact} (${(relativeError * 100).toFixed(2)}%)`);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps quantiles of merged histograms as accurate as of the raw values', () => {
    const values = Array.from({ length: 2000 }, (_, i) => 20 + ((i * 7919) % 1000) * 1.7);
    const parts = [values.slice(0, 500), values.slice(500, 1200), values.slice(1200)].map(histogramOf);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const estimate = histogramQuantile(mergeHistograms(...parts), q) as number;
      const exact = exactQuantile(values, q);
      assert.ok(Math.abs(estimate - exact) / exact <= 0.1, `q=${q}: ${estimate} vs ${exact}`);
    }
  });
});
