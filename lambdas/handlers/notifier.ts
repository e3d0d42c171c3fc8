/**
 * The notifier function (home region): turns CloudWatch alarm state changes into incidents and messages.
 *
 * Delivery guarantee. EventBridge invokes this function asynchronously for every "CloudWatch Alarm State
 * Change" of the project's alarms (CloudWatch guarantees the event reaches EventBridge; EventBridge
 * delivers at least once, and puts what it cannot deliver in a dead-letter queue that has an alarm). When
 * the function fails, Lambda retries the event (async retries), and once those are used up its on-failure
 * destination, the fallback function (lambdas/handlers/alarm-fallback.ts), publishes a plainer message
 * for every transition the notifier never settled with the topic, so a broken notifier still reaches
 * subscribers, and a webhook that keeps failing never sends them a second copy. Retries and duplicates
 * never alert twice: the incident itself is opened and closed with the store's conditional writes (one
 * open incident per check), and every message goes out through a delivery ledger in the same table
 * (claim, publish, mark sent): a repeated event finds its delivery sent and publishes nothing, while a
 * retry after a failed publish (the incident already open) still publishes it once. See
 * lambdas/monitor/alarm-monitor.ts.
 *
 * The maintenance sweep (every minute, same function) fails its invocation when a check could not be
 * handled, after trying every check: the failure counts in the function's errors (an alarm), the fallback
 * logs it and publishes nothing, and the next minute's sweep tries again.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { webhookTargets, type WebhookTargetsProps } from '../alerts/webhook-sender.ts';
import { SsmSecretSource } from '../aws/ssm-secrets.ts';
import { alertLinks } from '../core/dashboard-links.ts';
import { MAINTENANCE_SWEEP_EVENT } from '../core/deployment.ts';
import type { SecretSource } from '../core/ports.ts';
import { DynamoDeliveryLedger } from '../aws/delivery-ledger.ts';
import { SnsNotifier } from '../aws/sns-notifier.ts';
import { systemClock } from '../engine/context.ts';
import { handleAlarmTransition, sweepEndedMaintenance, type AlarmOutcome, type SweepOutcome } from '../monitor/alarm-monitor.ts';
import { DynamoResultsStore } from '../store/dynamo-store.ts';
import { parseAlarmStateChange } from './alarm-event.ts';
import { bundleDirectory, type HomeFunctionDeps } from './bundled-config.ts';
import { homeFunctionDepsFromEnv } from './home-function.ts';
import { lazyHandler, type Env } from './env.ts';

export interface NotifierHandlerDeps extends HomeFunctionDeps {
  /**
   * The home region, where the dashboards are: messages about a check link to the check dashboard with the
   * check picked (`checkDashboardUrl`), unless the config has its own `alerts.dashboardUrl`.
   * @default none: every message carries `dashboardUrl`
   */
  readonly homeRegion?: string;
  /** A delivery claim older than this is taken over; must exceed the function's timeout. @default the ledger's */
  readonly leaseMs?: number;
  /**
   * SSM in the home region, for `{{secret:NAME}}` values in `alerts.webhooks` (SecureString
   * `/<project>/secrets/NAME`). @default none: webhooks that need a secret are refused, and say so in the log
   */
  readonly ssm?: SSMClient;
  /** Attempts, backoff and timeouts of webhook deliveries. @default webhookTargets' defaults */
  readonly webhookOptions?: Pick<WebhookTargetsProps, 'attempts' | 'baseDelayMs' | 'maxDelayMs' | 'requestTimeoutMs'>;
}

/**
 * Handles alarm state changes; `sweep` runs the every-minute maintenance sweep, and rejects with
 * `MaintenanceSweepError` (after trying every check) when a check could not be handled.
 */
export type NotifierHandler = ((event: unknown) => Promise<AlarmOutcome>) & { sweep(): Promise<SweepOutcome> };

/** The maintenance sweep could not handle some checks: the next sweep (a minute later) tries them again. */
export class MaintenanceSweepError extends Error {
  override readonly name = 'MaintenanceSweepError';
  readonly outcome: SweepOutcome;
  constructor(outcome: SweepOutcome) {
    super(`maintenance sweep: ${outcome.failed.length} of ${outcome.examined} checks failed: ${outcome.failed.join('; ')}`);
    this.outcome = outcome;
  }
}

function isSweepEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as Record<string, unknown>)['skyprobe'] === MAINTENANCE_SWEEP_EVENT.skyprobe;
}

export function createNotifierHandler(deps: NotifierHandlerDeps): NotifierHandler {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => console.log(line));
  const store = new DynamoResultsStore({ client: deps.dynamo, tableName: deps.tableName, clock });
  const ledger = new DynamoDeliveryLedger({
    client: deps.dynamo,
    tableName: deps.tableName,
    clock,
    ...(deps.leaseMs === undefined ? {} : { leaseMs: deps.leaseMs }),
  });
  const publisher = new SnsNotifier({ client: deps.sns, topicArn: deps.topicArn, project: deps.project, log });
  const secrets: SecretSource = deps.ssm === undefined ? { get: async () => undefined } : new SsmSecretSource({ client: deps.ssm, project: deps.project, clock });
  const webhooks = webhookTargets(deps.config.alerts.webhooks, { secrets, log, ...deps.webhookOptions });
  const links = alertLinks(deps.config, deps.homeRegion, deps.dashboardUrl ?? null);

  const monitorDeps = { config: deps.config, store, publisher, ledger, webhooks, ...links, log };
  const onAlarm = async (event: unknown): Promise<AlarmOutcome> => {
    const transition = parseAlarmStateChange(event);
    const outcome = await handleAlarmTransition(monitorDeps, transition);
    log(JSON.stringify({ level: 'info', alarm: transition.alarmName, state: transition.state, at: transition.at, ...outcome }));
    return outcome;
  };
  const sweep = async (): Promise<SweepOutcome> => {
    const outcome = await sweepEndedMaintenance(monitorDeps, clock.now());
    if (outcome.examined > 0) log(JSON.stringify({ level: outcome.failed.length > 0 ? 'error' : 'info', sweep: 'maintenance', ...outcome }));
    if (outcome.failed.length > 0) throw new MaintenanceSweepError(outcome);
    return outcome;
  };
  return Object.assign(onAlarm, { sweep });
}

/** Reads the environment and the bundled config, and builds the real clients: once per container. */
export async function notifierDepsFromEnv(env: Env, handlerDir: string): Promise<NotifierHandlerDeps> {
  const deps = await homeFunctionDepsFromEnv(env, handlerDir);
  return { ...deps, ...(deps.config.alerts.webhooks.length > 0 ? { ssm: new SSMClient({ region: deps.homeRegion }) } : {}) };
}

const build = lazyHandler<unknown, AlarmOutcome | SweepOutcome>(async () => {
  const notify = createNotifierHandler(await notifierDepsFromEnv(process.env, bundleDirectory()));
  return (event) => (isSweepEvent(event) ? notify.sweep() : notify(event));
});

/** The Lambda entry point: builds everything on the first (cold) invocation. */
export const handler = (event: unknown): Promise<AlarmOutcome | SweepOutcome> => build(event);
