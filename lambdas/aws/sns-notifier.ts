import { PublishCommand } from '@aws-sdk/client-sns';
import type { MessageAttributeValue, SNSClient } from '@aws-sdk/client-sns';
import { formatDuration } from '../core/duration.ts';
import { summaryLine, type AlertEvent, type Notifier } from '../core/notification.ts';
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
 * Building a message (`snsAlertMessage`, `snsNoticeMessage`) is kept apart from sending it.
 */

/** Error texts are cut here: SNS takes 256 KB, but a message is for people. */
const MAX_ERROR_CHARS = 2_000;

/** SNS: a Subject is ASCII, has no line breaks, and is shorter than 100 characters. */
export const MAX_SUBJECT_CHARS = 99;

export interface SnsMessage {
  readonly subject: string;
  readonly message: string;
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
    if (e.failingLocations.length > 0) lines.push(`Failing in: ${e.failingLocations.join(', ')}`);
    if (e.error !== null) lines.push(`Error: ${e.error.kind}: ${truncate(e.error.message, MAX_ERROR_CHARS)}`);
    lines.push(`Down since: ${e.openedAt}`);
  } else {
    lines.push(`Down from ${e.openedAt} to ${e.closedAt ?? 'now'}${e.durationSeconds === null ? '' : ` (${formatDuration(e.durationSeconds * 1000)})`}`);
  }
  if (e.tags.length > 0) lines.push(`Tags: ${e.tags.join(', ')}`);
  lines.push(`Incident: ${e.incidentId}`);
  if (e.dashboardUrl !== null) lines.push(`Dashboard: ${e.dashboardUrl}`);
  return {
    subject: snsSubject(`[${project}] ${headline}`),
    message: lines.join('\n'),
    attributes: { kind: 'incident', state: e.kind, severity: e.severity, checkId: e.checkId, eventId: e.eventId },
  };
}

export function snsNoticeMessage(n: Notice, project: string): SnsMessage {
  const lines = [n.headline, '', ...n.details, '', `Alarm: ${n.alarmName} (${n.state === 'alarm' ? 'ALARM' : 'OK'} at ${n.at})`];
  if (n.dashboardUrl !== null) lines.push(`Dashboard: ${n.dashboardUrl}`);
  const attributes: Record<string, string> = { kind: n.kind, state: n.state, severity: n.severity, eventId: n.noticeId };
  if (n.checkId !== null) attributes['checkId'] = n.checkId;
  if (n.location !== null) attributes['location'] = n.location;
  return { subject: snsSubject(`[${project}] ${n.headline}`), message: lines.join('\n'), attributes };
}

/** Printable ASCII on one line (accents dropped, other characters as "?"), cut to MAX_SUBJECT_CHARS with "...". */
export function snsSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length <= MAX_SUBJECT_CHARS ? ascii : `${ascii.slice(0, MAX_SUBJECT_CHARS - 3).trimEnd()}...`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
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
export class SnsNotifier implements AlertPublisher, Notifier {
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

  async publish(message: SnsMessage): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(message.attributes)) {
      // SNS refuses empty attribute values.
      if (value !== '') attributes[name] = { DataType: 'String', StringValue: value };
    }
    await this.#client.send(
      new PublishCommand({ TopicArn: this.#topicArn, Subject: message.subject, Message: message.message, MessageAttributes: attributes }),
    );
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
