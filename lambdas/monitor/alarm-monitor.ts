import { periodLengthMs } from '../core/alert-policy.ts';
import type { Check, Config } from '../core/check.ts';
import { describeError, type ProbeError } from '../core/errors.ts';
import { activeMaintenance, maintenanceEndedAt } from '../core/maintenance.ts';
import { alertEvent, type AlertEvent } from '../core/notification.ts';
import type { Incident, ResultsStore } from '../core/store.ts';
import { notifiedAlarms, type ParsedAlarmName } from '../core/alarm-names.ts';
import { displayTarget } from '../local/check-monitor.ts';
import { WebhookDeliveryError, type WebhookTarget } from '../alerts/webhook-sender.ts';
import { noticeFor, type Notice } from './notice.ts';

/**
 * What the AWS notifier does with an alarm transition, with the incident semantics of the local runner
 * (lambdas/local/check-monitor.ts): one incident open per check at most; one DOWN when it opens and one
 * RECOVERED when it closes; an incident opened in a maintenance window is recorded as planned and
 * announces nothing, neither when it opens nor when it closes.
 *
 * In AWS the quorum rule is evaluated by the CloudWatch alarm, so an ALARM transition of the quorum alarm
 * opens the incident and an OK closes it. Events may come twice (EventBridge delivers at least once,
 * Lambda retries) and out of order, so:
 * - opening and closing rely on the store's conditional writes (a second ALARM finds the incident open);
 * - every publish goes through the `DeliveryLedger` (claim, publish, mark sent), so a repeated event
 *   never alerts twice, while a retry after a failed publish still alerts once;
 * - an ALARM older than an incident's close, or an OK older than the open incident, is stale and ignored.
 *
 * A transition is handled in two parts: first the topic (the incident, then the alert or notice, or the
 * decision that there is nothing to say), then the webhooks. Between them the transition is settled in the
 * ledger (`topicSettlement`): when the notifier finally gives an event up, its fallback publishes only
 * transitions that were never settled, so a webhook that keeps failing never sends the topic's
 * subscribers a second copy.
 *
 * Only this config's alarms are acted on (`notifiedAlarms`): another project's alarm whose name merely
 * starts with this project's is ignored, and the outcome says so.
 */

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** One alarm state change, as the notifier reads it from the EventBridge event. */
export interface AlarmTransition {
  readonly alarmName: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState | null;
  /** ISO time (normalized) the alarm entered `state`. */
  readonly at: string;
  readonly reason: string | null;
  readonly description: string | null;
  /** Region the alarm lives in. */
  readonly region: string;
}

/** Sends alerts and notices (SNS in AWS). Rejects when the message was not accepted. */
export interface AlertPublisher {
  publishAlert(event: AlertEvent): Promise<void>;
  publishNotice(notice: Notice): Promise<void>;
}

/** The last notice announced for one alarm. */
export interface AnnouncedNotice {
  readonly state: 'alarm' | 'ok';
  /** ISO time of the transition it announced. */
  readonly at: string;
}

/** Remembers what was published, so a repeated event publishes nothing. */
export interface DeliveryLedger {
  /** True when the caller may send `deliveryId` now: not sent yet and nobody else sending it. */
  claim(deliveryId: string): Promise<boolean>;
  /** The claimed delivery went out: later claims are refused. */
  markSent(deliveryId: string): Promise<void>;
  /** The claimed delivery failed: a later claim may try again. */
  release(deliveryId: string): Promise<void>;
  /** Nothing (more) is to be sent for `deliveryId`, without a claim: sent, or nothing to say. */
  settle(deliveryId: string): Promise<void>;
  /** Whether `deliveryId` was marked sent or settled. */
  isSettled(deliveryId: string): Promise<boolean>;
  /** The last notice announced for `alarmName`, or null. */
  lastNotice(alarmName: string): Promise<AnnouncedNotice | null>;
  /** Records an announced notice, unless one of a later transition is recorded already. */
  recordNotice(alarmName: string, notice: AnnouncedNotice): Promise<void>;
}

