/**
 * Latency histograms with fixed log-scale buckets. Every histogram uses the
 * same bucket boundaries, so histograms from different hours and locations
 * merge by adding counts, and quantiles of the merged histogram are as good
 * as quantiles of each part.
 *
 * Bucket 0 holds [0, 1] ms. Bucket i ≥ 1 holds (B^(i-1), B^i] ms with
 * B = 2^(1/4), so each bucket is ~19% wide. The last bucket,
 * `HISTOGRAM_LAST_BUCKET`, is open-ended: it holds everything above
 * B^(last-1) ≈ 262 s, which includes every run of 300 s and more.
 */

/** Buckets per doubling of latency. */
const BUCKETS_PER_DOUBLING = 4;

/** B: the ratio between one bucket's upper bound and the previous one's. */
export const HISTOGRAM_BUCKET_RATIO = 2 ** (1 / BUCKETS_PER_DOUBLING);

/** Latencies at or above this land in the last, open-ended bucket. */
export const HISTOGRAM_CAP_MS = 300_000;

/** Index of the last bucket: the one whose range (B^(i-1), B^i] holds HISTOGRAM_CAP_MS. */
export const HISTOGRAM_LAST_BUCKET = Math.ceil(BUCKETS_PER_DOUBLING * Math.log2(HISTOGRAM_CAP_MS));

/** What bucket 0 ([0, 1] ms) reports as its value. */
const BUCKET_ZERO_REPRESENTATIVE_MS = 0.5;

/** Sparse bucket counts: bucket index → number of runs. Missing buckets count 0. */
export type Histogram = Readonly<Record<number, number>>;

function boundMs(i: number): number {
  return 2 ** (i / BUCKETS_PER_DOUBLING);
}

/** The bucket a latency falls in. Negative values (clock steps) count as 0 ms. */
export function bucketIndex(ms: number): number {
  if (Number.isNaN(ms)) throw new RangeError(`latency must be a number, got ${ms}`);
  if (ms <= 1) return 0;
  if (ms > boundMs(HISTOGRAM_LAST_BUCKET - 1)) return HISTOGRAM_LAST_BUCKET;
  let i = Math.ceil(BUCKETS_PER_DOUBLING * Math.log2(ms));
  // log2 may round across a boundary; the bounds themselves decide.
  if (ms > boundMs(i)) i += 1;
  else if (i > 1 && ms <= boundMs(i - 1)) i -= 1;
  return i;
}

/** Upper bound (inclusive) of bucket i in ms; Infinity for the last bucket. */
export function bucketUpperMs(i: number): number {
  assertBucket(i);
  if (i === HISTOGRAM_LAST_BUCKET) return Number.POSITIVE_INFINITY;
  return boundMs(i);
}

/** Lower bound (exclusive, except bucket 0 which starts at 0 inclusive) of bucket i in ms. */
export function bucketLowerMs(i: number): number {
  assertBucket(i);
  return i === 0 ? 0 : boundMs(i - 1);
}

/**
 * The value a bucket stands for: the geometric middle B^(i-1/2) of its bounds,
 * so any latency in the bucket is within 2^(1/8) - 1 ≈ 9.1% of it. Bucket 0
 * ([0, 1] ms) stands for 0.5 ms. The open-ended last bucket stands for the
 * middle of (B^(last-1), B^last] ≈ 286 s; probe deadlines keep real runs far below.
 */
export function bucketRepresentativeMs(i: number): number {
  assertBucket(i);
  if (i === 0) return BUCKET_ZERO_REPRESENTATIVE_MS;
  return boundMs(i - 0.5);
}

function assertBucket(i: number): void {
  if (!Number.isInteger(i) || i < 0 || i > HISTOGRAM_LAST_BUCKET) {
    throw new RangeError(`bucket index must be an integer from 0 to ${HISTOGRAM_LAST_BUCKET}, got ${i}`);
  }
}

/** A histogram of the given latencies. */
export function histogramOf(latenciesMs: readonly number[]): Histogram {
  const counts: Record<number, number> = {};
  for (const ms of latenciesMs) {
    const i = bucketIndex(ms);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/** Sum of histograms: the histogram of all their latencies together. */
export function mergeHistograms(...histograms: readonly Histogram[]): Histogram {
  // A dense accumulator and for-in: reports merge hundreds of thousands of hourly histograms, and the
  // arrays Object.entries would allocate for each are most of that time.
  const dense = new Float64Array(HISTOGRAM_LAST_BUCKET + 1);
  for (const h of histograms) {
    for (const key in h) {
      const count = h[key as unknown as number] as number;
      const i = Number(key);
      if (count !== 0 && i >= 0 && i < dense.length) dense[i] = (dense[i] as number) + count;
    }
  }
  const counts: Record<number, number> = {};
  for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) counts[i] = dense[i] as number;
  return counts;
}

/** Number of latencies in the histogram. */
export function histogramCount(h: Histogram): number {
  let total = 0;
  for (const count of Object.values(h)) total += count;
  return total;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) by nearest rank: the representative value of the
 * bucket holding the ceil(q·N)-th smallest latency (the smallest for q = 0).
 * Within ~9.1% of the exact nearest-rank quantile for latencies in 1 ms…262 s.
 * Null for an empty histogram.
 */
export function histogramQuantile(h: Histogram, q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be between 0 and 1, got ${q}`);
  const total = histogramCount(h);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  const buckets = Object.entries(h)
    .map(([key, count]) => [Number(key), count] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  let seen = 0;
  for (const [i, count] of buckets) {
    seen += count;
    if (seen >= rank) return bucketRepresentativeMs(i);
  }
  // Unreachable: rank ≤ total.
  return bucketRepresentativeMs((buckets[buckets.length - 1] as readonly [number, number])[0]);
}
