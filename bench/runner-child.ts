/**
 * Child process for the runner bench: a real LocalRunner (embedded DynamoDB on disk, scheduler, alert policy,
 * dashboard) with N http checks at a 10 s interval against a loopback target, for a fixed time. Prints one JSON
 * line with what it measured about itself: schedule lag, missed runs, CPU, RSS, writes.
 *
 *   node --import tsx bench/runner-child.ts <targetPort> <checks> <seconds> <warmupSeconds>
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../lambdas/cli/load-config.ts';
import { LocalRunner } from '../lambdas/local/runner.ts';
import { startEmbeddedDynamo } from '../lambdas/local/embedded-dynamo.ts';
import { DynamoResultsStore, ensureTable } from '../lambdas/store/dynamo-store.ts';
import { systemClock } from '../lambdas/engine/context.ts';
import type { ProbeResult } from '../lambdas/core/result.ts';

const [portArg, checksArg, secondsArg, warmupArg] = process.argv.slice(2);
const targetPort = Number(portArg);
const checks = Number(checksArg ?? 1000);
const seconds = Number(secondsArg ?? 70);
const warmup = Number(warmupArg ?? 10);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'skyprobe-bench-runner-'));
try {
  const configFile = join(dir, 'monitors.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      checks: Array.from({ length: checks }, (_, i) => ({ id: `check-${i}`, type: 'http', url: `http://127.0.0.1:${targetPort}/`, interval: '10s', timeout: '5s', retries: 0 })),
    }),
  );
  const lags: number[] = [];
  let missed = 0;
  let measuring = false;
  const runner = new LocalRunner({
    configFile,
    loadConfig,
    dataDir: join(dir, 'data'),
    port: 0,
    host: '127.0.0.1',
    location: 'bench',
    env: {},
    log: () => undefined,
    watchConfig: false,
    onLag: (_id, lag) => {
      if (measuring) lags.push(lag);
    },
    onMissed: () => {
      if (measuring) missed += 1;
    },
  });
  await runner.start();
  await sleep(warmup * 1000);
  const before = runner.stats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await sleep((seconds - warmup) * 1000);
  measuring = false;
  const wallSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = runner.stats();
  const stopT0 = performance.now();
  await runner.stop();
  const stopMs = performance.now() - stopT0;
  const end = runner.stats();
  lags.sort((a, b) => a - b);

  // Store write capacity: how fast the store takes results when nothing else runs (batches of 50).
  const db = await startEmbeddedDynamo({ path: join(dir, 'capacity') });
  await ensureTable(db.client, 'capacity');
  const store = new DynamoResultsStore({ client: db.client, tableName: 'capacity', clock: systemClock });
  const base = Date.now();
  const results: ProbeResult[] = Array.from({ length: 5000 }, (_, i) => ({
    checkId: `check-${i % 500}`,
    type: 'http',
    location: 'bench',
    startedAt: new Date(base + i * 10).toISOString(),
    ok: i % 20 !== 0,
    status: i % 20 !== 0 ? 'up' : 'down',
    error: i % 20 !== 0 ? null : { kind: 'http_status', message: 'expected status 200-399, got 503' },
    timings: { dnsMs: null, connectMs: 0.4, tlsMs: null, ttfbMs: 1.2, downloadMs: 0.1, totalMs: 1.9 },
    httpStatus: i % 20 !== 0 ? 200 : 503,
    address: '127.0.0.1:80',
    target: 'http://127.0.0.1/',
    assertions: [],
    attempts: 1,
  }));
  const w0 = performance.now();
  for (let i = 0; i < results.length; i += 50) await store.recordResults(results.slice(i, i + 50));
  const capacityPerSec = results.length / ((performance.now() - w0) / 1000);
  await db.close();

  console.log(
    JSON.stringify({
      checks,
      measuredSeconds: wallSec,
      runs: after.started - before.started,
      expectedRuns: Math.round((checks * wallSec) / 10),
      lagP50: pct(lags, 50),
      lagP99: pct(lags, 99),
      lagMax: lags[lags.length - 1] ?? 0,
      missed,
      cpuPercent: ((cpu.user + cpu.system) / 1e6 / wallSec) * 100,
      rssPeakMB: process.resourceUsage().maxRSS / 1024,
      resultsPerSec: (after.resultsWritten - before.resultsWritten) / wallSec,
      pendingAtEnd: end.pendingWrites,
      stopMs,
      storeCapacityPerSec: capacityPerSec,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
