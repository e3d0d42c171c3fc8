import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SECRET_ENV_PREFIX } from './env-secrets.ts';

/**
 * Heartbeat tokens of `skyprobe run`: 32 random bytes (base64url), generated the first time a heartbeat
 * is seen and kept in `<data-dir>/heartbeat-tokens.json` (mode 0600, directory 0700), so they survive
 * restarts. A token can be fixed from outside instead with `SKYPROBE_SECRET_HEARTBEAT_<ID>` (the id upper
 * case, "-" as "_"), e.g. to share one token between a local and a deployed skyprobe; it wins over the file.
 */

export const LOCAL_TOKENS_FILE = 'heartbeat-tokens.json';
/** `skyprobe run` writes the base URL pings go to here, so `skyprobe heartbeat url` can print it. */
export const LOCAL_PING_URL_FILE = 'ping-url';

export type Env = Readonly<Record<string, string | undefined>>;

/** The secret name of a heartbeat's token: `HEARTBEAT_NIGHTLY_BACKUP` for "nightly-backup". */
export function heartbeatSecretName(heartbeatId: string): string {
  return `HEARTBEAT_${heartbeatId.toUpperCase().replace(/-/g, '_')}`;
}

export function newHeartbeatToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored tokens; an empty map when the file does not exist yet. */
export async function readTokenFile(dataDir: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(join(dataDir, LOCAL_TOKENS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${join(dataDir, LOCAL_TOKENS_FILE)} is not a JSON object`);
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}

/**
 * Makes sure each heartbeat has a token in the file (generating missing ones) and returns the tokens in
 * effect, the environment's first. Writes atomically (temp file, then rename) and tightens the mode of a
 * file that was readable by others.
 */
export async function ensureLocalTokens(dataDir: string, ids: readonly string[], env: Env): Promise<Record<string, string>> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, LOCAL_TOKENS_FILE);
  const stored = await readTokenFile(dataDir);
  const missing = ids.filter((id) => stored[id] === undefined);
  if (missing.length > 0) {
    const next = { ...stored, ...Object.fromEntries(missing.map((id) => [id, newHeartbeatToken()])) };
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, file);
  } else if (ids.length > 0 && ((await stat(file)).mode & 0o077) !== 0) {
    await chmod(file, 0o600);
  }
  // Read back: another process may have written a token for the same id a moment earlier.
  const current = await readTokenFile(dataDir);
  return Object.fromEntries(ids.map((id) => [id, envToken(env, id) ?? current[id] ?? '']));
}

/** A heartbeat's token now: the environment's, else the file's (read on every call, so edits apply at once). */
export function localTokenSource(dataDir: string, env: Env): (heartbeatId: string) => Promise<string | undefined> {
  return async (id) => envToken(env, id) ?? (await readTokenFile(dataDir))[id];
}

function envToken(env: Env, id: string): string | undefined {
  const value = env[`${SECRET_ENV_PREFIX}${heartbeatSecretName(id)}`];
  return value === undefined || value === '' ? undefined : value;
}
