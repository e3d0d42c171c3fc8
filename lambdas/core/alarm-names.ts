import type { Check, Config } from './check.ts';
import { isAwsRegion, probeRegionsOf } from './regions.ts';

/**
 * Names of every CloudWatch alarm skyprobe creates, defined once: the CDK app (infra/) builds alarms with
 * `alarmNames`, and the notifier knows a config's own from `notifiedAlarms` (never from a name's shape, which
 * another project's alarm can share). `parseAlarmName` reads a name back: the tests use it to hold that every
 * name reads one way only. A constant table: importing it has no side effects and pulls in no SDK.
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

/** The names of every alarm of one check, most important first (dashboards in other stacks find them by name). */
export function checkAlarmNames(project: string, check: Pick<Check, 'id' | 'type'>): string[] {
  return [alarmNames.quorum(project, check.id), alarmNames.latency(project, check.id), ...(check.type === 'tls' ? [alarmNames.tlsExpiry(project, check.id)] : [])];
}

/** The self-monitoring alarms that live in a probe region (the probe stack forwards their state changes home), by name. */
export function probeRegionAlarms(project: string, location: string): ReadonlyMap<string, ParsedAlarmName> {
  return new Map<string, ParsedAlarmName>([
    [alarmNames.probeErrors(project, location), { kind: 'probe-errors', location }],
    [alarmNames.probeThrottles(project, location), { kind: 'probe-throttles', location }],
  ]);
}

/**
 * Every alarm of this config whose state changes the notifier acts on, by name, with what the name says: each
 * check's quorum, latency and (tls checks) certificate alarm, each probe region's silent, errors and throttles
 * alarms, each failover service's two health alarms. Nothing else is this project's: a name that merely
 * starts with the project (another project "shop-staging" beside "shop", a user's own "shop-cpu" alarm) is
 * not in it, and the notifier ignores it.
 *
 * The notifier reads the map from the config bundled with it, deployed with the alarms it names: a check's
 * alarms are created with the notifier that knows them (and report INSUFFICIENT_DATA until the probes,
 * deployed after the home stack, send data), and deleted with the config that drops them.
 */
export function notifiedAlarms(config: Pick<Config, 'project' | 'checks' | 'failover'>): ReadonlyMap<string, ParsedAlarmName> {
  const { project } = config;
  const out = new Map<string, ParsedAlarmName>();
  const add = (name: string, parsed: ParsedAlarmName): void => {
    // Suffixes end no other suffix, so two alarms never share a name; a clash is a bug in these tables.
    if (out.has(name)) throw new Error(`two skyprobe alarms would be named ${name}`);
    out.set(name, parsed);
  };
  for (const check of config.checks) {
    add(alarmNames.quorum(project, check.id), { kind: 'quorum', checkId: check.id });
    add(alarmNames.latency(project, check.id), { kind: 'latency', checkId: check.id });
    if (check.type === 'tls') add(alarmNames.tlsExpiry(project, check.id), { kind: 'tls-expiry', checkId: check.id });
  }
  for (const location of probeRegionsOf(config)) {
    add(alarmNames.locationSilent(project, location), { kind: 'location-silent', location });
    for (const [name, parsed] of probeRegionAlarms(project, location)) add(name, parsed);
  }
  for (const service of config.failover) {
    for (const role of FAILOVER_ALARM_ROLES) add(alarmNames.failoverHealth(project, service.id, role), { kind: 'failover-health', service: service.id, role });
  }
  return out;
}

/**
 * Alarms on the alert path itself. Their actions publish straight to the alert topic, so they reach
 * subscribers when the notifier is what is broken; their state changes never go to the notifier (no name
 * here is in `notifiedAlarms`, and none ends with a notified kind's suffix), so nothing loops or arrives twice.
 */
export const alertPathAlarmNames = {
  /** The notifier function reports errors: alerts are retried, late, or came by the fallback. */
  notifierFailing: (project: string) => `${project}-notifier-failing`,
  /** Lambda could not hand a failed notifier event to the fallback function. */
  fallbackUnreachable: (project: string) => `${project}-notifier-fallback-unreachable`,
  /** Alarm events that reached neither the notifier nor the fallback wait in the home region's dead-letter queue. */
  alarmEventsUndelivered: (project: string) => `${project}-alarm-events-undelivered`,
  /** Events wait in a probe region's dead-letter queue: schedule fires that missed the probe, or alarm changes not forwarded home. */
  deadLetters: (project: string, region: string) => `${project}-dead-letters-${region}`,
} as const;

/** EventBridge's default quota on the size of one rule's event pattern, in characters. */
export const EVENT_PATTERN_MAX_CHARS = 2_048;

/** One EventBridge string matcher: an exact value, or a `*` wildcard. */
export type AlarmNameMatcher = string | { readonly wildcard: string };

/** An EventBridge event pattern for CloudWatch alarm state changes, as CloudFormation takes it. */
export interface AlarmStateChangePattern {
  readonly source: string[];
  readonly 'detail-type': string[];
  readonly detail: { readonly alarmName: AlarmNameMatcher[] };
}

/** The wildcard matching every name of one kind (the parts that vary are `*`). */
function kindWildcard(project: string, kind: AlarmKind): string {
  const star = '*';
  switch (kind) {
    case 'location-silent':
      return alarmNames.locationSilent(project, star);
    case 'probe-errors':
      return alarmNames.probeErrors(project, star);
    case 'probe-throttles':
      return alarmNames.probeThrottles(project, star);
    case 'failover-health':
      return `${project}-${FAILOVER_INFIX}${star}${ALARM_SUFFIXES['failover-health']}`;
    default:
      return `${project}-${star}${ALARM_SUFFIXES[kind]}`;
  }
}

/**
 * The EventBridge pattern of the rule that sends this project's alarm state changes to the notifier, as
 * tight as the quota on a pattern's size allows: every name of `notifiedAlarms` when they fit in
 * EVENT_PATTERN_MAX_CHARS, else one wildcard per kind (`shop-*-down`, `shop-location-*-silent`, ...), which
 * still leaves out every other alarm of the account but one of another project whose name fits the same
 * shape; the notifier ignores those (and logs them). A rule with wildcards counts against EventBridge's
 * 30 such rules per bus.
 */
export function alarmStateChangePattern(
  project: string,
  alarms: ReadonlyMap<string, ParsedAlarmName>,
  maxChars: number = EVENT_PATTERN_MAX_CHARS,
): AlarmStateChangePattern {
  const pattern = (alarmName: AlarmNameMatcher[]) => ({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { alarmName } });
  const exact = pattern([...alarms.keys()].sort());
  if (JSON.stringify(exact).length <= maxChars) return exact;
  const present = new Set([...alarms.values()].map((a) => a.kind));
  const kinds = ALARM_KINDS.filter((kind) => present.has(kind));
  const wildcards = pattern(kinds.map((kind) => ({ wildcard: kindWildcard(project, kind) })));
  if (JSON.stringify(wildcards).length > maxChars) throw new Error(`the alarm rule's pattern for project ${project} exceeds ${maxChars} characters even with wildcards`);
  return wildcards;
}
