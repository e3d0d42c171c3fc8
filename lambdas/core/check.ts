import type { DnsRecordType, HttpMethod, Severity, Weekday } from './config/input.ts';
import type { FailoverService } from './failover.ts';

/** Normalized checks: every default filled in, durations in milliseconds. Built by `validateConfig`. */

export const CHECK_TYPES = ['http', 'tcp', 'dns', 'tls'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/** Most to least urgent. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const satisfies readonly Severity[];

/** Week order, Monday first (ISO 8601). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const satisfies readonly Weekday[];

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
  /** Availability target in percent, from 50 to below 100: what the dashboards measure the error budget against. */
  readonly sloPercent: number;
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
  readonly domain: string;
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

/** AWS Backup jobs that count as a heartbeat's pings: "Backup Job State Change" events of these vaults or plans. */
export interface BackupSelector {
  /** Backup vault names or ARNs. */
  readonly vaults: readonly string[];
  /** Backup plan ids or ARNs (the events carry ids, not plan names). */
  readonly plans: readonly string[];
}

/**
 * A job that must report in: not probed, but pinged (`POST /ping/<id>`) by the job itself, or by AWS Backup
 * events. Down when no ping came within `everyMs + graceMs` of the last one, or when the job reported a failure.
 */
export interface HeartbeatCheck {
  readonly type: 'heartbeat';
  readonly id: string;
  readonly name: string;
  /** How often the job runs. */
  readonly everyMs: number;
  /** How late a ping may be before it counts as missed. */
  readonly graceMs: number;
  readonly tags: readonly string[];
  readonly severity: Severity;
  /** Availability target in percent, as for checks. */
  readonly sloPercent: number;
  /** null: no AWS Backup events count for this heartbeat. */
  readonly backup: BackupSelector | null;
}

export interface Webhook {
  /** May hold `{{secret:NAME}}` placeholders, rendered only when sending. */
  readonly url: string;
  readonly format: 'json' | 'slack';
  /** Lower-case names; values may hold `{{secret:NAME}}` placeholders. */
  readonly headers: Readonly<Record<string, string>>;
  /** Severities this webhook receives: every severity unless the config narrows it. */
  readonly severities: readonly Severity[];
  /** Only checks with one of these tags; null: every check. */
  readonly tags: readonly string[] | null;
}

/**
 * Alert destinations. An object so that further kinds join as sibling lists. `email`, `sms` and `https` are
 * SNS subscriptions of the deployed alert topic (`skyprobe run` does not send to them): they are stored in
 * the CloudFormation template, so they never hold placeholders, and each list holds a value once.
 */
export interface AlertsConfig {
  readonly webhooks: readonly Webhook[];
  /** E-mail addresses; each confirms its subscription by mail. */
  readonly email: readonly string[];
  /** E.164 phone numbers such as "+14155550100". */
  readonly sms: readonly string[];
  /** https:// URLs; each receives SNS's JSON envelope and confirms its subscription. */
  readonly https: readonly string[];
  readonly dashboardUrl: string | null;
}

interface MaintenanceWindowBase {
  readonly id: string;
  /** Check ids muted by this window. */
  readonly checks: readonly string[];
  /** Checks with one of these tags are muted. */
  readonly tags: readonly string[];
  /** Every check is muted. */
  readonly all: boolean;
  readonly reason: string | null;
}

export interface OneOffMaintenanceWindow extends MaintenanceWindowBase {
  readonly schedule: 'once';
  /** Epoch ms, inclusive. */
  readonly startMs: number;
  /** Epoch ms, exclusive. */
  readonly endMs: number;
}

export interface RecurringMaintenanceWindow extends MaintenanceWindowBase {
  readonly schedule: 'weekly';
  /** In week order, Monday first, each once. */
  readonly weekdays: readonly Weekday[];
  /** Local wall-clock opening time, "HH:MM". */
  readonly startTime: string;
  /** Elapsed time from the opening. */
  readonly durationMs: number;
  /** Canonical IANA name. */
  readonly timeZone: string;
}

export type MaintenanceWindow = OneOffMaintenanceWindow | RecurringMaintenanceWindow;

export interface Config {
  readonly project: string;
  readonly homeRegion: string;
  readonly checks: readonly Check[];
  /** Jobs that report in; never probed, so kept apart from `checks`. */
  readonly heartbeats: readonly HeartbeatCheck[];
  readonly alerts: AlertsConfig;
  readonly maintenance: readonly MaintenanceWindow[];
  /** Route 53 DNS failover of services (AWS deployment). */
  readonly failover: readonly FailoverService[];
}
