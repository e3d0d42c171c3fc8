/**
 * The ping function (home region), behind a Lambda function URL with AuthType NONE: the heartbeat's
 * token is the authentication (see lambdas/monitor/heartbeat-endpoint.ts for what is refused, and how).
 * Tokens are read from SSM Parameter Store and cached for a minute. Reserved concurrency caps what a flood
 * can cost; beyond it, the function URL answers 429 itself.
 */
import { createPingHandler, MAX_PING_BODY_BYTES, type PingHandler } from '../monitor/heartbeat-endpoint.ts';
import { bundleDirectory } from './bundled-config.ts';
import { createHeartbeatRuntime, heartbeatDepsFromEnv, lazyHandler, type HeartbeatRuntimeDeps } from './heartbeat-runtime.ts';

/** The fields of a function URL request (payload format 2.0) the ping function reads. */
export interface FunctionUrlEvent {
  readonly version?: string;
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly http?: { readonly method?: string; readonly sourceIp?: string } };
}

export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function createHeartbeatPingHandler(deps: HeartbeatRuntimeDeps): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  const runtime = createHeartbeatRuntime(deps);
  const handle: PingHandler = createPingHandler({ monitor: runtime.monitor, token: (id) => runtime.tokens.get(id), clock: runtime.clock, log: runtime.log });
  return async (event) => {
    const raw = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded === true ? 'base64' : 'utf8');
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const response = await handle({
      method: event.requestContext?.http?.method ?? 'GET',
      path: event.rawPath ?? '/',
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers,
      body: raw.length > MAX_PING_BODY_BYTES ? null : raw,
      sourceIp: event.requestContext?.http?.sourceIp ?? 'unknown',
    });
    return {
      statusCode: response.status,
      headers: { ...response.headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
      body: JSON.stringify(response.body),
    };
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler(async () => createHeartbeatPingHandler(await heartbeatDepsFromEnv(process.env, bundleDirectory())));
