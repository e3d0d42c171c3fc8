import type { DnsRecordType, HttpMethod, Severity } from './config/input.ts';

/** Normalized checks: every default filled in, durations in milliseconds. Built by `validateConfig`. */

export const CHECK_TYPES = ['http', 'tcp', 'dns', 'tls'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export interface StatusRange {
  readonly from: number;
  readonly to: number;
}

export interface AlertPolicy {
  /** k: locations that must fail in one period. */
  readonly failingLocations: number;
  /** m: failing periods among the last n. */
  readonly failingPeriods: number;
  /** n: periods looked at. */
  readonly evaluationPeriods: number;
}

export type JsonOp = 'equals' | 'notEquals' | 'exists' | 'greaterThan' | 'lessThan' | 'matches';
export type HeaderOp = 'equals' | 'matches' | 'exists';
export type BodyOp = 'contains' | 'notContains' | 'matches';

export type Assertion =
  | { readonly type: 'totalTime' | 'ttfb'; readonly lessThanMs: number }
  | { readonly type: 'body'; readonly op: BodyOp; readonly value: string }
  | { readonly type: 'json'; readonly path: string; readonly op: JsonOp; readonly value: unknown }
  | { readonly type: 'header'; readonly name: string; readonly op: HeaderOp; readonly value: unknown };

export interface Extraction {
  readonly variable: string;
  readonly from: 'json' | 'header';
  /** JSON path, or header name (lowercase). */
  readonly path: string;
}

export interface HttpStep {
  readonly name: string;
  /** May hold `{{variable}}` and `{{secret:NAME}}` placeholders. */
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  /** Serialized body; JSON bodies get a content-type header in `headers`. */
  readonly body: string | null;
  readonly expectStatus: readonly StatusRange[];
  readonly assertions: readonly Assertion[];
  readonly extract: readonly Extraction[];
}

interface CheckBase {
  readonly id: string;
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly regions: readonly string[];
  readonly tags: readonly string[];
  readonly severity: Severity;
  readonly alertPolicy: AlertPolicy;
  readonly degradedAfterMs: number | null;
  readonly allowPrivateTargets: boolean;
}

export interface HttpCheck extends CheckBase {
  readonly type: 'http';
  /** One step for a plain HTTP check; several for a scenario. */
  readonly steps: readonly HttpStep[];
  readonly followRedirects: boolean;
  readonly maxRedirects: number;
  readonly maxBodyBytes: number;
  readonly insecure: boolean;
}

export interface TcpCheck extends CheckBase {
  readonly type: 'tcp';
  readonly host: string;
  readonly port: number;
  readonly send: string | null;
  readonly expect: { readonly contains: string } | { readonly matches: string } | null;
}

export interface DnsCheck extends CheckBase {
  readonly type: 'dns';
  readonly name: string;
  readonly recordType: DnsRecordType;
  readonly expectedAnswers: readonly string[];
  readonly match: 'all' | 'any' | 'exact';
  readonly resolver: { readonly host: string; readonly port: number } | null;
}

export interface TlsCheck extends CheckBase {
  readonly type: 'tls';
  readonly host: string;
  readonly port: number;
  readonly minDaysRemaining: number;
  readonly requireTrustedChain: boolean;
  readonly requireHostnameMatch: boolean;
}

export type Check = HttpCheck | TcpCheck | DnsCheck | TlsCheck;

export interface Config {
  readonly project: string;
  readonly homeRegion: string;
  readonly checks: readonly Check[];
}
