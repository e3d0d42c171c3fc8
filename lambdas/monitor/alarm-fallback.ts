import type { Check, Config } from '../core/check.ts';
import type { Severity } from '../core/config/input.ts';
import { describeError } from '../core/errors.ts';
import { activeMaintenance } from '../core/maintenance.ts';
import { alertPathAlarmNames } from '../core/alarm-names.ts';
import { probeRegionsOf } from '../core/regions.ts';
import { alarmsOf, deliverOnce, topicSettlement, transitionNotice, type AlarmTransition, type DeliveryLedger } from './alarm-monitor.ts';

/**
 * What reaches subscribers when the notifier cannot (the notifier's on-failure destination), and the relay of
 * a probe region's own alarm to the home topic (an alarm action cannot publish to a topic in another region).
 * Deliberately small: it reads the alarm name against the config, never the incidents, so it still works
 * when what broke the notifier is the store or its own code.
 *
 * For an event the notifier gave up on:
 * - the maintenance sweep's event is logged (level error), never published: the next minute's sweep retries,
 *   and the notifier's error alarm says the notifier is failing;
 * - an alarm transition the notifier settled (its topic part done: the message sent, or nothing to say) is
 *   logged: what failed came after, a webhook; subscribers already have the message, and get no copy;
 * - an alarm transition never settled goes to the topic as a fallback message, once (ledger), with the
 *   attributes the notifier's own message would have had (kind, state, severity, checkId, location), so
 *   subscriptions with a filter policy get it too. Announced like the notifier would: ALARM, and OK right
 *   after ALARM; never INSUFFICIENT_DATA, nothing for another project's alarm, nothing muted by maintenance.
 */

/** One message for the topic that did not come from the notifier. */
export interface FallbackAlert {
  /** Stable across retries: receivers can drop repeats. */
  readonly eventId: string;
  /** The SNS `kind` attribute: `incident` for a check's quorum alarm, else the notice kind, or `dead-letters`. */
  readonly kind: string;
  /** The SNS `state` attribute, as the notifier would have said it: `down`/`recovered`, else `alarm`/`ok`. */
  readonly state: string;
  readonly severity: Severity;
  readonly checkId: string | null;
  readonly location: string | null;
  /** One line, e.g. `DOWN api (Public API)`. */
  readonly headline: string;
  readonly details: readonly string[];
  readonly alarmName: string;
  readonly alarmState: AlarmTransition['state'];
  /** ISO time of the transition. */
  readonly at: string;
  readonly dashboardUrl: string | null;
}

export interface FallbackPublisher {
  /** Resolves once the topic accepted the message. */
  publishFallback(alert: FallbackAlert): Promise<void>;
}

/** An event the notifier gave up on, as its on-failure record says. */
export type FailedNotifierEvent =
  | { readonly type: 'sweep'; readonly error: string }
  | { readonly type: 'alarm'; readonly transition: AlarmTransition; readonly error: string }
  | { readonly type: 'unreadable'; readonly error: string; readonly problem: string };

export interface FallbackDeps {
  readonly config: Config;
  readonly publisher: FallbackPublisher;
  /** The notifier's ledger (home region): what the notifier settled, and what the fallback sent. */
  readonly ledger: Pick<DeliveryLedger, 'claim' | 'markSent' | 'release' | 'isSettled'>;
  /** The dashboard link for a check, or (null) for no one check. */
  readonly dashboardLink: (checkId: string | null) => string | null;
  readonly log: (line: string) => void;
}

export interface FallbackOutcome {
  readonly action: 'published' | 'already-published' | 'logged' | 'ignored';
  readonly note: string;
}

/** The severity of "events wait in a probe region's dead-letter queue": skyprobe's own coverage, urgent but not an outage. */
export const DEAD_LETTERS_SEVERITY: Severity = 'high';

export async function handleFailedNotifierEvent(deps: FallbackDeps, failed: FailedNotifierEvent): Promise<FallbackOutcome> {
  if (failed.type === 'sweep') return logged(deps, { fallback: 'maintenance-sweep', error: failed.error }, 'the maintenance sweep failed: logged, not published (the next sweep retries)');
  if (failed.type === 'unreadable') return logged(deps, { fallback: 'unreadable', error: failed.error, problem: failed.problem }, `an event the notifier failed on is not an alarm state change: ${failed.problem}`);
  const t = failed.transition;
  const alert = fallbackAlert(deps, t, failed.error);
  if (typeof alert === 'string') return ignoredWith(deps, t, alert);
  const settlement = topicSettlement(t);
  const settled = await deps.ledger.isSettled(settlement).catch((error: unknown) => {
    // Better a possible second copy than no alert: publish.
    deps.log(`fallback: could not read ${settlement} from the ledger (${describeError(error)}): publishing`);
    return false;
  });
  if (settled) {
    return logged(
      deps,
      { fallback: 'gave-up-after-topic', alarm: t.alarmName, state: t.state, at: t.at, error: failed.error },
      `the notifier gave ${t.alarmName} ${t.state} up after the topic had it (a webhook, most likely): logged, no second copy to the topic`,
    );
  }
  return publishOnce(deps, alert);
}

/**
 * A probe region's dead-letter alarm, relayed to the home topic by the region's relay function (CloudWatch
 * invokes it as the alarm's action). Only that alarm of this config is relayed; there is no ledger there,
 * so a relay that fails after publishing may send it twice.
 */
