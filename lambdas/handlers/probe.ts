import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { metricNamespace } from '../core/alert-policy.ts';
import type { Check, Config } from '../core/check.ts';
import { HANDLER_ENV, PROBE_RESERVE_MS, shardOf, type ProbeInvocation } from '../core/deployment.ts';
import { describeError, type ProbeError } from '../core/errors.ts';
import { MINUTE_MS } from '../core/duration.ts';
import { UnusableSecretError, type Clock } from '../core/ports.ts';
import { secretNamesOfCheck } from '../core/templates.ts';
import { CloudWatchMetricsSink } from '../aws/cloudwatch-metrics.ts';
import { SqsContinuationQueue } from '../aws/sqs-continuations.ts';
import { SsmSecretSource } from '../aws/ssm-secrets.ts';
import { createProbeContext, systemClock } from '../engine/context.ts';
import { InvalidContinuationError, minuteStartOf, parseContinuation, planMinute, subMinuteSpanOf, windowOf } from '../monitor/continuations.ts';
import { ProbeCycleError, runProbeCycle, type DueWindow, type ProbeCycleSummary } from '../monitor/probe-cycle.ts';
import { continuationClaimKey, DynamoClaimStore, scheduledClaimKey } from '../store/claim-store.ts';
import { DynamoResultsStore } from '../store/dynamo-store.ts';
import { BundledConfigError, bundleDirectory, loadBundledConfig } from './bundled-config.ts';
import { requireEnv, optionalEnv, type Env } from './env.ts';

/**
 * The probe function, one per probe region. EventBridge Scheduler invokes it every minute per shard with
 * a `ProbeInvocation`; it runs this region's checks of that shard that are due in its nominal minute
 * (`runProbeCycle`), stores the results in the region's replica of the table and sends the metrics to the
 * home region. Thin: everything it builds, it builds once per container.
 *
 * Sub-minute checks (lambdas/core/minute-plan.ts): the invocation of minute T owns their due times in the
 * minute T + 1, all still ahead of it whatever second of T it fired at. With a continuation queue (regions
 * with sub-minute checks) it runs only those due within a moment of its start and sends the others as
 * delayed SQS messages; the queue's event source mapping invokes the function again with them (an SQS
 * event), and each continuation claims its window in the table before running it, so a message delivered
 * twice runs once. When the messages cannot be sent, the scheduled invocation runs what it can still
 * reach before its deadline itself, waiting in-process, and counts the rest as skipped.
 */

/** The part of Lambda's context the handler uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export interface ProbeHandlerDeps {
  /** The normalized config (bundled with the function). */
  readonly config: Config;
  /** This probe's location: its region. */
  readonly location: string;
  readonly project: string;
  readonly tableName: string;
  /** DynamoDB in the probe's own region. */
  readonly dynamo: DynamoDBClient;
  /** CloudWatch in the HOME region. */
  readonly cloudwatch: CloudWatchClient;
  /** SSM in the probe's own region. */
  readonly ssm: SSMClient;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Waits until a run is due. @default a timer */
  readonly wait?: (ms: number) => Promise<void>;
  /**
   * Where the cycle's lines go, one JSON line per result among them (the dashboards' phase breakdown).
   * @default console.log: stdout, which Lambda sends to the function's log group
   */
  readonly log?: (line: string) => void;
  /** Time kept between the cycle's deadline and Lambda's own timeout. @default 5000 */
  readonly reserveMs?: number;
  /** Time kept after the last run for the writes. @default the cycle's default */
  readonly marginMs?: number;
  /** Pause between attempts of one run. @default the engine's default */
  readonly retryDelayMs?: number;
  /**
   * Where later parts of a minute go as continuation messages (SQS in the probe's region).
   * @default none: the scheduled invocation runs the whole minute, waiting in-process between runs
   */
  readonly continuations?: { readonly sqs: SQSClient; readonly queueUrl: string };
  /** Gaps between due runs shorter than this are waited in-process. @default HANDOFF_MS */
  readonly handoffMillis?: number;
  /** Smallest span of a continuation's window. @default CONTINUATION_WINDOW_MS */
  readonly windowMillis?: number;
  /** How long before its first run a continuation is asked to arrive. @default CONTINUATION_LEAD_MS */
  readonly leadMillis?: number;
}

