import { PublishCommand } from '@aws-sdk/client-sns';
import type { MessageAttributeValue, SNSClient } from '@aws-sdk/client-sns';
import { formatDuration } from '../core/duration.ts';
import { failureLines, summaryLine, type AlertEvent, type Notifier } from '../core/notification.ts';
import type { FallbackAlert, FallbackPublisher } from '../monitor/alarm-fallback.ts';
import type { AlertPublisher } from '../monitor/alarm-monitor.ts';
import type { Notice } from '../monitor/notice.ts';

/**
 * Alerts and notices to an SNS topic (home region). Each message has a short ASCII `Subject` (email
 * subjects), a readable `Message`, and String message attributes subscribers can filter on:
 *
 * | attribute  | alerts               | notices                                                      |
 * |------------|----------------------|--------------------------------------------------------------|
 * | kind       | `incident`           | `latency`, `tls-expiry`, `location-silent`, `probe-errors`, `probe-throttles` |
 * | state      | `down`, `recovered`  | `alarm`, `ok`                                                |
 * | severity   | the check's          | the check's, or fixed for location notices                   |
 * | checkId    | yes                  | when about a check                                           |
 * | location   | no                   | when about a probe location                                  |
 * | eventId    | `<incident>:<kind>`  | `<alarm>:<state>:<time>`: the same on every delivery         |
 *
 * A fallback message (the notifier failed; lambdas/monitor/alarm-fallback.ts) has the attributes the
 * notifier's own message would have had; its eventId starts with `fallback:` (`relay:` for a probe
 * region's dead-letter alarm, whose `kind` is `dead-letters`).
 *
 * Building a message (`snsAlertMessage`, `snsNoticeMessage`) is kept apart from sending it. A message with
 * an `sms` text is published with `MessageStructure: json`: SMS subscribers get that one short line, every
 * other protocol the full message.
 */

/** Each failing region's error is cut here: SNS takes 256 KB, but a message is for people. */
const MAX_ERROR_CHARS = 500;

/** SNS: a Subject is ASCII, has no line breaks, and is shorter than 100 characters. */
export const MAX_SUBJECT_CHARS = 99;

/** One SMS: 140 bytes of 7-bit text (160 characters), less room for the characters GSM sends as two. */
export const MAX_SMS_CHARS = 140;

