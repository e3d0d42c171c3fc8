import type { DurationString } from '../duration.ts';

/**
 * What users write in monitors.config.ts. Everything but `id`, `type` and
 * the target has a default; `validateConfig` turns this into `Config`.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'NS' | 'SRV' | 'CAA' | 'PTR' | 'SOA';

/** 200, [200, 204], "2xx", "200-299", or a list mixing them. */
export type StatusSpecInput = number | string | readonly (number | string)[];

export interface AlertPolicyInput {
  /** k: how many locations must fail in a period. @default majority of the check's regions */
  readonly failingLocations?: number;
  /** m: how many of the last `evaluationPeriods` periods must fail. @default 2 (1 when evaluationPeriods is 1) */
  readonly failingPeriods?: number;
  /** n: how many recent periods are looked at. @default 3 */
  readonly evaluationPeriods?: number;
}

export type AssertionInput =
  | { readonly type: 'totalTime'; readonly lessThan: DurationString }
  | { readonly type: 'ttfb'; readonly lessThan: DurationString }
  | { readonly type: 'body'; readonly contains: string }
  | { readonly type: 'body'; readonly notContains: string }
  | { readonly type: 'body'; readonly matches: string }
  | { readonly type: 'json'; readonly path: string; readonly equals: unknown }
  | { readonly type: 'json'; readonly path: string; readonly notEquals: unknown }
  | { readonly type: 'json'; readonly path: string; readonly exists: boolean }
  | { readonly type: 'json'; readonly path: string; readonly greaterThan: number }
  | { readonly type: 'json'; readonly path: string; readonly lessThan: number }
  | { readonly type: 'json'; readonly path: string; readonly matches: string }
  | { readonly type: 'header'; readonly name: string; readonly equals: string }
  | { readonly type: 'header'; readonly name: string; readonly matches: string }
  | { readonly type: 'header'; readonly name: string; readonly exists: boolean };

/** Where a multi-step scenario takes a variable from: a JSON path in the body, or a header. */
export type ExtractInput = { readonly json: string } | { readonly header: string };

export interface HttpRequestInput {
  readonly url: string;
  /** @default "GET" */
  readonly method?: HttpMethod;
  /** @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as is; anything else is sent as JSON. @default no body */
  readonly body?: unknown;
  /** @default "200-399" */
  readonly expectStatus?: StatusSpecInput;
  /** @default [] */
  readonly assertions?: readonly AssertionInput[];
}

export interface HttpStepInput extends HttpRequestInput {
  /** @default "step N" */
  readonly name?: string;
  /** Variables for later steps, used there as `{{name}}`. @default {} */
  readonly extract?: Readonly<Record<string, ExtractInput>>;
}

interface CommonCheckInput {
  /** Stable and unique: results, metrics and alarms are keyed by it. */
  readonly id: string;
  /** @default the id */
  readonly name?: string;
  /** 10s to 1h. @default defaults.interval, else "1m" */
  readonly interval?: DurationString;
  /** One attempt's deadline. @default defaults.timeout, else "10s" */
  readonly timeout?: DurationString;
  /** Extra attempts inside one location before the run counts as failed. @default defaults.retries, else 1 */
  readonly retries?: number;
  /** AWS regions that probe this check. @default defaults.regions, else ["us-east-1"] */
  readonly regions?: readonly string[];
  /** @default [] */
  readonly tags?: readonly string[];
  /** @default defaults.severity, else "high" */
  readonly severity?: Severity;
  readonly alertPolicy?: AlertPolicyInput;
  /** A passing run slower than this in total is `degraded`. @default none */
  readonly degradedAfter?: DurationString;
  /** Allow private, loopback and link-local targets when probing from AWS. @default false */
  readonly allowPrivateTargets?: boolean;
  /** Availability target in percent, from 50 to below 100, for the dashboards' error budget. @default defaults.slo, else 99.9 */
  readonly slo?: number;
}

export interface HttpCheckInput extends CommonCheckInput, Partial<HttpRequestInput> {
  readonly type: 'http';
  /** Multi-step scenario, run in order; give either `url` or `steps`. */
  readonly steps?: readonly HttpStepInput[];
  /** @default true */
  readonly followRedirects?: boolean;
  /** @default 5 */
  readonly maxRedirects?: number;
  /** Bodies are read up to this many bytes; more is `body_too_large`. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Skip certificate verification (not recommended). @default false */
  readonly insecure?: boolean;
}

export interface TcpCheckInput extends CommonCheckInput {
  readonly type: 'tcp';
  readonly host: string;
  readonly port: number;
  /** Bytes to send once connected (\r\n escapes allowed). @default nothing */
  readonly send?: string;
  /** The reply must contain this string (or match it, as a /regex/). @default any reply, or none */
  readonly expect?: string;
}

