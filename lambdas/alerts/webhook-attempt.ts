import { request, type Dispatcher } from 'undici';
import type { Webhook } from '../core/check.ts';
import { formatDuration } from '../core/duration.ts';
import { genericWebhookBody, slackWebhookBody, type AlertEvent } from '../core/notification.ts';
import { renderTemplate } from '../core/templates.ts';

/**
 * One POST of an alert to one webhook, and what to do next: shared by the queueing notifier of
 * `skyprobe run` (lambdas/alerts/webhook-notifier.ts) and the bounded sender of the AWS notifier
 * (lambdas/alerts/webhook-sender.ts), so both treat receivers the same way.
 */

export type WebhookAttemptOutcome =
  | { readonly type: 'delivered' }
  | { readonly type: 'retry'; readonly reason: string; readonly retryAfterMs: number | undefined }
  | { readonly type: 'final'; readonly reason: string };

export interface WebhookAttemptOptions {
  /** Values for `{{secret:NAME}}` in the URL and header values. */
  readonly secrets: Readonly<Record<string, string>>;
  /** The attempt's deadline, response body included. */
  readonly timeoutMs: number;
  /** Ends the attempt early (shutdown). @default none */
  readonly signal?: AbortSignal;
  /** @default undici's global dispatcher */
  readonly dispatcher?: Dispatcher | undefined;
}

/** Enough of a refusal ("invalid_payload", "no_service") to act on. */
const MAX_LOGGED_BODY_CHARS = 200;
const MAX_READ_BODY_BYTES = 4_096;

/** The serialized body a webhook of this format receives. */
export function webhookBody(format: Webhook['format'], event: AlertEvent): string {
  return JSON.stringify(format === 'slack' ? slackWebhookBody(event) : genericWebhookBody(event));
}

/**
 * POSTs `body` once. 2xx is delivered; network errors, timeouts, 429 and 5xx are worth retrying; any other
 * status, a redirect (not followed) or a secret without a value is final. Reasons never hold secret values
 * that were filled in here, but a receiver's reply is quoted: callers redact their log lines.
 */
export async function attemptWebhook(
  webhook: Pick<Webhook, 'url' | 'headers'>,
  delivery: { readonly eventId: string; readonly body: string },
  options: WebhookAttemptOptions,
): Promise<WebhookAttemptOutcome> {
  const url = renderTemplate(webhook.url, {}, options.secrets);
  if (!url.ok) return { type: 'final', reason: `${url.missing} has no value` };
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(webhook.headers)) {
    const value = renderTemplate(template, {}, options.secrets);
    if (!value.ok) return { type: 'final', reason: `${value.missing} (header "${name}") has no value` };
    headers[name] = value.value;
  }
  headers['content-type'] = 'application/json';
  headers['x-skyprobe-event-id'] = delivery.eventId;
  // One controller per attempt, ended by the timeout or by the caller's signal. (Not AbortSignal.any: each
  // call would hang another dependent signal on a long-lived one.)
  const outer = options.signal;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  timer.unref();
  const onAbort = (): void => controller.abort();
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await request(url.value, {
      method: 'POST',
      headers,
      body: delivery.body,
      signal: controller.signal,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    const text = await readSome(response.body);
    const status = response.statusCode;
    if (status >= 200 && status < 300) return { type: 'delivered' };
    const said = text.trim() === '' ? '' : `: ${JSON.stringify(truncate(text.trim(), MAX_LOGGED_BODY_CHARS))}`;
    if (status === 429 || status >= 500) {
      return { type: 'retry', reason: `HTTP ${status}${said}`, retryAfterMs: retryAfterMs(response.headers['retry-after']) };
    }
    const note = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    return { type: 'final', reason: `HTTP ${status}${note}${said}` };
  } catch (error) {
    const reason = timedOut ? `no answer within ${formatDuration(options.timeoutMs)}` : errorText(error);
    return { type: 'retry', reason, retryAfterMs: undefined };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

/** Exponential backoff with "equal jitter" (half fixed, half random); never sooner than Retry-After, never over maxDelayMs. */
export function backoffMs(failedAttempts: number, retryAfter: number | undefined, baseDelayMs: number, maxDelayMs: number): number {
  const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (failedAttempts - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return Math.round(Math.min(maxDelayMs, Math.max(jittered, retryAfter ?? 0)));
}

export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const code = (error as { code?: unknown }).code;
  return `${error.message}${typeof code === 'string' ? ` (${code})` : ''}${cause}`;
}

/** Reads at most a few KiB of a response body, then lets the rest go. */
async function readSome(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  // Breaking out of for-await destroys the stream; a destroyed undici body may still emit 'error'.
  body.on('error', () => undefined);
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    chunks.push(buffer);
    total += buffer.length;
    if (total >= MAX_READ_BODY_BYTES) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Retry-After in seconds, or as an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
