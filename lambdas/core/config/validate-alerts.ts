import { SEVERITIES, WEEKDAYS, type AlertsConfig, type MaintenanceWindow, type Webhook } from '../check.ts';
import { canonicalTimeZone, parseClockTime, parseIsoInstant } from '../maintenance.ts';
import type { Severity, Weekday } from './input.ts';
import {
  at,
  checkKnownKeys,
  readHeaderMap,
  describe,
  didYouMean,
  field,
  readArray,
  readBoolean,
  readDuration,
  readEnum,
  readObject,
  readOptional,
  readRequired,
  readString,
  report,
  PLACEHOLDER,
  type Scope,
} from './validate-fields.ts';

/**
 * The top-level `alerts` and `maintenance` sections, and the tags that
 * checks carry and that webhooks and maintenance windows select checks by.
 */

const ALERTS_FIELDS = ['webhooks', 'email', 'sms', 'https', 'dashboardUrl'] as const;
const WEBHOOK_FIELDS = ['url', 'format', 'headers', 'severities', 'tags'] as const;
const WEBHOOK_FORMATS = ['json', 'slack'] as const;
const SCOPE_FIELDS = ['id', 'checks', 'tags', 'all', 'reason'] as const;
const ONE_OFF_FIELDS = ['start', 'end'] as const;
const WEEKLY_FIELDS = ['weekdays', 'startTime', 'duration', 'timeZone'] as const;
const MAINTENANCE_FIELDS = [...SCOPE_FIELDS, ...ONE_OFF_FIELDS, ...WEEKLY_FIELDS] as const;

/** One receiver per team or channel is plenty; each alert is one request per webhook. */
const MAX_WEBHOOKS = 20;
/** Headers skyprobe sets itself on every delivery, or that the HTTP client owns. */
const RESERVED_HEADERS = ['content-type', 'content-length', 'transfer-encoding', 'connection', 'host', 'x-skyprobe-event-id'];
/** RFC 9110 token: what a header name may be made of. */
const SECRET_NAME = /^[A-Z0-9_]+$/;
const TAG = /^[a-z0-9][a-z0-9_.:-]{0,62}$/i;
/** Same shape as check ids: maintenance ids appear next to them in logs and the dashboard. */
const WINDOW_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Recurring windows last 1m..7d: a longer one would overlap its own next opening. */
const WINDOW_MIN_MS = 60_000;
const WINDOW_MAX_MS = 7 * 86_400_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** E.164: a "+", then a country code that does not start with 0, 7 to 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;

/** SNS subscriptions of the alert topic: what each list holds, as named in messages, and the test for it. */
const SUBSCRIPTIONS = {
  email: { what: 'an e-mail address', valid: (s: string): boolean => EMAIL.test(s) },
  sms: { what: 'an e.164 phone number such as "+14155550100"', valid: (s: string): boolean => E164.test(s) },
  https: { what: 'an https:// url', valid: isHttpsUrl },
} as const;
type SubscriptionKind = keyof typeof SUBSCRIPTIONS;

/** What `alerts` and `maintenance` may refer to: the config's checks. */
export interface CheckRefs {
  /** Every usable check id, including ids of checks that have other problems. */
  readonly ids: readonly string[];
  /** Every tag some check carries. */
  readonly tags: readonly string[];
}

export function readTags(scope: Scope, value: unknown, path: string): string[] | undefined {
  const list = readArray(scope, value, path);
  if (list === undefined) return undefined;
  const tags: string[] = [];
  list.forEach((tag, i) => {
    if (typeof tag === 'string' && TAG.test(tag)) tags.push(tag);
    else report(scope, at(path, i), `must be 1 to 63 letters, digits, "_", ".", ":" and "-", starting with a letter or digit, got ${describe(tag)}`);
  });
  return tags.length === list.length ? tags : undefined;
}

/** Tags that select checks: a non-empty list, each once and carried by some check (a typo would silently select nothing). */
function readSelectorTags(scope: Scope, value: unknown, path: string, refs: CheckRefs): string[] | undefined {
  const tags = readTags(scope, value, path);
  if (tags === undefined) return undefined;
  if (tags.length === 0) {
    report(scope, path, 'must list at least one tag, got []');
    return undefined;
  }
  let ok = true;
  const firstIndex = new Map<string, number>();
  tags.forEach((tag, i) => {
    const first = firstIndex.get(tag);
    if (first !== undefined) {
      report(scope, at(path, i), `duplicate tag "${tag}" (also at ${at(path, first)})`);
      ok = false;
    } else if (!refs.tags.includes(tag)) {
      report(scope, at(path, i), `no check has tag "${tag}"${didYouMean(tag, refs.tags)}`);
      ok = false;
    }
    firstIndex.set(tag, first ?? i);
  });
  return ok ? tags : undefined;
}

