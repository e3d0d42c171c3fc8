import {
  ENDPOINT_PROTOCOLS,
  FAILOVER_DEFAULTS,
  FAILOVER_RECORD_TYPES,
  FAILURE_THRESHOLD_MAX,
  FAILURE_THRESHOLD_MIN,
  HEALTH_SOURCES,
  MAX_FAILOVER_TTL_SECONDS,
  MIN_CHECKER_REGIONS,
  RESOURCE_PATH_MAX_CHARS,
  ROUTE53_CHECKER_REGIONS,
  ROUTE53_METRICS_REGION,
  SEARCH_STRING_MAX_CHARS,
  normalizeDnsName,
  type CheckerRegion,
  type EndpointHealthCheck,
  type EndpointProtocol,
  type FailoverRecordType,
  type FailoverService,
  type FailoverTarget,
  type HealthCheckIntervalSeconds,
  type HealthSource,
} from '../failover.ts';
import { isIpv4, isIpv6 } from '../ip.ts';
import type { CheckRefs } from './validate-alerts.ts';
import {
  at,
  checkKnownKeys,
  describe,
  didYouMean,
  field,
  isHostname,
  readArray,
  readBoolean,
  readDuration,
  readEnum,
  readInteger,
  readObject,
  readOptional,
  readPort,
  readRequired,
  readString,
  report,
  type Obj,
  type Scope,
} from './validate-fields.ts';

/**
 * The top-level `failover` section: Route 53 DNS failover of services, validated at synth time (and by
 * `skyprobe validate`) with one line per problem naming the entry's field and the bad value.
 */

export const FAILOVER_FIELDS = ['id', 'hostedZoneId', 'zoneName', 'recordName', 'recordType', 'ttl', 'primary', 'secondary', 'health', 'check', 'rto'] as const;
const TARGET_FIELDS = ['values', 'alias', 'healthCheck'] as const;
const ALIAS_FIELDS = ['hostedZoneId', 'dnsName', 'evaluateTargetHealth'] as const;
const HEALTH_CHECK_FIELDS = ['protocol', 'host', 'ipAddress', 'port', 'path', 'searchString', 'interval', 'failureThreshold', 'regions'] as const;

/** Same shape as check ids: service ids key tags, alarm names and drill records. */
const SERVICE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Route 53 hosted zone ids: "Z" and upper-case letters and digits (e.g. "Z1D633PJN98FT9"). */
const ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const RTO_MIN_MS = 1_000;
const RTO_MAX_MS = 86_400_000;
const DEFAULT_PORTS: Readonly<Record<EndpointProtocol, number | undefined>> = { http: 80, https: 443, tcp: undefined };

export function validateFailover(scope: Scope, value: unknown, refs: CheckRefs, homeRegion: string): FailoverService[] {
  if (value === undefined) return [];
  const list = readArray(scope, value, 'failover');
  if (list === undefined) return [];
  if (list.length > 0 && homeRegion !== ROUTE53_METRICS_REGION) {
    report(
      scope,
      'homeRegion',
      `must be "${ROUTE53_METRICS_REGION}" when the config has failover entries: route 53 health-check metrics, the alarms on them ` +
        `and the topic they notify exist only in ${ROUTE53_METRICS_REGION}, got ${describe(homeRegion)}`,
    );
  }
  const services: FailoverService[] = [];
  const firstById = new Map<string, number>();
  const firstByRecord = new Map<string, number>();
  list.forEach((raw, index) => {
    const path = at('failover', index);
    const service = readService(scope, raw, path, refs, firstById, index);
    if (service === undefined) return;
    const record = `${service.recordName} ${service.recordType}`;
    const first = firstByRecord.get(record);
    if (first !== undefined) report(scope, at(path, 'recordName'), `failover[${first}] already fails over ${service.recordType} ${service.recordName}`);
    else firstByRecord.set(record, index);
    services.push(service);
  });
  return services;
}

