import type { Check, CheckType } from '../../core/check.ts';
import type { Severity } from '../../core/config/input.ts';
import type { ProbeError } from '../../core/errors.ts';
import type { ProbeResult, RunStatus } from '../../core/result.ts';
import type { Incident } from '../../core/store.ts';
import { renderForDisplay } from '../../core/templates.ts';
import type { DailyBar, RunCounts, UptimeWindows } from './rollup-math.ts';
import { dailyBars, uptimeWindows } from './rollup-math.ts';
import type { CheckRuntimeState } from './source.ts';

/**
 * The JSON shapes of the dashboard API, and how they are built from the
 * config, the runner's state and the store. Nothing from a check's headers
 * or bodies is ever put in them; results are redacted by the engine.
 */

export type CheckStateName = CheckRuntimeState['state'];

export interface LastRunView {
  readonly location: string;
  readonly startedAt: string;
  readonly status: RunStatus;
  readonly totalMs: number;
  readonly httpStatus: number | null;
  readonly error: ProbeError | null;
}

export interface CheckSummaryView {
  readonly id: string;
  readonly name: string;
  readonly type: CheckType;
  /** As people may see it: URL (first step of a scenario), host:port or name; secrets as ***. */
  readonly target: string;
  readonly tags: readonly string[];
  readonly severity: Severity;
  readonly intervalMs: number;
  readonly state: CheckStateName;
  readonly since: string | null;
  readonly inMaintenance: boolean;
  readonly openIncidentId: string | null;
  readonly last: LastRunView | null;
  /** Percent of passing runs (unrounded), null when there were no runs; from the overview cache. */
  readonly uptime: UptimeWindows;
  /** Uptime percent per UTC day for the last 90 days, oldest first, today last; null = no runs. Rounded to 0.01. */
  readonly daily90: readonly (number | null)[];
}

export interface StepView {
  readonly name: string;
  readonly method: string;
  readonly url: string;
}

export interface CheckDetailView extends CheckSummaryView {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly regions: readonly string[];
  readonly degradedAfterMs: number | null;
  readonly alertPolicy: { readonly failingLocations: number; readonly failingPeriods: number; readonly evaluationPeriods: number };
  /** HTTP checks: each request, URL as displayed (no headers, no bodies). Empty for other types. */
  readonly steps: readonly StepView[];
  /** The latest result of each location that ever ran the check, sorted by location. */
  readonly latestByLocation: readonly ProbeResult[];
}

export interface IncidentView {
  readonly id: string;
  readonly checkId: string;
  /** Null when the check is no longer in the config. */
  readonly checkName: string | null;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly open: boolean;
  /** Closed: as recorded; open: so far. */
  readonly durationSeconds: number;
  readonly failingLocations: readonly string[];
  readonly firstError: ProbeError | null;
  readonly rootCause: string | null;
}

export interface HealthView {
  readonly ok: true;
  readonly location: string;
  readonly startedAt: string;
  /** Checks in the config. */
  readonly checks: number;
  readonly pendingWrites: number;
  readonly project: string;
  /** ISO time of the server's clock. */
  readonly now: string;
  /** When the overview numbers were last read (ISO), and the last error reading them. */
  readonly overviewCache: { readonly refreshedAt: string | null; readonly lastError: string | null };
}

export const OVERVIEW_DAYS = 90;

/** The target of a check as people may see it. */
export function displayTarget(check: Check): string {
  switch (check.type) {
    case 'http': {
      const first = check.steps[0];
      const url = first === undefined ? '' : renderForDisplay(first.url);
      return check.steps.length > 1 ? `${url} (+${check.steps.length - 1} steps)` : url;
    }
    case 'tcp':
    case 'tls':
      return `${check.host.includes(':') ? `[${check.host}]` : check.host}:${check.port}`;
    case 'dns':
      return `${check.domain} ${check.recordType}`;
  }
}

function lastRunOf(result: ProbeResult | null): LastRunView | null {
  if (result === null) return null;
  return {
    location: result.location,
    startedAt: result.startedAt,
    status: result.status,
    totalMs: result.timings.totalMs,
    httpStatus: result.httpStatus,
    error: result.error,
  };
}

const PENDING: Omit<CheckRuntimeState, 'checkId'> = { state: 'pending', since: null, lastResult: null, inMaintenance: false, openIncidentId: null };
const NO_UPTIME: UptimeWindows = { h24: null, d7: null, d30: null };

export function checkSummary(
  check: Check,
  state: CheckRuntimeState | undefined,
  hours: ReadonlyMap<string, RunCounts> | undefined,
  nowMs: number,
): CheckSummaryView {
  const s = state ?? { checkId: check.id, ...PENDING };
  const bars: readonly DailyBar[] = hours === undefined ? [] : dailyBars(hours, nowMs, OVERVIEW_DAYS);
  return {
    id: check.id,
    name: check.name,
    type: check.type,
    target: displayTarget(check),
    tags: check.tags,
    severity: check.severity,
    intervalMs: check.intervalMs,
    state: s.state,
    since: s.since,
    inMaintenance: s.inMaintenance,
    openIncidentId: s.openIncidentId,
    last: lastRunOf(s.lastResult),
    uptime: hours === undefined ? NO_UPTIME : uptimeWindows(hours, nowMs),
    daily90: bars.length === 0 ? Array.from({ length: OVERVIEW_DAYS }, () => null) : bars.map((b) => (b.uptimePercent === null ? null : Math.round(b.uptimePercent * 100) / 100)),
  };
}

export function checkDetail(summary: CheckSummaryView, check: Check, latest: readonly ProbeResult[]): CheckDetailView {
  return {
    ...summary,
    timeoutMs: check.timeoutMs,
    retries: check.retries,
    regions: check.regions,
    degradedAfterMs: check.degradedAfterMs,
    alertPolicy: { ...check.alertPolicy },
    steps: check.type === 'http' ? check.steps.map((s) => ({ name: s.name, method: s.method, url: renderForDisplay(s.url) })) : [],
    latestByLocation: latest,
  };
}

export function incidentView(incident: Incident, checkName: string | null, nowMs: number): IncidentView {
  const open = incident.closedAt === null;
  const durationSeconds = open
    ? Math.max(0, Math.round((nowMs - Date.parse(incident.openedAt)) / 1000))
    : (incident.durationSeconds ?? Math.max(0, Math.round((Date.parse(incident.closedAt ?? incident.openedAt) - Date.parse(incident.openedAt)) / 1000)));
  return {
    id: incident.id,
    checkId: incident.checkId,
    checkName,
    openedAt: incident.openedAt,
    closedAt: incident.closedAt,
    open,
    durationSeconds,
    failingLocations: incident.failingLocations,
    firstError: incident.firstError,
    rootCause: incident.rootCause ?? null,
  };
}