export function validateAlerts(scope: Scope, value: unknown, refs: CheckRefs): AlertsConfig {
  const none: AlertsConfig = { webhooks: [], email: [], sms: [], https: [], dashboardUrl: null };
  if (value === undefined) return none;
  const obj = readObject(scope, value, 'alerts');
  if (obj === undefined) return none;
  checkKnownKeys(scope, obj, 'alerts', ALERTS_FIELDS);
  const webhooks: Webhook[] = [];
  const rawWebhooks = field(obj, 'webhooks');
  if (rawWebhooks !== undefined) {
    const path = at('alerts', 'webhooks');
    const list = readArray(scope, rawWebhooks, path);
    if (list !== undefined && list.length > MAX_WEBHOOKS) report(scope, path, `must have at most ${MAX_WEBHOOKS} webhooks, got ${list.length}`);
    list?.forEach((raw, i) => {
      const webhook = readWebhook(scope, raw, at(path, i), refs);
      if (webhook !== undefined) webhooks.push(webhook);
    });
  }
  const subscriptions = (kind: SubscriptionKind): string[] =>
    readOptional(scope, obj, kind, 'alerts', (s, v, p) => readSubscriptions(s, v, p, kind), []);
  const email = subscriptions('email');
  const sms = subscriptions('sms');
  const https = subscriptions('https');
  const dashboardUrl = readOptional<string | null>(scope, obj, 'dashboardUrl', 'alerts', readDashboardUrl, null);
  return { webhooks, email, sms, https, dashboardUrl };
}

/**
 * A list of SNS subscription endpoints of one kind, each once. They go into the CloudFormation template as
 * written, where nothing would render a `{{secret:NAME}}` (webhooks, which may hold one, are sent by the
 * notifier function instead): placeholders are refused, with that reason.
 */
function readSubscriptions(scope: Scope, value: unknown, path: string, kind: SubscriptionKind): string[] | undefined {
  const list = readArray(scope, value, path);
  if (list === undefined) return undefined;
  const { what, valid } = SUBSCRIPTIONS[kind];
  const firstIndex = new Map<string, number>();
  let ok = true;
  list.forEach((item, i) => {
    const itemPath = at(path, i);
    if (typeof item === 'string' && item.includes('{{')) {
      report(scope, itemPath, `cannot hold {{...}} placeholders: subscriptions are stored in the cloudformation template, got ${describe(item)}`);
      ok = false;
      return;
    }
    if (typeof item !== 'string' || !valid(item)) {
      report(scope, itemPath, `must be ${what}, got ${describe(item)}`);
      ok = false;
      return;
    }
    const first = firstIndex.get(item);
    if (first !== undefined) {
      report(scope, itemPath, `duplicate subscription ${describe(item)} (also at ${at(path, first)})`);
      ok = false;
      return;
    }
    firstIndex.set(item, i);
  });
  return ok ? list.map(String) : undefined;
}

function readWebhook(scope: Scope, value: unknown, path: string, refs: CheckRefs): Webhook | undefined {
  const obj = readObject(scope, value, path);
  if (obj === undefined) return undefined;
  checkKnownKeys(scope, obj, path, WEBHOOK_FIELDS);
  const url = readRequired(scope, obj, 'url', path, readWebhookUrl) ?? '';
  const format = readOptional(scope, obj, 'format', path, (s, v, p) => readEnum(s, v, p, WEBHOOK_FORMATS), 'json');
  const headers = readWebhookHeaders(scope, field(obj, 'headers'), at(path, 'headers'));
  const severities = readOptional<readonly Severity[]>(scope, obj, 'severities', path, readSeverities, SEVERITIES);
  const tags = readOptional<readonly string[] | null>(scope, obj, 'tags', path, (s, v, p) => readSelectorTags(s, v, p, refs), null);
  return { url, format, headers, severities: [...severities], tags: tags === null ? null : [...tags] };
}

/**
 * Webhook URLs and header values take `{{secret:NAME}}` and nothing else between
 * double braces: there are no variables outside a check's scenario steps.
 */
function checkSecretPlaceholders(scope: Scope, text: string, path: string): boolean {
  let ok = true;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const whole = match[0];
    const inner = match[1] ?? '';
    if (inner.startsWith('secret:') && SECRET_NAME.test(inner.slice('secret:'.length))) continue;
    ok = false;
    if (inner.startsWith('secret:')) report(scope, path, `secret name must be upper-case letters, digits and "_", got "${whole}"`);
    else report(scope, path, `invalid placeholder "${whole}": webhook URLs and headers take only {{secret:NAME}}, without spaces`);
  }
  return ok;
}