/** The ledger entry that says a transition's part for the topic is done: what the notifier's fallback looks for. */
export function topicSettlement(t: Pick<AlarmTransition, 'alarmName' | 'state' | 'at'>): string {
  return `topic:${t.alarmName}:${t.state}:${t.at}`;
}

export interface AlarmMonitorDeps {
  /** Its alarms (`notifiedAlarms`) are the only ones acted on. */
  readonly config: Config;
  /** The home region's store: incidents are written only there. */
  readonly store: ResultsStore;
  readonly publisher: AlertPublisher;
  readonly ledger: DeliveryLedger;
  readonly dashboardUrl: string | null;
  /** The link for alerts about one check (the check dashboard with it picked), else `dashboardUrl`. @default none */
  readonly checkDashboardUrl?: (checkId: string) => string | null;
  readonly log: (line: string) => void;
  /** The config's `alerts.webhooks`, sent alongside each alert, each delivery once through the ledger. @default none */
  readonly webhooks?: readonly WebhookTarget[];
}

export interface AlarmOutcome {
  readonly action: 'ignored' | 'incident-opened' | 'incident-already-open' | 'incident-closed' | 'notice';
  readonly incidentId: string | null;
  /** This call published a message. */
  readonly published: boolean;
  /** Why, for the log. */
  readonly note: string;
}

type CheckInfo = Pick<Check, 'id' | 'name' | 'severity' | 'tags'>;

const MINUTE_MS = 60_000;

/** What the topic part of a transition did, and the alert its webhooks still get. */
interface TopicPart {
  readonly outcome: AlarmOutcome;
  readonly alert: AlertEvent | null;
}

const alarmsByConfig = new WeakMap<Config, ReadonlyMap<string, ParsedAlarmName>>();

/** This config's alarms (`notifiedAlarms`), computed once per config object. */
export function alarmsOf(config: Config): ReadonlyMap<string, ParsedAlarmName> {
  let alarms = alarmsByConfig.get(config);
  if (alarms === undefined) {
    alarms = notifiedAlarms(config);
    alarmsByConfig.set(config, alarms);
  }
  return alarms;
}

/**
 * Handles one transition: the topic part, then the settlement, then the webhooks. Rejects (so Lambda retries
 * the event) when the topic part fails, or with `WebhookDeliveryError` when a webhook did not take the alert;
 * a retry sends only what did not go out.
 */
export async function handleAlarmTransition(deps: AlarmMonitorDeps, t: AlarmTransition): Promise<AlarmOutcome> {
  const parsed = alarmsOf(deps.config).get(t.alarmName);
  if (parsed === undefined) return ignored(`alarm ${t.alarmName} is not one of project ${deps.config.project}'s alarms`);
  if (t.state === 'INSUFFICIENT_DATA') return ignored(`${t.alarmName} has insufficient data: nothing to announce`);
  const { outcome, alert } =
    parsed.kind === 'quorum' ? (t.state === 'ALARM' ? await openIncident(deps, t, parsed.checkId) : await closeIncident(deps, t, parsed.checkId)) : await notice(deps, t, parsed);
  // Before the webhooks: once settled, a failing webhook can no longer make the fallback publish to the topic.
  const unsettled = await deps.ledger.settle(topicSettlement(t)).then(
    () => null,
    (error: unknown) => error,
  );
  if (alert !== null) await sendWebhooks(deps, alert);
  // Thrown after the webhooks had their go: the retry settles it (the topic's message is not sent again).
  if (unsettled !== null) throw unsettled;
  return outcome;
}

/** How far back the sweep looks for ended maintenance windows: it runs every minute, this covers missed runs. */
export const MAINTENANCE_SWEEP_LOOKBACK_MS = 60 * MINUTE_MS;