export interface DnsCheckInput extends CommonCheckInput {
  readonly type: 'dns';
  /** The domain name to resolve (`name` is the check's display name, as for every check). */
  readonly domain: string;
  /** @default "A" */
  readonly recordType?: DnsRecordType;
  /** @default none: any non-empty answer passes */
  readonly expectedAnswers?: readonly string[];
  /** all: every expected answer is present; any: at least one; exact: same set. @default "all" */
  readonly match?: 'all' | 'any' | 'exact';
  /** Resolver "ip" or "ip:port". @default the system resolver */
  readonly resolver?: string;
}

export interface TlsCheckInput extends CommonCheckInput {
  readonly type: 'tls';
  readonly host: string;
  /** @default 443 */
  readonly port?: number;
  /** Fail when the leaf expires in fewer days than this. @default 14 */
  readonly minDaysRemaining?: number;
  /** @default true */
  readonly requireTrustedChain?: boolean;
  /** @default true */
  readonly requireHostnameMatch?: boolean;
}

/** AWS Backup jobs that count as pings. Give vaults, plans or both. */
export interface BackupSelectorInput {
  /** Backup vault names or ARNs, in the home region. @default [] */
  readonly vaults?: readonly string[];
  /** Backup plan ids or ARNs (events carry ids, not plan names). @default [] */
  readonly plans?: readonly string[];
}

/**
 * A job that must report in (`POST /ping/<id>`, `/ping/<id>/start`, `/ping/<id>/fail`). Write it with
 * `heartbeat({ ... })` inside `checks`, or as `{ type: 'heartbeat', ... }`.
 */
export interface HeartbeatInput {
  readonly type: 'heartbeat';
  /** Stable and unique among checks and heartbeats. */
  readonly id: string;
  /** @default the id */
  readonly name?: string;
  /** How often the job runs: 10s to 35d. */
  readonly every: DurationString;
  /** How late a ping may be: 0s to 7d. @default 10% of `every`, at least 1m and at most 1h */
  readonly grace?: DurationString;
  /** @default [] */
  readonly tags?: readonly string[];
  /** @default defaults.severity, else "high" */
  readonly severity?: Severity;
  /** @default defaults.slo, else 99.9 */
  readonly slo?: number;
  /** AWS Backup jobs of these vaults or plans count as this heartbeat's pings. @default none */
  readonly backup?: BackupSelectorInput;
}

export type CheckInput = HttpCheckInput | TcpCheckInput | DnsCheckInput | TlsCheckInput | HeartbeatInput;