export interface SnsMessage {
  readonly subject: string;
  readonly message: string;
  /** The text SMS subscribers get instead of `message`: one line, at most MAX_SMS_CHARS. @default `message` */
  readonly sms?: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export function snsAlertMessage(e: AlertEvent, project: string): SnsMessage {
  const who = e.checkName === e.checkId ? e.checkId : `${e.checkId} (${e.checkName})`;
  const headline =
    e.kind === 'down'
      ? `DOWN ${who}`
      : `RECOVERED ${who}${e.durationSeconds === null ? '' : ` after ${formatDuration(e.durationSeconds * 1000)}`}`;
  const lines = [summaryLine(e), '', `Check: ${who}`, `Severity: ${e.severity}`, `Target: ${e.target}`];
  if (e.kind === 'down') {
    if (e.failures.length > 0) {
      lines.push(`Failing in ${e.failures.length === 1 ? '1 region' : `${e.failures.length} regions`}:`);
      for (const line of failureLines(e, MAX_ERROR_CHARS)) lines.push(`  ${line}`);
    }
    lines.push(`Down since: ${e.openedAt}`);
  } else {
    lines.push(`Down from ${e.openedAt} to ${e.closedAt ?? 'now'}${e.durationSeconds === null ? '' : ` (${formatDuration(e.durationSeconds * 1000)})`}`);
  }
  if (e.tags.length > 0) lines.push(`Tags: ${e.tags.join(', ')}`);
  lines.push(`Incident: ${e.incidentId}`);
  if (e.dashboardUrl !== null) lines.push(`Dashboard: ${e.dashboardUrl}`);
  // SMS: the headline and each failing region with its error kind; the messages are in the e-mail.
  const smsFailures = e.kind === 'down' && e.failures.length > 0 ? `: ${e.failures.map((f) => (f.error === null ? f.location : `${f.location} ${f.error.kind}`)).join(', ')}` : '';
  return {
    subject: snsSubject(`[${project}] ${headline}`),
    message: lines.join('\n'),
    sms: smsText(`[${project}] ${headline}${smsFailures}`),
    attributes: { kind: 'incident', state: e.kind, severity: e.severity, checkId: e.checkId, eventId: e.eventId },
  };
}

export function snsNoticeMessage(n: Notice, project: string): SnsMessage {
  return alarmMessage(project, { ...n, eventId: n.noticeId, alarmState: n.state === 'alarm' ? 'ALARM' : 'OK' });
}

export function snsFallbackMessage(f: FallbackAlert, project: string): SnsMessage {
  return alarmMessage(project, f);
}

/** What a notice and a fallback message have in common: a headline and details about one alarm transition. */
interface AlarmMessageParts {
  readonly headline: string;
  readonly details: readonly string[];
  readonly alarmName: string;
  readonly alarmState: string;
  readonly at: string;
  readonly dashboardUrl: string | null;
  readonly kind: string;
  readonly state: string;
  readonly severity: string;
  readonly eventId: string;
  readonly checkId: string | null;
  readonly location: string | null;
}

function alarmMessage(project: string, m: AlarmMessageParts): SnsMessage {
  const lines = [m.headline, '', ...m.details, '', `Alarm: ${m.alarmName} (${m.alarmState} at ${m.at})`];
  if (m.dashboardUrl !== null) lines.push(`Dashboard: ${m.dashboardUrl}`);
  const attributes: Record<string, string> = { kind: m.kind, state: m.state, severity: m.severity, eventId: m.eventId };
  if (m.checkId !== null) attributes['checkId'] = m.checkId;
  if (m.location !== null) attributes['location'] = m.location;
  const headline = `[${project}] ${m.headline}`;
  return { subject: snsSubject(headline), message: lines.join('\n'), sms: smsText(headline), attributes };
}

/** Printable ASCII on one line (accents dropped, other characters as "?"), cut to MAX_SUBJECT_CHARS with "...". */
export function snsSubject(text: string): string {
  return asciiLine(text, MAX_SUBJECT_CHARS);
}

/** An SMS text: as a subject, cut to MAX_SMS_CHARS, so it is one message on every phone. */
export function smsText(text: string): string {
  return asciiLine(text, MAX_SMS_CHARS);
}

function asciiLine(text: string, max: number): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length <= max ? ascii : `${ascii.slice(0, max - 3).trimEnd()}...`;
}

export interface SnsNotifierProps {
  /** A client in the topic's region. */
  readonly client: SNSClient;
  readonly topicArn: string;
  /** Starts every subject: `[project] DOWN ...`. */
  readonly project: string;
  /** Where `notify` reports a publish that failed (never a secret: messages hold none). @default none */
  readonly log?: (line: string) => void;
}

/** Publishes to SNS. `publishAlert`/`publishNotice` resolve once SNS accepted the message; `notify` is the fire-and-forget port. */
export class SnsNotifier implements AlertPublisher, FallbackPublisher, Notifier {
  readonly #client: SNSClient;
  readonly #topicArn: string;
  readonly #project: string;
  readonly #log: (line: string) => void;
  readonly #pending = new Set<Promise<void>>();

  constructor(props: SnsNotifierProps) {
    this.#client = props.client;
    this.#topicArn = props.topicArn;
    this.#project = props.project;
    this.#log = props.log ?? (() => undefined);
  }

  publishAlert(event: AlertEvent): Promise<void> {
    return this.publish(snsAlertMessage(event, this.#project));
  }

  publishNotice(notice: Notice): Promise<void> {
    return this.publish(snsNoticeMessage(notice, this.#project));
  }

  publishFallback(alert: FallbackAlert): Promise<void> {
    return this.publish(snsFallbackMessage(alert, this.#project));
  }

  async publish(message: SnsMessage): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(message.attributes)) {
      // SNS refuses empty attribute values.
      if (value !== '') attributes[name] = { DataType: 'String', StringValue: value };
    }
    const body = message.sms === undefined ? { Message: message.message } : { Message: JSON.stringify({ default: message.message, sms: message.sms }), MessageStructure: 'json' };
    await this.#client.send(new PublishCommand({ TopicArn: this.#topicArn, Subject: message.subject, ...body, MessageAttributes: attributes }));
  }

  notify(event: AlertEvent): void {
    const sent: Promise<void> = this.publishAlert(event)
      .catch((error: unknown) => this.#log(`SNS publish of ${event.eventId} failed: ${(error as Error).message}`))
      .finally(() => this.#pending.delete(sent));
    this.#pending.add(sent);
  }

  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(this.#pending), timeout]);
    clearTimeout(timer);
  }
}
