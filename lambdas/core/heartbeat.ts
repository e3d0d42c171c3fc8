import type { HeartbeatCheck } from './check.ts';
import { formatDuration } from './duration.ts';
import type { ProbeError } from './errors.ts';
import type { ProbeResult } from './result.ts';

/**
 * The state machine of a heartbeat (a job that reports in), pure: no clock, no store.
 *
 * A job ends each run with a success ping (`/ping/<id>`) or a fail ping (`/ping/<id>/fail`); it may announce
 * the run with `/ping/<id>/start`, which only serves to measure the run's duration. The next end-of-run
 * ping is due `every + grace` after the last one (or after skyprobe started watching, for a heartbeat that
 * never pinged). A run that started but never ended therefore counts as missed too. A fail ping or a missed
 * deadline makes the heartbeat down (an incident opens); the next success ping makes it up again.
 *
 * Every end-of-run ping is recorded as a result (ok or not, `totalMs` the run's duration when known, else 0),
 * and every missed deadline as a failed result at the deadline, so reports get uptime, success rates and
 * duration percentiles from the same rollups as probed checks.
 */

export const PING_KINDS = ['success', 'start', 'fail'] as const;
export type PingKind = (typeof PING_KINDS)[number];

/** Messages a ping carries are cut to this many characters before they are stored. */
export const MAX_PING_MESSAGE_CHARS = 1_000;
/** At most this many missed deadlines are recorded at once (a long outage of the runner itself). */
export const MAX_MISSED_PER_EVALUATION = 100;

export interface HeartbeatState {
  readonly heartbeatId: string;
  /** When skyprobe started listening for this heartbeat's pings: no deadline falls before this + every + grace. */
  readonly watchingSinceMs: number;
  /** The last ping that ended a run (success or fail). */
  readonly lastPingMs: number | null;
  readonly lastPingKind: 'success' | 'fail' | null;
  /** A /start not yet followed by the end of its run. */
  readonly startedMs: number | null;
  /** Duration of the last run that had a start. */
  readonly lastDurationMs: number | null;
  /** Down (an incident open) since; null while up. */
  readonly downSinceMs: number | null;
  /** The latest deadline already recorded as a missed run, so each is recorded once. */
  readonly missedThroughMs: number | null;
  /** What the last ping said (cut and redacted), for people. */
  readonly lastMessage: string | null;
}

export interface Ping {
  readonly kind: PingKind;
  readonly atMs: number;
  /** A short log line or reason the job sent. */
  readonly message: string | null;
  /** When the run started, when known from elsewhere (an AWS Backup job's creation time). @default the pending /start */
  readonly runStartedMs?: number;
}

export type HeartbeatDecision =
  | { readonly action: 'none' }
  | { readonly action: 'open'; readonly openedAtMs: number; readonly error: ProbeError }
  | { readonly action: 'close'; readonly closedAtMs: number };

export interface PingOutcome {
  readonly state: HeartbeatState;
  /** The run this ping ended, to record; null for /start. */
  readonly result: ProbeResult | null;
  readonly decision: HeartbeatDecision;
}

export interface Evaluation {
  readonly state: HeartbeatState;
  /** Failed results for deadlines missed since the last evaluation, oldest first. */
  readonly missed: readonly ProbeResult[];
  readonly decision: HeartbeatDecision;
}

const NONE: HeartbeatDecision = { action: 'none' };

export function initialHeartbeatState(heartbeatId: string, watchingSinceMs: number): HeartbeatState {
  return {
    heartbeatId,
    watchingSinceMs,
    lastPingMs: null,
    lastPingKind: null,
    startedMs: null,
    lastDurationMs: null,
    downSinceMs: null,
    missedThroughMs: null,
    lastMessage: null,
  };
}

