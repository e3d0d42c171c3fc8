import type { HeartbeatCheck, MaintenanceWindow } from '../core/check.ts';
import type { ProbeError } from '../core/errors.ts';
import {
  applyPing,
  evaluateHeartbeat,
  heartbeatTarget,
  initialHeartbeatState,
  type HeartbeatDecision,
  type HeartbeatState,
  type HeartbeatStateStore,
  type Ping,
  type StoredHeartbeatState,
} from '../core/heartbeat.ts';
import { activeMaintenance } from '../core/maintenance.ts';
import { alertEvent, type AlertEvent } from '../core/notification.ts';
import type { Clock } from '../core/ports.ts';
import type { ProbeResult } from '../core/result.ts';
import type { Incident, ResultsStore } from '../core/store.ts';

/**
 * Heartbeats end to end, the same code locally (`skyprobe run`) and in AWS (the ping, sweep and
 * backup-event functions): applies pings and deadlines (lambdas/core/heartbeat.ts) to the stored state,
 * records each run as a result, opens and closes incidents, and announces them.
 *
 * Incidents follow the checks' rules: at most one open per heartbeat; one DOWN when it opens and one
 * RECOVERED when it closes; opened in a maintenance window it is planned and announces nothing, and when
 * the window ends with the heartbeat still down, the planned incident closes and an unplanned one opens.
 *
 * A ping and a sweep may run at the same time (two Lambda functions). State writes are conditional on the
 * version read (retried on conflict), and a sweep that opened an incident reads the state again: when a
 * success ping landed meanwhile (its own close found nothing open yet), the sweep closes the incident itself.
 */

export interface HeartbeatMonitorDeps {
  readonly heartbeats: readonly HeartbeatCheck[];
  readonly maintenance: readonly MaintenanceWindow[];
  /** Results and incidents (the home region's store in AWS). */
  readonly results: ResultsStore;
  readonly states: HeartbeatStateStore;
  /** Location written with results: the local location name, or the home region. */
  readonly location: string;
  /** Announces an incident; resolves false when it was already announced. */
  readonly publish: (event: AlertEvent) => Promise<boolean>;
  /**
   * Announce the DOWN of every unplanned incident still open at each sweep (AWS: the publisher is a
   * delivery ledger, so this only sends what a crashed invocation did not). @default false
   */
  readonly republishOpen?: boolean;
  readonly dashboardUrl?: (heartbeatId: string) => string | null;
  readonly clock: Clock;
  readonly log: (line: string) => void;
}

export interface HeartbeatPingOutcome {
  readonly heartbeatId: string;
  readonly decision: HeartbeatDecision['action'];
  /** The ping was older than the last one (a late event): recorded, but it changed nothing. */
  readonly stale: boolean;
  readonly incidentId: string | null;
}

export interface HeartbeatSweepOutcome {
  readonly evaluated: number;
  readonly missedRecorded: number;
  readonly opened: readonly string[];
  readonly closed: readonly string[];
}

/** A ping for an id the config does not have (the endpoints refuse those before calling the monitor). */
export class UnknownHeartbeatError extends Error {
  override readonly name = 'UnknownHeartbeatError';
}

const MAX_WRITE_ATTEMPTS = 8;

export class HeartbeatMonitor {
  #heartbeats: ReadonlyMap<string, HeartbeatCheck>;
  #maintenance: readonly MaintenanceWindow[];

  constructor(private readonly deps: HeartbeatMonitorDeps) {
    this.#heartbeats = new Map(deps.heartbeats.map((hb) => [hb.id, hb]));
    this.#maintenance = deps.maintenance;
  }

  /** Swaps the config (a reload of `skyprobe run`); stored states of removed heartbeats stay, unused. */
  setConfig(heartbeats: readonly HeartbeatCheck[], maintenance: readonly MaintenanceWindow[]): void {
    this.#heartbeats = new Map(heartbeats.map((hb) => [hb.id, hb]));
    this.#maintenance = maintenance;
  }

