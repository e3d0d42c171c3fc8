/**
 * Names the CDK app (infra/) and the Lambda handlers (lambdas/handlers/) must agree on. Defined once here;
 * infra may import this file (it is a constant table), handlers read the values through it.
 */
import type { Check } from './check.ts';
import { stableHash } from './schedule.ts';

/** Environment variables the stacks set and the handlers read (once, at cold start). */
export const HANDLER_ENV = {
  /** The results table (a DynamoDB global table: same name in every region). */
  tableName: 'SKYPROBE_TABLE_NAME',
  /** Where alarms, incidents, the SNS topic and metrics live. */
  homeRegion: 'SKYPROBE_HOME_REGION',
  /** Location name written with results: the probe's region. */
  location: 'SKYPROBE_LOCATION',
  /** Project name: prefixes alarm names, SSM parameters, stacks. */
  project: 'SKYPROBE_PROJECT',
  /** SNS topic the notifier publishes to (home region). */
  topicArn: 'SKYPROBE_TOPIC_ARN',
  /** Link put in alerts, e.g. the CloudWatch dashboard. */
  dashboardUrl: 'SKYPROBE_DASHBOARD_URL',
  /** SQS queue of the probe's continuation invocations (set only in regions with sub-minute checks). */
  continuationQueueUrl: 'SKYPROBE_CONTINUATION_QUEUE_URL',
} as const;

/** The normalized config, bundled next to the probe handler's index.js (secrets stay `{{secret:NAME}}` placeholders). */
/** The input of the home stack's every-minute rule that makes the notifier run its maintenance sweep. */
export const MAINTENANCE_SWEEP_EVENT = { skyprobe: 'maintenance-sweep' } as const;

export const BUNDLED_CONFIG_FILE = 'skyprobe-config.json';

export const resourceNames = {
  table: (project: string) => `${project}-results`,
  topic: (project: string) => `${project}-alerts`,
  /** SSM Parameter Store SecureString holding `{{secret:NAME}}`. */
  secretParameter: (project: string, name: string) => `/${project}/secrets/${name}`,
  secretParameterPrefix: (project: string) => `/${project}/secrets/`,
  homeStack: (project: string) => `${project}-home`,
  probeStack: (project: string, region: string) => `${project}-probe-${region}`,
  /** Every alarm skyprobe creates starts with this, so EventBridge rules can match them. */
  alarmPrefix: (project: string) => `${project}-`,
} as const;

/** What EventBridge Scheduler sends the probe function each minute. */
export interface ProbeInvocation {
  /** Which shard of this region's checks to run: 0 ≤ shard < shards. */
  readonly shard: number;
  readonly shards: number;
}

/** Stable shard of a check, so a check stays in its shard as others are added. */
export function shardOf(checkId: string, shards: number): number {
  return stableHash(checkId) % shards;
}

/** One invocation runs for at most this long, leaving room before the next minute's invocation. */
export const INVOCATION_BUDGET_MS = 50_000;
/** Checks one invocation runs at once. */
export const INVOCATION_CONCURRENCY = 32;

/**
 * Sub-minute checks without paying Lambda to wait (lambdas/monitor/continuations.ts). An invocation waits
 * in-process for a run due less than HANDOFF_MS after the previous one; a later run goes to a continuation
 * invocation through SQS. Waiting 1 s at 512 MB costs $6.7e-6; a continuation (Lambda request, the SQS
 * send share, receive and delete, the claim write in each replica, its own PutMetricData and ~100 ms of
 * overhead) costs $1.3e-5 to $1.5e-5 with 1 to 3 replicas, what 1.9 to 2.3 s of waiting costs
 * (`continuationCost` in core/cost.ts): 2 s is the break-even.
 */
export const HANDOFF_MS = 2_000;
/** A continuation covers at least this much of the minute, so a minute has at most 60 s / 5 s = 12 of them, whatever the checks. */
export const CONTINUATION_WINDOW_MS = 5_000;
/** A continuation is asked to arrive this much before its first run (SQS delays are whole seconds; the poller adds latency). */
export const CONTINUATION_LEAD_MS = 1_000;

/**
 * Shards needed for a region's checks so one invocation finishes inside its budget even when every check
 * hits its timeout on every attempt: the worst case decides, since an outage is when probes must not fall behind.
 */
export function shardsNeeded(checks: readonly Pick<Check, 'intervalMs' | 'timeoutMs' | 'retries'>[]): number {
  // Worst-case busy time per minute, in "slot-milliseconds", spread over the concurrency.
  const workMs = checks.reduce((sum, c) => sum + (60_000 / Math.min(c.intervalMs, 60_000)) * c.timeoutMs * (1 + c.retries), 0);
  return Math.max(1, Math.ceil(workMs / (INVOCATION_CONCURRENCY * INVOCATION_BUDGET_MS)));
}
