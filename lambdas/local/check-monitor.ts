import { evaluateAlertPolicy, locationPeriodsFromResults, periodLengthMs, periodStartOf } from '../core/alert-policy.ts';
import type { Check } from '../core/check.ts';
import type { MaintenanceWindow } from '../core/check.ts';
import { activeMaintenance } from '../core/maintenance.ts';
import { alertEvent, type AlertEvent, type Notifier } from '../core/notification.ts';
import type { Clock } from '../core/ports.ts';
import type { ProbeResult } from '../core/result.ts';
import type { Incident, ResultsStore } from '../core/store.ts';
import { renderForDisplay } from '../core/templates.ts';
import type { CheckRuntimeState } from './dashboard/source.ts';

type Run = Pick<ProbeResult, 'startedAt' | 'ok' | 'status' | 'error' | 'location'>;

interface Tracked {
  check: Check;
  /** Runs inside the alert window (n periods), oldest first. */
  runs: Run[];
  state: CheckRuntimeState['state'];
  since: string | null;
  lastResult: ProbeResult | null;
  incident: Incident | null;
  /** Start of the first passing run after the latest failing one: when the target came back. */
  passingSince: string | null;
}

export interface CheckMonitorDeps {
  readonly store: ResultsStore;
  readonly notifier: Notifier;
  readonly clock: Clock;
  /** The local location name: the only location the local runner has. */
  readonly location: string;
  readonly log: (line: string) => void;
}

export function displayTarget(check: Check): string {
  switch (check.type) {
    case 'http':
      return renderForDisplay(check.steps[0]!.url);
    case 'dns':
      return `${check.domain} ${check.recordType}`;
    default:
      return `${check.host}:${check.port}`;
  }
}

/**
 * Applies the alert policy to each new result, opens and closes incidents, and notifies: exactly one DOWN and
 * one RECOVERED per incident. The runner has one location, so k (failing locations) is 1 here; m-of-n periods
 * is the check's own, evaluated by the same module that emits the CloudWatch alarm.
 */
export class CheckMonitor {
  private readonly tracked = new Map<string, Tracked>();
  private windows: readonly MaintenanceWindow[] = [];
  private dashboardUrl: string | null = null;

  constructor(private readonly deps: CheckMonitorDeps) {}

  /** Sets the checks to watch (start and config reload); restores history and open incidents of new ones. */
  async setChecks(checks: readonly Check[], windows: readonly MaintenanceWindow[], dashboardUrl: string | null): Promise<void> {
    this.windows = windows;
    this.dashboardUrl = dashboardUrl;
    const ids = new Set(checks.map((c) => c.id));
    for (const id of this.tracked.keys()) if (!ids.has(id)) this.tracked.delete(id);
    await Promise.all(
      checks.map(async (check) => {
        const existing = this.tracked.get(check.id);
        if (existing) {
          existing.check = check;
          return;
        }
        const tracked: Tracked = { check, runs: [], state: 'pending', since: null, lastResult: null, incident: null, passingSince: null };
        this.tracked.set(check.id, tracked);
        const periodMs = periodLengthMs(check);
        const limit = Math.ceil((check.alertPolicy.evaluationPeriods * periodMs) / check.intervalMs) + 2;
        const [recent, incident] = await Promise.all([
          this.deps.store.recentResults(check.id, this.deps.location, { limit }),
          this.deps.store.openIncidentFor(check.id),
        ]);
        tracked.runs = [...recent].reverse();
        for (const r of tracked.runs) tracked.passingSince = r.ok ? (tracked.passingSince ?? r.startedAt) : null;
        tracked.lastResult = recent[0] ?? null;
        tracked.incident = incident;
        if (incident) {
          tracked.state = 'down';
          tracked.since = incident.openedAt;
        } else if (recent[0]) {
          tracked.state = recent[0].status;
          tracked.since = recent[0].startedAt;
        }
      }),
    );
  }