  has(heartbeatId: string): boolean {
    return this.#heartbeats.has(heartbeatId);
  }

  heartbeats(): readonly HeartbeatCheck[] {
    return [...this.#heartbeats.values()];
  }

  /**
   * Starts listening again (the local runner after a restart): pings sent while nothing listened were
   * refused, so each heartbeat that is up gets a fresh `every + grace` from now. Down ones stay down.
   */
  async resume(): Promise<void> {
    const now = this.deps.clock.now();
    await Promise.all(
      this.heartbeats().map((hb) => this.#update(hb, undefined, (s) => (s.downSinceMs === null && s.watchingSinceMs < now ? { ...s, watchingSinceMs: now } : s))),
    );
  }

  /** Applies one ping: records the run, closes an open incident on success, opens one on a fail ping. */
  async ping(heartbeatId: string, ping: Ping): Promise<HeartbeatPingOutcome> {
    const hb = this.#heartbeats.get(heartbeatId);
    if (hb === undefined) throw new UnknownHeartbeatError(`no heartbeat ${JSON.stringify(heartbeatId)} in the config`);
    let result = null as ProbeResult | null;
    let decision = { action: 'none' } as HeartbeatDecision;
    let stale = false as boolean;
    await this.#update(hb, undefined, (s) => {
      const out = applyPing(hb, s, ping, this.deps.location);
      result = out.result;
      decision = out.decision;
      stale = ping.kind !== 'start' && s.lastPingMs !== null && ping.atMs < s.lastPingMs;
      return out.state;
    });
    if (result !== null) await this.#record([result]);
    let incidentId: string | null = null;
    if (ping.kind === 'success' && !stale) {
      // Always, not only when the state said down: a crash between the state write and the close must not leave an incident open.
      incidentId = (await this.#close(hb, ping.atMs))?.id ?? null;
    } else if (decision.action === 'open') {
      incidentId = (await this.#open(hb, decision.openedAtMs, decision.error))?.id ?? null;
    }
    return { heartbeatId, decision: decision.action, stale, incidentId };
  }

  /** Checks every heartbeat's deadline: records missed runs, opens incidents (and repairs half-done ones). */
  async sweep(): Promise<HeartbeatSweepOutcome> {
    const heartbeats = this.heartbeats();
    const stored = await this.deps.states.get(heartbeats.map((hb) => hb.id));
    const missed: ProbeResult[] = [];
    const opened: string[] = [];
    const closed: string[] = [];
    for (const hb of heartbeats) {
      const now = this.deps.clock.now();
      let decision = { action: 'none' } as HeartbeatDecision;
      let missedHere: readonly ProbeResult[] = [];
      // The change may run again after a conflicting write: keep only the last attempt's outcome.
      const after = await this.#update(hb, stored.get(hb.id), (s) => {
        const out = evaluateHeartbeat(hb, s, now, this.deps.location);
        missedHere = out.missed;
        decision = out.decision;
        return out.state;
      });
      missed.push(...missedHere);
      if (decision.action === 'open') {
        const incident = await this.#open(hb, decision.openedAtMs, decision.error);
        if (incident !== null) opened.push(incident.id);
        // A success ping that landed between our read and our open found nothing to close: close it here.
        const latest = (await this.deps.states.get([hb.id])).get(hb.id)?.state;
        if (latest !== undefined && latest.downSinceMs === null && latest.lastPingMs !== null) {
          const done = await this.#close(hb, latest.lastPingMs);
          if (done !== null) closed.push(done.id);
        }
      } else if (after.downSinceMs !== null) {
        const incident = await this.#repair(hb, after, now);
        if (incident !== null) opened.push(incident.id);
      }
    }
    if (missed.length > 0) await this.#record(missed);
    return { evaluated: heartbeats.length, missedRecorded: missed.length, opened, closed };
  }

