import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { Webhook } from '../core/check.ts';
import { formatDuration } from '../core/duration.ts';
import { webhookMatches, type AlertEvent, type Notifier } from '../core/notification.ts';
import { createRedactor } from '../core/redact.ts';
import { renderForDisplay } from '../core/templates.ts';
import { attemptWebhook, backoffMs, errorText, webhookBody, type WebhookAttemptOutcome } from './webhook-attempt.ts';

/**
 * Delivers alert events to webhooks in the background. `notify` only
 * enqueues. Each webhook has its own queue, worked in order (a "recovered"
 * never overtakes its "down"), so a dead receiver delays nobody else.
 * Network errors, 5xx and 429 are retried with exponential backoff and
 * jitter; other statuses are final. Secrets are filled in at send time and
 * never logged: log lines show the URL with secrets as *** and pass through
 * a redactor of every secret value.
 */

export interface WebhookNotifierProps {
  readonly webhooks: readonly Webhook[];
  /** Values for `{{secret:NAME}}` in webhook URLs and header values. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Receives one line per delivery outcome, retry or problem; never a secret. */
  readonly log: (line: string) => void;
  /** Attempts per delivery, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** Backoff before the first retry; doubled for each further one, with jitter. @default 1000 */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts, a Retry-After header included. @default 60000 */
  readonly maxDelayMs?: number;
  /** One attempt's deadline, response body included. @default 10000 */
  readonly requestTimeoutMs?: number;
  /** Deliveries waiting per webhook; past this the oldest is dropped (and counted as failed). @default 1000 */
  readonly maxQueuedPerWebhook?: number;
  /** @default undici's global dispatcher */
  readonly dispatcher?: Dispatcher;
}

export interface WebhookNotifierStats {
  /** Deliveries a receiver accepted (2xx). One event sent to two webhooks is two deliveries. */
  readonly delivered: number;
  /** Attempts after the first, over all deliveries. */
  readonly retried: number;
  /** Deliveries given up: refused, out of attempts, missing a secret, dropped from a full queue or abandoned by `drain`. */
  readonly failed: number;
  /** Deliveries queued or in flight. */
  readonly pending: number;
}

const DEFAULT_MAX_ATTEMPTS = 8;
const DEFAULT_BASE_DELAY_MS = 1_000;
const DEFAULT_MAX_DELAY_MS = 60_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_QUEUED = 1_000;

interface Delivery {
  readonly event: AlertEvent;
  readonly body: string;
  attempts: number;
  /** Set by `drain` when it gives up: the worker drops the delivery when it next looks. */
  abandoned: boolean;
}

interface Queue {
  readonly webhook: Webhook;
  /** `webhook[0] https://hooks.slack.com/services/***`: safe to log. */
  readonly label: string;
  readonly items: Delivery[];
  working: boolean;
  /** Aborts the attempt in flight and the backoff wait; replaced after each use. */
  abort: AbortController;
}


export class WebhookNotifier implements Notifier {
  private readonly queues: Queue[];
  private readonly secrets: Readonly<Record<string, string>>;
  private readonly redact: (text: string) => string;
  private readonly writeLog: (line: string) => void;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxQueued: number;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly idleWaiters = new Set<() => void>();
  private delivered = 0;
  private retried = 0;
  private failed = 0;

