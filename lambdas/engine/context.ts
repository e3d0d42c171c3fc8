import { rootCertificates, createSecureContext, type SecureContext } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { promises as dnsPromises } from 'node:dns';
import type { Clock, LookupFn, ResolvedAddress } from '../core/ports.ts';
import { RETRY_DELAY_MS } from '../core/deployment.ts';

/** Everything a probe needs from the outside world, handed in so tests can use real local servers. */
export interface ProbeContext {
  /** Where results say they ran: an AWS region or a local location name. */
  readonly location: string;
  readonly clock: Clock;
  readonly lookup: LookupFn;
  /** Allow private and loopback targets for every check (true when running on the user's own machine). */
  readonly allowPrivateTargets: boolean;
  /** Resolved `{{secret:NAME}}` values, by NAME. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Trust roots: the system's plus any extra CA given. */
  readonly secureContext: SecureContext;
  /** Pause between attempts of one run. */
  readonly retryDelayMs: number;
}

export interface ProbeContextOptions {
  readonly location: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default getaddrinfo through node:dns, every address */
  readonly lookup?: LookupFn;
  /** @default false */
  readonly allowPrivateTargets?: boolean;
  /** @default {} */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Extra trusted CA certificates (PEM), added to the system roots. @default none */
  readonly extraCaPem?: readonly string[];
  /** @default 1000 */
  readonly retryDelayMs?: number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export const systemLookup: LookupFn = async (hostname) => {
  const found = await dnsPromises.lookup(hostname, { all: true, verbatim: true });
  return found.map((a): ResolvedAddress => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Builds the context once (the trust store is parsed here, not per probe). */
export function createProbeContext(options: ProbeContextOptions): ProbeContext {
  const extra = options.extraCaPem ?? [];
  return {
    location: options.location,
    clock: options.clock ?? systemClock,
    lookup: options.lookup ?? systemLookup,
    allowPrivateTargets: options.allowPrivateTargets ?? false,
    secrets: options.secrets ?? {},
    secureContext: createSecureContext(extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {}),
    retryDelayMs: options.retryDelayMs ?? RETRY_DELAY_MS,
  };
}
