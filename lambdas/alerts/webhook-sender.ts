import type { Dispatcher } from 'undici';
import type { Webhook } from '../core/check.ts';
import { formatDuration } from '../core/duration.ts';
import { webhookMatches, type AlertEvent } from '../core/notification.ts';
import { UnusableSecretError, type SecretSource } from '../core/ports.ts';
import { createRedactor } from '../core/redact.ts';
import { stableHash } from '../core/schedule.ts';
import { renderForDisplay, templateNames } from '../core/templates.ts';
import { attemptWebhook, backoffMs, webhookBody } from './webhook-attempt.ts';

/**
 * Webhooks for a short-lived caller (the AWS notifier function): each delivery is tried a few times within
 * a bounded time, then either delivered, refused for good (logged), or rejected so that the caller's own
 * retry (Lambda's async retries) tries again later. Secrets are read from a `SecretSource` (SSM in AWS)
 * when sending, and never logged.
 */

export interface WebhookTarget {
  /** Stable while the webhook's URL template and format stay the same: keys its deliveries in a ledger. */
  readonly key: string;
  /** `webhook[0] https://hooks.slack.com/services/***`: safe to log. */
  readonly label: string;
  wants(event: AlertEvent): boolean;
  /**
   * Delivers the event. Resolves when a receiver took it, or refused it for good (a 4xx, a missing secret,
   * a secret stored unencrypted: trying again would not help; logged); rejects with `WebhookDeliveryError` when every attempt failed in a
   * way a later retry may fix (network, timeout, 429, 5xx).
   */
  send(event: AlertEvent): Promise<'delivered' | 'refused'>;
}

export interface WebhookTargetsProps {
  readonly secrets: SecretSource;
  /** One line per outcome; secret values are redacted from it. */
  readonly log: (line: string) => void;
  /** Attempts per delivery in one call, the first included. @default 3 */
  readonly attempts?: number;
  /** @default 1000 */
  readonly baseDelayMs?: number;
  /** @default 4000 */
  readonly maxDelayMs?: number;
  /** One attempt's deadline. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** @default undici's global dispatcher */
  readonly dispatcher?: Dispatcher;
}

export class WebhookDeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookDeliveryError';
  }
}

/** With the defaults, one `send` takes at most 3 × 5 s + 1 s + 2 s (+ jitter below that): well inside a 30 s function. */
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BASE_DELAY_MS = 1_000;
const DEFAULT_MAX_DELAY_MS = 4_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

export function webhookTargets(webhooks: readonly Webhook[], props: WebhookTargetsProps): WebhookTarget[] {
  const attempts = props.attempts ?? DEFAULT_ATTEMPTS;
  const baseDelayMs = props.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelayMs = props.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const timeoutMs = props.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return webhooks.map((webhook, index) => {
    const label = `webhook[${index}] ${renderForDisplay(webhook.url)}`;
    const secretNames = [...new Set([webhook.url, ...Object.values(webhook.headers)].flatMap((t) => templateNames(t).secrets))];
    return {
      key: `wh${stableHash(`${webhook.format}|${webhook.url}`).toString(36)}`,
      label,
      wants: (event) => webhookMatches(webhook, event),
      async send(event) {
        const secrets: Record<string, string> = {};
        for (const name of secretNames) {
          let value: string | undefined;
          try {
            value = await props.secrets.get(name);
          } catch (error) {
            if (!(error instanceof UnusableSecretError)) throw error;
            // Final like a missing secret: a retry would find the same parameter.
            props.log(`${label}: ${event.eventId} not delivered, not retried: secret:${name}: ${error.message}`);
            return 'refused';
          }
          if (value !== undefined) secrets[name] = value;
        }
        const redact = createRedactor(Object.values(secrets));
        const log = (line: string): void => props.log(redact(line));
        const delivery = { eventId: event.eventId, body: webhookBody(webhook.format, event) };
        for (let attempt = 1; ; attempt++) {
          const outcome = await attemptWebhook(webhook, delivery, { secrets, timeoutMs, dispatcher: props.dispatcher });
          if (outcome.type === 'delivered') {
            log(`${label}: delivered ${event.eventId}${attempt > 1 ? ` after ${attempt} attempts` : ''}`);
            return 'delivered';
          }
          if (outcome.type === 'final') {
            log(`${label}: ${event.eventId} not delivered, not retried: ${outcome.reason}`);
            return 'refused';
          }
          if (attempt >= attempts) {
            const message = `${label}: ${event.eventId} not delivered after ${attempt} attempts: ${outcome.reason}`;
            log(message);
            throw new WebhookDeliveryError(redact(message));
          }
          const delayMs = backoffMs(attempt, outcome.retryAfterMs, baseDelayMs, maxDelayMs);
          log(`${label}: attempt ${attempt} of ${attempts} for ${event.eventId} failed (${outcome.reason}); retrying in ${formatDuration(delayMs)}`);
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
      },
    };
  });
}