export interface SweepOutcome {
  /** Checks whose maintenance ended within the lookback. */
  readonly examined: number;
  /** DOWN alerts this sweep sent for checks still down after their window (each incident alerted once). */
  readonly alerted: readonly { readonly checkId: string; readonly incidentId: string }[];
  /** Checks the sweep could not handle, with why; the next sweep (a minute later) tries again. */
  readonly failed: readonly string[];
}

/**
 * A check still down when its maintenance window ends: the alarm stays in ALARM, so no transition comes, yet
 * the outage is no longer planned. Run every minute: for each check whose window ended within the lookback
 * and that has a planned incident open, the planned incident closes at the window's end and an unplanned
 * one opens there and alerts, as the local runner does when its rule evaluates after a window.
 *
 * Every step may be repeated, so a sweep that failed half-way (or ran twice) is finished by the next one: the
 * store opens one incident per check at most, a planned incident closed at the window's end with nothing
 * opened after it is picked up again, and the DOWN goes out through the delivery ledger (sent once). A sweep
 * never throws: a failure is logged and retried a minute later, not published as a raw event.
 */
export async function sweepEndedMaintenance(deps: AlarmMonitorDeps, nowMs: number): Promise<SweepOutcome> {
  const alerted: { checkId: string; incidentId: string }[] = [];
  const failed: string[] = [];
  let examined = 0;
  for (const check of deps.config.checks) {
    const endedAt = maintenanceEndedAt(deps.config.maintenance, check, nowMs - MAINTENANCE_SWEEP_LOOKBACK_MS, nowMs);
    if (endedAt === null) continue;
    examined++;
    try {
      const found = await unplannedAfterMaintenance(deps, check, new Date(endedAt).toISOString(), nowMs);
      if (found === null) continue;
      const { incident, errors } = found;
      if (await deliverAlert(deps, eventFor(deps, 'down', incident, check, check.id, errors))) {
        deps.log(`${check.id} is still down after its maintenance ended at ${incident.openedAt}: incident ${incident.id} opened, DOWN sent`);
        alerted.push({ checkId: check.id, incidentId: incident.id });
      }
    } catch (error) {
      const line = `maintenance sweep: ${check.id}: ${(error as Error)?.message ?? String(error)} (the next sweep tries again)`;
      deps.log(line);
      failed.push(line);
    }
  }
  return { examined, alerted, failed };
}

/**
 * The unplanned incident that begins when maintenance ended at `endIso` with the check still down (opened now
 * if needed), with the failing locations' errors now; null when there is none.
 */
async function unplannedAfterMaintenance(
  deps: AlarmMonitorDeps,
  check: Check,
  endIso: string,
  nowMs: number,
): Promise<{ incident: Incident; errors: ReadonlyMap<string, ProbeError> } | null> {
  const { store } = deps;
  let open = await store.openIncidentFor(check.id);
  if (open === null) {
    // A sweep that closed the planned incident but failed before opening the next one.
    const since = await store.incidents({ checkId: check.id, fromIso: endIso });
    if (since.some((i) => !i.planned && i.openedAt >= endIso)) return null;
    open = since.find((i) => i.planned && i.closedAt === endIso) ?? null;
    if (open === null) return null;
  }
  // Unplanned and opened at the window's end: a sweep's own incident, whose DOWN may still be unsent.
  if (!open.planned) return open.openedAt === endIso ? { incident: open, errors: (await failingNow(store, check, check.id, nowMs)).errors } : null;
  if (open.closedAt === null) await store.closeIncident(check.id, endIso);
  const failing = await failingNow(store, check, check.id, nowMs);
  const { incident } = await store.openIncident({
    checkId: check.id,
    openedAt: endIso,
    detectedAt: new Date(nowMs).toISOString(),
    planned: false,
    failingLocations: failing.locations.length > 0 ? failing.locations : open.failingLocations,
    firstError: failing.firstError ?? open.firstError,
  });
  return incident.planned ? null : { incident, errors: failing.errors };
}

