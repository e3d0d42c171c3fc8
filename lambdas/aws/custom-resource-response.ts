import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';

/**
 * A CloudFormation custom resource backed directly by a Lambda function: the request the function receives,
 * and its answer, which is a PUT of a JSON document to the request's pre-signed S3 URL (never the function's
 * return value). Without that answer CloudFormation waits until the resource's service timeout.
 */

export type CustomResourceRequestType = 'Create' | 'Update' | 'Delete';

export interface CustomResourceRequest {
  readonly RequestType: CustomResourceRequestType;
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  /** Absent on Create. */
  readonly PhysicalResourceId?: string;
  readonly ResourceType: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack's events; required with FAILED. */
  readonly Reason?: string;
  /** The same id on every answer for one resource: a changed id makes CloudFormation delete the old one. */
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
}

/** The request is not a CloudFormation custom resource request. */
export class CustomResourceRequestError extends Error {
  override readonly name = 'CustomResourceRequestError';
}

/** The answer could not be delivered to CloudFormation. */
export class CustomResourceResponseError extends Error {
  override readonly name = 'CustomResourceResponseError';
}

const REQUEST_TYPES: readonly string[] = ['Create', 'Update', 'Delete'] satisfies CustomResourceRequestType[];
const REQUIRED_STRINGS = ['ResponseURL', 'StackId', 'RequestId', 'LogicalResourceId', 'ResourceType'] as const;
/** CloudFormation refuses an answer over 4,096 bytes; a long reason is cut to fit. */
const MAX_REASON_CHARS = 1_000;

/** Checks the fields an answer needs; throws `CustomResourceRequestError` naming the first one missing. */
export function parseCustomResourceRequest(event: unknown): CustomResourceRequest {
  if (typeof event !== 'object' || event === null) throw new CustomResourceRequestError('a custom resource request must be an object');
  const e = event as Record<string, unknown>;
  if (typeof e['RequestType'] !== 'string' || !REQUEST_TYPES.includes(e['RequestType'])) {
    throw new CustomResourceRequestError(`RequestType must be one of ${REQUEST_TYPES.join(', ')}, got ${JSON.stringify(e['RequestType'])}`);
  }
  for (const key of REQUIRED_STRINGS) {
    if (typeof e[key] !== 'string' || e[key] === '') throw new CustomResourceRequestError(`${key} must be a non-empty string`);
  }
  return event as CustomResourceRequest;
}

/** The answer to `req`, the reason cut to what CloudFormation accepts. */
export function customResourceResponse(req: CustomResourceRequest, outcome: { readonly ok: true } | { readonly ok: false; readonly reason: string }, physicalResourceId: string): CustomResourceResponse {
  const base = { PhysicalResourceId: physicalResourceId, StackId: req.StackId, RequestId: req.RequestId, LogicalResourceId: req.LogicalResourceId };
  return outcome.ok ? { Status: 'SUCCESS', ...base } : { Status: 'FAILED', Reason: outcome.reason.slice(0, MAX_REASON_CHARS), ...base };
}

export interface SendCustomResourceResponseOptions {
  /** Attempts, the first included. @default 3 */
  readonly attempts?: number;
  /** @default 1000 */
  readonly delayMs?: number;
  /** One attempt's deadline. @default 10000 */
  readonly timeoutMs?: number;
  /** @default undici's global dispatcher */
  readonly dispatcher?: Dispatcher;
}

/**
 * PUTs the answer to the pre-signed URL, trying again on a network error or a non-2xx status. The
 * Content-Type is empty, as the URL was signed without one. Rejects with `CustomResourceResponseError`.
 */
export async function sendCustomResourceResponse(url: string, response: CustomResourceResponse, options: SendCustomResourceResponseOptions = {}): Promise<void> {
  const body = JSON.stringify(response);
  const attempts = options.attempts ?? 3;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(options.delayMs ?? 1_000);
    try {
      const res = await request(url, {
        method: 'PUT',
        body,
        headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
        headersTimeout: options.timeoutMs ?? 10_000,
        bodyTimeout: options.timeoutMs ?? 10_000,
        ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) return;
      last = `status ${res.statusCode}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
  }
  // The URL's query string is a signature: name only its host.
  throw new CustomResourceResponseError(`could not send the custom resource answer to ${new URL(url).host} after ${attempts} attempts: ${last}`);
}
