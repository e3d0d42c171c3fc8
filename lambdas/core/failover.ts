/**
 * Route 53 DNS failover of a service, normalized: what `failover: [...]` in the config becomes once
 * validated (lambdas/core/config/validate-failover.ts), and the health checks each service gets. The CDK
 * construct (infra/constructs/failover.ts), the cost model and the `failover` / `drill` commands all read
 * `failoverHealthChecks`, so which health checks exist, and what they are tagged with, is defined once.
 * A constant table and pure functions: no SDK, no env, no clock.
 */

/**
 * Where the PRIMARY record's health comes from:
 * - `endpoint`: a Route 53 health check of the primary endpoint (HTTP, HTTPS, string match or TCP);
 * - `alarm`: skyprobe's own quorum alarm for a check (a CLOUDWATCH_METRIC health check);
 * - `calculated`: both, combined by a CALCULATED health check that is healthy only while both are.
 */
export const HEALTH_SOURCES = ['endpoint', 'alarm', 'calculated'] as const;
export type HealthSource = (typeof HEALTH_SOURCES)[number];

/** Route 53 health checker regions (the values `HealthCheckConfig.Regions` accepts). */
export const ROUTE53_CHECKER_REGIONS = [
  'us-east-1',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
] as const;
export type CheckerRegion = (typeof ROUTE53_CHECKER_REGIONS)[number];

/** Route 53 refuses fewer than three checker regions. */
export const MIN_CHECKER_REGIONS = 3;
/** Resolvers cache an answer for its TTL: a failover is seen no sooner than this after it happens. */
export const MAX_FAILOVER_TTL_SECONDS = 60;
/** Route 53 offers only these two request intervals (10 s is billed as an optional feature). */
export const HEALTH_CHECK_INTERVALS_SECONDS = [10, 30] as const;
export type HealthCheckIntervalSeconds = (typeof HEALTH_CHECK_INTERVALS_SECONDS)[number];
export const FAILURE_THRESHOLD_MIN = 1;
export const FAILURE_THRESHOLD_MAX = 10;
/** Route 53 searches the first 5,120 bytes of the body for at most this many characters. */
export const SEARCH_STRING_MAX_CHARS = 255;
export const RESOURCE_PATH_MAX_CHARS = 255;
/** Route 53 considers an endpoint healthy while more than this share of its checkers report it healthy. */
export const HEALTHY_CHECKER_SHARE = 0.18;
/** The only region that has the `AWS/Route53` HealthCheckStatus metric, so alarms on it live here. */
export const ROUTE53_METRICS_REGION = 'us-east-1';
export const ROUTE53_METRICS_NAMESPACE = 'AWS/Route53';
export const HEALTH_CHECK_STATUS_METRIC = 'HealthCheckStatus';
export const HEALTH_CHECK_PERCENTAGE_HEALTHY_METRIC = 'HealthCheckPercentageHealthy';
export const FAILOVER_RECORD_TYPES = ['A', 'AAAA', 'CNAME'] as const;
export type FailoverRecordType = (typeof FAILOVER_RECORD_TYPES)[number];
export const ENDPOINT_PROTOCOLS = ['http', 'https', 'tcp'] as const;
export type EndpointProtocol = (typeof ENDPOINT_PROTOCOLS)[number];

/** Defaults filled in by the validator. */
export const FAILOVER_DEFAULTS = {
  ttlSeconds: 60,
  rtoSeconds: 300,
  intervalSeconds: 30 as HealthCheckIntervalSeconds,
  failureThreshold: 3,
  recordType: 'A' as FailoverRecordType,
  regions: ROUTE53_CHECKER_REGIONS as readonly CheckerRegion[],
} as const;

/**
 * What a CLOUDWATCH_METRIC health check reports while its alarm has INSUFFICIENT_DATA: the last status it
 * knew. The quorum alarm goes there when probes stop reporting (a skyprobe outage, a deploy); that says
 * nothing about the target, so it must neither fail the service over (`Unhealthy`) nor end a real failover
 * early (`Healthy`).
 */
export const INSUFFICIENT_DATA_HEALTH_STATUS = 'LastKnownStatus';

/** A Route 53 health check of one endpoint. */
export interface EndpointHealthCheck {
  readonly protocol: EndpointProtocol;
  /** Host name checked (and sent as Host / SNI); null when only `ipAddress` is given. */
  readonly host: string | null;
  /** Checked address; null: Route 53 resolves `host`. */
  readonly ipAddress: string | null;
  readonly port: number;
  /** Request path (starts with "/"); null for tcp. */
  readonly path: string | null;
  /** The body must contain this (HTTP_STR_MATCH / HTTPS_STR_MATCH); null: any 2xx/3xx. */
  readonly searchString: string | null;
  readonly intervalSeconds: HealthCheckIntervalSeconds;
  readonly failureThreshold: number;
  readonly regions: readonly CheckerRegion[];
}