function readService(scope: Scope, value: unknown, path: string, refs: CheckRefs, firstById: Map<string, number>, index: number): FailoverService | undefined {
  const obj = readObject(scope, value, path);
  if (obj === undefined) return undefined;
  const before = scope.issues.length;
  checkKnownKeys(scope, obj, path, FAILOVER_FIELDS);
  const id = readRequired(scope, obj, 'id', path, readServiceId);
  if (id !== undefined) {
    const first = firstById.get(id);
    if (first === undefined) firstById.set(id, index);
    else report(scope, at(path, 'id'), `duplicate id "${id}": failover[${first}] already uses it`);
  }
  const hostedZoneId = readRequired(scope, obj, 'hostedZoneId', path, readZoneId);
  const zoneName = readOptional(scope, obj, 'zoneName', path, readDnsName, null);
  const recordName = readRequired(scope, obj, 'recordName', path, readDnsName);
  const recordType = readOptional(scope, obj, 'recordType', path, (s, v, p) => readEnum(s, v, p, FAILOVER_RECORD_TYPES), FAILOVER_DEFAULTS.recordType);
  if (zoneName !== null && recordName !== undefined) checkInZone(scope, at(path, 'recordName'), recordName, zoneName, recordType);
  const ttlMs = readOptional(scope, obj, 'ttl', path, readTtl, FAILOVER_DEFAULTS.ttlSeconds * 1000);
  const rtoMs = readOptional(scope, obj, 'rto', path, (s, v, p) => readDuration(s, v, p, RTO_MIN_MS, RTO_MAX_MS), FAILOVER_DEFAULTS.rtoSeconds * 1000);
  const checkId = readOptional(scope, obj, 'check', path, (s, v, p) => readCheckRef(s, v, p, refs), null);

  const primary = readRequired(scope, obj, 'primary', path, (s, v, p) => readEndpoint(s, v, p, recordType));
  const secondary = readRequired(scope, obj, 'secondary', path, (s, v, p) => readEndpoint(s, v, p, recordType));
  for (const [side, endpoint] of [['primary', primary], ['secondary', secondary]] as const) {
    const h = endpoint?.healthCheck;
    if (h != null && recordName !== undefined && h.ipAddress === null && h.host === recordName) {
      report(scope, at(at(at(path, side), 'healthCheck'), 'host'), `must not be the failover record "${recordName}" itself (after a failover it resolves to the other side): check the endpoint, or give its "ipAddress"`);
    }
  }
  if (secondary !== undefined && secondary.healthCheck === null) {
    report(scope, at(at(path, 'secondary'), 'healthCheck'), 'is required: a route 53 health check of the standby, so a dead standby is reported before a failover needs it');
  }
  if (field(obj, 'ttl') !== undefined && primary?.target.kind === 'alias' && secondary?.target.kind === 'alias') {
    report(scope, at(path, 'ttl'), `alias records have no ttl (they take the target's), got ${describe(field(obj, 'ttl'))}: remove it`);
  }
  const health = readHealthSource(scope, obj, path, primary, checkId);

  if (scope.issues.length > before || id === undefined || hostedZoneId === undefined || recordName === undefined) return undefined;
  if (primary === undefined || secondary?.healthCheck == null || health === undefined) return undefined;
  return {
    id,
    hostedZoneId,
    recordName,
    recordType,
    ttlSeconds: Math.round(ttlMs / 1000),
    primary,
    secondary: { target: secondary.target, healthCheck: secondary.healthCheck },
    health,
    checkId,
    rtoSeconds: Math.round(rtoMs / 1000),
  };
}

function readServiceId(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && SERVICE_ID.test(value)) return value;
  report(scope, path, `must be 1 to 63 lower-case letters, digits, "-" and "_", starting with a letter or digit, got ${describe(value)}`);
  return undefined;
}

function readZoneId(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && ZONE_ID.test(value)) return value;
  const bare = typeof value === 'string' ? value.replace(/^\/?hostedzone\//, '') : '';
  const hint = bare !== value && ZONE_ID.test(bare) ? ` (write "${bare}", without "/hostedzone/")` : '';
  report(scope, path, `must be a route 53 hosted zone id: "Z" and upper-case letters and digits such as "Z1D633PJN98FT9", got ${describe(value)}${hint}`);
  return undefined;
}

