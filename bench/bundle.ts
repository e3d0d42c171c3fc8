/**
 * The probe Lambda as deployed: synthesizes the CDK app offline (real esbuild bundling), finds the probe
 * function's asset through its template, and measures the bundle (bytes, gzip bytes) and the cold-start
 * module load time (importing index.mjs in a fresh Node process, which is what Lambda's init does before the
 * first invocation; the handler creates no clients at import). Node here is 20 on x86-64; Lambda runs 22 on
 * arm64, so the load time is indicative.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { announce, log, makeTempDir, percentile, PROJECT_DIR } from './lib.ts';
import type { BenchFigure } from './types.ts';

const LOAD_RUNS = 15;

function probeAssetDir(outdir: string): string {
  for (const file of readdirSync(outdir).filter((f) => /-probe-.*\.template\.json$/.test(f))) {
    const template = JSON.parse(readFileSync(join(outdir, file), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    for (const r of Object.values(template.Resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const key = (r.Properties['Code'] as { S3Key?: unknown } | undefined)?.S3Key;
      if (typeof key === 'string') return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    }
  }
  throw new Error(`no probe function asset in ${outdir}`);
}

export async function run(): Promise<BenchFigure[]> {
  const out = makeTempDir('skyprobe-bench-synth-');
  try {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('AWS_') || k.startsWith('CDK_')) delete env[k];
    const t0 = performance.now();
    const synth = spawnSync('npx', ['cdk', 'synth', '-q', '--output', out.path], { cwd: PROJECT_DIR, env, encoding: 'utf8', timeout: 180_000 });
    if (synth.status !== 0) throw new Error(`cdk synth failed: ${synth.stderr.slice(-2000)}`);
    log(`offline synth with bundling: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const dir = probeAssetDir(out.path);
    const bundle = join(dir, 'index.mjs');
    const bytes = statSync(bundle).size;
    const gzipBytes = gzipSync(readFileSync(bundle), { level: 9 }).length;
    const mapBytes = statSync(`${bundle}.map`).size;
    const loads: number[] = [];
    for (let i = 0; i < LOAD_RUNS; i++) {
      const script = `const t = performance.now(); await import(${JSON.stringify(bundle)}); process.stdout.write(String(performance.now() - t));`;
      const r = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
      if (r.status !== 0) throw new Error(`loading the bundle failed: ${r.stderr.slice(-1000)}`);
      loads.push(Number(r.stdout));
    }
    loads.sort((a, b) => a - b);
    const section = 'bundle';
    return [
      announce({ section, name: 'probe bundle (index.mjs)', value: bytes / 1024, unit: 'KiB', note: 'minified, AWS SDK included' }),
      announce({ section, name: 'probe bundle, gzip', value: gzipBytes / 1024, unit: 'KiB' }),
      announce({ section, name: 'probe source map', value: mapBytes / 1024, unit: 'KiB' }),
      announce({ section, name: 'cold-start module load p50', value: percentile(loads, 50), unit: 'ms', note: `${LOAD_RUNS} fresh processes, Node ${process.version} here` }),
      announce({ section, name: 'cold-start module load p90', value: percentile(loads, 90), unit: 'ms' }),
    ];
  } finally {
    out.remove();
  }
}