export interface ProbeHandlerResult extends ProbeCycleSummary {
  readonly location: string;
  readonly shard: number;
  readonly shards: number;
  /** Checks of this location and shard. */
  readonly checks: number;
  /** Continuation messages this (scheduled) invocation sent. */
  readonly continuationsSent: number;
  /** Continuations that could not be sent, whose windows this invocation ran itself. */
  readonly continuationsRunHere: number;
  /** A scheduled invocation delivered again for a minute another one already claimed: nothing ran. */
  readonly repeated: boolean;
}

/** The part of an SQS event the handler reads. */
export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
}
export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

/** What an SQS event (continuation messages) produced. */
export interface ContinuationBatchResult {
  /** One per continuation that ran its window. */
  readonly results: readonly ProbeHandlerResult[];
  /** Messages delivered again whose window was already claimed: nothing ran. */
  readonly duplicates: number;
  /** Messages whose body is not a valid continuation: logged, counted, nothing ran. */
  readonly rejected: number;
}

export interface ProbeHandler {
  (event: ProbeInvocation, context: LambdaContext): Promise<ProbeHandlerResult>;
  (event: SqsEvent, context: LambdaContext): Promise<ContinuationBatchResult>;
}

/** The scheduler sent something that is not a `ProbeInvocation`: a stack bug. */
export class InvalidInvocationError extends Error {
  override readonly name = 'InvalidInvocationError';
}

/** Results could not be stored (they wait in the store's outbox); the function fails so its error alarm sees it. */
export class ResultsNotStoredError extends Error {
  override readonly name = 'ResultsNotStoredError';
}

export const DEFAULT_RESERVE_MS = PROBE_RESERVE_MS;

