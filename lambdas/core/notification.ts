import type { Check, Webhook } from './check.ts';
import type { Severity } from './config/input.ts';
import { formatDuration } from './duration.ts';
import type { ProbeError } from './errors.ts';
import type { Incident } from './store.ts';
import { templateNames } from './templates.ts';

/**
 * Alert events and the messages built from them: a JSON body for generic
 * webhooks, a Slack message, a console line. Building is kept apart from
 * sending (lambdas/alerts/), so the AWS notifiers reuse the same text.
 */

export const ALERT_EVENT_KINDS = ['down', 'recovered'] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

/** A probe location that was failing when the incident opened, and its own error (null when not known). */
export interface LocationFailure {
  readonly location: string;
  readonly error: ProbeError | null;
}

export interface AlertEvent {
  readonly kind: AlertEventKind;
  /** `${incidentId}:${kind}`: the same for every delivery of this event, so receivers can drop repeats. */
  readonly eventId: string;
  readonly incidentId: string;
  readonly checkId: string;
  readonly checkName: string;
  readonly severity: Severity;
  readonly tags: readonly string[];
  /** The target as people may see it, secrets as ***. */
  readonly target: string;
  readonly failingLocations: readonly string[];
  /** The first failing location's error. */
  readonly error: ProbeError | null;
  /** Every failing location with its own error, in `failingLocations` order. */
  readonly failures: readonly LocationFailure[];
  /** ISO time. */
  readonly openedAt: string;
  /** ISO time; null while the incident is open. */
  readonly closedAt: string | null;
  readonly durationSeconds: number | null;
  readonly dashboardUrl: string | null;
}

/**
 * The notifier port (console, webhooks, SNS). `notify` enqueues and returns at once:
 * it never blocks and never throws into the probe loop.
 */
export interface Notifier {
  notify(event: AlertEvent): void;
  /** Delivers what is pending, for at most `timeoutMs`, then resolves: for shutdown. */
  drain(timeoutMs: number): Promise<void>;
}

export interface AlertEventInput {
  readonly kind: AlertEventKind;
  readonly incident: Incident;
  readonly check: Pick<Check, 'id' | 'name' | 'severity' | 'tags'>;
  /** As people may see it, secrets as ***. */
  readonly target: string;
  /** @default null */
  readonly dashboardUrl?: string | null;
  /**
   * Each failing location's own error, by location; a failing location missing here has its error unknown.
   * @default the incident's first error, for its first failing location
   */
  readonly errorsByLocation?: ReadonlyMap<string, ProbeError>;
}

/** The event for an incident that opened ("down") or closed ("recovered"). */
export function alertEvent(input: AlertEventInput): AlertEvent {
  const { kind, incident, check } = input;
  const [first] = incident.failingLocations;
  const errors = input.errorsByLocation ?? new Map(first === undefined || incident.firstError === null ? [] : [[first, incident.firstError]]);
  return {
    kind,
    eventId: `${incident.id}:${kind}`,
    incidentId: incident.id,
    checkId: check.id,
    checkName: check.name,
    severity: check.severity,
    tags: check.tags,
    target: input.target,
    failingLocations: incident.failingLocations,
    error: incident.firstError,
    failures: incident.failingLocations.map((location) => ({ location, error: errors.get(location) ?? null })),
    openedAt: incident.openedAt,
    closedAt: incident.closedAt,
    durationSeconds: incident.durationSeconds,
    dashboardUrl: input.dashboardUrl ?? null,
  };
}

/**
 * "eu-west-1: timeout: timed out after 10000ms" for each failing location, each error cut to `maxErrorChars`:
 * the lines a message lists the failing regions with (their errors were redacted by the probe).
 */
export function failureLines(e: Pick<AlertEvent, 'failures'>, maxErrorChars: number): string[] {
  return e.failures.map((f) => (f.error === null ? f.location : `${f.location}: ${f.error.kind}: ${truncate(oneLine(f.error.message), maxErrorChars)}`));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Does this webhook want the event? Severities always filter; tags only when the webhook lists some. */
export function webhookMatches(webhook: Pick<Webhook, 'severities' | 'tags'>, event: Pick<AlertEvent, 'severity' | 'tags'>): boolean {
  if (!webhook.severities.includes(event.severity)) return false;
  return webhook.tags === null || webhook.tags.some((tag) => event.tags.includes(tag));
}

/** Every secret name the webhooks' URLs and header values use, sorted, each once. */
export function webhookSecretNames(webhooks: readonly Webhook[]): string[] {
  const templates = webhooks.flatMap((w) => [w.url, ...Object.values(w.headers)]);
  return [...new Set(templates.flatMap((t) => templateNames(t).secrets))].sort();
}

/** The body POSTed to a "json" webhook. Field names are a public contract: add, never rename. */
export interface GenericWebhookBody {
  readonly event: AlertEventKind;
  readonly eventId: string;
  readonly incidentId: string;
  readonly checkId: string;
  readonly checkName: string;
  readonly severity: Severity;
  readonly tags: readonly string[];
  readonly target: string;
  readonly failingLocations: readonly string[];
  readonly error: ProbeError | null;
  /** Each failing location with its own error (added after `error`, which is the first of them). */
  readonly failures: readonly LocationFailure[];
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly durationSeconds: number | null;
  readonly dashboardUrl: string | null;
  /** One line for people, as in the Slack message but without emoji. */
  readonly summary: string;
}

export function genericWebhookBody(e: AlertEvent): GenericWebhookBody {
  return {
    event: e.kind,
    eventId: e.eventId,
    incidentId: e.incidentId,
    checkId: e.checkId,
    checkName: e.checkName,
    severity: e.severity,
    tags: [...e.tags],
    target: e.target,
    failingLocations: [...e.failingLocations],
    error: e.error === null ? null : { kind: e.error.kind, message: e.error.message },
    failures: e.failures.map((f) => ({ location: f.location, error: f.error === null ? null : { kind: f.error.kind, message: f.error.message } })),
    openedAt: e.openedAt,
    closedAt: e.closedAt,
    durationSeconds: e.durationSeconds,
    dashboardUrl: e.dashboardUrl,
    summary: summaryLine(e),
  };
}

/** Slack limits a section's text to 3000 characters and a field to 2000; errors are cut well before. */
const MAX_ERROR_CHARS = 500;

const EMOJI: Readonly<Record<AlertEventKind, string>> = { down: ':red_circle:', recovered: ':large_green_circle:' };

/** Text fields of a Slack block (mrkdwn). */
interface SlackText {
  readonly type: 'mrkdwn';
  readonly text: string;
}

export type SlackBlock =
  | { readonly type: 'section'; readonly text: SlackText }
  | { readonly type: 'section'; readonly fields: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] };

