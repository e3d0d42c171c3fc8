import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_CONFIG_FILE } from '../../lambdas/core/deployment.ts';
import type { Config } from '../../lambdas/core/check.ts';

const written = new WeakMap<Config, string>();

/**
 * Writes the normalized config once per synth into a fresh temp directory and returns the file's path, for
 * esbuild's afterBundling hook to copy next to index.mjs (the directory goes when the process exits). The
 * config holds `{{secret:NAME}}` placeholders, never secret values; the asset hash (of the bundle output)
 * changes when the config does.
 */
export function bundledConfigFile(config: Config): string {
  let file = written.get(config);
  if (file === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'skyprobe-config-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    file = join(dir, BUNDLED_CONFIG_FILE);
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    written.set(config, file);
  }
  return file;
}