  constructor(props: WebhookNotifierProps) {
    this.maxAttempts = positiveInteger('maxAttempts', props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.baseDelayMs = nonNegative('baseDelayMs', props.baseDelayMs ?? DEFAULT_BASE_DELAY_MS);
    this.maxDelayMs = nonNegative('maxDelayMs', props.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
    this.requestTimeoutMs = positiveInteger('requestTimeoutMs', props.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.maxQueued = positiveInteger('maxQueuedPerWebhook', props.maxQueuedPerWebhook ?? DEFAULT_MAX_QUEUED);
    this.secrets = { ...props.secrets };
    this.redact = createRedactor(Object.values(props.secrets));
    this.writeLog = props.log;
    this.dispatcher = props.dispatcher;
    this.queues = props.webhooks.map((webhook, i) => ({
      webhook,
      label: `webhook[${i}] ${renderForDisplay(webhook.url)}`,
      items: [],
      working: false,
      abort: new AbortController(),
    }));
  }

  /** Enqueues the event for every webhook that wants it and returns at once. Never throws. */
  notify(event: AlertEvent): void {
    try {
      let json: string | undefined;
      let slack: string | undefined;
      for (const queue of this.queues) {
        if (!webhookMatches(queue.webhook, event)) continue;
        const body = queue.webhook.format === 'slack' ? (slack ??= webhookBody('slack', event)) : (json ??= webhookBody('json', event));
        if (queue.items.length >= this.maxQueued) {
          const dropped = queue.items.findIndex((_d, i) => i > 0 || !queue.working);
          const [old] = dropped === -1 ? [] : queue.items.splice(dropped, 1);
          if (old !== undefined) {
            this.failed++;
            this.log(`${queue.label}: queue full (${this.maxQueued}), dropped ${old.event.eventId}`);
          }
        }
        queue.items.push({ event, body, attempts: 0, abandoned: false });
        void this.work(queue);
      }
    } catch (error) {
      this.log(`webhook notifier: could not enqueue ${safeEventId(event)}: ${errorText(error)}`);
    }
  }

  stats(): WebhookNotifierStats {
    return { delivered: this.delivered, retried: this.retried, failed: this.failed, pending: this.pending() };
  }

  /**
   * Waits up to `timeoutMs` for every queued and in-flight delivery. What is still
   * pending then is abandoned (counted as failed, attempts in flight aborted) so that
   * the process can exit. The notifier stays usable.
   */
  async drain(timeoutMs: number): Promise<void> {
    if (this.pending() > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.idleWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, timeoutMs));
        this.idleWaiters.add(done);
      });
    }
    const left = this.pending();
    if (left === 0) return;
    for (const queue of this.queues) {
      if (queue.items.length === 0) continue;
      for (const delivery of queue.items) delivery.abandoned = true;
      this.log(`${queue.label}: gave up on ${queue.items.map((d) => d.event.eventId).join(', ')} at shutdown (drain timeout ${formatDuration(timeoutMs)})`);
      this.failed += queue.items.length;
      queue.items.length = 0;
      queue.abort.abort();
      queue.abort = new AbortController();
    }
  }

  private pending(): number {
    return this.queues.reduce((sum, q) => sum + q.items.length, 0);
  }

  /** Works one webhook's queue in order until it is empty. One worker per queue. */
  private async work(queue: Queue): Promise<void> {
    if (queue.working) return;
    queue.working = true;
    try {
      for (let delivery = queue.items[0]; delivery !== undefined; delivery = queue.items[0]) {
        await this.deliver(queue, delivery);
        if (queue.items[0] === delivery) queue.items.shift();
        this.notifyIfIdle();
      }
    } catch (error) {
      // Only a bug gets here; never let it reach the caller's event loop as an unhandled rejection.
      this.log(`${queue.label}: delivery worker failed: ${errorText(error)}`);
    } finally {
      queue.working = false;
      this.notifyIfIdle();
    }
  }

  private notifyIfIdle(): void {
    if (this.pending() > 0) return;
    for (const wake of [...this.idleWaiters]) wake();
  }

  /** Attempts one delivery until it is delivered, refused, out of attempts or abandoned. */
  private async deliver(queue: Queue, delivery: Delivery): Promise<void> {
    const id = delivery.event.eventId;
    for (;;) {
      if (delivery.abandoned) return;
      delivery.attempts++;
      if (delivery.attempts > 1) this.retried++;
      const outcome = await this.attempt(queue, delivery);
      if (delivery.abandoned) return;
      const tries = `${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}`;
      if (outcome.type === 'delivered') {
        this.delivered++;
        this.log(`${queue.label}: delivered ${id}${delivery.attempts > 1 ? ` after ${tries}` : ''}`);
        return;
      }
      if (outcome.type === 'final') {
        this.failed++;
        this.log(`${queue.label}: ${id} not delivered, not retried: ${outcome.reason}`);
        return;
      }
      if (delivery.attempts >= this.maxAttempts) {
        this.failed++;
        this.log(`${queue.label}: gave up on ${id} after ${tries}: ${outcome.reason}`);
        return;
      }
      const delayMs = this.backoffMs(delivery.attempts, outcome.retryAfterMs);
      this.log(`${queue.label}: attempt ${delivery.attempts} of ${this.maxAttempts} for ${id} failed (${outcome.reason}); retrying in ${formatDuration(delayMs)}`);
      // Unref'd: a pending retry alone does not keep the process alive; `drain` is what waits for it.
      await sleep(delayMs, undefined, { ref: false, signal: queue.abort.signal }).catch(() => undefined);
    }
  }

  private backoffMs(failedAttempts: number, retryAfter: number | undefined): number {
    return backoffMs(failedAttempts, retryAfter, this.baseDelayMs, this.maxDelayMs);
  }


  private attempt(queue: Queue, delivery: Delivery): Promise<WebhookAttemptOutcome> {
    return attemptWebhook(queue.webhook, { eventId: delivery.event.eventId, body: delivery.body }, {
      secrets: this.secrets,
      timeoutMs: this.requestTimeoutMs,
      signal: queue.abort.signal,
      dispatcher: this.dispatcher,
    });
  }

  /** Every line is redacted: an error message or a receiver's reply could echo a secret. */
  private log(line: string): void {
    try {
      this.writeLog(this.redact(line));
    } catch {
      // A failing logger must not stop deliveries.
    }
  }
}




function safeEventId(event: unknown): string {
  const id = typeof event === 'object' && event !== null ? (event as { eventId?: unknown }).eventId : undefined;
  return typeof id === 'string' ? id : 'an event';
}


function positiveInteger(name: string, value: number): number {
  if (Number.isInteger(value) && value >= 1) return value;
  throw new RangeError(`webhook notifier: ${name} must be a positive integer, got ${String(value)}`);
}

function nonNegative(name: string, value: number): number {
  if (Number.isFinite(value) && value >= 0) return value;
  throw new RangeError(`webhook notifier: ${name} must be a number of at least 0, got ${String(value)}`);
}
