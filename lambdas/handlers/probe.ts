import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Check, Config } from '../core/check.ts';
import { HANDLER_ENV, shardOf, type ProbeInvocation } from '../core/deployment.ts';
import type { ProbeError } from '../core/errors.ts';
import type { Clock } from '../core/ports.ts';
import { secretNamesOfCheck } from '../core/templates.ts';
import { CloudWatchMetricsSink } from '../aws/cloudwatch-metrics.ts';
import { SsmSecretSource } from '../aws/ssm-secrets.ts';
import { createProbeContext, systemClock } from '../engine/context.ts';
import { ProbeCycleError, runProbeCycle, type ProbeCycleSummary } from '../monitor/probe-cycle.ts';
import { DynamoResultsStore } from '../store/dynamo-store.ts';
import { BundledConfigError, bundleDirectory, loadBundledConfig } from './bundled-config.ts';
import { requireEnv, optionalEnv, type Env } from './env.ts';

/**
 * The probe function, one per probe region. EventBridge Scheduler invokes it every minute per shard with
 * a `ProbeInvocation`; it runs this region's checks of that shard that are due in the minute
 * (`runProbeCycle`), stores the results in the region's replica of the table and sends the metrics to the
 * home region. Thin: everything it builds, it builds once per container.
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
}

export interface ProbeHandlerResult extends ProbeCycleSummary {
  readonly location: string;
  readonly shard: number;
  readonly shards: number;
  /** Checks of this location and shard. */
  readonly checks: number;
}

export type ProbeHandler = (event: ProbeInvocation, context: LambdaContext) => Promise<ProbeHandlerResult>;

/** The scheduler sent something that is not a `ProbeInvocation`: a stack bug. */
export class InvalidInvocationError extends Error {
  override readonly name = 'InvalidInvocationError';
}

/** Results could not be stored (they wait in the store's outbox); the function fails so its error alarm sees it. */
export class ResultsNotStoredError extends Error {
  override readonly name = 'ResultsNotStoredError';
}

export const DEFAULT_RESERVE_MS = 5_000;

export function createProbeHandler(deps: ProbeHandlerDeps): ProbeHandler {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => console.log(line));
  // Built once per container: the store's outbox and the secrets cache outlive one invocation.
  const store = new DynamoResultsStore({ client: deps.dynamo, tableName: deps.tableName, clock });
  const metrics = new CloudWatchMetricsSink({ client: deps.cloudwatch });
  const secrets = new SsmSecretSource({ client: deps.ssm, project: deps.project, clock });
  const baseCtx = createProbeContext({ location: deps.location, clock, ...(deps.retryDelayMs === undefined ? {} : { retryDelayMs: deps.retryDelayMs }) });

  return async (event, context) => {
    const deadlineMs = clock.now() + context.getRemainingTimeInMillis() - (deps.reserveMs ?? DEFAULT_RESERVE_MS);
    const { shard, shards } = parseInvocation(event);
    const checks = deps.config.checks.filter((c) => c.regions.includes(deps.location) && shardOf(c.id, shards) === shard);
    const resolved = await resolveCheckSecrets(checks, secrets);
    const about = { location: deps.location, shard, shards, checks: checks.length };
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
        ...(deps.wait === undefined ? {} : { wait: deps.wait }),
        ...(deps.marginMs === undefined ? {} : { marginMs: deps.marginMs }),
      });
    } catch (error) {
      if (error instanceof ProbeCycleError) log(JSON.stringify({ level: 'error', message: error.message, ...about, ...error.summary }));
      throw error;
    }
    log(JSON.stringify({ level: summary.writeError === null ? 'info' : 'error', message: 'probe cycle done', ...about, ...summary }));
    if (summary.writeError !== null) {
      throw new ResultsNotStoredError(
        `results of ${deps.location} not stored: ${summary.writeError}; ${summary.pendingWrites} item(s) wait for the next invocation`,
      );
    }
    return { ...about, ...summary };
  };
}

export function parseInvocation(event: unknown): ProbeInvocation {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const { shard, shards } = e;
  if (typeof shards !== 'number' || !Number.isInteger(shards) || shards < 1) {
    throw new InvalidInvocationError(`probe invocation needs "shards", a positive integer, got ${JSON.stringify(shards)}`);
  }
  if (typeof shard !== 'number' || !Number.isInteger(shard) || shard < 0 || shard >= shards) {
    throw new InvalidInvocationError(`probe invocation needs "shard", an integer from 0 to ${shards - 1}, got ${JSON.stringify(shard)}`);
  }
  return { shard, shards };
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
  try {
    const found = await source.getMany(names);
    for (const name of names) {
      const value = found[name];
      if (value !== undefined && value !== '') values[name] = value;
    }
  } catch (error) {
    readError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  for (const [checkId, wanted] of needs) {
    const missing = wanted.filter((name) => !Object.hasOwn(values, name));
    if (missing.length === 0) continue;
    const parameters = missing.map((name) => source.parameterName(name)).join(', ');
    const message =
      readError !== null
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
  };
}

let built: Promise<ProbeHandler> | undefined;

/** The Lambda entry point: builds everything on the first (cold) invocation. */
export const handler = async (event: ProbeInvocation, context: LambdaContext): Promise<ProbeHandlerResult> => {
  built ??= probeDepsFromEnv(process.env, bundleDirectory()).then(createProbeHandler);
  const probe = await built.catch((error: unknown) => {
    built = undefined; // a later invocation tries again (and fails the same way until the stack is fixed)
    throw error;
  });
  return probe(event, context);
};