/** An absolute http(s) URL, checked with placeholders replaced by "x" (a secret may stand for any part, host included). */
function readWebhookUrl(scope: Scope, value: unknown, path: string): string | undefined {
  const raw = readString(scope, value, path, { nonEmpty: true });
  if (raw === undefined) return undefined;
  const url = raw.trim();
  if (!checkSecretPlaceholders(scope, url, path)) return undefined;
  const filled = url.replace(PLACEHOLDER, 'x');
  if (filled.includes('{{') || filled.includes('}}')) {
    report(scope, path, `has an unclosed placeholder, got ${describe(raw)}`);
    return undefined;
  }
  if (!isHttpUrl(filled)) {
    report(scope, path, `must be an absolute http:// or https:// URL, got ${describe(raw)}`);
    return undefined;
  }
  return url;
}

/** Shown to people in every alert, so it is a plain URL: no placeholders, nothing secret. */
function readDashboardUrl(scope: Scope, value: unknown, path: string): string | undefined {
  const raw = readString(scope, value, path, { nonEmpty: true });
  if (raw === undefined) return undefined;
  const url = raw.trim();
  if (url.includes('{{')) {
    report(scope, path, `must not hold placeholders (it is shown in every alert), got ${describe(raw)}`);
    return undefined;
  }
  if (!isHttpUrl(url)) {
    report(scope, path, `must be an absolute http:// or https:// URL, got ${describe(raw)}`);
    return undefined;
  }
  return url;
}

