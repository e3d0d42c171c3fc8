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

/** Resolves `{{secret:NAME}}` values: env locally, SSM Parameter Store in AWS. */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
}
