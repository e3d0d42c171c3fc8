import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { loadConfig } from '../lambdas/cli/load-config.ts';
import type { Config } from '../lambdas/core/check.ts';

export interface DeploymentConfig {
  /** Validated and normalized by `loadConfig`. */
  readonly config: Config;
  /** The object the file exports, as written: for deployment fields the schema does not have yet. */
  readonly raw: unknown;
}

/** Loads a monitors file the way `skyprobe` does (`loadConfig`), and keeps the raw object alongside. */
export async function loadDeploymentConfig(file: string): Promise<DeploymentConfig> {
  const config = await loadConfig(file);
  return { config, raw: await readRawConfig(file) };
}

/** The config object exactly as written; same module rules as loadConfig (default export, else `config`). */
export async function readRawConfig(file: string): Promise<unknown> {
  const abs = resolve(file);
  const ext = extname(abs).toLowerCase();
  if (ext === '.json') return JSON.parse(await readFile(abs, 'utf8'));
  const url = pathToFileURL(abs).href;
  let module = (ext === '.ts' || ext === '.mts' ? await tsImport(url, import.meta.url) : await import(url)) as Record<string, unknown>;
  const inner = module['default'];
  // A .ts file compiled to CommonJS arrives whole as `default`, marked with __esModule.
  if (typeof inner === 'object' && inner !== null && (inner as Record<string, unknown>)['__esModule'] === true) module = inner as Record<string, unknown>;
  return module['default'] ?? module['config'];
}