function readDnsName(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && isHostname(value, { underscores: true }) && normalizeDnsName(value).includes('.')) return normalizeDnsName(value);
  report(scope, path, `must be a fully qualified domain name such as "www.example.com", got ${describe(value)}`);
  return undefined;
}

function checkInZone(scope: Scope, path: string, recordName: string, zoneName: string, recordType: FailoverRecordType): void {
  if (recordName !== zoneName && !recordName.endsWith(`.${zoneName}`)) {
    report(scope, path, `must be inside the zone "${zoneName}" (equal to it or ending in ".${zoneName}"), got "${recordName}"`);
  } else if (recordName === zoneName && recordType === 'CNAME') {
    report(scope, path, `a cname cannot be at the zone apex "${zoneName}": use an A or AAAA record (with an alias target)`);
  }
}

/** Whole seconds, 1s to 60s: resolvers cache the answer for its TTL, which delays every failover by as much. */
function readTtl(scope: Scope, value: unknown, path: string): number | undefined {
  const ms = readDuration(scope, value, path, 1000, MAX_FAILOVER_TTL_SECONDS * 1000);
  if (ms === undefined) return undefined;
  if (ms % 1000 !== 0) {
    report(scope, path, `must be whole seconds, got ${describe(value)}`);
    return undefined;
  }
  return ms;
}

function readCheckRef(scope: Scope, value: unknown, path: string, refs: CheckRefs): string | undefined {
  if (typeof value === 'string' && refs.ids.includes(value)) return value;
  const hint = typeof value === 'string' ? didYouMean(value, refs.ids) : '';
  report(scope, path, `must be the id of a check in this config, got ${describe(value)}${hint}`);
  return undefined;
}

interface EndpointInput {
  readonly target: FailoverTarget;
  readonly healthCheck: EndpointHealthCheck | null;
}

function readEndpoint(scope: Scope, value: unknown, path: string, recordType: FailoverRecordType): EndpointInput | undefined {
  const obj = readObject(scope, value, path);
  if (obj === undefined) return undefined;
  checkKnownKeys(scope, obj, path, TARGET_FIELDS);
  const hasValues = field(obj, 'values') !== undefined;
  const hasAlias = field(obj, 'alias') !== undefined;
  let target: FailoverTarget | undefined;
  if (hasValues === hasAlias) {
    report(scope, path, hasValues ? 'give either "values" or "alias", not both' : 'needs "values" (addresses or a host name) or "alias" (a load balancer or distribution)');
  } else if (hasValues) {
    const values = readValues(scope, field(obj, 'values'), at(path, 'values'), recordType);
    if (values !== undefined) target = { kind: 'values', values };
  } else {
    target = readAlias(scope, field(obj, 'alias'), at(path, 'alias'), recordType);
  }
  const rawHealth = field(obj, 'healthCheck');
  const healthCheck = rawHealth === undefined ? null : readHealthCheck(scope, rawHealth, at(path, 'healthCheck'), target, recordType);
  if (target === undefined || healthCheck === undefined) return undefined;
  return { target, healthCheck };
}

function readValues(scope: Scope, value: unknown, path: string, recordType: FailoverRecordType): string[] | undefined {
  const list = readArray(scope, value, path);
  if (list === undefined) return undefined;
  if (list.length === 0) {
    report(scope, path, 'must have at least one value, got []');
    return undefined;
  }
  if (recordType === 'CNAME' && list.length > 1) {
    report(scope, path, `a cname record has exactly one value, got ${list.length}`);
    return undefined;
  }
  const valid: Record<FailoverRecordType, { what: string; test: (s: string) => boolean }> = {
    A: { what: 'an ipv4 address', test: isIpv4 },
    AAAA: { what: 'an ipv6 address', test: isIpv6 },
    CNAME: { what: 'a host name', test: (s) => isHostname(s) },
  };
  const rule = valid[recordType];
  const values: string[] = [];
  list.forEach((item, i) => {
    if (typeof item !== 'string' || !rule.test(item)) {
      report(scope, at(path, i), `must be ${rule.what} (record type ${recordType}), got ${describe(item)}`);
    } else if (values.includes(recordType === 'CNAME' ? normalizeDnsName(item) : item)) {
      report(scope, at(path, i), `duplicate value ${describe(item)}`);
    } else {
      values.push(recordType === 'CNAME' ? normalizeDnsName(item) : item);
    }
  });
  return values.length === list.length ? values : undefined;
}

