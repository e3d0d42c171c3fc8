import { WEEKDAYS, type Check, type MaintenanceWindow, type RecurringMaintenanceWindow } from './check.ts';

/**
 * Maintenance windows: when a check's alerts are muted and its downtime is
 * planned. Intervals are half-open, [startMs, endMs). Weekly windows are
 * expanded day by day in their own time zone, so "02:00 Europe/Berlin" is
 * 01:00Z in winter and 00:00Z in summer; their duration is elapsed time.
 */

export interface MaintenanceInterval {
  readonly startMs: number;
  readonly endMs: number;
  /** The window that opened first, when windows overlap and were merged. */
  readonly windowId: string;
}

const DAY_MS = 86_400_000;

/** "HH:MM", 24-hour, zero-padded. */
const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** Date, hours and minutes, optional seconds and fraction, then "Z" or an offset. */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;

/** Does the window mute this check? */
export function maintenanceAppliesTo(window: MaintenanceWindow, check: Pick<Check, 'id' | 'tags'>): boolean {
  return window.all || window.checks.includes(check.id) || window.tags.some((tag) => check.tags.includes(tag));
}

/** The first window (in config order) that mutes the check at `atMs`, or null. */
export function activeMaintenance(
  windows: readonly MaintenanceWindow[],
  check: Pick<Check, 'id' | 'tags'>,
  atMs: number,
): MaintenanceWindow | null {
  for (const window of windows) {
    if (maintenanceAppliesTo(window, check) && windowIntervals(window, atMs, atMs + 1).length > 0) return window;
  }
  return null;
}

/** The times in [fromMs, toMs) when the check is in maintenance: clipped, sorted, overlapping and touching intervals merged. */
export function maintenanceIntervals(
  windows: readonly MaintenanceWindow[],
  check: Pick<Check, 'id' | 'tags'>,
  fromMs: number,
  toMs: number,
): MaintenanceInterval[] {
  if (!(toMs > fromMs)) return [];
  const all = windows.filter((w) => maintenanceAppliesTo(w, check)).flatMap((w) => windowIntervals(w, fromMs, toMs));
  // Stable sort: on equal starts the window listed first in the config names the merged interval.
  all.sort((a, b) => a.startMs - b.startMs);
  const merged: MaintenanceInterval[] = [];
  for (const interval of all) {
    const last = merged[merged.length - 1];
    if (last !== undefined && interval.startMs <= last.endMs) {
      if (interval.endMs > last.endMs) merged[merged.length - 1] = { ...last, endMs: interval.endMs };
    } else {
      merged.push(interval);
    }
  }
  return merged;
}

/**
 * When the check's latest maintenance in [fromMs, nowMs] ended, if it ended in that span and the check is
 * not in maintenance at `nowMs`; else null. What turns a planned incident into an unplanned one when the
 * check is still down after its window.
 */
export function maintenanceEndedAt(
  windows: readonly MaintenanceWindow[],
  check: Pick<Check, 'id' | 'tags'>,
  fromMs: number,
  nowMs: number,
): number | null {
  if (activeMaintenance(windows, check, nowMs) !== null) return null;
  const intervals = maintenanceIntervals(windows, check, fromMs, nowMs + 1);
  const last = intervals[intervals.length - 1];
  return last === undefined ? null : Math.min(last.endMs, nowMs);
}

/** Milliseconds of [fromMs, toMs) the check spent in maintenance: planned downtime, apart from the error budget. */
export function plannedOverlapMs(
  windows: readonly MaintenanceWindow[],
  check: Pick<Check, 'id' | 'tags'>,
  fromMs: number,
  toMs: number,
): number {
  return maintenanceIntervals(windows, check, fromMs, toMs).reduce((sum, i) => sum + (i.endMs - i.startMs), 0);
}

/** One window's occurrences overlapping [fromMs, toMs), clipped to it; not merged. */
export function windowIntervals(window: MaintenanceWindow, fromMs: number, toMs: number): MaintenanceInterval[] {
  if (!(toMs > fromMs)) return [];
  if (window.schedule === 'once') {
    const startMs = Math.max(window.startMs, fromMs);
    const endMs = Math.min(window.endMs, toMs);
    return startMs < endMs ? [{ startMs, endMs, windowId: window.id }] : [];
  }
  return weeklyIntervals(window, fromMs, toMs);
}