/** What a failover record answers with: plain values (with the service's TTL) or an alias (no TTL). */
export type FailoverTarget =
  | { readonly kind: 'values'; readonly values: readonly string[] }
  | { readonly kind: 'alias'; readonly hostedZoneId: string; readonly dnsName: string; readonly evaluateTargetHealth: boolean };

export interface FailoverEndpoint {
  readonly target: FailoverTarget;
  /** The endpoint's Route 53 health check; null on the primary when its health comes from the alarm only. */
  readonly healthCheck: EndpointHealthCheck | null;
}

export interface FailoverService {
  /** Unique among failover entries, same shape as check ids. */
  readonly id: string;
  readonly hostedZoneId: string;
  /** Lower case, no trailing dot. */
  readonly recordName: string;
  readonly recordType: FailoverRecordType;
  /** TTL of records with plain values (alias records have none). */
  readonly ttlSeconds: number;
  readonly primary: FailoverEndpoint;
  /** Always has a health check: a dead standby is reported before anyone needs it. */
  readonly secondary: FailoverEndpoint & { readonly healthCheck: EndpointHealthCheck };
  readonly health: HealthSource;
  /** The skyprobe check whose quorum alarm is (part of) the primary's health, and that a drill runs; null: none. */
  readonly checkId: string | null;
  /** Recovery time objective: a drill passes when failover and fail-back each complete within it. */
  readonly rtoSeconds: number;
}

/**
 * The health checks of a service, by role:
 * - `primary`: the one the PRIMARY record uses, and the one a drill inverts (endpoint, metric or calculated);
 * - `primary-endpoint`, `primary-alarm`: the children of a calculated `primary`;
 * - `secondary`: the standby's endpoint check, used by the SECONDARY record.
 */
export const HEALTH_CHECK_ROLES = ['primary', 'primary-endpoint', 'primary-alarm', 'secondary'] as const;
export type HealthCheckRole = (typeof HEALTH_CHECK_ROLES)[number];

export type HealthCheckSpec =
  | { readonly role: HealthCheckRole; readonly kind: 'endpoint'; readonly endpoint: EndpointHealthCheck }
  | { readonly role: HealthCheckRole; readonly kind: 'alarm'; readonly checkId: string }
  | { readonly role: HealthCheckRole; readonly kind: 'calculated'; readonly children: readonly HealthCheckRole[] };

export function failoverHealthChecks(service: FailoverService): HealthCheckSpec[] {
  const secondary: HealthCheckSpec = { role: 'secondary', kind: 'endpoint', endpoint: service.secondary.healthCheck };
  const endpoint = service.primary.healthCheck;
  const checkId = service.checkId;
  switch (service.health) {
    case 'endpoint':
      return endpoint === null ? [secondary] : [{ role: 'primary', kind: 'endpoint', endpoint }, secondary];
    case 'alarm':
      return checkId === null ? [secondary] : [{ role: 'primary', kind: 'alarm', checkId }, secondary];
    case 'calculated':
      if (endpoint === null || checkId === null) return [secondary];
      return [
        { role: 'primary-endpoint', kind: 'endpoint', endpoint },
        { role: 'primary-alarm', kind: 'alarm', checkId },
        { role: 'primary', kind: 'calculated', children: ['primary-endpoint', 'primary-alarm'] },
        secondary,
      ];
  }
}

/** Route 53's `Type` of an endpoint health check. */
export function endpointHealthCheckType(h: EndpointHealthCheck): 'HTTP' | 'HTTPS' | 'HTTP_STR_MATCH' | 'HTTPS_STR_MATCH' | 'TCP' {
  if (h.protocol === 'tcp') return 'TCP';
  const base = h.protocol === 'https' ? 'HTTPS' : 'HTTP';
  return h.searchString === null ? base : `${base}_STR_MATCH`;
}

/** Tags on every health check skyprobe creates: how the CLI finds a service's health checks by role. */
export const FAILOVER_TAG_KEYS = { project: 'skyprobe:project', service: 'skyprobe:service', role: 'skyprobe:role' } as const;

export function failoverTags(project: string, serviceId: string, role: HealthCheckRole): Record<string, string> {
  return { [FAILOVER_TAG_KEYS.project]: project, [FAILOVER_TAG_KEYS.service]: serviceId, [FAILOVER_TAG_KEYS.role]: role };
}

/** SetIdentifier of the two records. */
export const FAILOVER_SET_IDENTIFIERS = { primary: 'primary', secondary: 'secondary' } as const;

/** Fully qualified, lower case, without the trailing dot: how names are compared. */
export function normalizeDnsName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
