import { resolve } from 'node:path';
import type { Check } from '../../core/check.ts';
import { plural } from '../../core/config-summary.ts';
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
Heartbeats are not tested (their jobs report in): they are listed once, and
never change the exit status.
Exit status: 0 when every check passes, 1 when any fails, 2 for a config or usage error.`;

/** "2 heartbeats not tested (...): a, b". */
function untestedLine(ids: readonly string[]): string {
  return `${plural(ids.length, 'heartbeat')} not tested (jobs report in; skyprobe heartbeat url <id> prints where): ${ids.join(', ')}`;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
}

/** The checks (or heartbeats: anything with an id and tags) whose id or one of whose tags matches a filter. */
export function filterChecks<T extends Pick<Check, 'id' | 'tags'>>(checks: readonly T[], filters: readonly string[]): T[] {
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
  // Heartbeats have nothing to probe: their jobs report in. They are listed once, never failed.
  const heartbeats = filterChecks(config.heartbeats, values.filter ?? []);
  if (checks.length === 0 && heartbeats.length === 0) throw new UsageError(`skyprobe test: no check matches --filter ${(values.filter ?? []).join(',')}`);

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
  const untested = heartbeats.length === 0 ? null : untestedLine(heartbeats.map((hb) => hb.id));
  if (values.json) {
    writeLine(io.stdout, JSON.stringify(results, null, 2));
    // stdout stays the array of results.
    if (untested !== null) writeLine(io.stderr, untested);
  } else {
    const paint = painter(useColor(io));
    if (results.length > 0) {
      for (const line of formatTable(results, paint, io.stdout.columns ?? 120)) writeLine(io.stdout, line);
      writeLine(io.stdout, summaryLine(results, performance.now() - started));
    }
    if (untested !== null) writeLine(io.stdout, untested);
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
