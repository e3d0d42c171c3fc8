/**
 * `npm run bench`: runs the bench sections in order, prints each figure as it is measured, then a
 * summary table (figure, value, goal, pass/fail), and writes bench/out/results.json.
 *
 *   npm run bench                  every section
 *   npm run bench -- --only probe  some sections (comma-separated names)
 *   npm run bench -- --strict      exit 1 when a goal is missed (a section that throws always exits 1)
 *
 * To add a section: a module under bench/ exporting `async function run(): Promise<BenchFigure[]>`,
 * and one line in SECTIONS below.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, cpuSnapshot, fmt, otherLoad, sleep, stopAll } from './lib.ts';
import type { BenchFigure, BenchSection } from './types.ts';

const SECTIONS: ReadonlyArray<{ readonly name: string; readonly load: () => Promise<BenchSection> }> = [
  { name: 'probe', load: () => import('./probe.ts') },
  { name: 'runner', load: () => import('./runner.ts') },
  { name: 'bundle', load: () => import('./bundle.ts') },
  { name: 'report', load: () => import('./report.ts') },
  { name: 'cost', load: () => import('./cost.ts') },
];

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const only = argValue('--only')?.split(',').map((s) => s.trim());
const strict = process.argv.includes('--strict');
const unknown = only?.filter((n) => !SECTIONS.some((s) => s.name === n)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown section(s): ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const startedAt = new Date().toISOString();
const figures: BenchFigure[] = [];
const errors: Array<{ section: string; message: string }> = [];
const timings: Record<string, number> = {};
const machine: Record<string, unknown> = { loadavgAtStart: loadavg() };
/** Other processes using more than this share of the machine during a section make its figures suspect. */
const BUSY_WARNING = 0.1;

console.log(`skyprobe bench: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'}), ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
{
  // loadavg lags by minutes; what other processes do in the second before we start says more.
  const before = cpuSnapshot();
  await sleep(1000);
  const idle = otherLoad(before, cpuSnapshot());
  if (idle) {
    machine['otherShareBeforeStart'] = idle.share;
    if (idle.share > BUSY_WARNING) console.log(`warning: other processes are using ${(idle.share * 100).toFixed(0)}% of the machine; throughput and latency figures will be noisy`);
  }
}
for (const section of SECTIONS) {
  if (only && !only.includes(section.name)) continue;
  console.log(`\n== ${section.name} ==`);
  const t0 = performance.now();
  const cpu0 = cpuSnapshot();
  try {
    const mod = await section.load();
    figures.push(...(await mod.run()));
  } catch (err) {
    const message = (err as Error)?.stack ?? String(err);
    errors.push({ section: section.name, message });
    console.error(`  section ${section.name} failed: ${message}`);
  } finally {
    // A section must clean up after itself; this is the safety net.
    await stopAll();
    timings[section.name] = (performance.now() - t0) / 1000;
    const other = otherLoad(cpu0, cpuSnapshot());
    if (other) {
      machine[section.name] = other;
      const warn = other.share > BUSY_WARNING ? '  WARNING: the machine was shared, figures are noisy' : '';
      console.log(
        `  machine during ${section.name}: bench and its children ${fmt(other.oursCoreSeconds, 1)} core-s, other processes ${fmt(other.otherCoreSeconds, 1)} core-s ` +
          `(${(other.share * 100).toFixed(0)}% of ${fmt(other.wallCoreSeconds, 0)} core-s)${warn}`,
      );
    }
  }
}

// ---- summary ----
const rows = figures.map((f) => [
  f.section,
  f.name,
  f.value === null ? 'n/a' : `${fmt(f.value)} ${f.unit}`,
  f.goal ?? '',
  f.pass === undefined ? (f.goal ? 'n/a' : '') : f.pass ? 'PASS' : 'FAIL',
  f.note ?? '',
]);
const header = ['section', 'figure', 'value', 'goal', 'result', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: readonly string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
console.log('\n== summary ==');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
const missed = figures.filter((f) => f.pass === false);
const judged = figures.filter((f) => f.pass !== undefined);
const shared = Object.entries(machine).filter(([k, v]) => SECTIONS.some((s) => s.name === k) && (v as { share: number }).share > BUSY_WARNING);
if (shared.length > 0) console.log(`\nnote: other processes used over ${BUSY_WARNING * 100}% of the machine during ${shared.map(([k]) => k).join(', ')}: rerun on a quiet machine before trusting pass/fail`);
console.log(`\n${judged.length - missed.length} of ${judged.length} goals met${errors.length > 0 ? `; ${errors.length} section(s) failed: ${errors.map((e) => e.section).join(', ')}` : ''}`);

const outDir = join(BENCH_DIR, 'out');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, 'results.json');
writeFileSync(
  outFile,
  `${JSON.stringify(
    {
      startedAt,
      finishedAt: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? null,
      sectionSeconds: timings,
      machine,
      figures,
      errors,
    },
    null,
    2,
  )}\n`,
);
console.log(`results: ${outFile}`);
if (errors.length > 0 || (strict && missed.length > 0)) process.exitCode = 1;