export function createProbeHandler(deps: ProbeHandlerDeps): ProbeHandler {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => console.log(line));
  // Built once per container: the store's outbox and the secrets cache outlive one invocation.
  const store = new DynamoResultsStore({ client: deps.dynamo, tableName: deps.tableName, clock });
  const metrics = new CloudWatchMetricsSink({ client: deps.cloudwatch, namespace: metricNamespace(deps.project) });
  const secrets = new SsmSecretSource({ client: deps.ssm, project: deps.project, clock });
  const baseCtx = createProbeContext({ location: deps.location, clock, ...(deps.retryDelayMs === undefined ? {} : { retryDelayMs: deps.retryDelayMs }) });

  const claims = new DynamoClaimStore({ client: deps.dynamo, tableName: deps.tableName });
  const queue = deps.continuations === undefined ? null : new SqsContinuationQueue({ client: deps.continuations.sqs, queueUrl: deps.continuations.queueUrl });

  /** One cycle over the shard's checks: those due in `minuteMs` and the sub-minute ones due in `windows`; throws when results were not stored. */
  const cycle = async (
    context: LambdaContext,
    invocation: Pick<ProbeInvocation, 'shard' | 'shards'>,
    plan: (checks: readonly Check[]) => Promise<{ minuteMs: number | null; windows: readonly DueWindow[]; sent: number; runHere: number }>,
  ): Promise<ProbeHandlerResult> => {
    const deadlineMs = clock.now() + context.getRemainingTimeInMillis() - (deps.reserveMs ?? DEFAULT_RESERVE_MS);
    const { shard, shards } = invocation;
    const checks = deps.config.checks.filter((c) => c.regions.includes(deps.location) && shardOf(c.id, shards) === shard);
    const resolved = await resolveCheckSecrets(checks, secrets);
    const { minuteMs, windows, sent, runHere } = await plan(checks);
    const about = { location: deps.location, shard, shards, checks: checks.length, continuationsSent: sent, continuationsRunHere: runHere, repeated: false };
    let summary: ProbeCycleSummary;
    try {
      summary = await runProbeCycle({
        checks,
        ctx: { ...baseCtx, secrets: resolved.values },
        store,
        metrics,
        clock,
        deadlineMs,
        log,
        unrunnable: resolved.unrunnable,
        minuteMs,
        windows,
        // The scheduled invocation reports its location alive for its minute; a continuation (no minute) does not.
        aliveAtMs: minuteMs,
        ...(deps.wait === undefined ? {} : { wait: deps.wait }),
        ...(deps.marginMs === undefined ? {} : { marginMs: deps.marginMs }),
      });
    } catch (error) {
      if (error instanceof ProbeCycleError) log(JSON.stringify({ level: 'error', message: error.message, ...about, ...error.summary }));
      throw error;
    }
    log(JSON.stringify({ level: summary.writeError === null ? 'info' : 'error', message: 'probe cycle done', ...about, minuteMs, windows, ...summary }));
    if (summary.writeError !== null) {
      throw new ResultsNotStoredError(
        `results of ${deps.location} not stored: ${summary.writeError}; ${summary.pendingWrites} item(s) wait for the next invocation`,
      );
    }
    return { ...about, ...summary };
  };

  /**
   * The scheduled invocation: claims its nominal minute (a repeated delivery runs nothing), runs the checks
   * of a minute or more due in it, and hands the next minute's sub-minute due times to continuations when
   * it has a queue.
   */
  const scheduled = async (invocation: ProbeInvocation, context: LambdaContext): Promise<ProbeHandlerResult> => {
    const minuteMs = invocation.scheduledTime === undefined ? minuteStartOf(clock.now()) : minuteStartOf(Date.parse(invocation.scheduledTime));
    const key = scheduledClaimKey(deps.location, invocation.shard, invocation.shards, minuteMs);
    if (!(await claimOrRunAnyway(key))) {
      log(JSON.stringify({ level: 'info', message: `minute ${key.pk} already claimed: a repeated scheduled invocation, nothing run`, location: deps.location }));
      return { ...emptySummary(deps.location, invocation, store.pendingWrites()), repeated: true };
    }
    return cycle(context, invocation, async (checks) => {
      const span = subMinuteSpanOf(minuteMs);
      const wholeSpan: DueWindow = { startMs: span, endMs: span + MINUTE_MS };
      if (!checks.some((c) => c.intervalMs < MINUTE_MS)) return { minuteMs, windows: [], sent: 0, runHere: 0 };
      // Without a queue (a region deployed without sub-minute checks), what fits before the deadline runs here.
      if (queue === null) return { minuteMs, windows: [wholeSpan], sent: 0, runHere: 0 };
      const minute = planMinute(checks, {
        nowMs: clock.now(),
        minuteStartMs: span,
        shard: invocation.shard,
        shards: invocation.shards,
        ...(deps.handoffMillis === undefined ? {} : { handoffMillis: deps.handoffMillis }),
        ...(deps.windowMillis === undefined ? {} : { windowMillis: deps.windowMillis }),
        ...(deps.leadMillis === undefined ? {} : { leadMillis: deps.leadMillis }),
      });
      if (minute.continuations.length === 0) return { minuteMs, windows: [minute.owned], sent: 0, runHere: 0 };
      const report = await queue.send(minute.continuations);
      if (report.failed.length > 0) {
        // No run is lost: the parts that could not be handed off run here, waiting in-process as before.
        log(JSON.stringify({
          level: 'warn',
          message: `${report.failed.length} of ${minute.continuations.length} continuation(s) not sent to SQS; running what this invocation can reach of their part of the minute`,
          location: deps.location,
          error: report.error,
        }));
      }
      return { minuteMs, windows: [minute.owned, ...report.failed.map((c) => windowOf(c.event))], sent: report.sent.length, runHere: report.failed.length };
    });
  };

  /** True when this call claimed `key`, false when it was claimed before; a claim that cannot be written runs anyway. */
  const claimOrRunAnyway = async (key: { readonly pk: string; readonly sk: string }): Promise<boolean> => {
    try {
      return await claims.claim(key, clock.now());
    } catch (error) {
      // Better a run twice than not at all: the claim only guards against a repeated delivery.
      log(JSON.stringify({ level: 'warn', message: `claim ${key.pk} not written (${describeError(error)}); running it anyway`, location: deps.location }));
      return true;
    }
  };

  /** Continuation messages: each claims its window, then runs it; a bad body is logged and counted, never retried. */
  const continuations = async (event: SqsEvent, context: LambdaContext): Promise<ContinuationBatchResult> => {
    const results: ProbeHandlerResult[] = [];
    let duplicates = 0;
    let rejected = 0;
    const errors: unknown[] = [];
    for (const record of event.Records) {
      let continuation;
      try {
        continuation = parseContinuation(record.body);
      } catch (error) {
        if (!(error instanceof InvalidContinuationError)) throw error;
        rejected += 1;
        log(JSON.stringify({ level: 'error', message: `rejected SQS message ${record.messageId}: ${error.message}`, location: deps.location, rejected: 1 }));
        continue;
      }
      const key = continuationClaimKey(deps.location, continuation.shard, continuation.shards, continuation.wakeAtMs);
      if (!(await claimOrRunAnyway(key))) {
        duplicates += 1;
        log(JSON.stringify({ level: 'info', message: `continuation ${key.pk} already claimed: a repeated delivery, nothing run`, location: deps.location }));
        continue;
      }
      try {
        results.push(await cycle(context, continuation, async () => ({ minuteMs: null, windows: [windowOf(continuation)], sent: 0, runHere: 0 })));
      } catch (error) {
        errors.push(error);
      }
    }
    // A failed cycle fails the invocation, so the function's error alarm sees it; a redelivery finds the claim and runs nothing.
    if (errors.length > 0) throw errors[0];
    return { results, duplicates, rejected };
  };

  const handle = async (event: unknown, context: LambdaContext): Promise<ProbeHandlerResult | ContinuationBatchResult> =>
    isSqsEvent(event) ? continuations(event, context) : scheduled(parseInvocation(event), context);
  return handle as ProbeHandler;
}


