import { ConfigError, UsageError } from '../../core/errors.ts';
import { validateConfig } from '../../core/config/validate.ts';
import type { CheckInput } from '../../core/config/input.ts';
import { createProbeContext } from '../../engine/context.ts';
import { runCheck } from '../../engine/run-check.ts';
import { parseCommandArgs, parseMillis } from '../args.ts';
import { formatResult, painter } from '../format.ts';
import { useColor, writeLine, type Io } from '../io.ts';

export const CHECK_HELP = `Usage: skyprobe check <url | host:port | name> [options]

Runs one probe from this machine and prints its timings, like curl -w.

Options:
  --type http|tcp|dns|tls  what to probe (default: http for URLs, tcp for host:port)
  --record TYPE            DNS record type for --type dns (default A)
  --timeout MS             deadline in milliseconds (default 10000)
  --insecure               do not verify TLS certificates (http)
  --json                   print the ProbeResult as JSON
  -h, --help               show this help

Exit status: 0 when the probe passes, 1 when it fails, 2 for a usage error.
Examples:
  skyprobe check https://example.com/
  skyprobe check db.internal:5432
  skyprobe check example.com:443 --type tls
  skyprobe check example.com --type dns --record MX`;

const TYPES = ['http', 'tcp', 'dns', 'tls'] as const;

function splitHostPort(target: string): { host: string; port: number | undefined } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\s]+)(?::(\d{1,5}))?$/.exec(target);
  if (!m) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] === undefined ? undefined : Number(m[2]) };
}

/** Turns the command line into the same check input a config file holds, so one validator judges both. */
export function checkInputFromArgs(target: string, type: string | undefined, opts: { timeoutMs: number; insecure: boolean; record: string | undefined }): CheckInput {
  const kind = type ?? (/^https?:\/\//i.test(target) ? 'http' : splitHostPort(target)?.port !== undefined ? 'tcp' : undefined);
  if (kind === undefined) throw new UsageError(`skyprobe check: cannot tell what to probe in ${JSON.stringify(target)}: give a URL (https://...), host:port, or --type`);
  if (!(TYPES as readonly string[]).includes(kind)) throw new UsageError(`skyprobe check: --type must be one of ${TYPES.join(', ')}, got ${JSON.stringify(kind)}`);
  if (opts.record !== undefined && kind !== 'dns') throw new UsageError('skyprobe check: --record goes with --type dns');
  const common = { id: 'check', interval: '1h', timeout: `${opts.timeoutMs}ms`, retries: 0 } as const;
  if (kind === 'http') return { ...common, type: 'http', url: target, insecure: opts.insecure };
  if (opts.insecure) throw new UsageError('skyprobe check: --insecure goes with http checks');
  if (kind === 'dns') return { ...common, type: 'dns', domain: target, recordType: (opts.record ?? 'A') as 'A' };
  const hp = splitHostPort(target);
  if (!hp) throw new UsageError(`skyprobe check: expected host:port, got ${JSON.stringify(target)}`);
  if (kind === 'tls') return { ...common, type: 'tls', host: hp.host, port: hp.port ?? 443 };
  if (hp.port === undefined) throw new UsageError(`skyprobe check: a tcp check needs host:port, got ${JSON.stringify(target)}`);
  return { ...common, type: 'tcp', host: hp.host, port: hp.port };
}

export async function checkCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'check',
    argv,
    { type: { type: 'string' }, record: { type: 'string' }, timeout: { type: 'string' }, insecure: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    1,
  );
  if (values.help) {
    writeLine(io.stdout, CHECK_HELP);
    return 0;
  }
  const target = positionals[0];
  if (target === undefined) throw new UsageError('skyprobe check: missing target: a URL, host:port or name (see skyprobe check --help)');
  const timeoutMs = parseMillis('check', '--timeout', values.timeout, 10_000, 60_000);
  const input = checkInputFromArgs(target, values.type, { timeoutMs, insecure: Boolean(values.insecure), record: values.record });
  let check;
  try {
    check = validateConfig({ checks: [input] }).checks[0]!;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`skyprobe check: ${err.issues.map((i) => `${i.path.replace(/^checks\[0\]\./, '')}: ${i.message}`).join('; ')}`);
    throw err;
  }
  const ctx = createProbeContext({ location: io.env['SKYPROBE_LOCATION'] ?? 'local', allowPrivateTargets: true });
  const result = await runCheck(check, ctx);
  if (values.json) writeLine(io.stdout, JSON.stringify(result, null, 2));
  else for (const line of formatResult(result, painter(useColor(io)))) writeLine(io.stdout, line);
  return result.ok ? 0 : 1;
}
