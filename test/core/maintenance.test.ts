import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MaintenanceWindow, OneOffMaintenanceWindow, RecurringMaintenanceWindow } from '../../lambdas/core/check.ts';
import type { Weekday } from '../../lambdas/core/config/input.ts';
import {
  activeMaintenance,
  canonicalTimeZone,
  localTimeToEpochMs,
  maintenanceEndedAt,
  maintenanceIntervals,
  parseClockTime,
  parseIsoInstant,
  plannedOverlapMs,
  windowIntervals,
} from '../../lambdas/core/maintenance.ts';

const t = (iso: string): number => {
  const ms = Date.parse(iso);
  assert.ok(!Number.isNaN(ms), `bad test time ${iso}`);
  return ms;
};
const iso = (ms: number): string => new Date(ms).toISOString().replace(':00.000Z', 'Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

const HOME = { id: 'home', tags: ['prod', 'web'] };
const MAIL = { id: 'mail', tags: ['mail'] };

function once(id: string, start: string, end: string, scope: Partial<MaintenanceWindow> = { all: true }): OneOffMaintenanceWindow {
  return { id, checks: [], tags: [], all: false, reason: null, ...scope, schedule: 'once', startMs: t(start), endMs: t(end) } as OneOffMaintenanceWindow;
}

function weekly(id: string, weekdays: Weekday[], startTime: string, durationMs: number, timeZone: string, scope: Partial<MaintenanceWindow> = { all: true }): RecurringMaintenanceWindow {
  return { id, checks: [], tags: [], all: false, reason: null, ...scope, schedule: 'weekly', weekdays, startTime, durationMs, timeZone } as RecurringMaintenanceWindow;
}

/** Intervals as [start, end, windowId] with ISO times, for readable failures. */
function spans(windows: MaintenanceWindow[], from: string, to: string, check = HOME): [string, string, string][] {
  return maintenanceIntervals(windows, check, t(from), t(to)).map((i) => [iso(i.startMs), iso(i.endMs), i.windowId]);
}

describe('localTimeToEpochMs', () => {
  // [zone, local date and time, expected instant, why]
  const cases: readonly [string, [number, number, number, number, number], string, string][] = [
    ['Europe/Berlin', [2024, 1, 15, 2, 0], '2024-01-15T01:00Z', 'winter: UTC+1'],
    ['Europe/Berlin', [2024, 7, 15, 2, 0], '2024-07-15T00:00Z', 'summer: UTC+2'],
    ['Europe/Berlin', [2024, 3, 31, 2, 0], '2024-03-31T01:00Z', 'spring forward: 02:00 does not exist, opens at 03:00 CEST'],
    ['Europe/Berlin', [2024, 3, 31, 2, 59], '2024-03-31T01:00Z', 'spring forward: the end of the gap also opens at the change'],
    ['Europe/Berlin', [2024, 3, 31, 3, 0], '2024-03-31T01:00Z', 'spring forward: 03:00 CEST is the change itself'],
    ['Europe/Berlin', [2024, 3, 31, 1, 59], '2024-03-31T00:59Z', 'spring forward: just before the gap is still winter time'],
    ['Europe/Berlin', [2024, 10, 27, 2, 30], '2024-10-27T00:30Z', 'fall back: 02:30 happens twice, the first (CEST) counts'],
    ['Europe/Berlin', [2024, 10, 27, 3, 0], '2024-10-27T02:00Z', 'fall back: 03:00 is back on UTC+1'],
    ['America/New_York', [2024, 3, 10, 2, 30], '2024-03-10T07:00Z', 'spring forward in the US: opens at 03:00 EDT'],
    ['America/New_York', [2024, 11, 3, 1, 30], '2024-11-03T05:30Z', 'fall back in the US: the first 01:30 (EDT)'],
    ['Australia/Lord_Howe', [2024, 10, 6, 2, 15], '2024-10-05T15:30Z', 'a 30-minute DST change'],
    ['Asia/Kolkata', [2024, 6, 1, 0, 0], '2024-05-31T18:30Z', 'a half-hour offset, previous UTC day'],
    ['UTC', [2024, 2, 29, 23, 59], '2024-02-29T23:59Z', 'UTC on a leap day'],
  ];
  for (const [zone, [y, mo, d, h, mi], expected, why] of cases) {
    it(`places ${zone} ${y}-${mo}-${d} ${h}:${String(mi).padStart(2, '0')} at ${expected} (${why})`, () => {
      assert.equal(iso(localTimeToEpochMs(zone, y, mo, d, h, mi)), expected);
    });
  }
});

describe('maintenanceIntervals', () => {
  const cases: readonly { name: string; windows: MaintenanceWindow[]; from: string; to: string; expected: [string, string, string][]; check?: typeof HOME }[] = [
    {
      name: 'opens a 02:00 Berlin window at 01:00Z in winter',
      windows: [weekly('w', ['mon'], '02:00', HOUR, 'Europe/Berlin')],
      from: '2024-01-14T00:00Z',
      to: '2024-01-16T00:00Z',
      expected: [['2024-01-15T01:00Z', '2024-01-15T02:00Z', 'w']],
    },
    {
      name: 'opens a 02:00 Berlin window at 00:00Z in summer',
      windows: [weekly('w', ['mon'], '02:00', HOUR, 'Europe/Berlin')],
      from: '2024-07-14T00:00Z',
      to: '2024-07-16T00:00Z',
      expected: [['2024-07-15T00:00Z', '2024-07-15T01:00Z', 'w']],
    },
    {
      name: 'follows the spring-forward change across a week (Sunday 31 March 2024)',
      windows: [weekly('w', ['sat', 'sun', 'mon'], '02:00', 30 * MIN, 'Europe/Berlin')],
      from: '2024-03-30T00:00Z',
      to: '2024-04-02T00:00Z',
      expected: [
        ['2024-03-30T01:00Z', '2024-03-30T01:30Z', 'w'],
        // 02:00 does not exist that day: the window opens at the change, 03:00 CEST, and still lasts 30 minutes.
        ['2024-03-31T01:00Z', '2024-03-31T01:30Z', 'w'],
        ['2024-04-01T00:00Z', '2024-04-01T00:30Z', 'w'],
      ],
    },
    {
      name: 'opens a 02:30 window at the change on the spring-forward day (not at 03:30)',
      windows: [weekly('w', ['sun'], '02:30', HOUR, 'Europe/Berlin')],
      from: '2024-03-30T00:00Z',
      to: '2024-04-01T00:00Z',
      expected: [['2024-03-31T01:00Z', '2024-03-31T02:00Z', 'w']],
    },
    {
      name: 'opens once on the fall-back day, at the first 02:30, and lasts elapsed time',
      windows: [weekly('w', ['sun'], '02:30', HOUR, 'Europe/Berlin')],
      from: '2024-10-26T00:00Z',
      to: '2024-10-28T00:00Z',
      expected: [['2024-10-27T00:30Z', '2024-10-27T01:30Z', 'w']],
    },
    {
      name: 'runs a window past midnight into the next day',
      windows: [weekly('w', ['fri'], '22:00', 4 * HOUR, 'UTC')],
      from: '2024-06-07T00:00Z',
      to: '2024-06-09T00:00Z',
      expected: [['2024-06-07T22:00Z', '2024-06-08T02:00Z', 'w']],
    },
    {
      name: 'wraps the week: Sunday 23:00 for 2h ends Monday 01:00',
      windows: [weekly('w', ['sun'], '23:00', 2 * HOUR, 'UTC')],
      from: '2024-06-01T00:00Z',
      to: '2024-06-15T00:00Z',
      expected: [
        ['2024-06-02T23:00Z', '2024-06-03T01:00Z', 'w'],
        ['2024-06-09T23:00Z', '2024-06-10T01:00Z', 'w'],
      ],
    },
    {
      name: 'catches a week-wrapping window that opened before the range (Sunday in the zone, Monday in UTC)',
      windows: [weekly('w', ['sun'], '23:00', 2 * HOUR, 'America/Los_Angeles')],
      from: '2024-06-10T07:00Z',
      to: '2024-06-10T12:00Z',
      expected: [['2024-06-10T07:00Z', '2024-06-10T08:00Z', 'w']],
    },
    {
      name: 'clips a window to the range',
      windows: [once('o', '2024-06-01T10:00Z', '2024-06-01T14:00Z')],
      from: '2024-06-01T11:00Z',
      to: '2024-06-01T12:00Z',
      expected: [['2024-06-01T11:00Z', '2024-06-01T12:00Z', 'o']],
    },
    {
      name: 'ends a window at its end, exclusive',
      windows: [once('o', '2024-06-01T10:00Z', '2024-06-01T11:00Z')],
      from: '2024-06-01T11:00Z',
      to: '2024-06-01T12:00Z',
      expected: [],
    },
    {
      name: 'merges overlapping windows, named after the one that opened first',
      windows: [once('late', '2024-06-01T11:00Z', '2024-06-01T13:00Z'), once('early', '2024-06-01T10:00Z', '2024-06-01T12:00Z')],
      from: '2024-06-01T00:00Z',
      to: '2024-06-02T00:00Z',
      expected: [['2024-06-01T10:00Z', '2024-06-01T13:00Z', 'early']],
    },
    {
      name: 'merges touching windows and keeps separate ones apart',
      windows: [once('a', '2024-06-01T10:00Z', '2024-06-01T11:00Z'), once('b', '2024-06-01T11:00Z', '2024-06-01T12:00Z'), once('c', '2024-06-01T13:00Z', '2024-06-01T14:00Z')],
      from: '2024-06-01T00:00Z',
      to: '2024-06-02T00:00Z',
      expected: [
        ['2024-06-01T10:00Z', '2024-06-01T12:00Z', 'a'],
        ['2024-06-01T13:00Z', '2024-06-01T14:00Z', 'c'],
      ],
    },
    {
      name: 'merges a weekly window of 7 days with its own next opening',
      windows: [weekly('w', ['mon', 'thu'], '00:00', 7 * 24 * HOUR, 'UTC')],
      from: '2024-06-01T00:00Z',
      to: '2024-06-20T00:00Z',
      expected: [['2024-06-01T00:00Z', '2024-06-20T00:00Z', 'w']],
    },
    {
      name: 'leaves out windows for other checks and tags',
      windows: [once('mail-only', '2024-06-01T10:00Z', '2024-06-01T11:00Z', { checks: ['mail'] }), once('mail-tag', '2024-06-01T12:00Z', '2024-06-01T13:00Z', { tags: ['mail'] })],
      from: '2024-06-01T00:00Z',
      to: '2024-06-02T00:00Z',
      expected: [],
    },
    {
      name: 'selects a check by id, by any one of its tags, or by all',
      windows: [
        once('by-id', '2024-06-01T01:00Z', '2024-06-01T02:00Z', { checks: ['mail', 'home'] }),
        once('by-tag', '2024-06-01T03:00Z', '2024-06-01T04:00Z', { tags: ['db', 'web'] }),
        once('by-all', '2024-06-01T05:00Z', '2024-06-01T06:00Z', { all: true }),
      ],
      from: '2024-06-01T00:00Z',
      to: '2024-06-02T00:00Z',
      expected: [
        ['2024-06-01T01:00Z', '2024-06-01T02:00Z', 'by-id'],
        ['2024-06-01T03:00Z', '2024-06-01T04:00Z', 'by-tag'],
        ['2024-06-01T05:00Z', '2024-06-01T06:00Z', 'by-all'],
      ],
    },
    {
      name: 'returns nothing for an empty range',
      windows: [once('o', '2024-06-01T00:00Z', '2024-06-02T00:00Z')],
      from: '2024-06-01T12:00Z',
      to: '2024-06-01T12:00Z',
      expected: [],
    },
  ];
  for (const { name, windows, from, to, expected, check } of cases) {
    it(name, () => assert.deepEqual(spans(windows, from, to, check), expected));
  }

  it('expands a year of a weekly window in its time zone: 52 openings, 2 of them on summer time changes', () => {
    const window = weekly('w', ['sun'], '02:00', HOUR, 'Europe/Berlin');
    const intervals = maintenanceIntervals([window], HOME, t('2024-01-01T00:00Z'), t('2025-01-01T00:00Z'));
    assert.equal(intervals.length, 52);
    const utcHours = new Set(intervals.map((i) => new Date(i.startMs).getUTCHours()));
    assert.deepEqual([...utcHours].sort(), [0, 1]);
    assert.ok(intervals.every((i) => i.endMs - i.startMs === HOUR));
  });
});

describe('activeMaintenance', () => {
  const backups = weekly('backups', ['sun'], '23:00', 2 * HOUR, 'UTC', { tags: ['web'] });
  const upgrade = once('upgrade', '2024-06-03T00:30Z', '2024-06-03T03:00Z', { checks: ['home'] });
  const cases: readonly [string, string, typeof HOME, string | null][] = [
    ['is inactive before the window opens', '2024-06-02T22:59:59Z', HOME, null],
    ['is active the moment the window opens', '2024-06-02T23:00Z', HOME, 'backups'],
    ['is active past midnight, on Monday', '2024-06-03T00:59:59Z', HOME, 'backups'],
    ['names the first window in config order when two are active', '2024-06-03T00:45Z', HOME, 'backups'],
    ['is active in the second window after the first closed', '2024-06-03T01:00Z', HOME, 'upgrade'],
    ['is inactive at the end, exclusive', '2024-06-03T03:00Z', HOME, null],
    ['is inactive for a check no window selects', '2024-06-03T00:45Z', MAIL, null],
  ];
  for (const [name, at, check, expected] of cases) {
    it(`${name} (${at})`, () => assert.equal(activeMaintenance([backups, upgrade], check, t(at))?.id ?? null, expected));
  }
});

describe('maintenanceEndedAt', () => {
  // Two windows back to back for home (merged: 23:00 to 03:00), none for mail.
  const windows = [weekly('backups', ['sun'], '23:00', 2 * HOUR, 'UTC', { tags: ['web'] }), once('upgrade', '2024-06-03T00:30Z', '2024-06-03T03:00Z', { checks: ['home'] })];
  const cases: readonly [string, string, string, typeof HOME, string | null][] = [
    ['is null while a window is open', '2024-06-03T01:30Z', '2024-06-03T02:59Z', HOME, null],
    ['is the end of the merged windows once they closed', '2024-06-03T02:00Z', '2024-06-03T03:05Z', HOME, '2024-06-03T03:00Z'],
    ['is the end at the very moment it ends', '2024-06-03T02:00Z', '2024-06-03T03:00Z', HOME, '2024-06-03T03:00Z'],
    ['is null when the end is before the span looked at', '2024-06-03T03:01Z', '2024-06-03T04:00Z', HOME, null],
    ['is null for a check no window selects', '2024-06-03T00:00Z', '2024-06-03T04:00Z', MAIL, null],
  ];
  for (const [name, from, now, check, expected] of cases) {
    it(`${name} (${from} to ${now})`, () => {
      const ended = maintenanceEndedAt(windows, check, t(from), t(now));
      assert.equal(ended === null ? null : iso(ended), expected);
    });
  }
});

describe('plannedOverlapMs', () => {
  it('sums merged intervals, counting overlaps once', () => {
    const windows = [once('a', '2024-06-01T10:00Z', '2024-06-01T12:00Z'), once('b', '2024-06-01T11:00Z', '2024-06-01T13:00Z'), once('c', '2024-06-01T20:00Z', '2024-06-01T20:30Z')];
    assert.equal(plannedOverlapMs(windows, HOME, t('2024-06-01T00:00Z'), t('2024-06-02T00:00Z')), 3 * HOUR + 30 * MIN);
  });
  it('counts only the part inside the range', () => {
    assert.equal(plannedOverlapMs([weekly('w', ['sun'], '23:00', 2 * HOUR, 'UTC')], HOME, t('2024-06-03T00:00Z'), t('2024-06-10T00:00Z')), HOUR + HOUR);
  });
  it('is 23h for a daily-all-day window on the spring-forward day in Berlin, as the day is 23h long', () => {
    const window = weekly('w', ['sun'], '00:00', 23 * HOUR, 'Europe/Berlin');
    const dayStart = localTimeToEpochMs('Europe/Berlin', 2024, 3, 31, 0, 0);
    const dayEnd = localTimeToEpochMs('Europe/Berlin', 2024, 4, 1, 0, 0);
    assert.equal(dayEnd - dayStart, 23 * HOUR);
    assert.equal(plannedOverlapMs([window], HOME, dayStart, dayEnd), 23 * HOUR);
  });
  it('is 0 without windows', () => {
    assert.equal(plannedOverlapMs([], HOME, 0, Date.UTC(2025, 0, 1)), 0);
  });
});

describe('windowIntervals', () => {
  it('lists overlapping openings of one window unmerged', () => {
    const window = weekly('w', ['mon', 'tue'], '00:00', 36 * HOUR, 'UTC');
    assert.deepEqual(
      windowIntervals(window, t('2024-06-03T00:00Z'), t('2024-06-05T00:00Z')).map((i) => [iso(i.startMs), iso(i.endMs)]),
      [
        ['2024-06-03T00:00Z', '2024-06-04T12:00Z'],
        ['2024-06-04T00:00Z', '2024-06-05T00:00Z'],
      ],
    );
  });
});

describe('parsers', () => {
  const instants: readonly [string, number | undefined][] = [
    ['2025-03-01T22:00:00+01:00', t('2025-03-01T21:00:00Z')],
    ['2025-03-01T22:00Z', t('2025-03-01T22:00:00Z')],
    ['2025-03-01T22:00:00.5-05:30', t('2025-03-02T03:30:00.500Z')],
    ['2024-02-29T00:00:00Z', t('2024-02-29T00:00:00Z')],
    ['2025-02-29T00:00:00Z', undefined],
    ['2025-04-31T00:00:00Z', undefined],
    ['2025-03-01T22:00:00', undefined],
    ['2025-03-01 22:00:00Z', undefined],
    ['2025-03-01', undefined],
    ['2025-03-01T22:60:00Z', undefined],
    ['2025-03-01T22:00:00+24:00', undefined],
  ];
  for (const [text, expected] of instants) {
    it(`parses ISO instant ${JSON.stringify(text)} as ${expected === undefined ? 'invalid' : new Date(expected).toISOString()}`, () => {
      assert.equal(parseIsoInstant(text), expected);
    });
  }
  const clock: readonly [string, { hour: number; minute: number } | undefined][] = [
    ['00:00', { hour: 0, minute: 0 }],
    ['23:59', { hour: 23, minute: 59 }],
    ['24:00', undefined],
    ['7:30', undefined],
    ['07:60', undefined],
    ['07:30:00', undefined],
  ];
  for (const [text, expected] of clock) {
    it(`parses clock time ${JSON.stringify(text)}`, () => assert.deepEqual(parseClockTime(text), expected));
  }
  const zones: readonly [string, string | undefined][] = [
    ['Europe/Berlin', 'Europe/Berlin'],
    ['europe/berlin', 'Europe/Berlin'],
    ['UTC', 'UTC'],
    ['Mars/Olympus_Mons', undefined],
    ['', undefined],
  ];
  for (const [name, expected] of zones) {
    it(`knows time zone ${JSON.stringify(name)} as ${String(expected)}`, () => assert.equal(canonicalTimeZone(name), expected));
  }
});
