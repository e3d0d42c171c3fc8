import type { BackupSelector, HeartbeatCheck } from '../check.ts';
import type { Severity } from './input.ts';
import { readTags } from './validate-alerts.ts';
import {
  at,
  checkKnownKeys,
  describe,
  field,
  readArray,
  readDuration,
  readEnum,
  readObject,
  readOptional,
  readRequired,
  readString,
  report,
  type Obj,
  type Scope,
} from './validate-fields.ts';

/**
 * A `heartbeat({ ... })` entry of `checks`: a job that reports in. Read into `config.heartbeats`, never
 * into `config.checks` (nothing probes it).
 */

export const HEARTBEAT_FIELDS = ['id', 'name', 'type', 'every', 'grace', 'tags', 'severity', 'slo', 'backup'] as const;
const BACKUP_FIELDS = ['vaults', 'plans'] as const;

/** 10s: what the local runner can tell apart; 35d: a monthly job with room for a long month. */
export const HEARTBEAT_EVERY_MIN_MS = 10_000;
export const HEARTBEAT_EVERY_MAX_MS = 35 * 86_400_000;
export const HEARTBEAT_GRACE_MAX_MS = 7 * 86_400_000;
/** Default grace: a tenth of `every`, clamped to 1m..1h (a nightly job may be an hour late; a 1m job a minute). */
const GRACE_DEFAULT_MIN_MS = 60_000;
const GRACE_DEFAULT_MAX_MS = 3_600_000;

/** Vault names are 2-50 of [A-Za-z0-9_-]; vaults AWS services create themselves have "/" ("aws/efs/automatic-backup-vault"). */
const VAULT_NAME = /^[A-Za-z0-9_/-]{2,100}$/;
const VAULT_ARN = /^arn:aws[a-z-]*:backup:([a-z0-9-]+):(\d{12}):backup-vault:([A-Za-z0-9_/-]{2,100})$/;
/** Plan ids are UUIDs, or "aws/efs/<uuid>" for plans AWS services own. */
const PLAN_ID = /^[A-Za-z0-9_/-]{1,100}$/;
const PLAN_ARN = /^arn:aws[a-z-]*:backup:([a-z0-9-]+):(\d{12}):backup-plan:([A-Za-z0-9_/-]{1,100})$/;

export interface HeartbeatDefaults {
  readonly severity: Severity;
  readonly sloPercent: number;
  readonly severities: readonly Severity[];
  readonly readSlo: (scope: Scope, value: unknown, path: string) => number | undefined;
  /** AWS Backup events are read in the home region only: ARNs elsewhere can never match. */
  readonly homeRegion: string;
}

/** The default grace for a heartbeat that runs every `everyMs`. */
export function defaultGraceMs(everyMs: number): number {
  return Math.min(GRACE_DEFAULT_MAX_MS, Math.max(GRACE_DEFAULT_MIN_MS, Math.round(everyMs / 10)));
}

export function validateHeartbeat(scope: Scope, obj: Obj, path: string, id: string | undefined, defaults: HeartbeatDefaults): HeartbeatCheck | undefined {
  checkKnownKeys(scope, obj, path, HEARTBEAT_FIELDS, (key) =>
    ['interval', 'timeout', 'retries', 'regions', 'alertPolicy', 'degradedAfter'].includes(key)
      ? `for a heartbeat (a heartbeat is not probed: it takes "every" and "grace")`
      : undefined,
  );
  const name = readOptional(scope, obj, 'name', path, (s, v, p) => readString(s, v, p, { nonEmpty: true }), id ?? '');
  const everyMs = readRequired(scope, obj, 'every', path, (s, v, p) => readDuration(s, v, p, HEARTBEAT_EVERY_MIN_MS, HEARTBEAT_EVERY_MAX_MS));
  const rawGrace = field(obj, 'grace');
  const graceMs = rawGrace === undefined ? (everyMs === undefined ? undefined : defaultGraceMs(everyMs)) : readDuration(scope, rawGrace, at(path, 'grace'), 0, HEARTBEAT_GRACE_MAX_MS);
  const tags = readOptional(scope, obj, 'tags', path, readTags, []);
  const severity = readOptional(scope, obj, 'severity', path, (s, v, p) => readEnum(s, v, p, defaults.severities), defaults.severity);
  const sloPercent = readOptional(scope, obj, 'slo', path, defaults.readSlo, defaults.sloPercent);
  const rawBackup = field(obj, 'backup');
  const backup = rawBackup === undefined ? null : readBackup(scope, rawBackup, at(path, 'backup'), defaults.homeRegion);
  if (id === undefined || everyMs === undefined || graceMs === undefined) return undefined;
  return { type: 'heartbeat', id, name, everyMs, graceMs, tags, severity, sloPercent, backup };
}

function readBackup(scope: Scope, value: unknown, path: string, homeRegion: string): BackupSelector | null {
  const obj = readObject(scope, value, path);
  if (obj === undefined) return null;
  checkKnownKeys(scope, obj, path, BACKUP_FIELDS);
  const vaults = readSelectorList(scope, field(obj, 'vaults'), at(path, 'vaults'), (v, p) => readVault(scope, v, p, homeRegion));
  const plans = readSelectorList(scope, field(obj, 'plans'), at(path, 'plans'), (v, p) => readPlan(scope, v, p, homeRegion));
  if (vaults.length === 0 && plans.length === 0 && field(obj, 'vaults') === undefined && field(obj, 'plans') === undefined) {
    report(scope, path, 'must name backup vaults, plans or both, e.g. { vaults: ["prod-vault"] }');
  } else if (vaults.length === 0 && plans.length === 0) {
    report(scope, path, 'must name at least one backup vault or plan');
  }
  return { vaults, plans };
}

function readSelectorList(scope: Scope, value: unknown, path: string, read: (value: unknown, path: string) => boolean): string[] {
  if (value === undefined) return [];
  const list = readArray(scope, value, path);
  if (list === undefined) return [];
  const out: string[] = [];
  list.forEach((item, i) => {
    if (!read(item, at(path, i))) return;
    const text = item as string;
    const first = out.indexOf(text);
    if (first !== -1) report(scope, at(path, i), `duplicate ${describe(text)} (also at ${at(path, first)})`);
    else out.push(text);
  });
  return out;
}

function readVault(scope: Scope, value: unknown, path: string, homeRegion: string): boolean {
  if (typeof value === 'string') {
    const arn = VAULT_ARN.exec(value);
    if (arn !== null) return inHomeRegion(scope, arn[1] ?? '', path, value, homeRegion);
    if (!value.startsWith('arn:') && VAULT_NAME.test(value)) return true;
  }
  report(scope, path, `must be a backup vault name (2 to 100 letters, digits, "-", "_" and "/") or a backup vault ARN, got ${describe(value)}`);
  return false;
}

function readPlan(scope: Scope, value: unknown, path: string, homeRegion: string): boolean {
  if (typeof value === 'string') {
    const arn = PLAN_ARN.exec(value);
    if (arn !== null) return inHomeRegion(scope, arn[1] ?? '', path, value, homeRegion);
    if (!value.startsWith('arn:') && PLAN_ID.test(value)) return true;
  }
  report(scope, path, `must be a backup plan id (as in the AWS Backup console, not the plan's name) or a backup plan ARN, got ${describe(value)}`);
  return false;
}

function inHomeRegion(scope: Scope, region: string, path: string, value: string, homeRegion: string): boolean {
  if (region === homeRegion) return true;
  report(scope, path, `is in ${region}, but backup events are read in the home region ${homeRegion} only, got ${describe(value)}`);
  return false;
}
