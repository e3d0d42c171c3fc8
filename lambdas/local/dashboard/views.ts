import type { BackupSelector, Check, CheckType, HeartbeatCheck } from '../../core/check.ts';
import type { Severity } from '../../core/config/input.ts';
import type { ProbeError } from '../../core/errors.ts';
import { heartbeatDueAtMs, heartbeatTarget, type HeartbeatState } from '../../core/heartbeat.ts';
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
/** A heartbeat is `late` once `every` has passed since its last ping, until `every + grace` (then down). */
export type SummaryStateName = CheckStateName | 'late';

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
  readonly type: CheckType | 'heartbeat';
  /** As people may see it: URL (first step of a scenario), host:port or name; secrets as ***. */
  readonly target: string;
  readonly tags: readonly string[];
  readonly severity: Severity;
  /** Heartbeats: `every`. */
  readonly intervalMs: number;
  /** Heartbeats: `pending` until the first ping (or its deadline), `late` past `every`, `down` past `every + grace` or on a fail ping. */
  readonly state: SummaryStateName;
  readonly since: string | null;
  readonly inMaintenance: boolean;
  readonly openIncidentId: string | null;
  readonly last: LastRunView | null;
  /** Percent of passing runs (unrounded), null when there were no runs; from the overview cache. */
  readonly uptime: UptimeWindows;
  /** Uptime percent per UTC day for the last 90 days, oldest first, today last; null = no runs. Rounded to 0.01. */
  readonly daily90: readonly (number | null)[];
  /** What only a heartbeat has; null for probed checks. */
  readonly heartbeat: HeartbeatFacts | null;
}

export interface HeartbeatFacts {
  readonly everyMs: number;
  readonly graceMs: number;
  /** The last ping that ended a run (success or fail), ISO; null before the first. */
  readonly lastPingAt: string | null;
  readonly lastPingKind: 'success' | 'fail' | null;
  /** What the last ping said (redacted, cut). */
  readonly lastMessage: string | null;
  /** Duration of the last run that announced itself with /start. */
  readonly lastDurationMs: number | null;
  /** A /start not yet followed by the end of its run, ISO. */
  readonly runningSince: string | null;
  /** The next success or fail ping is due by then (`every + grace` after the last one), ISO; null until skyprobe watches it. */
  readonly dueBy: string | null;
  /** Down because the job reported a failure (`/fail`) or because a ping was missed; null when not down. */
  readonly downReason: 'failed' | 'missed' | null;
  /** AWS Backup vaults and plans whose jobs count as pings (in AWS only). */
  readonly backup: BackupSelector | null;
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

/** One heartbeat: its summary and the latest run recorded per location (pings and missed deadlines). */
export interface HeartbeatDetailView extends CheckSummaryView {
  readonly heartbeat: HeartbeatFacts;
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
  /** Heartbeats in the config. */
  readonly heartbeats: number;
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
    ...uptimeOf(hours, nowMs),
    heartbeat: null,
  };
}

function uptimeOf(hours: ReadonlyMap<string, RunCounts> | undefined, nowMs: number): Pick<CheckSummaryView, 'uptime' | 'daily90'> {
  const bars: readonly DailyBar[] = hours === undefined ? [] : dailyBars(hours, nowMs, OVERVIEW_DAYS);
  return {
    uptime: hours === undefined ? NO_UPTIME : uptimeWindows(hours, nowMs),
    daily90: bars.length === 0 ? Array.from({ length: OVERVIEW_DAYS }, () => null) : bars.map((b) => (b.uptimePercent === null ? null : Math.round(b.uptimePercent * 100) / 100)),
  };
}

/** Where a heartbeat stands at `nowMs`, from its stored state (undefined: skyprobe has not started watching it). */
export function heartbeatStatus(
  hb: Pick<HeartbeatCheck, 'everyMs' | 'graceMs'>,
  state: HeartbeatState | undefined,
  nowMs: number,
): { readonly state: SummaryStateName; readonly sinceMs: number | null; readonly dueByMs: number | null; readonly downReason: HeartbeatFacts['downReason'] } {
  if (state === undefined) return { state: 'pending', sinceMs: null, dueByMs: null, downReason: null };
  const dueByMs = heartbeatDueAtMs(hb, state);
  if (state.downSinceMs !== null) return { state: 'down', sinceMs: state.downSinceMs, dueByMs, downReason: state.lastPingKind === 'fail' ? 'failed' : 'missed' };
  // Overdue: the sweep (every second) is about to record it; show it as it will be.
  if (nowMs >= dueByMs) return { state: 'down', sinceMs: dueByMs, dueByMs, downReason: 'missed' };
  if (state.lastPingMs === null) return { state: 'pending', sinceMs: null, dueByMs, downReason: null };
  const lateAtMs = dueByMs - hb.graceMs;
  if (nowMs >= lateAtMs) return { state: 'late', sinceMs: lateAtMs, dueByMs, downReason: null };
  return { state: 'up', sinceMs: null, dueByMs, downReason: null };
}

export interface HeartbeatRuntime {
  readonly state: HeartbeatState | undefined;
  readonly inMaintenance: boolean;
  readonly openIncidentId: string | null;
  readonly location: string;
}

export function heartbeatSummary(hb: HeartbeatCheck, runtime: HeartbeatRuntime, hours: ReadonlyMap<string, RunCounts> | undefined, nowMs: number): CheckSummaryView {
  const { state } = runtime;
  const status = heartbeatStatus(hb, state, nowMs);
  const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
  const lastPingMs = state?.lastPingMs ?? null;
  const failed = state?.lastPingKind === 'fail';
  return {
    id: hb.id,
    name: hb.name,
    type: 'heartbeat',
    target: heartbeatTarget(hb),
    tags: hb.tags,
    severity: hb.severity,
    intervalMs: hb.everyMs,
    state: status.state,
    since: iso(status.sinceMs),
    inMaintenance: runtime.inMaintenance,
    openIncidentId: runtime.openIncidentId,
    last:
      lastPingMs === null
        ? null
        : {
            location: runtime.location,
            startedAt: new Date(lastPingMs).toISOString(),
            status: failed ? 'down' : 'up',
            totalMs: state?.lastDurationMs ?? 0,
            httpStatus: null,
            error: failed ? { kind: 'assertion', message: `the job reported a failure${state?.lastMessage ? `: ${state.lastMessage}` : ''}` } : null,
          },
    ...uptimeOf(hours, nowMs),
    heartbeat: {
      everyMs: hb.everyMs,
      graceMs: hb.graceMs,
      lastPingAt: iso(lastPingMs),
      lastPingKind: state?.lastPingKind ?? null,
      lastMessage: state?.lastMessage ?? null,
      lastDurationMs: state?.lastDurationMs ?? null,
      runningSince: iso(state?.startedMs),
      dueBy: iso(status.dueByMs),
      downReason: status.downReason,
      backup: hb.backup,
    },
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
