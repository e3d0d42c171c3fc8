import { isFailedRun } from './alert-policy.ts';
import type { ProbeResult } from './result.ts';

/**
 * One compact JSON log line per probe result, written by the probe function to its log group in the probe
 * region. The dashboards read availability, latency and phase times by region from these lines with Logs
 * Insights instead of custom metrics per check and region (they would cost more than the rest of skyprobe).
 *
 * Only fixed-shape values go in: ids from the config, enums, numbers and a timestamp. No error message, no
 * URL, no address, no assertion text: none of them can carry a secret into the logs.
 */

/** Value of the `skyprobe` field on a result line: what a Logs Insights query filters on. */
export const RESULT_LOG_KIND = 'result';

/** Field names of a result line, in the order they are written. The dashboards' queries use these names. */
export const RESULT_LOG_FIELDS = {
  kind: 'skyprobe',
  checkId: 'checkId',
  location: 'location',
  startedAt: 'startedAt',
  ok: 'ok',
  failed: 'failed',
  status: 'status',
  errorKind: 'errorKind',
  httpStatus: 'httpStatus',
  dnsMs: 'dnsMs',
  connectMs: 'connectMs',
  tlsMs: 'tlsMs',
  ttfbMs: 'ttfbMs',
  downloadMs: 'downloadMs',
  totalMs: 'totalMs',
} as const;

export type ResultLogField = (typeof RESULT_LOG_FIELDS)[keyof typeof RESULT_LOG_FIELDS];

/** The request phases in the order they happen, each with its field and a short label for charts. */
export const RESULT_LOG_PHASES = [
  { field: RESULT_LOG_FIELDS.dnsMs, label: 'dns' },
  { field: RESULT_LOG_FIELDS.connectMs, label: 'connect' },
  { field: RESULT_LOG_FIELDS.tlsMs, label: 'tls' },
  { field: RESULT_LOG_FIELDS.ttfbMs, label: 'ttfb' },
  { field: RESULT_LOG_FIELDS.downloadMs, label: 'download' },
] as const;

/** A result line as an object; its keys are the values of RESULT_LOG_FIELDS. */
export interface ResultLogRecord {
  readonly skyprobe: typeof RESULT_LOG_KIND;
  readonly checkId: string;
  readonly location: string;
  readonly startedAt: string;
  readonly ok: boolean;
  /** 1 for a failed run, 0 for a passing one (as the `Failed` metric counts it): `avg(failed)` is the failure rate. */
  readonly failed: 0 | 1;
  readonly status: ProbeResult['status'];
  readonly errorKind: NonNullable<ProbeResult['error']>['kind'] | null;
  readonly httpStatus: number | null;
  readonly dnsMs: number | null;
  readonly connectMs: number | null;
  readonly tlsMs: number | null;
  readonly ttfbMs: number | null;
  readonly downloadMs: number | null;
  readonly totalMs: number | null;
}

/** The fields of a result line, picked one by one (never a spread of the result, so nothing else slips in). */
export function resultLogRecord(result: ProbeResult): ResultLogRecord {
  const t = result.timings;
  const record: ResultLogRecord = {
    skyprobe: RESULT_LOG_KIND,
    checkId: result.checkId,
    location: result.location,
    startedAt: result.startedAt,
    ok: result.ok,
    failed: isFailedRun(result) ? 1 : 0,
    status: result.status,
    errorKind: result.error?.kind ?? null,
    httpStatus: finiteOrNull(result.httpStatus),
    dnsMs: finiteOrNull(t.dnsMs),
    connectMs: finiteOrNull(t.connectMs),
    tlsMs: finiteOrNull(t.tlsMs),
    ttfbMs: finiteOrNull(t.ttfbMs),
    downloadMs: finiteOrNull(t.downloadMs),
    totalMs: finiteOrNull(t.totalMs),
  };
  // Every name in RESULT_LOG_FIELDS is a field of the line.
  return record satisfies Record<ResultLogField, unknown>;
}

/** The line written to stdout for one result: one line of JSON, no trailing newline. */
export function resultLogLine(result: ProbeResult): string {
  return JSON.stringify(resultLogRecord(result));
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