/** When the next end-of-run ping is due: `every + grace` after the last one, or after watching began. */
export function heartbeatDueAtMs(hb: Pick<HeartbeatCheck, 'everyMs' | 'graceMs'>, state: HeartbeatState): number {
  const base = Math.max(state.lastPingMs ?? Number.NEGATIVE_INFINITY, state.watchingSinceMs);
  return base + hb.everyMs + hb.graceMs;
}

/** Applies one ping. A ping older than the last end-of-run ping (a late event) is recorded but changes nothing. */
export function applyPing(hb: HeartbeatCheck, state: HeartbeatState, ping: Ping, location: string): PingOutcome {
  if (ping.kind === 'start') {
    if (state.lastPingMs !== null && ping.atMs < state.lastPingMs) return { state, result: null, decision: NONE };
    return { state: { ...state, startedMs: ping.atMs }, result: null, decision: NONE };
  }
  const ok = ping.kind === 'success';
  const runStartedMs = ping.runStartedMs ?? state.startedMs;
  const durationMs = runStartedMs !== null && runStartedMs <= ping.atMs ? ping.atMs - runStartedMs : null;
  const error: ProbeError | null = ok ? null : { kind: 'assertion', message: `the job reported a failure${ping.message ? `: ${ping.message}` : ''}` };
  const result = heartbeatResult(hb, location, { atMs: ping.atMs, ok, error, totalMs: durationMs ?? 0 });
  if (state.lastPingMs !== null && ping.atMs < state.lastPingMs) return { state, result, decision: NONE };

  const next: HeartbeatState = {
    ...state,
    lastPingMs: ping.atMs,
    lastPingKind: ping.kind,
    startedMs: null,
    lastDurationMs: durationMs ?? state.lastDurationMs,
    lastMessage: ping.message,
    downSinceMs: ok ? null : (state.downSinceMs ?? ping.atMs),
  };
  if (ok) return { state: next, result, decision: state.downSinceMs === null ? NONE : { action: 'close', closedAtMs: ping.atMs } };
  if (state.downSinceMs !== null) return { state: next, result, decision: NONE };
  return { state: next, result, decision: { action: 'open', openedAtMs: ping.atMs, error: error as ProbeError } };
}

/** What is due at `nowMs`: missed deadlines to record, and an incident to open when the first one passes. */
export function evaluateHeartbeat(hb: HeartbeatCheck, state: HeartbeatState, nowMs: number, location: string): Evaluation {
  const dueMs = heartbeatDueAtMs(hb, state);
  if (nowMs < dueMs) return { state, missed: [], decision: NONE };
  const error = missedError(hb, state, dueMs);
  // Deadlines due, due + every, due + 2 every... up to now; each recorded once.
  let first = state.missedThroughMs !== null && state.missedThroughMs >= dueMs ? state.missedThroughMs + hb.everyMs : dueMs;
  const count = first > nowMs ? 0 : Math.floor((nowMs - first) / hb.everyMs) + 1;
  if (count > MAX_MISSED_PER_EVALUATION) first += (count - MAX_MISSED_PER_EVALUATION) * hb.everyMs;
  const missed: ProbeResult[] = [];
  for (let at = first; at <= nowMs && missed.length < MAX_MISSED_PER_EVALUATION; at += hb.everyMs) {
    missed.push(heartbeatResult(hb, location, { atMs: at, ok: false, error, totalMs: 0 }));
  }
  const missedThroughMs = missed.length === 0 ? state.missedThroughMs : Date.parse(missed[missed.length - 1]!.startedAt);
  if (state.downSinceMs !== null) return { state: { ...state, missedThroughMs }, missed, decision: NONE };
  return { state: { ...state, missedThroughMs, downSinceMs: dueMs }, missed, decision: { action: 'open', openedAtMs: dueMs, error } };
}

