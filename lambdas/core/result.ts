import type { CheckType } from './check.ts';
import type { ProbeError } from './errors.ts';

export const RUN_STATUSES = ['up', 'degraded', 'down'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Milliseconds per phase; null when the phase did not happen (no TLS on plain HTTP, a cached address). */
export interface Timings {
  readonly dnsMs: number | null;
  readonly connectMs: number | null;
  readonly tlsMs: number | null;
  readonly ttfbMs: number | null;
  readonly downloadMs: number | null;
  readonly totalMs: number;
}

export interface AssertionResult {
  /** What was asserted, e.g. `json $.status equals "ok"`. */
  readonly assertion: string;
  readonly ok: boolean;
  /** Readable outcome, e.g. `expected status 200, got 503`. */
  readonly message: string;
}

export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly daysRemaining: number;
}

export interface TlsInfo {
  /** The leaf certificate. */
  readonly validTo: string;
  readonly daysRemaining: number;
  readonly issuer: string;
  readonly subject: string;
  /** Earliest expiry among the certificates the server sent (leaf included). */
  readonly chainEarliestValidTo: string;
  readonly chainEarliestDaysRemaining: number;
  readonly authorized: boolean;
  readonly authorizationError: string | null;
  readonly protocol: string | null;
  /** TLS checks: the outcome on every address the name resolves to. */
  readonly addresses?: readonly TlsAddressResult[];
}

export interface TlsAddressResult {
  readonly address: string;
  readonly ok: boolean;
  readonly error: ProbeError | null;
  readonly validTo: string | null;
  readonly daysRemaining: number | null;
}

export interface StepResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error: ProbeError | null;
  readonly url: string;
  readonly httpStatus: number | null;
  readonly timings: Timings;
  readonly assertions: readonly AssertionResult[];
}

/** One run of one check in one location. A value: probes never throw. */
export interface ProbeResult {
  readonly checkId: string;
  /** 'heartbeat': a ping of a job that reports in (totalMs is the job's duration from /start, else 0). */
  readonly type: CheckType | 'heartbeat';
  /** Where it ran: an AWS region, or the local location name. */
  readonly location: string;
  /** ISO 8601 start of the first attempt. */
  readonly startedAt: string;
  readonly ok: boolean;
  readonly status: RunStatus;
  readonly error: ProbeError | null;
  readonly timings: Timings;
  readonly httpStatus: number | null;
  /** IP address (and port) connected to, when there was one. */
  readonly address: string | null;
  /** Target as shown to people: URL, host:port or name, with secrets as ***. */
  readonly target: string;
  readonly assertions: readonly AssertionResult[];
  readonly attempts: number;
  readonly redirects?: number;
  readonly tls?: TlsInfo;
  readonly dns?: { readonly answers: readonly string[] };
  readonly steps?: readonly StepResult[];
}
