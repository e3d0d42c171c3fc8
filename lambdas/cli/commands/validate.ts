import { resolve } from 'node:path';
import type { Config } from '../../core/check.ts';
import { plural } from '../../core/config-summary.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';
import { parseCommandArgs } from '../args.ts';
import { writeLine, type Io } from '../io.ts';

export const VALIDATE_HELP = `Usage: skyprobe validate [--config FILE]

Checks the monitors config and prints every problem at once, one line each
(check id, field, bad value). Exit status 0 when valid, 2 when not; when
valid, a summary of the checks (by type and region) and heartbeats.

Options:
  --config FILE  monitors.config.ts, .mjs or .json (default ${DEFAULT_CONFIG_FILE})
  -h, --help     show this help`;

export async function validateCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs('validate', argv, { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, 0);
  if (values.help) {
    writeLine(io.stdout, VALIDATE_HELP);
    return 0;
  }
  const file = values.config ?? DEFAULT_CONFIG_FILE;
  const config = await loadConfig(resolve(io.cwd, file));
  writeLine(io.stdout, `${file}: valid — ${validSummary(config)}`);
  return 0;
}

/** "5 checks (3 http, 2 tcp) in 2 regions, 2 heartbeats (1 from AWS Backup)". */
export function validSummary(config: Pick<Config, 'checks' | 'heartbeats'>): string {
  const byType = new Map<string, number>();
  for (const c of config.checks) byType.set(c.type, (byType.get(c.type) ?? 0) + 1);
  const regions = new Set(config.checks.flatMap((c) => c.regions));
  const checks =
    config.checks.length === 0
      ? plural(0, 'check')
      : `${plural(config.checks.length, 'check')} (${[...byType].map(([t, n]) => `${n} ${t}`).join(', ')}) in ${plural(regions.size, 'region')}`;
  if (config.heartbeats.length === 0) return checks;
  const backups = config.heartbeats.filter((hb) => hb.backup !== null).length;
  return `${checks}, ${plural(config.heartbeats.length, 'heartbeat')}${backups > 0 ? ` (${backups} from AWS Backup)` : ''}`;
}
