/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof`): top functions by self time, and self
 * time by where the code lives (engine, undici, node internals, GC, ...).
 *
 *   node --import tsx bench/profile-summary.ts [--top N] <file.cpuprofile>...
 *
 * With tsx, --cpu-prof also writes a profile for the loader's hooks thread (`*.1.002.cpuprofile`);
 * the main thread's is `*.0.001.cpuprofile`.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const l = url.indexOf('/lambdas/');
  if (l >= 0) return url.slice(l + 1);
  const b = url.indexOf('/bench/');
  if (b >= 0) return url.slice(b + 1);
  return url.replace(/^file:\/\//, '');
}

function area(cf: CallFrame): string {
  const u = cf.url;
  if (!u) {
    if (cf.functionName === '(garbage collector)') return 'GC';
    if (cf.functionName === '(idle)') return 'idle (waiting for I/O)';
    if (cf.functionName === '(program)') return 'V8/native (program)';
    return `native: ${cf.functionName || '(anonymous)'}`;
  }
  if (u.startsWith('node:')) return `node internals (${u.replace(/^node:(internal\/)?/, '').split('/')[0]})`;
  if (u.includes('/node_modules/undici/')) return 'undici';
  if (u.includes('/node_modules/tsx/') || u.includes('/node_modules/esbuild/')) return 'tsx loader';
  if (u.includes('/lambdas/engine/')) return 'engine (lambdas/engine)';
  if (u.includes('/lambdas/core/')) return 'core (lambdas/core)';
  if (u.includes('/bench/')) return 'bench driver';
  return shortUrl(u);
}

function summarise(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time: each sample's duration is charged to the node on top of the stack.
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const dt = profile.timeDeltas[i + 1] ?? 0; // delta i+1 is how long sample i lasted
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    const key = `${cf.functionName || '(anonymous)'}  ${shortUrl(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const a = area(cf);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
  }
  const idle = byArea.get('idle (waiting for I/O)') ?? 0;
  const busy = totalUs - idle;
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
  console.log(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled, ${(idle / 1e6).toFixed(2)} s idle; percentages are of the busy (non-idle) time`);
  console.log(`\ntop ${top} functions by self time:`);
  for (const [k, us] of [...byFunction].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)} ${ms(us)}  ${k}`);
  console.log('\nself time by area:');
  for (const [k, us] of [...byArea].filter(([k]) => !k.startsWith('idle')).sort((a, b) => b[1] - a[1]).slice(0, 16)) console.log(`  ${pct(us)} ${ms(us)}  ${k}`);
  console.log('');
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 10;
if (args.length === 0 || !Number.isInteger(top)) {
  console.error('usage: profile-summary.ts [--top N] <file.cpuprofile>...');
  process.exit(2);
}
for (const file of args) summarise(file, top);
