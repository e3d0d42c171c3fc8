/**
 * The rollup-compaction function (home region): once a day (EventBridge schedule) it packs the hourly
 * rollups of every closed day of every configured check and heartbeat into one item per day and location
 * (lambdas/monitor/rollup-compaction.ts), in the home replica of the global table, which replicates them
 * to the probe regions. Month reports then read 30 items per check and location instead of 720.
 *
 * Deadline-aware and resumable: it starts no pack it cannot finish before the function's timeout, and what
 * is left is packed by the next run (readers use the hourly items meanwhile). A pair that fails makes the
 * invocation fail after the others are done, so the schedule's retry and the function's Errors metric see it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../core/check.ts';
import type { Clock } from '../core/ports.ts';
import { systemClock } from '../engine/context.ts';
import { compactRollups, type CompactionSummary } from '../monitor/rollup-compaction.ts';
import { DynamoResultsStore } from '../store/dynamo-store.ts';
import { bundleDirectory, readHomeHandlerEnv } from './bundled-config.ts';
import { lazyHandler, type Env } from './env.ts';
import type { LambdaContext } from './probe.ts';

export interface RollupCompactionDeps {
  readonly config: Pick<Config, 'checks' | 'heartbeats'>;
  readonly tableName: string;
  /** DynamoDB in the home region. */
  readonly dynamo: DynamoDBClient;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default console.log */
  readonly log?: (line: string) => void;
  /** Time kept before Lambda's timeout for the last pack and the log line. @default 10000 */
  readonly reserveMs?: number;
  /** @default compaction's default (35 days) */
  readonly lookbackDays?: number;
}

/** Some check locations could not be packed; the others were. */
export class CompactionFailedError extends Error {
  override readonly name = 'CompactionFailedError';
}

export type RollupCompactionHandler = (event: unknown, context: LambdaContext) => Promise<CompactionSummary>;

export const DEFAULT_COMPACTION_RESERVE_MS = 10_000;

export function createRollupCompactionHandler(deps: RollupCompactionDeps): RollupCompactionHandler {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => console.log(line));
  const store = new DynamoResultsStore({ client: deps.dynamo, tableName: deps.tableName, clock });
  const checkIds = new Set([...deps.config.checks, ...(deps.config.heartbeats ?? [])].map((c) => c.id));

  return async (_event, context) => {
    const deadlineMs = clock.now() + context.getRemainingTimeInMillis() - (deps.reserveMs ?? DEFAULT_COMPACTION_RESERVE_MS);
    const summary = await compactRollups(store, clock, { deadlineMs, checkIds, ...(deps.lookbackDays === undefined ? {} : { lookbackDays: deps.lookbackDays }) });
    log(JSON.stringify({ level: summary.failedPairs > 0 ? 'error' : 'info', message: 'rollup compaction done', ...summary }));
    if (summary.failedPairs > 0) {
      throw new CompactionFailedError(`${summary.failedPairs} check location(s) not packed (the others were): ${summary.lastError}`);
    }
    return summary;
  };
}

/** Reads the environment and the bundled config, and builds the client: once per container. */
export async function rollupCompactionDepsFromEnv(env: Env, handlerDir: string): Promise<RollupCompactionDeps> {
  const { config, tableName, homeRegion } = await readHomeHandlerEnv(env, handlerDir);
  return { config, tableName, dynamo: new DynamoDBClient({ region: homeRegion }) };
}

const build = lazyHandler<{ event: unknown; context: LambdaContext }, CompactionSummary>(async () => {
  const handle = createRollupCompactionHandler(await rollupCompactionDepsFromEnv(process.env, bundleDirectory()));
  return ({ event, context }) => handle(event, context);
});

/** The Lambda entry point: builds everything on the first (cold) invocation. */
export const handler = (event: unknown, context: LambdaContext): Promise<CompactionSummary> => build({ event, context });