function emptySummary(location: string, invocation: ProbeInvocation, pendingWrites: number): Omit<ProbeHandlerResult, 'repeated'> {
  return {
    location,
    shard: invocation.shard,
    shards: invocation.shards,
    checks: 0,
    continuationsSent: 0,
    continuationsRunHere: 0,
    ran: 0,
    skipped: 0,
    failed: 0,
    written: 0,
    pendingWrites,
    writeError: null,
  };
}

function isSqsEvent(event: unknown): event is SqsEvent {
  if (typeof event !== 'object' || event === null || !('Records' in event) || !Array.isArray(event.Records)) return false;
  return event.Records.every((r: unknown) => typeof r === 'object' && r !== null && typeof (r as SqsRecord).messageId === 'string');
}


export function parseInvocation(event: unknown): ProbeInvocation {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const { shard, shards, scheduledTime } = e;
  if (typeof shards !== 'number' || !Number.isInteger(shards) || shards < 1) {
    throw new InvalidInvocationError(`probe invocation needs "shards", a positive integer, got ${JSON.stringify(shards)}`);
  }
  if (typeof shard !== 'number' || !Number.isInteger(shard) || shard < 0 || shard >= shards) {
    throw new InvalidInvocationError(`probe invocation needs "shard", an integer from 0 to ${shards - 1}, got ${JSON.stringify(shard)}`);
  }
  if (scheduledTime === undefined) return { shard, shards };
  if (typeof scheduledTime !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(scheduledTime) || Number.isNaN(Date.parse(scheduledTime))) {
    throw new InvalidInvocationError(`probe invocation "scheduledTime" must be an ISO 8601 time like 2026-03-02T10:00:00Z, got ${JSON.stringify(scheduledTime)}`);
  }
  return { shard, shards, scheduledTime };
}

/**
 * Every secret the checks need, from SSM. A check missing one becomes unrunnable with a message naming the
 * secret and its parameter; the other checks run. Values never reach a log line or an error.
 */
