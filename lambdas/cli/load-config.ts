import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type { Config } from '../core/check.ts';
import { validateConfig } from '../core/config/validate.ts';
import { ConfigError } from '../core/errors.ts';

/** The file `skyprobe` reads when no `--config` is given, relative to the working directory. */
export const DEFAULT_CONFIG_FILE = 'monitors.config.ts';

const TS_EXTENSIONS = ['.ts', '.mts'];
const JS_EXTENSIONS = ['.js', '.mjs'];

/**
 * Reads a monitors-as-code file and validates it. `.ts`/`.mts` are loaded
 * through tsx, `.js`/`.mjs` with a plain dynamic import, `.json` parsed. The
 * config is the module's default export, else its `config` export. Every
 * failure a user can cause is a `ConfigError`, never a raw exception.
 */
export async function loadConfig(file: string): Promise<Config> {
  const abs = resolve(file);
  const fail = (message: string, cause?: unknown): ConfigError =>
    new ConfigError([{ path: file, message }], cause === undefined ? undefined : { cause });

  const isFile = await stat(abs).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) throw fail('config file not found');

  const ext = extname(abs).toLowerCase();
  if (ext === '.json') {
    let input: unknown;
    try {
      input = JSON.parse(await readFile(abs, 'utf8'));
    } catch (error) {
      throw fail(`cannot load config: ${firstLine(error)}`, error);
    }
    return validateConfig(input);
  }
  if (!TS_EXTENSIONS.includes(ext) && !JS_EXTENSIONS.includes(ext)) {
    throw fail(`cannot load config: unsupported file type "${ext}" (use .ts, .mts, .js, .mjs or .json)`);
  }

  let module: unknown;
  try {
    const url = pathToFileURL(abs).href;
    module = TS_EXTENSIONS.includes(ext) ? await tsImport(url, import.meta.url) : await import(`${url}?v=${Date.now()}`); // a fresh module on reload
  } catch (error) {
    // A config that validates itself (or throws our error on purpose) keeps its issues.
    if (error instanceof ConfigError) throw error;
    throw fail(`cannot load config: ${firstLine(error)}`, error);
  }
  const input = exportedConfig(module);
  if (input === undefined) {
    throw fail('has no default export: end it with `export default defineConfig({ ... })`');
  }
  return validateConfig(input);
}

function exportedConfig(module: unknown): unknown {
  if (typeof module !== 'object' || module === null) return undefined;
  let exports = module as Readonly<Record<string, unknown>>;
  // A .ts file outside an ESM package ("type": "module") is compiled to CommonJS:
  // its exports object then arrives whole as `default`, marked with __esModule.
  const inner = exports['default'];
  if (typeof inner === 'object' && inner !== null && (inner as Readonly<Record<string, unknown>>)['__esModule'] === true) {
    exports = inner as Readonly<Record<string, unknown>>;
  }
  return exports['default'] ?? exports['config'];
}

/**
 * The first informative line of an error message. esbuild (through tsx)
 * opens with "Transform failed with 1 error:", so the line after it is used.
 */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const [first, second] = lines;
  if (first !== undefined && second !== undefined && /^(Transform|Build) failed with \d+ errors?:?$/.test(first)) return second;
  return first ?? 'unknown error';
}
