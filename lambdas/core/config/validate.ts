import { CHECK_TYPES, SEVERITIES, type AlertPolicy, type Check, type CheckType, type Config, type HeartbeatCheck } from '../check.ts';
import { formatDuration } from '../duration.ts';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { AWS_REGIONS, isAwsRegion } from '../regions.ts';
import type { Severity } from './input.ts';
import {
  at,
  checkKnownKeys,
  describe,
  didYouMean,
  field,
  readArray,
  readBoolean,
  readDuration,
  readEnum,
  readInteger,
  readObject,
  readOptional,
  readRegions,
  readString,
  report,
  type Obj,
  type Scope,
} from './validate-fields.ts';
import { readTags, validateAlerts, validateMaintenance } from './validate-alerts.ts';
import { validateFailover } from './validate-failover.ts';
import { validateHeartbeat } from './validate-heartbeat.ts';
import { HTTP_CHECK_FIELDS, validateHttpFields } from './validate-http.ts';
import { DNS_FIELDS, TCP_FIELDS, TLS_FIELDS, validateDnsFields, validateTcpFields, validateTlsFields } from './validate-targets.ts';

/**
 * Turns what a user wrote (`ConfigInput`, or anything at all) into the
 * normalized `Config`, or throws one `ConfigError` listing every problem.
 * Defaults are filled in here and nowhere else.
 */

const TOP_FIELDS = ['project', 'homeRegion', 'defaults', 'checks', 'alerts', 'maintenance', 'failover'] as const;
const DEFAULTS_FIELDS = ['interval', 'timeout', 'retries', 'regions', 'severity', 'alertPolicy', 'slo'] as const;
const ALERT_POLICY_FIELDS = ['failingLocations', 'failingPeriods', 'evaluationPeriods'] as const;
const COMMON_FIELDS = [
  'id',
  'name',
  'type',
  'interval',
  'timeout',
  'retries',
  'regions',
  'tags',
  'severity',
  'alertPolicy',
  'degradedAfter',
  'allowPrivateTargets',
  'slo',
] as const;
const TYPE_FIELDS: Readonly<Record<CheckType, readonly string[]>> = {
  http: HTTP_CHECK_FIELDS,
  tcp: TCP_FIELDS,
  dns: DNS_FIELDS,
  tls: TLS_FIELDS,
};

/** Kept here too for importers from before it moved to check.ts. */
export { SEVERITIES };

/** Project names prefix stack and resource names: short, lower case, CloudFormation- and DNS-safe. */
const PROJECT = /^[a-z][a-z0-9-]{0,30}$/;
/** Check ids key results, metrics and alarms: lower case so that they never differ by case alone. */
const CHECK_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Built-in defaults, used when neither the check nor `defaults` sets a field. */
const DEFAULT_PROJECT = 'skyprobe';
/** us-east-1: Route 53 health-check metrics (and alarms on them) exist only there. */
const DEFAULT_HOME_REGION = 'us-east-1';
const DEFAULT_INTERVAL = '1m';
const DEFAULT_TIMEOUT = '10s';
/** One retry in a location absorbs a single lost packet without hiding a real outage. */
const DEFAULT_RETRIES = 1;
const DEFAULT_REGIONS: readonly string[] = ['us-east-1'];
const DEFAULT_SEVERITY: Severity = 'high';
const DEFAULT_EVALUATION_PERIODS = 3;
/** "Three nines": about 43 minutes of downtime a month. */
const DEFAULT_SLO_PERCENT = 99.9;

/** Interval 10s..1h: sub-minute runs loop inside one scheduled invocation; over an hour is not monitoring. */
const INTERVAL_MIN_MS = 10_000;
const INTERVAL_MAX_MS = 3_600_000;
/** Timeout 100ms..60s, per attempt; it must also be less than the interval so runs never overlap. */
const TIMEOUT_MIN_MS = 100;
const TIMEOUT_MAX_MS = 60_000;
const RETRIES_MAX = 3;
const EVALUATION_PERIODS_MAX = 10;

/** A value and where it came from, for messages such as `... (from defaults.timeout)`. Value undefined: invalid, already reported. */
interface Resolved<T> {
  readonly value: T | undefined;
  readonly raw: unknown;
  readonly source: 'check' | 'defaults' | 'builtin';
}

