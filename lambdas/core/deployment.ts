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
  /**
   * The time the invocation was scheduled for (ISO 8601, the scheduler's `<aws.scheduler.scheduled-time>`
   * context attribute): its nominal minute, which a repeated delivery shares and which the firing second
   * (anywhere in the minute) does not change. @default the minute the invocation starts in
   */
  readonly scheduledTime?: string;
}

/** The probe stack's schedule: every minute on the minute, so `scheduledTime` is a minute boundary. */
export const PROBE_SCHEDULE_EXPRESSION = 'cron(* * * * ? *)';

/** Stable shard of a check, so a check stays in its shard as others are added. */
export function shardOf(checkId: string, shards: number): number {
  return stableHash(checkId) % shards;
}

/** The probe function's timeout: below the one-minute schedule, so an invocation never runs into the next minute's. */
export const PROBE_TIMEOUT_MS = 58_000;
/** Time the probe handler keeps between its cycle's deadline and Lambda's timeout (flushing, logging). */
export const PROBE_RESERVE_MS = 5_000;
/** Time a cycle keeps after its last run for writing results and sending metrics. */
export const RUN_MARGIN_MS = 2_000;
/** The engine's pause between two attempts of one run. */
export const RETRY_DELAY_MS = 1_000;
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
/**
 * A continuation is asked to arrive this much before its first run; its SQS delay is then rounded up to whole
 * seconds. None: arriving early means waiting, billed, for the run, while a run that starts a second after its
 * due time is still stamped with it (whole-minute checks already start at whatever second the scheduler fires).
 */
export const CONTINUATION_LEAD_MS = 0;

/**
 * When, after an invocation starts, its first runs start (a second of slack for dispatch and the event source
 * mapping's latency) and by when every run must have ended: RUN_MARGIN_MS before the cycle's deadline, which is
 * PROBE_RESERVE_MS before Lambda's timeout.
 */
export const RUN_FIRST_START_MS = 1_000;
export const RUN_LAST_END_MS = PROBE_TIMEOUT_MS - PROBE_RESERVE_MS - RUN_MARGIN_MS;
/** The longest worst case one run may have: every attempt timing out, and the pauses between them. */
export const MAX_WORST_CASE_RUN_MS = RUN_LAST_END_MS - RUN_FIRST_START_MS;

/** Worst-case time of one run: every attempt times out. */
export function worstCaseRunMs(check: Pick<Check, 'timeoutMs' | 'retries'>, retryDelayMs: number = RETRY_DELAY_MS): number {
  return check.timeoutMs * (1 + check.retries) + retryDelayMs * check.retries;
}

/**
 * Whether the runs of one invocation all start in time when every attempt of every run times out: what the
 * probe cycle does, simulated. Runs start together at RUN_FIRST_START_MS (the worst case of both a scheduled
 * invocation and a continuation: each check runs at most once in one), longest worst case first, each on
 * the first of INVOCATION_CONCURRENCY slots to free up; a run that would start too late to end by
 * RUN_LAST_END_MS is skipped by the cycle, so here it does not fit.
 */
export function fitsOneInvocation(checks: readonly Pick<Check, 'timeoutMs' | 'retries'>[], concurrency: number = INVOCATION_CONCURRENCY): boolean {
  const worst = checks.map((c) => worstCaseRunMs(c)).sort((a, b) => b - a);
  const freeAt = new Array<number>(Math.min(concurrency, worst.length)).fill(RUN_FIRST_START_MS);
  for (const w of worst) {
    let slot = 0;
    for (let i = 1; i < freeAt.length; i++) if ((freeAt[i] as number) < (freeAt[slot] as number)) slot = i;
    const start = freeAt[slot] as number;
    if (start + w > RUN_LAST_END_MS) return false;
    freeAt[slot] = start + w;
  }
  return true;
}

/** A region's checks cannot be sharded so that every run fits: one run alone is longer than MAX_WORST_CASE_RUN_MS. */
export class UnshardableChecksError extends Error {
  override readonly name = 'UnshardableChecksError';
}

/**
 * Shards for a region's checks: the fewest such that, with each check in its shard (`shardOf`, by id, so
 * shards are as uneven as the hash makes them), every shard's invocations run all their runs in time even
 * when every check hits its timeout on every attempt: an outage is when probes must not fall behind.
 */
export function shardsFor(checks: readonly Pick<Check, 'id' | 'timeoutMs' | 'retries'>[]): number {
  const tooLong = checks.find((c) => worstCaseRunMs(c) > MAX_WORST_CASE_RUN_MS);
  if (tooLong !== undefined) {
    throw new UnshardableChecksError(`check ${tooLong.id}: a run's worst case is ${worstCaseRunMs(tooLong)} ms, over the ${MAX_WORST_CASE_RUN_MS} ms one probe invocation gives a run`);
  }
  // Every shard holds at most INVOCATION_CONCURRENCY slots × the run budget of work: where the search starts.
  const work = checks.reduce((sum, c) => sum + worstCaseRunMs(c), 0);
  for (let shards = Math.max(1, Math.ceil(work / (INVOCATION_CONCURRENCY * MAX_WORST_CASE_RUN_MS))); ; shards++) {
    const byShard = Array.from({ length: shards }, () => [] as Pick<Check, 'timeoutMs' | 'retries'>[]);
    for (const c of checks) byShard[shardOf(c.id, shards)]?.push(c);
    if (byShard.every((list) => fitsOneInvocation(list))) return shards;
  }
}