export async function relayAlarmAction(deps: Pick<FallbackDeps, 'config' | 'publisher' | 'dashboardLink' | 'log'>, t: AlarmTransition): Promise<FallbackOutcome> {
  const { project } = deps.config;
  const location = probeRegionsOf(deps.config).find((region) => alertPathAlarmNames.deadLetters(project, region) === t.alarmName);
  if (location === undefined) return ignoredWith(deps, t, `${t.alarmName} is not a dead-letter alarm of project ${project}`);
  if (t.state === 'INSUFFICIENT_DATA') return ignoredWith(deps, t, `${t.alarmName} has insufficient data: nothing to announce`);
  const alarm = t.state === 'ALARM';
  await deps.publisher.publishFallback({
    eventId: `relay:${t.alarmName}:${t.state}:${t.at}`,
    kind: 'dead-letters',
    state: alarm ? 'alarm' : 'ok',
    severity: DEAD_LETTERS_SEVERITY,
    checkId: null,
    location,
    headline: alarm ? `events wait in the dead-letter queue of probe location ${location}` : `the dead-letter queue of probe location ${location} is empty again`,
    details: [
      ...(alarm
        ? [
            `Events skyprobe could not deliver in ${location} are in its dead-letter queue: probe schedule fires that could not invoke the probe function (checks did not run), or alarm state changes that could not be forwarded to ${deps.config.homeRegion} (their alerts did not reach the notifier).`,
            'This is about skyprobe itself, not about the monitored targets: read the messages in the queue, then purge it.',
          ]
        : []),
      ...(t.reason === null ? [] : [`CloudWatch: ${t.reason}`]),
    ],
    alarmName: t.alarmName,
    alarmState: t.state,
    at: t.at,
    dashboardUrl: deps.dashboardLink(null),
  });
  return { action: 'published', note: `relayed ${t.alarmName} ${t.state} to the alert topic` };
}

/** The fallback message for a transition of this config's alarms, or why there is none. */
function fallbackAlert(deps: FallbackDeps, t: AlarmTransition, error: string): FallbackAlert | string {
  const { config } = deps;
  const parsed = alarmsOf(config).get(t.alarmName);
  if (parsed === undefined) return `alarm ${t.alarmName} is not one of project ${config.project}'s alarms`;
  if (t.state === 'INSUFFICIENT_DATA') return `${t.alarmName} has insufficient data: nothing to announce`;
  // Without the incidents, an OK is the end of something only right after an ALARM.
  if (t.state === 'OK' && t.previousState !== 'ALARM') return `${t.alarmName} is OK, and was not in ALARM before`;
  const checkId = 'checkId' in parsed ? parsed.checkId : null;
  const check: Check | null = checkId === null ? null : (config.checks.find((c) => c.id === checkId) ?? null);
  if (check !== null) {
    const window = activeMaintenance(config.maintenance, check, Date.parse(t.at));
    if (window !== null) return `${t.alarmName}: ${check.id} is in maintenance window ${window.id}, nothing announced`;
  }
  const why = `Sent by skyprobe's fallback: the notifier could not handle this alarm change (${error}). No incident was recorded for it; the dashboard has the failing regions.`;
  const common = { eventId: `fallback:${topicSettlement(t)}`, alarmName: t.alarmName, alarmState: t.state, at: t.at, dashboardUrl: deps.dashboardLink(checkId) };
  if (parsed.kind === 'quorum') {
    const who = check === null || check.name === check.id ? parsed.checkId : `${check.id} (${check.name})`;
    const down = t.state === 'ALARM';
    return {
      ...common,
      kind: 'incident',
      state: down ? 'down' : 'recovered',
      severity: check?.severity ?? 'high',
      checkId,
      location: null,
      headline: `${down ? 'DOWN' : 'RECOVERED'} ${who}`,
      details: [...(t.description === null ? [] : [t.description]), ...(t.reason === null ? [] : [`CloudWatch: ${t.reason}`]), why],
    };
  }
  const n = transitionNotice(t, parsed, check, common.dashboardUrl);
  return { ...common, kind: n.kind, state: n.state, severity: n.severity, checkId: n.checkId, location: n.location, headline: n.headline, details: [...n.details, why] };
}

async function publishOnce(deps: FallbackDeps, alert: FallbackAlert): Promise<FallbackOutcome> {
  // Without the ledger, publish anyway: this message is the last chance the alert has.
  const published = await deliverOnce(deps, alert.eventId, () => deps.publisher.publishFallback(alert), { sendWithoutLedger: true });
  if (!published) return { action: 'already-published', note: `fallback ${alert.eventId} was already sent` };
  deps.log(JSON.stringify({ level: 'warn', fallback: 'published', alarm: alert.alarmName, state: alert.alarmState, at: alert.at, eventId: alert.eventId }));
  return { action: 'published', note: `fallback sent: ${alert.headline}` };
}

function logged(deps: Pick<FallbackDeps, 'log'>, fields: Record<string, string>, note: string): FallbackOutcome {
  deps.log(JSON.stringify({ level: 'error', ...fields, note }));
  return { action: 'logged', note };
}

function ignoredWith(deps: Pick<FallbackDeps, 'log'>, t: AlarmTransition, note: string): FallbackOutcome {
  deps.log(JSON.stringify({ level: 'info', fallback: 'ignored', alarm: t.alarmName, state: t.state, at: t.at, note }));
  return { action: 'ignored', note };
}