/** No surrounding spaces: the URL is subscribed exactly as written. */
function isHttpsUrl(text: string): boolean {
  if (text.trim() !== text) return false;
  try {
    const parsed = new URL(text);
    return parsed.protocol === 'https:' && parsed.hostname !== '';
  } catch {
    return false;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const parsed = new URL(text);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

function readWebhookHeaders(scope: Scope, value: unknown, path: string): Record<string, string> {
  return readHeaderMap(scope, value, path, { reserved: RESERVED_HEADERS, accept: (headerValue, headerPath) => checkSecretPlaceholders(scope, headerValue, headerPath) });
}

/** A non-empty list of severities without duplicates, returned most urgent first. */
function readSeverities(scope: Scope, value: unknown, path: string): Severity[] | undefined {
  return readDistinct(scope, value, path, SEVERITIES, 'severity');
}

/** A non-empty list of values from `allowed`, each once, returned in the order of `allowed`. */
function readDistinct<T extends string>(scope: Scope, value: unknown, path: string, allowed: readonly T[], noun: string): T[] | undefined {
  const list = readArray(scope, value, path);
  if (list === undefined) return undefined;
  if (list.length === 0) {
    report(scope, path, `must list at least one ${noun}, got []`);
    return undefined;
  }
  const seen = new Map<T, number>();
  let ok = true;
  list.forEach((item, i) => {
    const read = readEnum(scope, item, at(path, i), allowed);
    if (read === undefined) {
      ok = false;
      return;
    }
    const first = seen.get(read);
    if (first !== undefined) {
      report(scope, at(path, i), `duplicate ${noun} "${read}" (also at ${at(path, first)})`);
      ok = false;
      return;
    }
    seen.set(read, i);
  });
  return ok ? allowed.filter((a) => seen.has(a)) : undefined;
}

export function validateMaintenance(scope: Scope, value: unknown, refs: CheckRefs): MaintenanceWindow[] {
  if (value === undefined) return [];
  const list = readArray(scope, value, 'maintenance');
  if (list === undefined) return [];
  const firstIndexOfId = new Map<string, number>();
  const windows: MaintenanceWindow[] = [];
  list.forEach((raw, index) => {
    const window = readWindow(scope, raw, index, refs, firstIndexOfId);
    if (window !== undefined) windows.push(window);
  });
  return windows;
}

function readWindow(scope: Scope, value: unknown, index: number, refs: CheckRefs, firstIndexOfId: Map<string, number>): MaintenanceWindow | undefined {
  const path = at('maintenance', index);
  const obj = readObject(scope, value, path);
  if (obj === undefined) return undefined;
  checkKnownKeys(scope, obj, path, MAINTENANCE_FIELDS);
  const id = readRequired(scope, obj, 'id', path, readWindowId);
  if (id !== undefined) {
    const first = firstIndexOfId.get(id);
    if (first === undefined) firstIndexOfId.set(id, index);
    else report(scope, at(path, 'id'), `duplicate id "${id}": maintenance[${first}] already uses it`);
  }
  const checks = readOptional(scope, obj, 'checks', path, (s, v, p) => readCheckIds(s, v, p, refs), []);
  const tags = readOptional(scope, obj, 'tags', path, (s, v, p) => readSelectorTags(s, v, p, refs), []);
  const all = readOptional(scope, obj, 'all', path, readBoolean, false);
  const reason = readOptional<string | null>(scope, obj, 'reason', path, (s, v, p) => readString(s, v, p, { nonEmpty: true }), null);
  const selects = field(obj, 'checks') !== undefined || field(obj, 'tags') !== undefined;
  if (all && selects) {
    report(scope, at(path, 'all'), 'all: true mutes every check: leave out "checks" and "tags", or drop "all"');
  } else if (!all && !selects) {
    report(scope, path, 'needs "checks", "tags" or "all: true" to say which checks it mutes');
  }
  const base = { id: id ?? '', checks, tags, all, reason };

  const oneOff = ONE_OFF_FIELDS.filter((key) => field(obj, key) !== undefined);
  const weekly = WEEKLY_FIELDS.filter((key) => field(obj, key) !== undefined);
  if (oneOff.length > 0 && weekly.length > 0) {
    report(scope, path, `give either "start" and "end" (one-off) or "weekdays", "startTime", "duration" and "timeZone" (weekly), got ${[...oneOff, ...weekly].join(', ')}`);
    return undefined;
  }
  if (oneOff.length === 0 && weekly.length === 0) {
    report(scope, path, 'needs "start" and "end" (one-off), or "weekdays", "startTime", "duration" and "timeZone" (weekly)');
    return undefined;
  }
  if (oneOff.length > 0) {
    const startMs = readRequired(scope, obj, 'start', path, readInstant);
    const endMs = readRequired(scope, obj, 'end', path, readInstant);
    if (startMs === undefined || endMs === undefined) return undefined;
    if (endMs <= startMs) {
      report(scope, at(path, 'end'), `must be after start (${describe(field(obj, 'start'))}), got ${describe(field(obj, 'end'))}`);
      return undefined;
    }
    return { ...base, schedule: 'once', startMs, endMs };
  }
  const weekdays = readRequired(scope, obj, 'weekdays', path, (s, v, p) => readDistinct<Weekday>(s, v, p, WEEKDAYS, 'weekday'));
  const startTime = readRequired(scope, obj, 'startTime', path, readStartTime);
  const durationMs = readRequired(scope, obj, 'duration', path, (s, v, p) => readDuration(s, v, p, WINDOW_MIN_MS, WINDOW_MAX_MS));
  const timeZone = readRequired(scope, obj, 'timeZone', path, readTimeZone);
  if (weekdays === undefined || startTime === undefined || durationMs === undefined || timeZone === undefined) return undefined;
  return { ...base, schedule: 'weekly', weekdays, startTime, durationMs, timeZone };
}

function readWindowId(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && WINDOW_ID.test(value)) return value;
  report(scope, path, `must be 1 to 63 lower-case letters, digits, "-" and "_", starting with a letter or digit, got ${describe(value)}`);
  return undefined;
}

function readCheckIds(scope: Scope, value: unknown, path: string, refs: CheckRefs): string[] | undefined {
  const list = readArray(scope, value, path);
  if (list === undefined) return undefined;
  if (list.length === 0) {
    report(scope, path, 'must list at least one check id, got []');
    return undefined;
  }
  const firstIndex = new Map<string, number>();
  let ok = true;
  list.forEach((id, i) => {
    if (typeof id !== 'string' || !refs.ids.includes(id)) {
      const hint = typeof id === 'string' ? didYouMean(id, refs.ids) : '';
      report(scope, at(path, i), `must be the id of a check in this config, got ${describe(id)}${hint}`);
      ok = false;
      return;
    }
    const first = firstIndex.get(id);
    if (first !== undefined) {
      report(scope, at(path, i), `duplicate check "${id}" (also at ${at(path, first)})`);
      ok = false;
      return;
    }
    firstIndex.set(id, i);
  });
  return ok ? list.map(String) : undefined;
}

function readInstant(scope: Scope, value: unknown, path: string): number | undefined {
  const ms = typeof value === 'string' ? parseIsoInstant(value.trim()) : undefined;
  if (ms !== undefined) return ms;
  report(scope, path, `must be an ISO 8601 time with "Z" or an offset, such as "2025-03-01T22:00:00+01:00", got ${describe(value)}`);
  return undefined;
}

function readStartTime(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && parseClockTime(value) !== undefined) return value;
  report(scope, path, `must be a 24-hour time "HH:MM" such as "02:00", got ${describe(value)}`);
  return undefined;
}

function readTimeZone(scope: Scope, value: unknown, path: string): string | undefined {
  const zone = typeof value === 'string' ? canonicalTimeZone(value) : undefined;
  if (zone !== undefined) return zone;
  const hint = typeof value === 'string' ? didYouMean(value, ['UTC', ...Intl.supportedValuesOf('timeZone')]) : '';
  report(scope, path, `must be an IANA time zone such as "Europe/Berlin" or "UTC", got ${describe(value)}${hint}`);
  return undefined;
}
