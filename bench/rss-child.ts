/**
 * RSS CHILD: validates a config of N distinct HTTP checks against `url`, then runs them as one
 * batch (runBatch) and reports memory. Run in its own process so the figure is not polluted by
 * the rest of the bench.
 *
 *   node --import tsx bench/rss-child.ts '{"url":"http://127.0.0.1:PORT/","checks":10000,"concurrency":256}'
 *
 * Prints one JSON line: baseline RSS before the batch, peak RSS (getrusage maxRSS, which covers
 * the whole life of the process), ok count, timings.
 */
import { performance } from 'node:perf_hooks';
import { validateConfig } from '../lambdas/core/config/validate.ts';
import { createProbeContext } from '../lambdas/engine/context.ts';
import { runBatch } from '../lambdas/engine/run-check.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as { url: string; checks: number; concurrency: number };
const MB = 1024 * 1024;

const startRss = process.memoryUsage().rss; // node + tsx + the engine's modules, before any check exists
const t0 = performance.now();
const config = validateConfig({
  checks: Array.from({ length: opts.checks }, (_, i) => ({ id: `c${i}`, type: 'http', url: opts.url, timeout: '5s', retries: 0 })),
});
const validateMs = performance.now() - t0;
const ctx = createProbeContext({ location: 'bench', allowPrivateTargets: true });

const baselineRss = process.memoryUsage().rss;
const peakBeforeKb = process.resourceUsage().maxRSS;
const t1 = performance.now();
const results = await runBatch(config.checks, ctx, { concurrency: opts.concurrency });
const batchMs = performance.now() - t1;
const peakKb = process.resourceUsage().maxRSS;
const ok = results.filter((r) => r.ok).length;
const firstError = results.find((r) => !r.ok)?.error ?? null;

process.stdout.write(
  `${JSON.stringify({
    checks: results.length,
    ok,
    firstError,
    validateMs,
    batchMs,
    startRssMB: startRss / MB,
    baselineRssMB: baselineRss / MB,
    peakBeforeBatchMB: peakBeforeKb / 1024,
    peakRssMB: peakKb / 1024,
    finalRssMB: process.memoryUsage().rss / MB,
    heapUsedMB: process.memoryUsage().heapUsed / MB,
  })}\n`,
);