type PolicyInput = Partial<Record<(typeof ALERT_POLICY_FIELDS)[number], Resolved<number>>>;

interface Defaults {
  readonly interval: Resolved<number>;
  readonly timeout: Resolved<number>;
  readonly retries: Resolved<number>;
  readonly regions: Resolved<readonly string[]>;
  readonly severity: Resolved<Severity>;
  readonly alertPolicy: PolicyInput;
  readonly slo: Resolved<number>;
}

export function validateConfig(input: unknown): Config {
  const issues: ConfigIssue[] = [];
  const scope: Scope = { issues, checkId: undefined };
  const root = readObject(scope, input, 'config');
  if (root === undefined) throw new ConfigError(issues);
  checkKnownKeys(scope, root, '', TOP_FIELDS);

  const project = readOptional(scope, root, 'project', '', readProject, DEFAULT_PROJECT);
  const homeRegion = readOptional(scope, root, 'homeRegion', '', readRegion, DEFAULT_HOME_REGION);
  const defaults = readDefaults(scope, field(root, 'defaults'));

  const checks: Check[] = [];
  const heartbeats: HeartbeatCheck[] = [];
  const firstIndexOfId = new Map<string, number>();
  const rawChecks = field(root, 'checks');
  if (rawChecks === undefined) {
    report(scope, 'checks', 'is required: a non-empty array of checks');
  } else {
    const list = readArray(scope, rawChecks, 'checks');
    if (list !== undefined && list.length === 0) report(scope, 'checks', 'must have at least one check, got []');
    list?.forEach((raw, index) => {
      const check = validateCheck(scope, raw, index, defaults, firstIndexOfId, homeRegion);
      if (check?.type === 'heartbeat') heartbeats.push(check);
      else if (check !== undefined) checks.push(check);
    });
  }

  // Alerts and maintenance windows refer to checks by id and tag; any id that was read counts, so a check
  // with an unrelated problem does not also make every reference to it an error.
  const refs = { ids: [...firstIndexOfId.keys()], tags: [...new Set([...checks, ...heartbeats].flatMap((c) => c.tags))] };
  const alerts = validateAlerts(scope, field(root, 'alerts'), refs);
  const maintenance = validateMaintenance(scope, field(root, 'maintenance'), refs);
  // Failover health follows a check's quorum alarm: heartbeats have none.
  const probedRefs = { ...refs, ids: refs.ids.filter((id) => !heartbeats.some((h) => h.id === id)) };
  const failover = validateFailover(scope, field(root, 'failover'), probedRefs, homeRegion);

  if (issues.length > 0) throw new ConfigError(issues);
  return { project, homeRegion, checks, heartbeats, alerts, maintenance, failover };
}

function readProject(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && PROJECT.test(value)) return value;
  report(scope, path, `must be 1 to 31 lower-case letters, digits and "-", starting with a letter, got ${describe(value)}`);
  return undefined;
}

function readRegion(scope: Scope, value: unknown, path: string): string | undefined {
  if (isAwsRegion(value)) return value;
  const hint = typeof value === 'string' ? didYouMean(value, AWS_REGIONS) : '';
  report(scope, path, `must be an AWS region code such as "us-east-1", got ${describe(value)}${hint}`);
  return undefined;
}

const readInterval = (s: Scope, v: unknown, p: string): number | undefined => readDuration(s, v, p, INTERVAL_MIN_MS, INTERVAL_MAX_MS);
const readTimeout = (s: Scope, v: unknown, p: string): number | undefined => readDuration(s, v, p, TIMEOUT_MIN_MS, TIMEOUT_MAX_MS);
const readRetries = (s: Scope, v: unknown, p: string): number | undefined => readInteger(s, v, p, 0, RETRIES_MAX);
const readSeverity = (s: Scope, v: unknown, p: string): Severity | undefined => readEnum(s, v, p, SEVERITIES);

/**
 * An SLO of 100% leaves no error budget to measure against; under 50% promises nothing. The lower bound also
 * catches a fraction written for a percent (0.999 meant as 99.9%).
 */
