import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { CHECK_TYPES, type Config } from '../core/check.ts';
import type { Clock } from '../core/ports.ts';
import { BUNDLED_CONFIG_FILE, HANDLER_ENV } from '../core/deployment.ts';
import { optionalEnv, requireEnv, type Env } from './env.ts';

/**
 * The normalized config the CDK app bundles next to each handler (`BUNDLED_CONFIG_FILE`, plain JSON of
 * `Config`). It was fully validated at synth, so this only checks that the file is the shape the handlers
 * rely on: a truncated or foreign file fails here with a clear message, not later with a TypeError.
 */

/** The bundled config is missing or not a normalized config: a packaging bug. */
export class BundledConfigError extends Error {
  override readonly name = 'BundledConfigError';
}

/**
 * The directory of the running bundle, where the CDK app puts the config; used when LAMBDA_TASK_ROOT is
 * not set. In a CommonJS bundle `import.meta.url` is empty: the working directory is the fallback.
 */
export function bundleDirectory(): string {
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return process.cwd();
  }
}

export async function loadBundledConfig(dir: string): Promise<Config> {
  const file = join(dir, BUNDLED_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BundledConfigError(`cannot read the bundled config ${file}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BundledConfigError(`the bundled config ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseBundledConfig(json, file);
}

/** Checks the shape the handlers depend on; throws `BundledConfigError` naming the first bad field. */
export function parseBundledConfig(json: unknown, source = BUNDLED_CONFIG_FILE): Config {
  const fail = (path: string, expected: string): never => {
    throw new BundledConfigError(`the bundled config ${source} is not a normalized config: ${path} must be ${expected}`);
  };
  if (!isObject(json)) return fail('the top level', 'an object');
  if (typeof json['project'] !== 'string') fail('project', 'a string');
  if (typeof json['homeRegion'] !== 'string') fail('homeRegion', 'a string');
  const checks = json['checks'];
  if (!Array.isArray(checks)) return fail('checks', 'an array');
  const types: readonly string[] = CHECK_TYPES;
  checks.forEach((check: unknown, i) => {
    const at = `checks[${i}]`;
    if (!isObject(check)) return fail(at, 'an object');
    if (typeof check['id'] !== 'string') fail(`${at}.id`, 'a string');
    if (typeof check['type'] !== 'string' || !types.includes(check['type'])) fail(`${at}.type`, `one of ${CHECK_TYPES.join(', ')}`);
    for (const key of ['intervalMs', 'timeoutMs', 'retries']) {
      if (typeof check[key] !== 'number' || !Number.isFinite(check[key])) fail(`${at}.${key}`, 'a number');
    }
    if (!isStringArray(check['regions'])) fail(`${at}.regions`, 'an array of strings');
    if (!isStringArray(check['tags'])) fail(`${at}.tags`, 'an array of strings');
    if (!isObject(check['alertPolicy'])) fail(`${at}.alertPolicy`, 'an object');
    if (check['type'] === 'http' && !Array.isArray(check['steps'])) fail(`${at}.steps`, 'an array');
    return undefined;
  });
  if (!isObject(json['alerts'])) fail('alerts', 'an object');
  if (!Array.isArray(json['maintenance'])) fail('maintenance', 'an array');
  return json as unknown as Config;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** What every home-region function (notifier, heartbeats, monthly report) is built from. */
export interface HomeFunctionDeps {
  readonly config: Config;
  readonly project: string;
  readonly tableName: string;
  readonly topicArn: string;
  /** DynamoDB in the home region: incidents, heartbeat states and reports are written only there. */
  readonly dynamo: DynamoDBClient;
  /** SNS in the topic's (home) region. */
  readonly sns: SNSClient;
  /** Link put in messages; the config's `alerts.dashboardUrl` wins. @default none */
  readonly dashboardUrl?: string | null;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

/** What every home-region function reads at cold start: its names, and the bundled config (checked against the project). */
export interface HomeHandlerEnv {
  readonly config: Config;
  readonly project: string;
  readonly tableName: string;
  readonly homeRegion: string;
  readonly topicArn: string;
  readonly dashboardUrl: string | null;
}

export async function readHomeHandlerEnv(env: Env, handlerDir: string): Promise<HomeHandlerEnv> {
  const tableName = requireEnv(env, HANDLER_ENV.tableName);
  const homeRegion = requireEnv(env, HANDLER_ENV.homeRegion);
  const project = requireEnv(env, HANDLER_ENV.project);
  const topicArn = requireEnv(env, HANDLER_ENV.topicArn);
  const dashboardUrl = optionalEnv(env, HANDLER_ENV.dashboardUrl);
  const config = await loadBundledConfig(optionalEnv(env, 'LAMBDA_TASK_ROOT') ?? handlerDir);
  if (config.project !== project) {
    throw new BundledConfigError(`the bundled config is for project ${config.project}, but ${HANDLER_ENV.project} is ${project}`);
  }
  return { config, project, tableName, homeRegion, topicArn, dashboardUrl };
}