  states(): CheckRuntimeState[] {
    const now = this.deps.clock.now();
    return [...this.tracked.values()].map((t) => ({
      checkId: t.check.id,
      state: t.state,
      since: t.since,
      lastResult: t.lastResult,
      inMaintenance: activeMaintenance(this.windows, t.check, now) !== null,
      openIncidentId: t.incident?.id ?? null,
    }));
  }

  async onResult(result: ProbeResult): Promise<void> {
    const t = this.tracked.get(result.checkId);
    if (!t) return;
    const check = t.check;
    const periodMs = periodLengthMs(check);
    const now = this.deps.clock.now();
    const nowPeriod = periodStartOf(Date.parse(result.startedAt), periodMs);
    const windowStart = nowPeriod - (check.alertPolicy.evaluationPeriods - 1) * periodMs;
    t.runs.push(result);
    t.runs = t.runs.filter((r) => Date.parse(r.startedAt) >= windowStart);
    t.lastResult = result;
    t.passingSince = result.ok ? (t.passingSince ?? result.startedAt) : null;

    const policy = { ...check.alertPolicy, failingLocations: 1 };
    const evaluation = evaluateAlertPolicy(policy, locationPeriodsFromResults(t.runs, periodMs), nowPeriod, periodMs, [this.deps.location]);
    const maintenance = activeMaintenance(this.windows, check, now);
    const nowIso = new Date(now).toISOString();

    if (evaluation.state === 'down') {
      if (t.incident?.planned && maintenance === null) {
        // Maintenance ended with the check still down: the planned part ends here, an unplanned outage begins.
        await this.close(t, nowIso);
        await this.open(t, result, nowIso, nowIso, false);
      } else if (!t.incident) {
        const firstFailure = this.outageStart(t, evaluation.periods.find((p) => p.failed)?.periodStart ?? nowPeriod);
        await this.open(t, firstFailure ?? result, firstFailure?.startedAt ?? result.startedAt, nowIso, maintenance !== null);
      }
    } else if (t.incident) {
      await this.close(t, t.passingSince ?? result.startedAt);
    }
    if (evaluation.state !== t.state) {
      t.state = evaluation.state;
      t.since = t.incident?.openedAt ?? result.startedAt;
    }
  }

  /** The first failing run in the earliest failed period of the window: when the outage began. */
  private outageStart(t: Tracked, failedPeriodStart: number): Run | undefined {
    return t.runs.find((r) => !r.ok && Date.parse(r.startedAt) >= failedPeriodStart);
  }

  private async open(t: Tracked, first: Run, openedAt: string, detectedAt: string, planned: boolean): Promise<void> {
    const { incident, created } = await this.deps.store.openIncident({
      checkId: t.check.id,
      openedAt,
      detectedAt,
      planned,
      failingLocations: [this.deps.location],
      firstError: first.error ?? t.lastResult?.error ?? null,
    });
    t.incident = incident;
    if (created && !planned) this.deps.notifier.notify(this.event('down', t, incident));
    else if (created) this.deps.log(`${t.check.id} is down during maintenance: incident ${incident.id} recorded as planned, no alert sent`);
  }

  private async close(t: Tracked, closedAt: string): Promise<void> {
    const closed = await this.deps.store.closeIncident(t.check.id, closedAt);
    const planned = t.incident?.planned ?? false;
    t.incident = null;
    if (closed && !planned) this.deps.notifier.notify(this.event('recovered', t, closed));
  }

  private event(kind: AlertEvent['kind'], t: Tracked, incident: Incident): AlertEvent {
    return alertEvent({
      kind,
      incident,
      check: t.check,
      target: displayTarget(t.check),
      dashboardUrl: this.dashboardUrl ? `${this.dashboardUrl.replace(/\/$/, '')}/#/check/${encodeURIComponent(t.check.id)}` : null,
    });
  }
}