export interface DefaultsInput {
  readonly interval?: DurationString;
  readonly timeout?: DurationString;
  readonly retries?: number;
  readonly regions?: readonly string[];
  readonly severity?: Severity;
  readonly alertPolicy?: AlertPolicyInput;
  /** Availability target in percent, from 50 to below 100. @default 99.9 */
  readonly slo?: number;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface WebhookInput {
  /**
   * Absolute http:// or https:// URL the alert is POSTed to. May hold
   * `{{secret:NAME}}` placeholders: a Slack webhook URL is itself a secret.
   */
  readonly url: string;
  /** "json": skyprobe's own JSON body; "slack": a Slack incoming-webhook message. @default "json" */
  readonly format?: 'json' | 'slack';
  /** Extra request headers; values may hold `{{secret:NAME}}`. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /** Only alerts of checks with one of these severities. @default every severity */
  readonly severities?: readonly Severity[];
  /** Only alerts of checks that have one of these tags. @default every check */
  readonly tags?: readonly string[];
}

/**
 * `email`, `sms` and `https` subscribe to the SNS alert topic of the AWS deployment (`skyprobe run` does not
 * send to them). They are stored in the CloudFormation template, so unlike webhooks they cannot hold
 * `{{secret:NAME}}` placeholders; each value may appear once.
 */
export interface AlertsInput {
  /** At most 20. @default [] */
  readonly webhooks?: readonly WebhookInput[];
  /** E-mail addresses; each must confirm its subscription from the mail AWS sends. @default [] */
  readonly email?: readonly string[];
  /** E.164 phone numbers such as "+14155550100". @default [] */
  readonly sms?: readonly string[];
  /** https:// URLs; each receives SNS's JSON envelope and must confirm its subscription. @default [] */
  readonly https?: readonly string[];
  /** Link to the dashboard, included in every alert. @default none */
  readonly dashboardUrl?: string;
}

interface MaintenanceScopeInput {
  /** Unique among maintenance windows; shown in the dashboard and logs. */
  readonly id: string;
  /** Ids of checks this window mutes. Give checks, tags, or both, or `all: true`. */
  readonly checks?: readonly string[];
  /** Checks with one of these tags are muted. */
  readonly tags?: readonly string[];
  /** Mute every check. @default false */
  readonly all?: boolean;
  /** Why, for people reading the dashboard. @default none */
  readonly reason?: string;
}

/** A one-off window: ISO 8601 times with a "Z" or an offset, such as "2025-03-01T22:00:00+01:00". */
export interface OneOffMaintenanceInput extends MaintenanceScopeInput {
  readonly start: string;
  /** After `start`. */
  readonly end: string;
}

/** A weekly window, in a time zone's wall-clock time, so it follows daylight saving time. */
export interface RecurringMaintenanceInput extends MaintenanceScopeInput {
  /** Days the window opens on, in its time zone. */
  readonly weekdays: readonly Weekday[];
  /** Local opening time, "HH:MM" (24-hour). A time skipped by a DST change opens at the first instant after it. */
  readonly startTime: string;
  /** 1m to 7d of elapsed time; a window may run past midnight and into the next week. */
  readonly duration: DurationString;
  /** IANA time zone name such as "Europe/Berlin" or "UTC". */
  readonly timeZone: string;
}

export type MaintenanceWindowInput = OneOffMaintenanceInput | RecurringMaintenanceInput;

/** A Route 53 health check of one endpoint (see the README's `failover` reference). */
export interface FailoverHealthCheckInput {
  readonly protocol: 'http' | 'https' | 'tcp';
  /** Host name checked, and sent as Host header and SNI. @default the alias's DNS name, a CNAME's value, else none */
  readonly host?: string;
  /** Address checked. @default the single A/AAAA value of the target, else Route 53 resolves `host` */
  readonly ipAddress?: string;
  /** @default 80 for http, 443 for https; required for tcp */
  readonly port?: number;
  /** Starts with "/". @default "/" (http and https only) */
  readonly path?: string;
  /** The body's first 5,120 bytes must contain this, at most 255 characters (http and https only). @default any 2xx or 3xx */
  readonly searchString?: string;
  /** @default "30s" */
  readonly interval?: '10s' | '30s';
  /** Consecutive failures (1-10) before a checker counts the endpoint unhealthy. @default 3 */
  readonly failureThreshold?: number;
  /** Route 53 checker regions, at least 3. @default all 8 */
  readonly regions?: readonly string[];
}

/** What a failover record answers: plain `values`, or an `alias` to a load balancer or distribution. Give one. */
export interface FailoverTargetInput {
  /** IPv4 addresses (A), IPv6 addresses (AAAA), or one host name (CNAME). */
  readonly values?: readonly string[];
  readonly alias?: {
    /** The target's own hosted zone id (the load balancer's or CloudFront's "Z..." id). */
    readonly hostedZoneId: string;
    readonly dnsName: string;
    /** @default true */
    readonly evaluateTargetHealth?: boolean;
  };
  /** A Route 53 health check of this endpoint: required on the secondary, and on the primary unless `health` is "alarm". */
  readonly healthCheck?: FailoverHealthCheckInput;
}

/** DNS failover of one service between a primary and a secondary (AWS deployment; needs homeRegion us-east-1). */
export interface FailoverInput {
  /** Unique among failover entries, same shape as a check id. */
  readonly id: string;
  /** The hosted zone of the record ("Z..."). */
  readonly hostedZoneId: string;
  /** The zone's name; when given, the record name must be inside it. @default not checked */
  readonly zoneName?: string;
  /** The record users resolve, e.g. "www.example.com". */
  readonly recordName: string;
  /** @default "A" */
  readonly recordType?: 'A' | 'AAAA' | 'CNAME';
  /** TTL of records with plain values, at most 60s. @default "60s" */
  readonly ttl?: DurationString;
  readonly primary: FailoverTargetInput;
  readonly secondary: FailoverTargetInput;
  /** Where the primary's health comes from. @default "calculated" with both a health check and `check`, else whichever is given */
  readonly health?: 'endpoint' | 'alarm' | 'calculated';
  /** Id of the skyprobe check whose quorum alarm is the primary's health ("alarm", "calculated"), and that drills run. @default none */
  readonly check?: string;
  /** Recovery time objective: drills pass when failover and fail-back each complete within it. @default "5m" */
  readonly rto?: DurationString;
}

export interface ConfigInput {
  /** Prefix for stack and resource names. @default "skyprobe" */
  readonly project?: string;
  /** Region of alarms, incidents and the SNS topic. @default "us-east-1" */
  readonly homeRegion?: string;
  readonly defaults?: DefaultsInput;
  readonly checks: readonly CheckInput[];
  /** Where alerts go. @default no webhooks and no subscriptions */
  readonly alerts?: AlertsInput;
  /** Times when checks keep running but alerts are muted and downtime counts as planned. @default [] */
  readonly maintenance?: readonly MaintenanceWindowInput[];
  /** Route 53 DNS failover of mission-critical services. @default [] */
  readonly failover?: readonly FailoverInput[];
}

/** A heartbeat entry for `checks`: `heartbeat({ id: 'nightly-backup', every: '1d', grace: '2h' })`. */
export function heartbeat<const T extends Omit<HeartbeatInput, 'type'>>(input: T): T & { readonly type: 'heartbeat' } {
  return { ...input, type: 'heartbeat' };
}

/** Identity function that gives `monitors.config.ts` its types. */
export function defineConfig<const T extends ConfigInput>(config: T): T {
  return config;
}