function weeklyIntervals(window: RecurringMaintenanceWindow, fromMs: number, toMs: number): MaintenanceInterval[] {
  const time = parseClockTime(window.startTime);
  if (time === undefined || window.weekdays.length === 0 || window.durationMs <= 0) return [];
  const zone = window.timeZone;
  // Local calendar days as UTC-midnight ms (UTC has no DST, so a day is always DAY_MS). Start early enough
  // for an occurrence opened days before `fromMs` that is still running; one more day absorbs the UTC offset.
  const first = wallTimeAt(zone, fromMs);
  const last = wallTimeAt(zone, toMs);
  const firstDay = utcMs(first.year, first.month, first.day, 0, 0, 0) - (Math.ceil(window.durationMs / DAY_MS) + 1) * DAY_MS;
  const lastDay = utcMs(last.year, last.month, last.day, 0, 0, 0);
  const out: MaintenanceInterval[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    const date = new Date(day);
    const weekday = WEEKDAYS[(date.getUTCDay() + 6) % 7];
    if (weekday === undefined || !window.weekdays.includes(weekday)) continue;
    const opens = localTimeToEpochMs(zone, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), time.hour, time.minute);
    const startMs = Math.max(opens, fromMs);
    const endMs = Math.min(opens + window.durationMs, toMs);
    if (startMs < endMs) out.push({ startMs, endMs, windowId: window.id });
  }
  return out;
}

/** "HH:MM" (24-hour, two digits each) as numbers; undefined when it is not one. */
export function parseClockTime(text: string): { hour: number; minute: number } | undefined {
  const match = CLOCK_TIME.exec(text);
  if (!match) return undefined;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * An ISO 8601 instant with "Z" or an offset ("2025-03-01T22:00:00+01:00") as epoch ms.
 * Undefined for anything else, including dates that do not exist ("2025-02-30"), which
 * `Date.parse` would quietly roll over into March.
 */
export function parseIsoInstant(text: string): number | undefined {
  const match = ISO_INSTANT.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMs = 0;
  if (zone !== undefined && zone !== 'Z') {
    const offsetHours = Number(zone.slice(1, 3));
    const offsetMinutes = Number(zone.slice(4, 6));
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetMs = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  return utcMs(year, month, day, hour, minute, second) + ms - offsetMs;
}

/** The canonical name of an IANA time zone ("europe/berlin" → "Europe/Berlin"), or undefined when Intl does not know it. */
export function canonicalTimeZone(name: string): string | undefined {
  if (name.trim() === '') return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * The instant at which the wall clock in `timeZone` reads this local time. A time that
 * happens twice (clocks going back) is its first occurrence; a time that never happens
 * (clocks going forward) becomes the first valid instant after it: the moment of the change.
 */
export function localTimeToEpochMs(timeZone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const local = utcMs(year, month, day, hour, minute, 0);
  // Real zones change their offset at most once within two days of any instant.
  const before = offsetMsAt(timeZone, local - DAY_MS);
  const after = offsetMsAt(timeZone, local + DAY_MS);
  const candidates = [local - before, local - after].filter((t) => t + offsetMsAt(timeZone, t) === local);
  if (candidates.length > 0) return Math.min(...candidates);
  if (after <= before) return local - before;
  // In the gap: the change lies in (local - after, local - before]. Find it to the millisecond.
  let lo = local - after;
  let hi = local - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMsAt(timeZone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Formatters are costly to build; one per zone, kept for the life of the process. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallTimeAt(timeZone: string, epochMs: number): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts['year'] ?? 1970,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    // Some ICU versions write midnight as 24 even with h23.
    hour: (parts['hour'] ?? 0) % 24,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** Local time minus UTC at an instant, in ms (Europe/Berlin: 3_600_000 in winter). */
function offsetMsAt(timeZone: string, epochMs: number): number {
  const wall = wallTimeAt(timeZone, epochMs);
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  return utcMs(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second) - wholeSecond;
}

/** Date.UTC without its two-digit-year quirk (year 25 is not 1925). */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0, 0, 0, 0)).getUTCDate();
}
