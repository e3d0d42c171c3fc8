import { GetParametersCommand } from '@aws-sdk/client-ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { resourceNames } from '../core/deployment.ts';
import { UnusableSecretError, type Clock, type SecretSource } from '../core/ports.ts';

/**
 * `{{secret:NAME}}` values from SSM Parameter Store: the SecureString `/<project>/secrets/NAME`, decrypted.
 * Values (and "not there") are cached for `ttlMs`, so a warm probe asks SSM once per 5 minutes; names
 * asked together go out in GetParameters calls of at most 10. Concurrent asks for a name share one call.
 * Values are never logged and never part of an error message.
 *
 * A parameter of another type (a plain String or a StringList) is refused: a secret stored unencrypted is a
 * mistake to fix, not a value to use. Asking for it rejects with `UnusableSecretError` naming the parameter
 * (cached like a value, so the fix is seen within `ttlMs`).
 */

/** SSM: GetParameters takes at most 10 names. */
export const MAX_NAMES_PER_GET = 10;
export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;

export interface SsmSecretSourceProps {
  /** A client in the region the parameters live in (the probe's own). */
  readonly client: SSMClient;
  readonly project: string;
  readonly clock: Clock;
  /** @default 5 minutes */
  readonly ttlMs?: number;
}

interface CacheEntry {
  readonly value: string | undefined;
  /** Why the parameter must not be used; its value is then not kept. */
  readonly refused?: string;
  readonly expiresAt: number;
}

const SECURE_STRING = 'SecureString';

export class SsmSecretSource implements SecretSource {
  readonly #client: SSMClient;
  readonly #project: string;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<string | undefined>>();

  constructor(props: SsmSecretSourceProps) {
    this.#client = props.client;
    this.#project = props.project;
    this.#clock = props.clock;
    this.#ttlMs = props.ttlMs ?? DEFAULT_SECRET_TTL_MS;
  }

  /** The parameter name a secret is read from. */
  parameterName(name: string): string {
    return resourceNames.secretParameter(this.#project, name);
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.getMany([name]))[name];
  }

  /**
   * Every name's value; a name with no parameter maps to undefined. Rejects when SSM cannot be asked, and
   * with `UnusableSecretError` (naming every such parameter) when one of them is not a SecureString.
   */
  async getMany(names: readonly string[]): Promise<Record<string, string | undefined>> {
    const unique = [...new Set(names)];
    const now = this.#clock.now();
    const toFetch = unique.filter((name) => !this.#inFlight.has(name) && !((this.#cache.get(name)?.expiresAt ?? 0) > now));
    for (let i = 0; i < toFetch.length; i += MAX_NAMES_PER_GET) {
      const batch = this.#fetch(toFetch.slice(i, i + MAX_NAMES_PER_GET));
      toFetch.slice(i, i + MAX_NAMES_PER_GET).forEach((name) => {
        const one = batch.then((values) => values.get(name));
        this.#inFlight.set(name, one);
        void one.finally(() => this.#inFlight.delete(name)).catch(() => undefined);
      });
    }
    const out: Record<string, string | undefined> = {};
    await Promise.all(
      unique.map(async (name) => {
        const pending = this.#inFlight.get(name);
        out[name] = pending === undefined ? this.#cache.get(name)?.value : await pending;
      }),
    );
    const refused = unique.flatMap((name) => this.#cache.get(name)?.refused ?? []);
    if (refused.length > 0) throw new UnusableSecretError(refused.join('; '));
    return out;
  }

  async #fetch(names: readonly string[]): Promise<Map<string, string | undefined>> {
    const byParameter = new Map(names.map((name) => [this.parameterName(name), name]));
    const out = await this.#client.send(new GetParametersCommand({ Names: [...byParameter.keys()], WithDecryption: true }));
    const entries = new Map<string, Omit<CacheEntry, 'expiresAt'>>(names.map((name) => [name, { value: undefined }]));
    for (const parameter of out.Parameters ?? []) {
      const name = parameter.Name === undefined ? undefined : byParameter.get(parameter.Name);
      if (name === undefined) continue;
      entries.set(
        name,
        parameter.Type === SECURE_STRING
          ? { value: parameter.Value }
          : {
              value: undefined,
              refused:
                `SSM parameter ${parameter.Name} is a ${parameter.Type ?? 'parameter of unknown type'}, not a SecureString: ` +
                `secrets must be stored encrypted (put it again with --type SecureString --overwrite)`,
            },
      );
    }
    const expiresAt = this.#clock.now() + this.#ttlMs;
    for (const [name, entry] of entries) this.#cache.set(name, { ...entry, expiresAt });
    return new Map([...entries].map(([name, entry]) => [name, entry.value]));
  }
}