function readSlo(scope: Scope, value: unknown, path: string): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 50 && value < 100) return value;
  const hint = typeof value === 'number' && value > 0 && value < 1 ? ` (a percent: write ${Math.round(value * 1e6) / 1e4} for ${value})` : '';
  report(scope, path, `must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got ${describe(value)}${hint}`);
  return undefined;
}

/** The check's own value when it sets `key`, else what it inherits. */
function resolve<T>(
  scope: Scope,
  obj: Obj,
  key: string,
  path: string,
  reader: (scope: Scope, value: unknown, path: string) => T | undefined,
  inherited: Resolved<T>,
  source: 'check' | 'defaults' = 'check',
): Resolved<T> {
  const raw = field(obj, key);
  if (raw === undefined) return inherited;
  return { value: reader(scope, raw, at(path, key)), raw, source };
}

function builtin<T>(value: T, raw: unknown = value): Resolved<T> {
  return { value, raw, source: 'builtin' };
}

function readDefaults(scope: Scope, value: unknown): Defaults {
  const obj = value === undefined ? {} : (readObject(scope, value, 'defaults') ?? {});
  const path = 'defaults';
  checkKnownKeys(scope, obj, path, DEFAULTS_FIELDS);
  const interval = resolve(scope, obj, 'interval', path, readInterval, builtin(60_000, DEFAULT_INTERVAL), 'defaults');
  const timeout = resolve(scope, obj, 'timeout', path, readTimeout, builtin(10_000, DEFAULT_TIMEOUT), 'defaults');
  // Checked once here rather than on every check that inherits both.
  if (interval.source !== 'builtin' || timeout.source !== 'builtin') checkTimeoutFitsInterval(scope, path, interval, timeout);
  const rawPolicy = field(obj, 'alertPolicy');
  const policyObj = rawPolicy === undefined ? {} : (readObject(scope, rawPolicy, at(path, 'alertPolicy')) ?? {});
  return {
    interval,
    timeout,
    retries: resolve(scope, obj, 'retries', path, readRetries, builtin(DEFAULT_RETRIES), 'defaults'),
    regions: resolve(scope, obj, 'regions', path, readRegions, builtin(DEFAULT_REGIONS), 'defaults'),
    severity: resolve(scope, obj, 'severity', path, readSeverity, builtin(DEFAULT_SEVERITY), 'defaults'),
    alertPolicy: readPolicy(scope, policyObj, at(path, 'alertPolicy'), 'defaults'),
    slo: resolve(scope, obj, 'slo', path, readSlo, builtin(DEFAULT_SLO_PERCENT), 'defaults'),
  };
}

/** The timeout must end before the next run is due. Reported on whichever of the two `path` itself sets. */
function checkTimeoutFitsInterval(scope: Scope, path: string, interval: Resolved<number>, timeout: Resolved<number>): void {
  if (interval.value === undefined || timeout.value === undefined || timeout.value < interval.value) return;
  const own = path === 'defaults' ? 'defaults' : 'check';
  if (timeout.source === own) {
    report(scope, at(path, 'timeout'), `must be less than the interval (${formatDuration(interval.value)}${origin(interval, 'interval')}), got ${describe(timeout.raw)}`);
  } else {
    report(scope, at(path, 'interval'), `must be more than the timeout (${formatDuration(timeout.value)}${origin(timeout, 'timeout')}), got ${describe(interval.raw)}`);
  }
}

/** " from defaults.timeout" / " by default" for values a check did not set itself. */
function origin(resolved: Resolved<unknown>, key: string): string {
  if (resolved.source === 'defaults') return ` from defaults.${key}`;
  if (resolved.source === 'builtin') return ' by default';
  return '';
}

function readPolicy(scope: Scope, obj: Obj, path: string, source: 'check' | 'defaults'): PolicyInput {
  checkKnownKeys(scope, obj, path, ALERT_POLICY_FIELDS);
  const policy: PolicyInput = {};
  const limits = { failingLocations: AWS_REGIONS.length, failingPeriods: EVALUATION_PERIODS_MAX, evaluationPeriods: EVALUATION_PERIODS_MAX };
  for (const key of ALERT_POLICY_FIELDS) {
    const raw = field(obj, key);
    if (raw !== undefined) policy[key] = { value: readInteger(scope, raw, at(path, key), 1, limits[key]), raw, source };
  }
  return policy;
}