/** "no ping since ..." or "started at ... and did not finish": what a missed deadline says in alerts. */
function missedError(hb: HeartbeatCheck, state: HeartbeatState, dueMs: number): ProbeError {
  const expected = `expected every ${formatDuration(hb.everyMs)}, grace ${formatDuration(hb.graceMs)}`;
  const iso = (ms: number) => new Date(ms).toISOString();
  let message: string;
  if (state.startedMs !== null && state.startedMs >= (state.lastPingMs ?? Number.NEGATIVE_INFINITY)) {
    message = `the run started at ${iso(state.startedMs)} did not finish by ${iso(dueMs)} (${expected})`;
  } else if (state.lastPingMs !== null && state.lastPingMs >= state.watchingSinceMs) {
    message = `no ping since ${iso(state.lastPingMs)} (${expected})`;
  } else {
    message = `no ping since skyprobe started watching at ${iso(state.watchingSinceMs)} (${expected})`;
  }
  return { kind: 'timeout', message };
}

/** What people see as a heartbeat's target: how often it must report in. */
export function heartbeatTarget(hb: Pick<HeartbeatCheck, 'everyMs' | 'graceMs'>): string {
  return `heartbeat every ${formatDuration(hb.everyMs)} (grace ${formatDuration(hb.graceMs)})`;
}

function heartbeatResult(hb: HeartbeatCheck, location: string, run: { atMs: number; ok: boolean; error: ProbeError | null; totalMs: number }): ProbeResult {
  return {
    checkId: hb.id,
    type: 'heartbeat',
    location,
    startedAt: new Date(run.atMs).toISOString(),
    ok: run.ok,
    status: run.ok ? 'up' : 'down',
    error: run.error,
    timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, downloadMs: null, totalMs: run.totalMs },
    httpStatus: null,
    address: null,
    target: heartbeatTarget(hb),
    assertions: [],
    attempts: 1,
  };
}

/**
 * A ping's body as stored: the known secrets redacted, control characters (but tabs) turned into spaces,
 * whitespace trimmed, cut to MAX_PING_MESSAGE_CHARS; null when nothing is left.
 */
export function pingMessage(body: string, redact: (text: string) => string): string | null {
  // eslint-disable-next-line no-control-regex
  const text = redact(body).replace(/[\u0000-\u0008\u000a-\u001f\u007f]+/g, ' ').trim();
  if (text === '') return null;
  return text.length <= MAX_PING_MESSAGE_CHARS ? text : `${text.slice(0, MAX_PING_MESSAGE_CHARS - 1)}…`;
}

/** Path of a ping: `/ping/<id>`, `/ping/<id>/start`, `/ping/<id>/fail`. */
export function pingPath(id: string, kind: PingKind = 'success'): string {
  return `/ping/${encodeURIComponent(id)}${kind === 'success' ? '' : `/${kind}`}`;
}

/** SSM SecureString parameter holding a heartbeat's token in AWS (never in a template). */
export const heartbeatTokenParameter = (project: string, heartbeatId: string) => `/${project}/heartbeat-tokens/${heartbeatId}`;
export const heartbeatTokenParameterPrefix = (project: string) => `/${project}/heartbeat-tokens/`;

/** A heartbeat's state as stored, with the version its next write must match (optimistic concurrency). */
export interface StoredHeartbeatState {
  readonly state: HeartbeatState;
  readonly version: number;
}

/** The heartbeat state port: DynamoDB in AWS and locally (lambdas/store/heartbeat-store.ts). */
export interface HeartbeatStateStore {
  /** The stored states of these heartbeats (strongly consistent); ids with none are left out. */
  get(ids: readonly string[]): Promise<ReadonlyMap<string, StoredHeartbeatState>>;
  /**
   * Writes `state` if the stored version is still `expectedVersion` (null: nothing stored yet).
   * Returns the new version, or null when someone else wrote first (read again and retry).
   */
  put(state: HeartbeatState, expectedVersion: number | null): Promise<number | null>;
}

/** The home stack's output holding the ping function URL (what `skyprobe heartbeat url --aws` reads). */
export const HEARTBEAT_PING_URL_OUTPUT = 'HeartbeatPingUrl';
