/**
 * The local runner under load: 1,000 http checks at a 10 s interval against a loopback target for 70 s
 * (10 s warm-up, 60 s measured), in a child process so its CPU and RSS are its own. Goal: schedule lag p99
 * under 250 ms and no missed runs.
 */
import { announce, log, runTsChild, spawnChild, tsNodeArgs, waitForLine } from './lib.ts';
import type { BenchFigure } from './types.ts';

interface ChildReport {
  checks: number;
  measuredSeconds: number;
  runs: number;
  expectedRuns: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  missed: number;
  cpuPercent: number;
  rssPeakMB: number;
  resultsPerSec: number;
  pendingAtEnd: number;
  stopMs: number;
  storeCapacityPerSec: number;
}

const CHECKS = 1000;
const SECONDS = 70;
const WARMUP = 10;

export async function run(): Promise<BenchFigure[]> {
  const target = spawnChild('target', process.execPath, [...tsNodeArgs('target-server.ts', []), 'ok']);
  try {
    const port = Number((await waitForLine(target, /^READY (\d+)/, 20_000))[1]);
    log(`runner: ${CHECKS} checks every 10 s against 127.0.0.1:${port} for ${SECONDS} s (first ${WARMUP} s not measured)`);
    const r = await runTsChild<ChildReport>('runner', 'runner-child.ts', [String(port), String(CHECKS), String(SECONDS), String(WARMUP)], (SECONDS + 60) * 1000);
    const section = 'runner';
    return [
      announce({ section, name: 'schedule lag p50', value: r.lagP50, unit: 'ms', note: `${r.runs} runs in ${r.measuredSeconds.toFixed(0)} s` }),
      announce({ section, name: 'schedule lag p99', value: r.lagP99, unit: 'ms', goal: '< 250 ms', pass: r.lagP99 < 250 }),
      announce({ section, name: 'schedule lag max', value: r.lagMax, unit: 'ms' }),
      announce({ section, name: 'missed runs', value: r.missed, unit: 'runs', goal: '0', pass: r.missed === 0 }),
      announce({ section, name: 'runs / expected', value: r.expectedRuns > 0 ? (r.runs / r.expectedRuns) * 100 : null, unit: '%' }),
      announce({ section, name: 'runner CPU', value: r.cpuPercent, unit: '% of a core', note: '1,000 checks / 10 s' }),
      announce({ section, name: 'runner peak RSS', value: r.rssPeakMB, unit: 'MB' }),
      announce({ section, name: 'results stored', value: r.resultsPerSec, unit: 'results/s', note: 'steady state' }),
      announce({ section, name: 'store write capacity', value: r.storeCapacityPerSec, unit: 'results/s', note: 'embedded store, batches of 50' }),
      announce({ section, name: 'pending writes after stop', value: r.pendingAtEnd, unit: 'items', goal: '0', pass: r.pendingAtEnd === 0 }),
      announce({ section, name: 'graceful stop', value: r.stopMs, unit: 'ms' }),
    ];
  } finally {
    await target.stop();
  }
}