function readAlias(scope: Scope, value: unknown, path: string, recordType: FailoverRecordType): FailoverTarget | undefined {
  const obj = readObject(scope, value, path);
  if (obj === undefined) return undefined;
  checkKnownKeys(scope, obj, path, ALIAS_FIELDS);
  if (recordType === 'CNAME') report(scope, path, 'an alias target needs record type A or AAAA (an alias answers with the target\'s addresses), got CNAME');
  const hostedZoneId = readRequired(scope, obj, 'hostedZoneId', path, readZoneId);
  const dnsName = readRequired(scope, obj, 'dnsName', path, readDnsName);
  const evaluateTargetHealth = readOptional(scope, obj, 'evaluateTargetHealth', path, readBoolean, true);
  if (hostedZoneId === undefined || dnsName === undefined || recordType === 'CNAME') return undefined;
  return { kind: 'alias', hostedZoneId, dnsName, evaluateTargetHealth };
}

function readHealthCheck(
  scope: Scope,
  value: unknown,
  path: string,
  target: FailoverTarget | undefined,
  recordType: FailoverRecordType,
): EndpointHealthCheck | undefined {
  const obj = readObject(scope, value, path);
  if (obj === undefined) return undefined;
  const before = scope.issues.length;
  checkKnownKeys(scope, obj, path, HEALTH_CHECK_FIELDS);
  const protocol = readRequired(scope, obj, 'protocol', path, (s, v, p) => readEnum(s, v, p, ENDPOINT_PROTOCOLS));
  let host = readOptional(scope, obj, 'host', path, readHostName, null);
  let ipAddress = readOptional(scope, obj, 'ipAddress', path, readIp, null);
  if (host === null && ipAddress === null && target !== undefined) {
    // The endpoint a record answers with is what its health check checks, unless told otherwise.
    if (target.kind === 'alias') host = target.dnsName;
    else if (recordType === 'CNAME') host = target.values[0] ?? null;
    else if (target.values.length === 1) ipAddress = target.values[0] ?? null;
    else report(scope, path, `needs "host" or "ipAddress": the target has ${target.values.length} addresses, and a health check checks one endpoint`);
  }
  const defaultPort = protocol === undefined ? 80 : DEFAULT_PORTS[protocol];
  const port = defaultPort === undefined ? readRequired(scope, obj, 'port', path, readPort) : readOptional(scope, obj, 'port', path, readPort, defaultPort);
  let pathValue: string | null = null;
  let searchString: string | null = null;
  if (protocol === 'tcp') {
    for (const key of ['path', 'searchString'] as const) {
      if (field(obj, key) !== undefined) report(scope, at(path, key), `a tcp health check only connects: "${key}" needs protocol http or https, got ${describe(field(obj, key))}`);
    }
  } else {
    pathValue = readOptional(scope, obj, 'path', path, readResourcePath, '/');
    searchString = readOptional(scope, obj, 'searchString', path, readSearchString, null);
  }
  const intervalMs = readOptional(scope, obj, 'interval', path, readInterval, FAILOVER_DEFAULTS.intervalSeconds * 1000);
  const failureThreshold = readOptional(scope, obj, 'failureThreshold', path, (s, v, p) => readInteger(s, v, p, FAILURE_THRESHOLD_MIN, FAILURE_THRESHOLD_MAX), FAILOVER_DEFAULTS.failureThreshold);
  const regions = readOptional(scope, obj, 'regions', path, readCheckerRegions, FAILOVER_DEFAULTS.regions);
  if (scope.issues.length > before || protocol === undefined || port === undefined) return undefined;
  return {
    protocol,
    host,
    ipAddress,
    port,
    path: pathValue,
    searchString,
    intervalSeconds: (intervalMs / 1000) as HealthCheckIntervalSeconds,
    failureThreshold,
    regions,
  };
}

function readHostName(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && isHostname(value)) return normalizeDnsName(value);
  report(scope, path, `must be a host name such as "www.example.com" (no scheme, port or path), got ${describe(value)}`);
  return undefined;
}