/**
 * k of n: the check's fields over defaults'. n defaults to 3; m to min(2, n);
 * k to a majority of the check's regions (1 of 1, 2 of 2, 2 of 3, 3 of 4...).
 */
function resolvePolicy(scope: Scope, obj: Obj, path: string, defaults: PolicyInput, regions: readonly string[] | undefined): AlertPolicy {
  const rawPolicy = field(obj, 'alertPolicy');
  const policyPath = at(path, 'alertPolicy');
  const own = rawPolicy === undefined ? {} : readPolicy(scope, readObject(scope, rawPolicy, policyPath) ?? {}, policyPath, 'check');
  const n = own.evaluationPeriods ?? defaults.evaluationPeriods;
  const m = own.failingPeriods ?? defaults.failingPeriods;
  const k = own.failingLocations ?? defaults.failingLocations;
  const nValue = n === undefined ? DEFAULT_EVALUATION_PERIODS : n.value;
  const mValue = m === undefined ? (nValue === undefined ? undefined : Math.min(2, nValue)) : m.value;
  const kValue = k === undefined ? (regions === undefined ? undefined : Math.floor(regions.length / 2) + 1) : k.value;
  const note = (r: Resolved<number> | undefined): string => (r?.source === 'defaults' ? ' (from defaults.alertPolicy)' : '');
  if (mValue !== undefined && nValue !== undefined && mValue > nValue) {
    report(scope, at(policyPath, 'failingPeriods'), `failingPeriods ${mValue}${note(m)} is more than evaluationPeriods ${nValue}${note(n)}`);
  }
  if (kValue !== undefined && regions !== undefined && kValue > regions.length) {
    const count = `${regions.length} region${regions.length === 1 ? '' : 's'}`;
    const fix = k?.source === 'defaults' ? ': set alertPolicy.failingLocations on this check' : '';
    report(scope, at(policyPath, 'failingLocations'), `failingLocations ${kValue}${note(k)} is more than the check's ${count}${fix}`);
  }
  return { failingLocations: kValue ?? 1, failingPeriods: mValue ?? 1, evaluationPeriods: nValue ?? DEFAULT_EVALUATION_PERIODS };
}

function readCheckId(scope: Scope, obj: Obj, path: string): string | undefined {
  const raw = field(obj, 'id');
  if (raw === undefined) {
    report(scope, at(path, 'id'), 'is required');
    return undefined;
  }
  if (typeof raw === 'string' && CHECK_ID.test(raw)) return raw;
  report(scope, at(path, 'id'), `must be 1 to 63 lower-case letters, digits, "-" and "_", starting with a letter or digit, got ${describe(raw)}`);
  return undefined;
}

/** What `type` may be in `checks`: a probed check type, or a heartbeat (routed to validate-heartbeat.ts). */
const ENTRY_TYPES = [...CHECK_TYPES, 'heartbeat'] as const;

function readCheckType(scope: Scope, obj: Obj, path: string): CheckType | undefined {
  const raw = field(obj, 'type');
  if (raw !== undefined) {
    const type = readEnum(scope, raw, at(path, 'type'), ENTRY_TYPES);
    return type === 'heartbeat' ? undefined : type;
  }
  report(scope, at(path, 'type'), `is required: one of ${ENTRY_TYPES.join(', ')}`);
  return undefined;
}

