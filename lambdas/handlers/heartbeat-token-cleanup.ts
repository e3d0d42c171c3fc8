/**
 * The heartbeat-token cleanup function (home region): the handler of a CloudFormation custom resource in the
 * home stack. Heartbeat tokens are SSM SecureStrings that `skyprobe heartbeat url --aws` creates after deploy
 * (a template cannot create a SecureString, and must never hold a token), so stack deletion would leave them
 * behind. When the resource is deleted (`cdk destroy`, or a deploy of a config without heartbeats), this
 * deletes every parameter under `/<project>/heartbeat-tokens/`; Create and Update do nothing.
 *
 * It always answers CloudFormation, with FAILED and a one-line reason when the tokens could not be deleted
 * (the stack then stops in DELETE_FAILED, and a second `cdk destroy` tries again), so a deletion never
 * waits for the resource's timeout.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmHeartbeatTokens } from '../aws/heartbeat-tokens.ts';
import {
  customResourceResponse,
  parseCustomResourceRequest,
  sendCustomResourceResponse,
  type CustomResourceRequest,
  type SendCustomResourceResponseOptions,
} from '../aws/custom-resource-response.ts';
import { HANDLER_ENV } from '../core/deployment.ts';
import { heartbeatTokenParameterPrefix } from '../core/heartbeat.ts';
import { systemClock } from '../engine/context.ts';
import { describeError } from '../core/errors.ts';
import { requireEnv, type Env } from './env.ts';

export interface HeartbeatTokenCleanupDeps {
  readonly project: string;
  /** SSM in the home region. */
  readonly ssm: SSMClient;
  /** @default console.log */
  readonly log?: (line: string) => void;
  /** How the answer reaches CloudFormation (tests: a loopback dispatcher, short delays). @default the defaults */
  readonly respond?: SendCustomResourceResponseOptions;
}

export interface HeartbeatTokenCleanupResult {
  readonly status: 'SUCCESS' | 'FAILED';
  /** Names of the parameters deleted (never their values). */
  readonly deleted: readonly string[];
}

export type HeartbeatTokenCleanupHandler = (event: unknown) => Promise<HeartbeatTokenCleanupResult>;

export function createHeartbeatTokenCleanupHandler(deps: HeartbeatTokenCleanupDeps): HeartbeatTokenCleanupHandler {
  const log = deps.log ?? ((line: string) => console.log(line));
  const tokens = new SsmHeartbeatTokens({ client: deps.ssm, project: deps.project, clock: systemClock });
  // One id for the resource's whole life: a new id on an Update would make CloudFormation delete the "old"
  // resource, and with it every token.
  const physicalResourceId = heartbeatTokenParameterPrefix(deps.project);

  return async (event) => {
    // A request without a ResponseURL cannot be answered: failing the invocation is all that is left.
    const req: CustomResourceRequest = parseCustomResourceRequest(event);
    let deleted: string[] = [];
    let outcome: { readonly ok: true } | { readonly ok: false; readonly reason: string } = { ok: true };
    if (req.RequestType === 'Delete') {
      try {
        deleted = await tokens.deleteAll();
      } catch (error) {
        outcome = { ok: false, reason: `could not delete the heartbeat tokens under ${physicalResourceId}: ${describeError(error)}` };
      }
    }
    log(
      JSON.stringify({
        level: outcome.ok ? 'info' : 'error',
        message: outcome.ok ? 'heartbeat token cleanup done' : outcome.reason,
        requestType: req.RequestType,
        deleted,
      }),
    );
    await sendCustomResourceResponse(req.ResponseURL, customResourceResponse(req, outcome, physicalResourceId), deps.respond);
    return { status: outcome.ok ? 'SUCCESS' : 'FAILED', deleted };
  };
}

/** Reads the environment once per container: the project, and the region (Lambda's own variable). */
export function heartbeatTokenCleanupDepsFromEnv(env: Env): HeartbeatTokenCleanupDeps {
  const project = requireEnv(env, HANDLER_ENV.project);
  return { project, ssm: new SSMClient({ region: requireEnv(env, HANDLER_ENV.homeRegion) }) };
}

let built: HeartbeatTokenCleanupHandler | undefined;

/** The Lambda entry point. A function that cannot start still answers, so the stack does not wait for the timeout. */
export const handler = async (event: unknown): Promise<HeartbeatTokenCleanupResult> => {
  try {
    built ??= createHeartbeatTokenCleanupHandler(heartbeatTokenCleanupDepsFromEnv(process.env));
  } catch (error) {
    const req = parseCustomResourceRequest(event);
    const reason = `the heartbeat token cleanup function cannot start: ${describeError(error)}`;
    await sendCustomResourceResponse(req.ResponseURL, customResourceResponse(req, { ok: false, reason }, req.PhysicalResourceId ?? req.LogicalResourceId));
    throw error;
  }
  return built(event);
};
