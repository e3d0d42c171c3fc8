import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with one-line errors that name the command and the bad flag. */
export function parseCommandArgs<O extends Options>(command: string, argv: readonly string[], options: O, maxPositionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? '';
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new UsageError(`skyprobe ${command}: unknown flag ${unknown[1]} (see skyprobe ${command} --help)`);
    const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(message);
    if (missing) throw new UsageError(`skyprobe ${command}: flag ${missing[1]!.split(',').pop()!.trim()} needs a value`);
    throw new UsageError(`skyprobe ${command}: ${message.replace(/\. To specify .*$/, '')}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`skyprobe ${command}: unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])} (see skyprobe ${command} --help)`);
  }
  return parsed;
}

/** A whole positive number of milliseconds, or a usage error naming the flag. */
export function parseMillis(command: string, flag: string, value: string | undefined, fallback: number, max = 300_000): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`skyprobe ${command}: ${flag} must be a whole number of milliseconds from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