/** Validates one check; issues inside it carry its id once the id is known to be valid. */
function validateCheck(
  outer: Scope,
  value: unknown,
  index: number,
  defaults: Defaults,
  firstIndexOfId: Map<string, number>,
  homeRegion: string,
): Check | HeartbeatCheck | undefined {
  const path = at('checks', index);
  const obj = readObject(outer, value, path);
  if (obj === undefined) return undefined;
  const id = readCheckId(outer, obj, path);
  const scope: Scope = { issues: outer.issues, checkId: id };
  if (id !== undefined) {
    const first = firstIndexOfId.get(id);
    if (first === undefined) firstIndexOfId.set(id, index);
    else report(scope, at(path, 'id'), `duplicate id "${id}": checks[${first}] already uses it`);
  }
  if (field(obj, 'type') === 'heartbeat') {
    return validateHeartbeat(scope, obj, path, id, {
      severity: defaults.severity.value ?? DEFAULT_SEVERITY,
      sloPercent: defaults.slo.value ?? DEFAULT_SLO_PERCENT,
      severities: SEVERITIES,
      readSlo,
      homeRegion,
    });
  }
  const type = readCheckType(scope, obj, path);
  checkCheckKeys(scope, obj, path, type);

  // name: defaults to the id.
  const name = readOptional(scope, obj, 'name', path, (s, v, p) => readString(s, v, p, { nonEmpty: true }), id ?? '');
  const interval = resolve(scope, obj, 'interval', path, readInterval, defaults.interval);
  const timeout = resolve(scope, obj, 'timeout', path, readTimeout, defaults.timeout);
  if (interval.source === 'check' || timeout.source === 'check') checkTimeoutFitsInterval(scope, path, interval, timeout);
  const retries = resolve(scope, obj, 'retries', path, readRetries, defaults.retries);
  const regions = resolve(scope, obj, 'regions', path, readRegions, defaults.regions);
  const severity = resolve(scope, obj, 'severity', path, readSeverity, defaults.severity);
  const tags = readOptional(scope, obj, 'tags', path, readTags, []);
  const degradedAfterMs = readDegradedAfter(scope, obj, path, timeout);
  // Private, loopback and link-local targets are refused from AWS unless the check opts in.
  const allowPrivateTargets = readOptional(scope, obj, 'allowPrivateTargets', path, readBoolean, false);
  const alertPolicy = resolvePolicy(scope, obj, path, defaults.alertPolicy, regions.value);
  const slo = resolve(scope, obj, 'slo', path, readSlo, defaults.slo);

  if (type === undefined) return undefined;
  const base = {
    id: id ?? '',
    name,
    intervalMs: interval.value ?? 0,
    timeoutMs: timeout.value ?? 0,
    retries: retries.value ?? 0,
    regions: [...(regions.value ?? [])],
    tags,
    severity: severity.value ?? DEFAULT_SEVERITY,
    alertPolicy,
    degradedAfterMs,
    allowPrivateTargets,
    sloPercent: slo.value ?? DEFAULT_SLO_PERCENT,
  };
  switch (type) {
    case 'http':
      return { ...base, type, ...validateHttpFields(scope, obj, path, name) };
    case 'tcp':
      return { ...base, type, ...validateTcpFields(scope, obj, path) };
    case 'dns':
      return { ...base, type, ...validateDnsFields(scope, obj, path) };
    case 'tls':
      return { ...base, type, ...validateTlsFields(scope, obj, path) };
  }
}

/** Unknown keys, naming the check type a key belongs to when it is valid elsewhere. */
function checkCheckKeys(scope: Scope, obj: Obj, path: string, type: CheckType | undefined): void {
  if (type === undefined) {
    // Type unknown: only flag keys that no check type has.
    checkKnownKeys(scope, obj, path, [...COMMON_FIELDS, ...new Set(CHECK_TYPES.flatMap((t) => TYPE_FIELDS[t]))]);
    return;
  }
  const elsewhere = (key: string): string | undefined => {
    const owners = CHECK_TYPES.filter((t) => TYPE_FIELDS[t].includes(key));
    return owners.length === 0 ? undefined : `for a ${type} check (it belongs to ${owners.join(' and ')} checks)`;
  };
  checkKnownKeys(scope, obj, path, [...COMMON_FIELDS, ...TYPE_FIELDS[type]], elsewhere);
}

/** degradedAfter: a passing run slower than this is "degraded"; it must be under the timeout. Default: none. */
function readDegradedAfter(scope: Scope, obj: Obj, path: string, timeout: Resolved<number>): number | null {
  const raw = field(obj, 'degradedAfter');
  if (raw === undefined || raw === null) return null;
  const ms = readDuration(scope, raw, at(path, 'degradedAfter'), 1, TIMEOUT_MAX_MS);
  if (ms === undefined) return null;
  if (timeout.value !== undefined && ms >= timeout.value) {
    report(scope, at(path, 'degradedAfter'), `must be less than the timeout (${formatDuration(timeout.value)}${origin(timeout, 'timeout')}), got ${describe(raw)}`);
  }
  return ms;
}
