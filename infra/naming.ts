import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../lambdas/core/check.ts';
import { DASHBOARD_NAMES, dashboardConsoleUrl } from '../lambdas/core/dashboard-links.ts';
import { HANDLER_ENV, resourceNames } from '../lambdas/core/deployment.ts';

/** Fixed names of what other stacks and regions find by name (Lambda names are per region, so one name serves all). */
export const functionNames = {
  probe: (project: string) => `${project}-probe`,
  notifier: (project: string) => `${project}-notifier`,
  /** The notifier's on-failure destination (home region). */
  alarmFallback: (project: string) => `${project}-alarm-fallback`,
  /** Relays a probe region's dead-letter alarm to the home topic (probe regions other than the home region). */
  alarmRelay: (project: string) => `${project}-alarm-relay`,
  heartbeatPing: (project: string) => `${project}-heartbeat-ping`,
  heartbeatSweep: (project: string) => `${project}-heartbeat-sweep`,
  backupEvents: (project: string) => `${project}-backup-events`,
  heartbeatTokenCleanup: (project: string) => `${project}-heartbeat-token-cleanup`,
  monthlyReport: (project: string) => `${project}-monthly-report`,
  rollupCompaction: (project: string) => `${project}-rollup-compaction`,
} as const;

/** Fixed queue names (per region, like the functions). */
export const queueNames = {
  /** The probe's continuation messages: later parts of a minute of sub-minute checks (lambdas/monitor/continuations.ts). */
  probeContinuations: (project: string) => `${project}-probe-continuations`,
} as const;

/** The overview pages and the check dashboard (defined in core, where the notifier's links are built too). */
export const dashboardNames = DASHBOARD_NAMES;

/** Every region some check probes from, in first-use order (defined in core: the notifier needs it too). */
export { probeRegionsOf } from '../lambdas/core/regions.ts';

/**
 * Console link to the overview's page 1 (where the probe locations' state is), unless the config names its
 * own dashboard: the link of alerts about no one check (a silent probe location). Alerts about a check link
 * to the check dashboard with the check picked (`checkDashboardUrl`, built by the notifier).
 */
export function dashboardUrl(config: Config): string {
  if (config.alerts.dashboardUrl !== null) return config.alerts.dashboardUrl;
  return dashboardConsoleUrl(config.homeRegion, dashboardNames.overview(config.project));
}

/**
 * HANDLER_ENV for a function in `location`: names and ARNs only, all of them deterministic, so that a
 * probe stack never refers to the home stack (the topic ARN is built, not imported).
 */
export function handlerEnvironment(scope: Construct, config: Config, location: string): Record<string, string> {
  const stack = Stack.of(scope);
  return {
    [HANDLER_ENV.tableName]: resourceNames.table(config.project),
    [HANDLER_ENV.homeRegion]: config.homeRegion,
    [HANDLER_ENV.location]: location,
    [HANDLER_ENV.project]: config.project,
    [HANDLER_ENV.topicArn]: stack.formatArn({ service: 'sns', region: config.homeRegion, resource: resourceNames.topic(config.project), arnFormat: ArnFormat.NO_RESOURCE_NAME }),
    [HANDLER_ENV.dashboardUrl]: dashboardUrl(config),
  };
}
