import { isAwsRegion } from './regions.ts';

/**
 * Names of every CloudWatch alarm skyprobe creates, defined once: the CDK app (infra/) builds alarms with
 * `alarmNames`, the notifier reads them back with `parseAlarmName`. A constant table: importing it has no
 * side effects and pulls in no SDK.
 *
 * Each kind ends with its own suffix and no suffix ends another one, so a name parses one way only even
 * when a check id contains dashes ("api-tls" has `p-api-tls-tls-expiry`, "api" has `p-api-tls-expiry`).
 */

export const ALARM_KINDS = ['quorum', 'latency', 'tls-expiry', 'location-silent', 'probe-errors', 'probe-throttles', 'failover-health'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** The name's end for each kind. */
export const ALARM_SUFFIXES = {
  quorum: '-down',
  latency: '-latency',
  'tls-expiry': '-tls-expiry',
  'location-silent': '-silent',
  'probe-errors': '-errors',
  'probe-throttles': '-throttles',
  'failover-health': '-health',
} as const satisfies Readonly<Record<AlarmKind, string>>;

const LOCATION_INFIX = 'location-';
const PROBE_INFIX = 'probe-';
const FAILOVER_INFIX = 'failover-';
export const FAILOVER_ALARM_ROLES = ['primary', 'secondary'] as const;
export type FailoverAlarmRole = (typeof FAILOVER_ALARM_ROLES)[number];

export const alarmNames = {
  /** The check is down by the quorum rule (`quorumAlarmDefinition(check, { project })` names its alarm with this). */
  quorum: (project: string, checkId: string) => `${project}-${checkId}${ALARM_SUFFIXES.quorum}`,
  /** The check is slow. */
  latency: (project: string, checkId: string) => `${project}-${checkId}${ALARM_SUFFIXES.latency}`,
  /** The check's certificate expires soon (metric `TlsDaysRemaining`). */
  tlsExpiry: (project: string, checkId: string) => `${project}-${checkId}${ALARM_SUFFIXES['tls-expiry']}`,
  /** A probe location stopped reporting (metric `LocationAlive`): skyprobe's problem, never the target's. */
  locationSilent: (project: string, region: string) => `${project}-${LOCATION_INFIX}${region}${ALARM_SUFFIXES['location-silent']}`,
  /** The probe function of a region is failing (self-monitoring). */
  probeErrors: (project: string, region: string) => `${project}-${PROBE_INFIX}${region}${ALARM_SUFFIXES['probe-errors']}`,
  /** The probe function of a region is throttled (self-monitoring): checks are not running there. */
  probeThrottles: (project: string, region: string) => `${project}-${PROBE_INFIX}${region}${ALARM_SUFFIXES['probe-throttles']}`,
  /** A failover service's primary or secondary Route 53 health check is unhealthy (us-east-1, metric `HealthCheckStatus`). */
  failoverHealth: (project: string, service: string, role: FailoverAlarmRole) => `${project}-${FAILOVER_INFIX}${service}-${role}${ALARM_SUFFIXES['failover-health']}`,
} as const;

/** Alarms about one check, and alarms about one probe location. */
export type CheckAlarmKind = 'quorum' | 'latency' | 'tls-expiry';
export type LocationAlarmKind = 'location-silent' | 'probe-errors' | 'probe-throttles';

export type ParsedAlarmName =
  | { [K in CheckAlarmKind]: { readonly kind: K; readonly checkId: string } }[CheckAlarmKind]
  | { [K in LocationAlarmKind]: { readonly kind: K; readonly location: string } }[LocationAlarmKind]
  | { readonly kind: 'failover-health'; readonly service: string; readonly role: FailoverAlarmRole };

/** Check ids as the config validator allows them (lower case, digits, `_`, `-`). */
const CHECK_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** What an alarm name says, or null when it is not one of this project's alarms. */
export function parseAlarmName(project: string, name: string): ParsedAlarmName | null {
  const prefix = `${project}-`;
  if (!name.startsWith(prefix)) return null;
  const rest = name.slice(prefix.length);
  for (const kind of ALARM_KINDS) {
    const suffix = ALARM_SUFFIXES[kind];
    if (!rest.endsWith(suffix)) continue;
    const middle = rest.slice(0, rest.length - suffix.length);
    switch (kind) {
      case 'location-silent':
      case 'probe-errors':
      case 'probe-throttles': {
        const infix = kind === 'location-silent' ? LOCATION_INFIX : PROBE_INFIX;
        const location = middle.startsWith(infix) ? middle.slice(infix.length) : '';
        return isAwsRegion(location) ? { kind, location } : null;
      }
      case 'failover-health': {
        const role = FAILOVER_ALARM_ROLES.find((r) => middle.endsWith(`-${r}`));
        const service = role === undefined || !middle.startsWith(FAILOVER_INFIX) ? '' : middle.slice(FAILOVER_INFIX.length, middle.length - role.length - 1);
        return role !== undefined && CHECK_ID.test(service) ? { kind, service, role } : null;
      }
      default:
        return CHECK_ID.test(middle) ? { kind, checkId: middle } : null;
    }
  }
  return null;
}