async function openIncident(deps: AlarmMonitorDeps, t: AlarmTransition, checkId: string): Promise<TopicPart> {
  const { store } = deps;
  const check = findCheck(deps, checkId);
  // An incident of this check that closed after this ALARM means an OK already followed it.
  const overlapping = await store.incidents({ checkId, fromIso: t.at });
  if (overlapping.some((i) => i.closedAt !== null && i.closedAt > t.at)) {
    return silent(ignored(`stale ALARM of ${t.alarmName} at ${t.at}: an incident closed after it`));
  }
  const maintenance = activeMaintenance(deps.config.maintenance, checkInfo(check, checkId), Date.parse(t.at));
  const failing = await failingNow(store, check, checkId, Date.parse(t.at));
  const input = { checkId, openedAt: t.at, detectedAt: t.at, failingLocations: failing.locations, firstError: failing.firstError };

  let { incident, created } = await store.openIncident({ ...input, planned: maintenance !== null });
  if (!created && incident.planned && maintenance === null) {
    // Maintenance ended with the check still down: the planned part ends here, an unplanned outage begins.
    await store.closeIncident(checkId, t.at);
    ({ incident, created } = await store.openIncident({ ...input, planned: false }));
  }
  const action = created ? 'incident-opened' : 'incident-already-open';
  if (incident.planned) {
    const note = `${checkId} is down during maintenance${maintenance ? ` window ${maintenance.id}` : ''}: incident ${incident.id} recorded as planned, no alert sent`;
    deps.log(note);
    return silent({ action, incidentId: incident.id, published: false, note });
  }
  const event = eventFor(deps, 'down', incident, check, checkId, failing.errors);
  const published = await publishAlertOnce(deps, event);
  return { outcome: { action, incidentId: incident.id, published, note: published ? `DOWN sent for ${checkId}` : `DOWN for ${checkId} was already sent` }, alert: event };
}

async function closeIncident(deps: AlarmMonitorDeps, t: AlarmTransition, checkId: string): Promise<TopicPart> {
  const { store } = deps;
  const check = findCheck(deps, checkId);
  const open = await store.openIncidentFor(checkId);
  let closed: Incident | null = null;
  if (open !== null) {
    if (open.openedAt > t.at) return silent(ignored(`stale OK of ${t.alarmName} at ${t.at}: the open incident began after it`));
    closed = await store.closeIncident(checkId, t.at);
  }
  // A repeated OK finds nothing open: the incident it closed the first time is the one to announce.
  closed ??= (await store.incidents({ checkId, fromIso: t.at })).find((i) => i.closedAt === t.at) ?? null;
  if (closed === null) return silent(ignored(`${t.alarmName} is OK and ${checkId} has no open incident`));
  if (closed.planned) {
    return silent({ action: 'incident-closed', incidentId: closed.id, published: false, note: `planned incident ${closed.id} of ${checkId} closed, no alert sent` });
  }
  const event = eventFor(deps, 'recovered', closed, check, checkId);
  const published = await publishAlertOnce(deps, event);
  return {
    outcome: { action: 'incident-closed', incidentId: closed.id, published, note: published ? `RECOVERED sent for ${checkId}` : `RECOVERED for ${checkId} was already sent` },
    alert: event,
  };
}

/**
 * A notice: the beginning (ALARM) or the end (OK) of a condition that is not an incident. An OK is the end of
 * something when the alarm was in ALARM just before, or when the last notice announced for it was its ALARM
 * (the alarm went ALARM, INSUFFICIENT_DATA, OK: a metric gap on the way back). Otherwise an OK after
 * INSUFFICIENT_DATA (a new alarm, a deploy) is no news. INSUFFICIENT_DATA itself never is.
 */
