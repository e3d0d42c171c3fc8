/**
 * A small driver to profile the engine on the bench's throughput path: the same loopback target
 * as bench/probe.ts (nginx, or the Node fallback), a fresh connection per check, in this process.
 *
 *   node --cpu-prof --cpu-prof-dir=bench/out/profile --import tsx bench/profile-driver.ts [checks] [concurrency] [--no-source-maps]
 *   node --import tsx bench/profile-summary.ts bench/out/profile/<file>.0.001.cpuprofile
 *
 * The target runs in a child process, so the profile is the engine's (plus tsx start-up).
 * tsx turns source maps on (as it does for bin/skyprobe.mjs); --no-source-maps turns them off
 * again, to see what they cost: with them on, every Error the engine or undici creates has its
 * stack mapped through tsx's loader thread.
 */
import { performance } from 'node:perf_hooks';
import type { Check } from '../lambdas/core/check.ts';
import { createProbeContext } from '../lambdas/engine/context.ts';
import { runBatch } from '../lambdas/engine/run-check.ts';
import { stopAll } from './lib.ts';
import { httpCheck, startTarget } from './probe.ts';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const total = Number(positional[0] ?? 20_000);
const concurrency = Number(positional[1] ?? 64);
const sourceMaps = !process.argv.includes('--no-source-maps');
if (!sourceMaps) process.setSourceMapsEnabled(false);
const target = await startTarget();
try {
  const ctx = createProbeContext({ location: 'bench', allowPrivateTargets: true });
  const check = httpCheck(target.url);
  await runBatch(Array<Check>(2000).fill(check), ctx, { concurrency }); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await runBatch(Array<Check>(total).fill(check), ctx, { concurrency });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const ok = results.filter((r) => r.ok).length;
  console.log(`${target.kind}, c=${concurrency}, source maps ${sourceMaps ? 'on' : 'off'}: ${ok}/${total} ok, ${((total / ms) * 1000).toFixed(0)} checks/s, ${(((cpu.user + cpu.system) / 1e6 / total) * 1000).toFixed(3)} CPU s/1k (user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s)`);
} finally {
  await target.child.stop();
  target.cleanup();
  await stopAll();
}
