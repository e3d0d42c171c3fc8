/** Interfaces core and the engine depend on; adapters implement them. */

export interface Clock {
  /** Wall time, epoch milliseconds. */
  now(): number;
  /** Monotonic milliseconds for measuring durations. */
  monotonic(): number;
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to its addresses (getaddrinfo semantics, all addresses). */
export type LookupFn = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * Resolves `{{secret:NAME}}` values: env locally, SSM Parameter Store in AWS. `get` resolves undefined when
 * the secret does not exist, and rejects with `UnusableSecretError` when it exists in a form that must not
 * be used (trying again does not help until someone fixes it), or with another error when it cannot ask.
 */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
}

/** A secret is there but must not be used as it is (an unencrypted SSM parameter): the message says which and why, never its value. */
export class UnusableSecretError extends Error {
  override readonly name = 'UnusableSecretError';
}