export interface SlackWebhookBody {
  /** Shown in notifications and by clients that cannot show blocks. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/**
 * A Slack incoming-webhook message. `text` is the one-line fallback, e.g.
 * `:red_circle: DOWN storefront (Storefront home page) — timeout: timed out after 10000ms — us-east-1, eu-west-1`.
 */
export function slackWebhookBody(e: AlertEvent): SlackWebhookBody {
  const text = `${EMOJI[e.kind]} ${summaryParts(e, slackEscape).join(' — ')}`;
  const mrkdwn = (t: string): SlackText => ({ type: 'mrkdwn', text: t });
  const fields: SlackText[] = [mrkdwn(`*Severity*\n${e.severity}`), mrkdwn(`*Target*\n${slackEscape(e.target)}`)];
  if (e.kind === 'down') {
    // One line per failing region with its own error; the errors share the field's 2000 characters.
    if (e.failures.length > 0) fields.push(mrkdwn(`*Failing in*\n${slackEscape(failureLines(e, Math.floor(MAX_ERROR_CHARS / e.failures.length)).join('\n'))}`));
  } else if (e.durationSeconds !== null) {
    fields.push(mrkdwn(`*Down for*\n${formatDuration(e.durationSeconds * 1000)}`));
  }
  if (e.tags.length > 0) fields.push(mrkdwn(`*Tags*\n${slackEscape(e.tags.join(', '))}`));
  const context = [`Incident ${slackEscape(e.incidentId)}`, `opened ${e.openedAt}`];
  if (e.closedAt !== null) context.push(`closed ${e.closedAt}`);
  if (e.dashboardUrl !== null) context.push(`<${slackLinkUrl(e.dashboardUrl)}|Dashboard>`);
  return {
    text,
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      { type: 'section', fields },
      { type: 'context', elements: [mrkdwn(context.join(' · '))] },
    ],
  };
}

/**
 * One line for a terminal or log, e.g.
 * `ALERT DOWN storefront (Storefront home page) [high] — timeout: timed out after 10000ms — us-east-1, eu-west-1 — incident inc-1`.
 */
export function consoleLine(e: AlertEvent): string {
  const [headline = '', ...rest] = summaryParts(e, (s) => s);
  const severity = e.kind === 'down' ? ` [${e.severity}]` : '';
  return [`ALERT ${headline}${severity}`, ...rest, `incident ${e.incidentId}`].join(' — ');
}

/** The plain one-line summary: what `text` says in Slack, without emoji. */
export function summaryLine(e: AlertEvent): string {
  return summaryParts(e, (s) => s).join(' — ');
}

/** "DOWN id (name)", then the error and the failing locations; or "RECOVERED id after 4m 12s". */
function summaryParts(e: AlertEvent, escape: (text: string) => string): string[] {
  const who = e.checkName === e.checkId ? escape(e.checkId) : `${escape(e.checkId)} (${escape(e.checkName)})`;
  if (e.kind === 'recovered') {
    const after = e.durationSeconds === null ? '' : ` after ${formatDuration(e.durationSeconds * 1000)}`;
    return [`RECOVERED ${escape(e.checkId)}${after}`];
  }
  const parts = [`DOWN ${who}`];
  if (e.error !== null) parts.push(escape(`${e.error.kind}: ${truncate(e.error.message, MAX_ERROR_CHARS)}`));
  if (e.failingLocations.length > 0) parts.push(escape(e.failingLocations.join(', ')));
  return parts;
}

/** Slack reads &, < and > in text as markup: https://api.slack.com/reference/surfaces/formatting#escaping */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inside `<url|label>`, a "|" or ">" in the URL would end it early. */
function slackLinkUrl(url: string): string {
  return url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
