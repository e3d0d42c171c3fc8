/**
 * The alarm fallback function. In the home region it is the notifier's on-failure destination: Lambda
 * invokes it with the record of every event the notifier gave up on (after its retries), and it publishes a
 * plainer message for each alarm transition the notifier never settled with the topic (see
 * lambdas/monitor/alarm-fallback.ts). In a probe region other than the home region it is the relay of that
 * region's dead-letter alarm (an alarm action cannot publish to a topic in another region): CloudWatch
 * invokes it with the alarm, and it publishes to the home topic.
 *
 * It shares no state with the notifier and does little: the bundled config, the ledger (home region only)
 * and one SNS publish. Events it cannot handle fail the invocation; its own on-failure destination is the
 * dead-letter queue whose alarm publishes straight to the topic.
 */
import { DynamoDeliveryLedger } from '../aws/delivery-ledger.ts';
import { SnsNotifier } from '../aws/sns-notifier.ts';
import { alertLinks } from '../core/dashboard-links.ts';
import { systemClock } from '../engine/context.ts';
import { handleFailedNotifierEvent, relayAlarmAction, type FallbackOutcome } from '../monitor/alarm-fallback.ts';
import { isAlarmActionEvent, parseAlarmAction, readFailedNotifierEvent } from './alarm-event.ts';
import { bundleDirectory, type HomeFunctionDeps } from './bundled-config.ts';
import { homeFunctionDepsFromEnv } from './home-function.ts';
import { lazyHandler } from './env.ts';

export interface AlarmFallbackHandlerDeps extends HomeFunctionDeps {
  /** The home region: the dashboards are there. @default none: messages carry `dashboardUrl` */
  readonly homeRegion?: string;
}

/** Handles a notifier on-failure record, or (probe region) a dead-letter alarm's action event. */
export type AlarmFallbackHandler = (event: unknown) => Promise<FallbackOutcome>;

export function createAlarmFallbackHandler(deps: AlarmFallbackHandlerDeps): AlarmFallbackHandler {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => console.log(line));
  const publisher = new SnsNotifier({ client: deps.sns, topicArn: deps.topicArn, project: deps.project, log });
  const ledger = new DynamoDeliveryLedger({ client: deps.dynamo, tableName: deps.tableName, clock });
  const links = alertLinks(deps.config, deps.homeRegion, deps.dashboardUrl ?? null);
  const dashboardLink = (checkId: string | null): string | null => (checkId === null ? links.dashboardUrl : (links.checkDashboardUrl?.(checkId) ?? links.dashboardUrl));
  const fallbackDeps = { config: deps.config, publisher, ledger, dashboardLink, log };
  return async (event) => {
    const outcome = isAlarmActionEvent(event) ? await relayAlarmAction(fallbackDeps, parseAlarmAction(event)) : await handleFailedNotifierEvent(fallbackDeps, readFailedNotifierEvent(event));
    log(JSON.stringify({ level: 'info', ...outcome }));
    return outcome;
  };
}

// The clients are in the home region, where the topic and the ledger are (in a probe region the relay never reads the table).
const build = lazyHandler<unknown, FallbackOutcome>(async () => createAlarmFallbackHandler(await homeFunctionDepsFromEnv(process.env, bundleDirectory())));

/** The Lambda entry point: builds everything on the first (cold) invocation. */
export const handler = (event: unknown): Promise<FallbackOutcome> => build(event);