  /** Down in the state: the incident must be open (a crash may have left it unopened), and unplanned once maintenance is over. */
  async #repair(hb: HeartbeatCheck, state: HeartbeatState, nowMs: number): Promise<Incident | null> {
    const open = await this.deps.results.openIncidentFor(hb.id);
    if (open === null) return this.#open(hb, state.downSinceMs ?? nowMs, { kind: 'timeout', message: `${hb.id} is down: ${state.lastMessage ?? 'no ping in time'}` });
    if (open.planned && activeMaintenance(this.#maintenance, hb, nowMs) === null) {
      // Maintenance ended with the job still not reporting: the planned part ends here, an unplanned outage begins.
      await this.deps.results.closeIncident(hb.id, new Date(nowMs).toISOString());
      return this.#open(hb, nowMs, open.firstError ?? { kind: 'timeout', message: 'still no ping after the maintenance window' });
    }
    if (!open.planned && this.deps.republishOpen === true) await this.deps.publish(this.#event('down', hb, open));
    return null;
  }

  async #open(hb: HeartbeatCheck, openedAtMs: number, error: ProbeError): Promise<Incident | null> {
    const window = activeMaintenance(this.#maintenance, hb, openedAtMs);
    const { incident, created } = await this.deps.results.openIncident({
      checkId: hb.id,
      openedAt: new Date(openedAtMs).toISOString(),
      detectedAt: new Date(Math.max(openedAtMs, this.deps.clock.now())).toISOString(),
      planned: window !== null,
      failingLocations: [this.deps.location],
      firstError: error,
    });
    if (!created) return null;
    if (incident.planned) this.deps.log(`heartbeat ${hb.id} is down during maintenance window ${window?.id ?? ''}: incident ${incident.id} recorded as planned, no alert sent`);
    else await this.deps.publish(this.#event('down', hb, incident));
    return incident;
  }

  /** Closes the open incident, never before it opened (a late AWS Backup event may predate it). */
  async #close(hb: HeartbeatCheck, atMs: number): Promise<Incident | null> {
    const open = await this.deps.results.openIncidentFor(hb.id);
    if (open === null) return null;
    const closedAt = new Date(Math.max(atMs, Date.parse(open.openedAt))).toISOString();
    const closed = await this.deps.results.closeIncident(hb.id, closedAt);
    if (closed !== null && !closed.planned) await this.deps.publish(this.#event('recovered', hb, closed));
    return closed;
  }

  async #record(results: readonly ProbeResult[]): Promise<void> {
    const report = await this.deps.results.recordResults(results);
    if (report.pending > 0) this.deps.log(`heartbeat results: ${report.pending} writes pending, retried with the next write (${report.lastError ?? 'no error'})`);
  }

  /** Read, change, write conditionally on the version read; re-read and retry when another writer won. */
  async #update(hb: HeartbeatCheck, first: StoredHeartbeatState | undefined, change: (state: HeartbeatState) => HeartbeatState): Promise<HeartbeatState> {
    let stored = first;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      if (attempt > 1 || stored === undefined) stored = (await this.deps.states.get([hb.id])).get(hb.id);
      const current = stored?.state ?? initialHeartbeatState(hb.id, this.deps.clock.now());
      const next = change(current);
      if (next === current && stored !== undefined) return current;
      if ((await this.deps.states.put(next, stored?.version ?? null)) !== null) return next;
    }
    throw new Error(`heartbeat ${hb.id}: its state kept changing under ${MAX_WRITE_ATTEMPTS} writes in a row`);
  }

  #event(kind: AlertEvent['kind'], hb: HeartbeatCheck, incident: Incident): AlertEvent {
    return alertEvent({ kind, incident, check: hb, target: heartbeatTarget(hb), dashboardUrl: this.deps.dashboardUrl?.(hb.id) ?? null });
  }
}
