/**
 * What the three heartbeat functions (ping, sweep, backup-event) share: the bundled config, the home
 * region's store, heartbeat states and alert topic, wired into one `HeartbeatMonitor`. Built once per
 * container from the environment.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AlertEvent } from '../core/notification.ts';
import type { Clock } from '../core/ports.ts';
import { DynamoDeliveryLedger } from '../aws/delivery-ledger.ts';
import { SsmHeartbeatTokens } from '../aws/heartbeat-tokens.ts';
import { SnsNotifier } from '../aws/sns-notifier.ts';
import { SsmSecretSource } from '../aws/ssm-secrets.ts';
import { webhookTargets } from '../alerts/webhook-sender.ts';
import { deliverAlert } from '../monitor/alarm-monitor.ts';
import { systemClock } from '../engine/context.ts';
import { HeartbeatMonitor } from '../monitor/heartbeat-monitor.ts';
import { DynamoResultsStore } from '../store/dynamo-store.ts';
import { DynamoHeartbeatStore } from '../store/heartbeat-store.ts';
import type { HomeFunctionDeps } from './bundled-config.ts';
import { homeFunctionDepsFromEnv } from './home-function.ts';
import type { Env } from './env.ts';

export interface HeartbeatRuntimeDeps extends HomeFunctionDeps {
  /** SSM in the home region: heartbeat tokens and webhook secrets. */
  readonly ssm: SSMClient;
}

export interface HeartbeatRuntime {
  readonly monitor: HeartbeatMonitor;
  readonly tokens: SsmHeartbeatTokens;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly location: string;
}

export function createHeartbeatRuntime(deps: HeartbeatRuntimeDeps): HeartbeatRuntime {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => console.log(line));
  const results = new DynamoResultsStore({ client: deps.dynamo, tableName: deps.tableName, clock });
  const ledger = new DynamoDeliveryLedger({ client: deps.dynamo, tableName: deps.tableName, clock });
  const sns = new SnsNotifier({ client: deps.sns, topicArn: deps.topicArn, project: deps.project, log });
  const dashboardUrl = deps.config.alerts.dashboardUrl ?? deps.dashboardUrl ?? null;
  // The topic, then the config's webhooks (secrets from SSM), each delivery once through the ledger, as the notifier does.
  const secrets = new SsmSecretSource({ client: deps.ssm, project: deps.project, clock });
  const webhooks = webhookTargets(deps.config.alerts.webhooks, { secrets, log });
  const publish = (event: AlertEvent): Promise<boolean> => deliverAlert({ publisher: sns, ledger, webhooks, log }, event);
  const monitor = new HeartbeatMonitor({
    heartbeats: deps.config.heartbeats ?? [],
    maintenance: deps.config.maintenance,
    results,
    states: new DynamoHeartbeatStore({ client: deps.dynamo, tableName: deps.tableName }),
    location: deps.config.homeRegion,
    publish,
    republishOpen: true,
    dashboardUrl: () => dashboardUrl,
    clock,
    log,
  });
  const tokens = new SsmHeartbeatTokens({ client: deps.ssm, project: deps.project, clock });
  return { monitor, tokens, clock, log, location: deps.config.homeRegion };
}

/** Reads the environment and the bundled config, and builds the real clients: once per container. */
export async function heartbeatDepsFromEnv(env: Env, handlerDir: string): Promise<HeartbeatRuntimeDeps> {
  const deps = await homeFunctionDepsFromEnv(env, handlerDir);
  return { ...deps, ssm: new SSMClient({ region: deps.homeRegion }) };
}

export { lazyHandler } from './env.ts';
