import type { ProbeResult, Timings } from '../core/result.ts';

/** What one attempt of a probe produced; the runner adds identity, status and attempt count. */
export type AttemptOutcome = Omit<ProbeResult, 'checkId' | 'type' | 'location' | 'startedAt' | 'status' | 'attempts'>;

export type MutableTimings = { -readonly [K in keyof Timings]: Timings[K] };

export function emptyTimings(): MutableTimings {
  return { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, downloadMs: null, totalMs: 0 };
}

const PHASES = ['dnsMs', 'connectMs', 'tlsMs', 'ttfbMs', 'downloadMs'] as const;

/** Adds each phase that happened in `part` into `into` (a phase that never happened stays null). */
export function addTimings(into: MutableTimings, part: Timings): void {
  for (const k of PHASES) {
    const v = part[k];
    if (v !== null) into[k] = (into[k] ?? 0) + v;
  }
  into.totalMs += part.totalMs;
}

/** Rounds every timing to 0.01 ms: enough for people, and results stay small. */
export function roundTimings(t: Timings): Timings {
  const r = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  return { dnsMs: r(t.dnsMs), connectMs: r(t.connectMs), tlsMs: r(t.tlsMs), ttfbMs: r(t.ttfbMs), downloadMs: r(t.downloadMs), totalMs: r(t.totalMs) ?? 0 };
}