export async function resolveCheckSecrets(
  checks: readonly Check[],
  source: SsmSecretSource,
): Promise<{ values: Record<string, string>; unrunnable: Map<string, ProbeError> }> {
  const needs = new Map(checks.map((c) => [c.id, secretNamesOfCheck(c)] as const));
  const names = [...new Set([...needs.values()].flat())].sort();
  const values: Record<string, string> = {};
  const unrunnable = new Map<string, ProbeError>();
  if (names.length === 0) return { values, unrunnable };
  let readError: string | null = null;
  const refused = new Map<string, string>();
  const keep = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') values[name] = value;
  };
  try {
    const found = await source.getMany(names);
    for (const name of names) keep(name, found[name]);
  } catch (error) {
    if (!(error instanceof UnusableSecretError)) readError = describeError(error);
    else {
      // A parameter that is not a SecureString must not stop the checks that do not need it: ask again name by
      // name (the batch already cached every answer, so this calls SSM no more).
      for (const name of names) {
        try {
          keep(name, await source.get(name));
        } catch (one) {
          if (one instanceof UnusableSecretError) refused.set(name, one.message);
          else readError = describeError(one);
        }
      }
    }
  }
  for (const [checkId, wanted] of needs) {
    const missing = wanted.filter((name) => !Object.hasOwn(values, name));
    if (missing.length === 0) continue;
    const parameters = missing.map((name) => source.parameterName(name)).join(', ');
    const refusals = missing.flatMap((name) => refused.get(name) ?? []);
    const message =
      refusals.length > 0
        ? `secret ${missing.join(', ')} cannot be used: ${refusals.join('; ')}`
        : readError !== null
          ? `secret ${missing.join(', ')} could not be read from SSM Parameter Store (${parameters}): ${readError}`
          : `secret ${missing.join(', ')} has no value: SSM parameter ${parameters} not found (create it as a SecureString in this region)`;
    unrunnable.set(checkId, { kind: 'assertion', message });
  }
  return { values, unrunnable };
}

/** Reads the environment and the bundled config, and builds the real clients: once per container. */
export async function probeDepsFromEnv(env: Env, handlerDir: string): Promise<ProbeHandlerDeps> {
  const tableName = requireEnv(env, HANDLER_ENV.tableName);
  const homeRegion = requireEnv(env, HANDLER_ENV.homeRegion);
  const location = requireEnv(env, HANDLER_ENV.location);
  const project = requireEnv(env, HANDLER_ENV.project);
  const region = requireEnv(env, 'AWS_REGION');
  const queueUrl = optionalEnv(env, HANDLER_ENV.continuationQueueUrl);
  const config = await loadBundledConfig(optionalEnv(env, 'LAMBDA_TASK_ROOT') ?? handlerDir);
  if (config.project !== project) {
    throw new BundledConfigError(`the bundled config is for project ${config.project}, but ${HANDLER_ENV.project} is ${project}`);
  }
  return {
    config,
    location,
    project,
    tableName,
    dynamo: new DynamoDBClient({ region }),
    cloudwatch: new CloudWatchClient({ region: homeRegion }),
    ssm: new SSMClient({ region }),
    ...(queueUrl === null ? {} : { continuations: { sqs: new SQSClient({ region }), queueUrl } }),
  };
}

let built: Promise<ProbeHandler> | undefined;

/** The Lambda entry point: builds everything on the first (cold) invocation. */
export const handler = async (event: ProbeInvocation | SqsEvent, context: LambdaContext): Promise<ProbeHandlerResult | ContinuationBatchResult> => {
  built ??= probeDepsFromEnv(process.env, bundleDirectory()).then(createProbeHandler);
  const probe = await built.catch((error: unknown) => {
    built = undefined; // a later invocation tries again (and fails the same way until the stack is fixed)
    throw error;
  });
  return (probe as (event: unknown, context: LambdaContext) => Promise<ProbeHandlerResult | ContinuationBatchResult>)(event, context);
};
