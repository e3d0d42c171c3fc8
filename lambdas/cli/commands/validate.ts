import { resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';
import { parseCommandArgs } from '../args.ts';
import { writeLine, type Io } from '../io.ts';

export const VALIDATE_HELP = `Usage: skyprobe validate [--config FILE]

Checks the monitors config and prints every problem at once, one line each
(check id, field, bad value). Exit status 0 when valid, 2 when not.

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
  const byType = new Map<string, number>();
  for (const c of config.checks) byType.set(c.type, (byType.get(c.type) ?? 0) + 1);
  const kinds = [...byType].map(([t, n]) => `${n} ${t}`).join(', ');
  const regions = new Set(config.checks.flatMap((c) => c.regions));
  writeLine(io.stdout, `${file}: valid — ${config.checks.length} check${config.checks.length === 1 ? '' : 's'} (${kinds}) in ${regions.size} region${regions.size === 1 ? '' : 's'}`);
  return 0;
}