function readIp(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && (isIpv4(value) || isIpv6(value))) return value;
  report(scope, path, `must be an ipv4 or ipv6 address, got ${describe(value)}`);
  return undefined;
}

function readResourcePath(scope: Scope, value: unknown, path: string): string | undefined {
  const text = readString(scope, value, path);
  if (text === undefined) return undefined;
  if (!text.startsWith('/') || text.length > RESOURCE_PATH_MAX_CHARS || /\s/.test(text)) {
    report(scope, path, `must start with "/", have no spaces and be at most ${RESOURCE_PATH_MAX_CHARS} characters, got ${describe(text)}`);
    return undefined;
  }
  return text;
}

function readSearchString(scope: Scope, value: unknown, path: string): string | undefined {
  const text = readString(scope, value, path, { nonEmpty: true });
  if (text === undefined) return undefined;
  if (text.length > SEARCH_STRING_MAX_CHARS) {
    report(scope, path, `must be at most ${SEARCH_STRING_MAX_CHARS} characters (route 53 string matching), got ${text.length}`);
    return undefined;
  }
  return text;
}

function readInterval(scope: Scope, value: unknown, path: string): number | undefined {
  if (value === '10s' || value === '30s') return value === '10s' ? 10_000 : 30_000;
  report(scope, path, `must be "10s" or "30s" (the two intervals route 53 offers), got ${describe(value)}`);
  return undefined;
}

function readCheckerRegions(scope: Scope, value: unknown, path: string): CheckerRegion[] | undefined {
  const list = readArray(scope, value, path);
  if (list === undefined) return undefined;
  const regions: CheckerRegion[] = [];
  list.forEach((region, i) => {
    const valid = readEnum(scope, region, at(path, i), ROUTE53_CHECKER_REGIONS);
    if (valid === undefined) return;
    if (regions.includes(valid)) report(scope, at(path, i), `duplicate region "${valid}"`);
    else regions.push(valid);
  });
  if (regions.length !== list.length) return undefined;
  if (regions.length < MIN_CHECKER_REGIONS) {
    report(scope, path, `must list at least ${MIN_CHECKER_REGIONS} route 53 checker regions, got ${regions.length} (${describe(value)})`);
    return undefined;
  }
  return regions;
}

function readHealthSource(scope: Scope, obj: Obj, path: string, primary: EndpointInput | undefined, checkId: string | null): HealthSource | undefined {
  const endpoint = primary?.healthCheck ?? null;
  const raw = field(obj, 'health');
  const explicit = raw === undefined ? undefined : readEnum(scope, raw, at(path, 'health'), HEALTH_SOURCES);
  if (raw !== undefined && explicit === undefined) return undefined;
  const hasCheckField = field(obj, 'check') !== undefined;
  const hasEndpointField = primary !== undefined && field(readObjectQuiet(field(obj, 'primary')), 'healthCheck') !== undefined;
  const inferred: HealthSource | undefined =
    explicit ?? (hasEndpointField && hasCheckField ? 'calculated' : hasEndpointField ? 'endpoint' : hasCheckField ? 'alarm' : undefined);
  if (inferred === undefined) {
    report(scope, path, 'needs primary.healthCheck (a route 53 health check), "check" (a skyprobe check whose quorum alarm is the health), or both');
    return undefined;
  }
  const needsEndpoint = inferred === 'endpoint' || inferred === 'calculated';
  const needsCheck = inferred === 'alarm' || inferred === 'calculated';
  if (needsEndpoint && !hasEndpointField) report(scope, at(at(path, 'primary'), 'healthCheck'), `is required with health "${inferred}"`);
  if (needsCheck && !hasCheckField) report(scope, at(path, 'check'), `is required with health "${inferred}": the check whose quorum alarm the health check follows`);
  if (inferred === 'alarm' && hasEndpointField) {
    report(scope, at(at(path, 'primary'), 'healthCheck'), 'is not used with health "alarm": remove it, or use health "calculated" to combine both');
  }
  if (primary !== undefined && needsEndpoint && endpoint === null) return undefined;
  if (needsCheck && checkId === null) return undefined;
  return inferred;
}

function readObjectQuiet(value: unknown): Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}
