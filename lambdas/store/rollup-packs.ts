import { ERROR_KINDS } from '../core/errors.ts';
import type { ErrorKind } from '../core/errors.ts';
import type { Histogram } from '../core/histogram.ts';
import type { HourlyRollup, PhaseSumsMs } from '../core/store.ts';

/**
 * Day packs: the 24 hourly rollups of one check, location and UTC day, copied into one item once the day
 * is over, so that reading a month takes 30 items per location instead of 720. A pack is lossless (every
 * count, histogram bucket, phase sum and error count of every hour; only the run-offset sets that make
 * rollup increments idempotent are left behind, since a closed day takes no more increments) and the hourly
 * items stay where they are: a pack is a read cache of them, never the only copy.
 *
 * When a pack may be made, and when it stops being trusted:
 * - A day is packed only once it ended `PACK_AFTER_MS` ago, so the writes of its last runs are done.
 * - A rollup increment for a day that ended `LATE_WRITE_MS` ago or more (a result held in an outbox, a
 *   clock step) also adds 1 to the pack's `dirty` counter (creating a stub if there is no pack). A pack
 *   is valid only while `dirty` equals the `packedVersion` it was made at; a packer reads `dirty` before
 *   it reads the hours and writes on condition that `dirty` is unchanged. So a late increment either is in
 *   the pack or invalidates it, whichever order the two happen in; readers then use the hourly items until
 *   the next compaction packs the day again.
 * - A pack made within `SETTLE_MS` of the day's end is provisional: compaction makes it once more after
 *   that. In a global table a late increment in another region can race a pack across replication (last
 *   writer wins per item); the second pack picks it up.
 */

/** A day is packed this long after it ended, not before. */
export const PACK_AFTER_MS = 2 * 3_600_000;
/** A rollup increment this long after its day ended marks the day's pack dirty. Less than PACK_AFTER_MS. */
export const LATE_WRITE_MS = 3_600_000;
/** A pack made this long after its day ended is final; earlier ones are made once more. */
export const SETTLE_MS = 24 * 3_600_000;

const DAY_MS = 86_400_000;
const PHASE_ORDER = ['dns', 'connect', 'tls', 'ttfb', 'download'] as const satisfies readonly (keyof PhaseSumsMs)[];

/** One hour in a pack: [hour of day, runs, failed, degraded, [bucket, count, ...], [phase sums], {error kind: count}]. */
type PackedHour = [number, number, number, number, number[], number[], Record<string, number>];

/** Epoch ms of the end of a UTC day `yyyy-mm-dd`. */
export function dayEndMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`) + DAY_MS;
}

/** The UTC days from `fromDay` to `toDay`, inclusive. */
export function daysBetween(fromDay: string, toDay: string): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${fromDay}T00:00:00.000Z`), end = Date.parse(`${toDay}T00:00:00.000Z`); ms <= end; ms += DAY_MS) {
    out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
}

/** The last UTC day that may be packed at `nowMs`; days up to it ended at least PACK_AFTER_MS ago. */
export function lastPackableDay(nowMs: number): string {
  return new Date(Math.floor((nowMs - PACK_AFTER_MS) / DAY_MS) * DAY_MS - DAY_MS).toISOString().slice(0, 10);
}

/**
 * The hourly rollups of one day (of one check and location), as compact JSON: ~2 KB for 24 hours of a
 * 1-minute check. Not gzipped: inflating costs ~100 µs a pack, which a month report over 15,000 packs
 * would feel, while the bytes saved are worth a fraction of a read unit each.
 */
export function encodeDayPack(hours: readonly HourlyRollup[]): string {
  const packed: PackedHour[] = [...hours]
    .sort((a, b) => (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0))
    .map((h) => [
      Number(h.hour.slice(11, 13)),
      h.runs,
      h.failedRuns,
      h.degradedRuns,
      Object.entries(h.latency).flatMap(([bucket, count]) => (count > 0 ? [Number(bucket), count] : [])),
      PHASE_ORDER.map((phase) => h.phaseSumMs[phase]),
      Object.fromEntries(Object.entries(h.errorsByKind).filter(([, count]) => count > 0)),
    ]);
  return JSON.stringify(packed);
}

/** The inverse of `encodeDayPack`. Throws on a body that is not a pack. */
export function decodeDayPack(body: string, checkId: string, location: string, day: string): HourlyRollup[] {
  const parsed: unknown = JSON.parse(body);
  if (!Array.isArray(parsed)) throw new TypeError(`day pack ${checkId}/${location}/${day} is not a list`);
  // Hot: a month report decodes 15,000 packs (360,000 hours), so no per-hour helper arrays.
  return parsed.map((entry: unknown) => {
    if (!Array.isArray(entry) || entry.length !== 7) throw new TypeError(`day pack ${checkId}/${location}/${day} holds a malformed hour`);
    const [hourOfDay, runs, failedRuns, degradedRuns, buckets, phases, errors] = entry as PackedHour;
    const latency: Record<number, number> = {};
    for (let i = 0; i + 1 < buckets.length; i += 2) latency[buckets[i] as number] = buckets[i + 1] as number;
    let errorsByKind = NO_ERRORS;
    for (const kind in errors) {
      if (!KINDS.has(kind)) continue;
      if (errorsByKind === NO_ERRORS) errorsByKind = { ...NO_ERRORS };
      (errorsByKind as Record<ErrorKind, number>)[kind as ErrorKind] = errors[kind] as number;
    }
    return {
      checkId,
      location,
      hour: `${day}${HOUR_SUFFIXES[hourOfDay] ?? `T${hourOfDay}`}`,
      runs,
      failedRuns,
      degradedRuns,
      latency: latency satisfies Histogram,
      phaseSumMs: { dns: phases[0] ?? 0, connect: phases[1] ?? 0, tls: phases[2] ?? 0, ttfb: phases[3] ?? 0, download: phases[4] ?? 0 },
      errorsByKind,
    };
  });
}

const KINDS: ReadonlySet<string> = new Set(ERROR_KINDS);
/** Shared by every decoded hour without errors (rollups are read-only). */
const NO_ERRORS: Readonly<Record<ErrorKind, number>> = Object.freeze(Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 0])) as Record<ErrorKind, number>);
const HOUR_SUFFIXES = Array.from({ length: 24 }, (_, h) => `T${String(h).padStart(2, '0')}`);

/**
 * The hour ranges (inclusive `yyyy-mm-ddThh` bounds) of `[fromHour, toHour]` that lie in days not in
 * `packedDays`, merged where the days are consecutive.
 */
export function unpackedHourRanges(fromHour: string, toHour: string, packedDays: ReadonlySet<string>): { fromHour: string; toHour: string }[] {
  if (fromHour > toHour) return [];
  const out: { fromHour: string; toHour: string }[] = [];
  let open: { fromHour: string; toHour: string } | null = null;
  for (const day of daysBetween(fromHour.slice(0, 10), toHour.slice(0, 10))) {
    if (packedDays.has(day)) {
      open = null;
      continue;
    }
    const first = day === fromHour.slice(0, 10) ? fromHour : `${day}T00`;
    const last = day === toHour.slice(0, 10) ? toHour : `${day}T23`;
    if (open === null) {
      open = { fromHour: first, toHour: last };
      out.push(open);
    } else {
      open.toHour = last;
    }
  }
  return out;
}
