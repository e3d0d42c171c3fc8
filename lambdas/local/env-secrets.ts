import type { SecretSource } from '../core/ports.ts';

export const SECRET_ENV_PREFIX = 'SKYPROBE_SECRET_';

/** Local secrets: `{{secret:API_TOKEN}}` reads SKYPROBE_SECRET_API_TOKEN. */
export function envSecretSource(env: Readonly<Record<string, string | undefined>>): SecretSource {
  return { get: async (name) => env[`${SECRET_ENV_PREFIX}${name}`] };
}

/** Resolves every name; the names with no value are returned apart so the caller can report them all. */
export async function resolveSecrets(names: readonly string[], source: SecretSource): Promise<{ values: Record<string, string>; missing: string[] }> {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const value = await source.get(name);
    if (value === undefined || value === '') missing.push(name);
    else values[name] = value;
  }
  return { values, missing };
}