async function notice(deps: AlarmMonitorDeps, t: AlarmTransition, parsed: Exclude<ParsedAlarmName, { kind: 'quorum' }>): Promise<TopicPart> {
  if (t.state === 'OK' && t.previousState !== 'ALARM') {
    const last = await deps.ledger.lastNotice(t.alarmName);
    if (last === null || last.state !== 'alarm' || last.at > t.at) return silent(ignored(`${t.alarmName} is OK, and no ALARM of it was announced before`));
  }
  let check: Check | null = null;
  if ('checkId' in parsed) {
    check = findCheck(deps, parsed.checkId);
    const window = activeMaintenance(deps.config.maintenance, checkInfo(check, parsed.checkId), Date.parse(t.at));
    if (window !== null) return silent(ignored(`${t.alarmName}: ${parsed.checkId} is in maintenance window ${window.id}, notice muted`));
  }
  const n = transitionNotice(t, parsed, check, 'checkId' in parsed ? dashboardLinkFor(deps, parsed.checkId) : deps.dashboardUrl);
  const published = await deliverOnce(deps, n.noticeId, () => deps.publisher.publishNotice(n));
  await deps.ledger.recordNotice(t.alarmName, { state: n.state, at: n.at });
  return silent({ action: 'notice', incidentId: null, published, note: published ? `notice sent: ${n.headline}` : `notice already sent: ${n.headline}` });
}

export type AlertDeliveryDeps = Pick<AlarmMonitorDeps, 'publisher' | 'ledger' | 'webhooks' | 'log'>;

/** The notice an alarm transition (ALARM or OK) of a notice alarm announces. */
export function transitionNotice(t: AlarmTransition, parsed: Exclude<ParsedAlarmName, { kind: 'quorum' }>, check: Check | null, dashboardUrl: string | null): Notice {
  return noticeFor({
    kind: parsed.kind,
    state: t.state === 'ALARM' ? 'alarm' : 'ok',
    alarmName: t.alarmName,
    at: t.at,
    reason: t.reason,
    description: t.description,
    check,
    checkId: 'checkId' in parsed ? parsed.checkId : null,
    location: 'location' in parsed ? parsed.location : null,
    failover: 'service' in parsed ? { service: parsed.service, role: parsed.role } : null,
    dashboardUrl,
  });
}

/**
 * The alert to the topic, then to every webhook that wants it, each delivery once (its own ledger entry).
 * Every webhook is tried even when one fails; then a failure rejects, so the event is retried, and the retry
 * sends only what did not go out (the topic's delivery, marked sent, is not repeated). Returns whether this
 * call published to the topic.
 */
export async function deliverAlert(deps: AlertDeliveryDeps, event: AlertEvent): Promise<boolean> {
  const published = await publishAlertOnce(deps, event);
  await sendWebhooks(deps, event);
  return published;
}

/** The alert to the topic, once (the ledger); true when this call published it. */
function publishAlertOnce(deps: AlertDeliveryDeps, event: AlertEvent): Promise<boolean> {
  return deliverOnce(deps, event.eventId, () => deps.publisher.publishAlert(event));
}

/** The alert to every webhook that wants it, each once; rejects with `WebhookDeliveryError` when one did not take it. */
async function sendWebhooks(deps: AlertDeliveryDeps, event: AlertEvent): Promise<void> {
  const targets = (deps.webhooks ?? []).filter((target) => target.wants(event));
  const failures: string[] = [];
  await Promise.all(
    targets.map((target) =>
      deliverOnce(deps, `${event.eventId}@${target.key}`, async () => {
        await target.send(event);
      }).catch((error: unknown) => {
        failures.push(error instanceof Error ? error.message : String(error));
      }),
    ),
  );
  if (failures.length > 0) {
    throw new WebhookDeliveryError(`${failures.length} of ${targets.length} webhooks did not take ${event.eventId}: ${failures.join('; ')}`);
  }
}

/**
 * Claim, publish, mark: a failed publish releases the claim and rejects, so the retry tries again. Returns
 * false when the delivery was sent (or is being sent) already. `sendWithoutLedger`: when the ledger cannot be
 * reached to claim, send anyway (better a possible second copy than none) instead of rejecting.
 */
