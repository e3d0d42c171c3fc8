import { resolve } from 'node:path';
import type { Check } from '../../core/check.ts';
import { ConfigError, UsageError } from '../../core/errors.ts';
import { secretNamesOfCheck } from '../../core/templates.ts';
import { createProbeContext } from '../../engine/context.ts';
import { runBatch } from '../../engine/run-check.ts';
import { envSecretSource, resolveSecrets, SECRET_ENV_PREFIX } from '../../local/env-secrets.ts';
import { parseCommandArgs } from '../args.ts';
import { formatTable, painter, summaryLine } from '../format.ts';
import { useColor, writeLine, type Io } from '../io.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';

export const TEST_HELP = `Usage: skyprobe test [--config FILE] [--filter ID-OR-TAG] [--json]

Runs every configured check once from this machine (private and loopback
targets allowed) and prints a table. Use it in CI as a post-deploy smoke test.

Options:
  --config FILE        monitors.config.ts, .mjs or .json (default ${DEFAULT_CONFIG_FILE})
  --filter ID-OR-TAG   only checks whose id or one of whose tags matches;
                       repeat it or separate with commas; * is a wildcard
  --concurrency N      checks in flight at once (default 16)
  --json               print an array of results (each with checkId) on stdout
  -h, --help           show this help

Secrets: {{secret:NAME}} reads the environment variable ${SECRET_ENV_PREFIX}NAME.
Exit status: 0 when every check passes, 1 when any fails, 2 for a config or usage error.`;

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
}

export function filterChecks(checks: readonly Check[], filters: readonly string[]): Check[] {
  const patterns = filters.flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean).map(globToRegExp);
  if (patterns.length === 0) return [...checks];
  return checks.filter((c) => patterns.some((p) => p.test(c.id) || c.tags.some((t) => p.test(t))));
}

export async function testCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs(
    'test',
    argv,
    { config: { type: 'string' }, filter: { type: 'string', multiple: true }, concurrency: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    0,
  );
  if (values.help) {
    writeLine(io.stdout, TEST_HELP);
    return 0;
  }
  const concurrency = values.concurrency === undefined ? 16 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
    throw new UsageError(`skyprobe test: --concurrency must be a whole number from 1 to 1024, got ${JSON.stringify(values.concurrency)}`);
  }
  const config = await loadConfig(resolve(io.cwd, values.config ?? DEFAULT_CONFIG_FILE));
  const checks = filterChecks(config.checks, values.filter ?? []);
  if (checks.length === 0) throw new UsageError(`skyprobe test: no check matches --filter ${(values.filter ?? []).join(',')}`);

  const needed = [...new Set(checks.flatMap(secretNamesOfCheck))].sort();
  const { values: secrets, missing } = await resolveSecrets(needed, envSecretSource(io.env));
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map((name) => ({
        checkId: checks.find((c) => secretNamesOfCheck(c).includes(name))?.id,
        path: `{{secret:${name}}}`,
        message: `secret ${name} is not set (export ${SECRET_ENV_PREFIX}${name})`,
      })),
    );
  }

  const ctx = createProbeContext({ location: io.env['SKYPROBE_LOCATION'] ?? 'local', allowPrivateTargets: true, secrets });
  const live = Boolean(io.stderr.isTTY) && !values.json;
  let done = 0;
  const started = performance.now();
  const results = await runBatch(checks, ctx, {
    concurrency,
    onResult: (r) => {
      done += 1;
      if (live) io.stderr.write(`\r\u001b[K[${done}/${checks.length}] ${r.checkId} ${r.status}`);
    },
  });
  if (live) io.stderr.write('\r\u001b[K');
  if (values.json) {
    writeLine(io.stdout, JSON.stringify(results, null, 2));
  } else {
    const paint = painter(useColor(io));
    for (const line of formatTable(results, paint, io.stdout.columns ?? 120)) writeLine(io.stdout, line);
    writeLine(io.stdout, summaryLine(results, performance.now() - started));
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
