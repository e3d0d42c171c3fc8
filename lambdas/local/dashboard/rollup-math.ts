import { histogramQuantile, mergeHistograms } from '../../core/histogram.ts';
import type { Histogram } from '../../core/histogram.ts';
import { utcHourOf } from '../../core/store.ts';
import type { HourlyRollup } from '../../core/store.ts';

/**
 * Pure arithmetic over hourly rollups for the dashboard: uptime windows,
 * daily bars and hourly latency. Hours are UTC `yyyy-mm-ddThh` strings,
 * which sort in time order.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface RunCounts {
  readonly runs: number;
  readonly failedRuns: number;
}

/** Percent of passing runs (degraded runs pass), unrounded; null when there were no runs. */
export function uptimePercent(counts: RunCounts): number | null {
  return counts.runs === 0 ? null : (100 * (counts.runs - counts.failedRuns)) / counts.runs;
}

/** The `count` UTC hours ending with the one holding `nowMs`, as an inclusive range. */
export function lastHours(nowMs: number, count: number): { readonly fromHour: string; readonly toHour: string } {
  return { fromHour: utcHourOf(nowMs - (count - 1) * HOUR_MS), toHour: utcHourOf(nowMs) };
}

/** Run counts of every location added up, by hour. */
export function countsByHour(rollups: readonly HourlyRollup[]): Map<string, RunCounts> {
  const out = new Map<string, RunCounts>();
  for (const r of rollups) {
    const seen = out.get(r.hour);
    out.set(r.hour, { runs: (seen?.runs ?? 0) + r.runs, failedRuns: (seen?.failedRuns ?? 0) + r.failedRuns });
  }
  return out;
}

/** Sum of the counts of the hours in [fromHour, toHour]. */
export function sumHours(hours: ReadonlyMap<string, RunCounts>, fromHour: string, toHour: string): RunCounts {
  let runs = 0;
  let failedRuns = 0;
  for (const [hour, counts] of hours) {
    if (hour < fromHour || hour > toHour) continue;
    runs += counts.runs;
    failedRuns += counts.failedRuns;
  }
  return { runs, failedRuns };
}

export interface UptimeWindows {
  /** The 24 UTC hours ending with the current one. */
  readonly h24: number | null;
  /** The 7 × 24 UTC hours ending with the current one. */
  readonly d7: number | null;
  /** The 30 × 24 UTC hours ending with the current one. */
  readonly d30: number | null;
}

export function uptimeWindows(hours: ReadonlyMap<string, RunCounts>, nowMs: number): UptimeWindows {
  const over = (count: number): number | null => {
    const { fromHour, toHour } = lastHours(nowMs, count);
    return uptimePercent(sumHours(hours, fromHour, toHour));
  };
  return { h24: over(24), d7: over(7 * 24), d30: over(30 * 24) };
}

export interface DailyBar {
  /** UTC day, `yyyy-mm-dd`. */
  readonly date: string;
  readonly runs: number;
  readonly failedRuns: number;
  readonly uptimePercent: number | null;
}

/** One bar per UTC day, oldest first, the last one being today (the day holding `nowMs`). */
export function dailyBars(hours: ReadonlyMap<string, RunCounts>, nowMs: number, days: number): DailyBar[] {
  const byDate = new Map<string, { runs: number; failedRuns: number }>();
  for (const [hour, counts] of hours) {
    const date = hour.slice(0, 10);
    const seen = byDate.get(date) ?? { runs: 0, failedRuns: 0 };
    seen.runs += counts.runs;
    seen.failedRuns += counts.failedRuns;
    byDate.set(date, seen);
  }
  const bars: DailyBar[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const date = new Date(nowMs - i * DAY_MS).toISOString().slice(0, 10);
    const counts = byDate.get(date) ?? { runs: 0, failedRuns: 0 };
    bars.push({ date, runs: counts.runs, failedRuns: counts.failedRuns, uptimePercent: uptimePercent(counts) });
  }
  return bars;
}

export interface PhaseAveragesMs {
  readonly dns: number;
  readonly connect: number;
  readonly tls: number;
  readonly ttfb: number;
  readonly download: number;
}

export interface LatencyHour {
  /** UTC hour, `yyyy-mm-ddThh`. */
  readonly hour: string;
  readonly runs: number;
  /** From the merged log-bucket histogram: within ~9% of the exact value. Null when there were no runs. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  /** Phase time per run, averaged over every run of the hour (a phase that did not happen counts 0). Null when there were no runs. */
  readonly phases: PhaseAveragesMs | null;
}

/** One entry per UTC hour of the window, oldest first, hours without runs included, every location merged. */
export function hourlyLatency(rollups: readonly HourlyRollup[], nowMs: number, hours: number): LatencyHour[] {
  const byHour = new Map<string, HourlyRollup[]>();
  for (const r of rollups) {
    const list = byHour.get(r.hour);
    if (list === undefined) byHour.set(r.hour, [r]);
    else list.push(r);
  }
  const out: LatencyHour[] = [];
  for (let i = hours - 1; i >= 0; i--) {
    const hour = utcHourOf(nowMs - i * HOUR_MS);
    const parts = byHour.get(hour) ?? [];
    const runs = parts.reduce((n, r) => n + r.runs, 0);
    if (runs === 0) {
      out.push({ hour, runs: 0, p50Ms: null, p95Ms: null, phases: null });
      continue;
    }
    const latency: Histogram = mergeHistograms(...parts.map((r) => r.latency));
    const phaseAverage = (phase: keyof PhaseAveragesMs): number => roundTenth(parts.reduce((sum, r) => sum + r.phaseSumMs[phase], 0) / runs);
    out.push({
      hour,
      runs,
      p50Ms: roundOrNull(histogramQuantile(latency, 0.5)),
      p95Ms: roundOrNull(histogramQuantile(latency, 0.95)),
      phases: {
        dns: phaseAverage('dns'),
        connect: phaseAverage('connect'),
        tls: phaseAverage('tls'),
        ttfb: phaseAverage('ttfb'),
        download: phaseAverage('download'),
      },
    });
  }
  return out;
}

function roundTenth(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function roundOrNull(ms: number | null): number | null {
  return ms === null ? null : roundTenth(ms);
}