export async function deliverOnce(
  deps: Pick<AlarmMonitorDeps, 'log'> & { readonly ledger: Pick<DeliveryLedger, 'claim' | 'markSent' | 'release'> },
  deliveryId: string,
  send: () => Promise<void>,
  options: { readonly sendWithoutLedger?: boolean } = {},
): Promise<boolean> {
  let claimed: boolean;
  try {
    claimed = await deps.ledger.claim(deliveryId);
  } catch (error) {
    if (options.sendWithoutLedger !== true) throw error;
    deps.log(`could not claim delivery ${deliveryId} in the ledger (${describeError(error)}): sending without it`);
    await send();
    return true;
  }
  if (!claimed) return false;
  try {
    await send();
  } catch (error) {
    await deps.ledger.release(deliveryId).catch((releaseError: unknown) => {
      deps.log(`could not release delivery ${deliveryId} after a failed publish: ${describeError(releaseError)}`);
    });
    throw error;
  }
  try {
    await deps.ledger.markSent(deliveryId);
  } catch (error) {
    // Published already: failing now would make the retry publish it again once the claim goes stale.
    deps.log(`delivery ${deliveryId} was published but could not be marked sent: ${describeError(error)}`);
  }
  return true;
}

/** Locations whose latest run (home-region replica) failed within the alarm's window, the first of their errors, and each one's. */
async function failingNow(
  store: ResultsStore,
  check: Check | null,
  checkId: string,
  atMs: number,
): Promise<{ locations: string[]; firstError: ProbeError | null; errors: ReadonlyMap<string, ProbeError> }> {
  const windowMs = check === null ? Number.POSITIVE_INFINITY : periodLengthMs(check) * check.alertPolicy.evaluationPeriods + MINUTE_MS;
  const failing = (await store.latest(checkId)).filter(
    (r) => !r.ok && (check === null || check.regions.includes(r.location)) && Date.parse(r.startedAt) >= atMs - windowMs,
  );
  const errors = new Map(failing.flatMap((r) => (r.error === null ? [] : [[r.location, r.error] as const])));
  return { locations: failing.map((r) => r.location), firstError: failing[0]?.error ?? null, errors };
}

function findCheck(deps: AlarmMonitorDeps, checkId: string): Check | null {
  const check = deps.config.checks.find((c) => c.id === checkId) ?? null;
  if (check === null) deps.log(`check ${checkId} is not in the bundled config: alerting with its id only`);
  return check;
}

/** A check the bundled config no longer has still gets its alert, under its id. */
function checkInfo(check: Check | null, checkId: string): CheckInfo {
  return check ?? { id: checkId, name: checkId, severity: 'high', tags: [] };
}

/** `errors`: each failing location's error as known now; the incident's first error stays its first location's. */
function eventFor(
  deps: AlarmMonitorDeps,
  kind: AlertEvent['kind'],
  incident: Incident,
  check: Check | null,
  checkId: string,
  errors: ReadonlyMap<string, ProbeError> = new Map(),
): AlertEvent {
  const [first] = incident.failingLocations;
  const errorsByLocation = new Map(errors);
  if (first !== undefined && incident.firstError !== null) errorsByLocation.set(first, incident.firstError);
  return alertEvent({
    kind,
    incident,
    check: checkInfo(check, checkId),
    target: check === null ? checkId : displayTarget(check),
    dashboardUrl: dashboardLinkFor(deps, checkId),
    errorsByLocation,
  });
}

function dashboardLinkFor(deps: AlarmMonitorDeps, checkId: string): string | null {
  return deps.checkDashboardUrl?.(checkId) ?? deps.dashboardUrl;
}

function ignored(note: string): AlarmOutcome {
  return { action: 'ignored', incidentId: null, published: false, note };
}

/** A topic part with no alert for the webhooks. */
function silent(outcome: AlarmOutcome): TopicPart {
  return { outcome, alert: null };
}
