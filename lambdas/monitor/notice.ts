import type { Check } from '../core/check.ts';
import type { Severity } from '../core/config/input.ts';

/**
 * Notices: alarm transitions that are not incidents. A slow check, a certificate about to expire, a
 * probe location gone silent, a failing probe function. None of them says a target is down; the
 * location ones are about skyprobe itself, and say so.
 */

export const NOTICE_KINDS = ['latency', 'tls-expiry', 'location-silent', 'probe-errors'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface Notice {
  readonly kind: NoticeKind;
  /** alarm: the condition began; ok: it ended. */
  readonly state: 'alarm' | 'ok';
  /** The same for every delivery of one alarm transition, so receivers can drop repeats. */
  readonly noticeId: string;
  readonly checkId: string | null;
  /** The probe location a location notice is about. */
  readonly location: string | null;
  readonly severity: Severity;
  /** One line, e.g. `probe location eu-west-1 is silent`. */
  readonly headline: string;
  /** Further lines for people. */
  readonly details: readonly string[];
  /** ISO time of the transition. */
  readonly at: string;
  readonly alarmName: string;
  readonly dashboardUrl: string | null;
}

/** Location notices concern skyprobe's own coverage: a blind spot, urgent but not an outage. */
export const LOCATION_SILENT_SEVERITY: Severity = 'high';
export const PROBE_ERRORS_SEVERITY: Severity = 'medium';

export interface NoticeInput {
  readonly kind: NoticeKind;
  readonly state: 'alarm' | 'ok';
  readonly alarmName: string;
  readonly at: string;
  /** CloudWatch's reason for the transition. */
  readonly reason: string | null;
  /** The alarm's description. Left out of location notices, whose text is fixed. */
  readonly description: string | null;
  readonly check?: Pick<Check, 'id' | 'name' | 'severity'> | null;
  readonly checkId?: string | null;
  readonly location?: string | null;
  readonly dashboardUrl: string | null;
}

export function noticeFor(input: NoticeInput): Notice {
  const checkId = input.check?.id ?? input.checkId ?? null;
  const location = input.location ?? null;
  const who = input.check && input.check.name !== input.check.id ? `${input.check.id} (${input.check.name})` : (checkId ?? '');
  const alarm = input.state === 'alarm';
  const reason = input.reason === null ? [] : [`CloudWatch: ${input.reason}`];
  const description = input.description === null ? [] : [input.description];
  const base = {
    kind: input.kind,
    state: input.state,
    noticeId: `${input.alarmName}:${input.state}:${input.at}`,
    checkId,
    location,
    at: input.at,
    alarmName: input.alarmName,
    dashboardUrl: input.dashboardUrl,
  };
  switch (input.kind) {
    case 'latency':
      return {
        ...base,
        severity: input.check?.severity ?? 'medium',
        headline: alarm ? `SLOW ${who}: response time over its threshold` : `${who} response time back to normal`,
        details: [...description, ...reason],
      };
    case 'tls-expiry':
      return {
        ...base,
        severity: input.check?.severity ?? 'high',
        headline: alarm ? `TLS certificate of ${who} expires soon` : `TLS certificate of ${who} no longer expires soon`,
        details: [...description, ...reason],
      };
    case 'location-silent':
      return {
        ...base,
        severity: LOCATION_SILENT_SEVERITY,
        headline: alarm ? `probe location ${location} is silent` : `probe location ${location} is reporting again`,
        details: alarm
          ? [
              `No probe results have arrived from ${location}.`,
              `This is about skyprobe's own probe location, not about the monitored targets: checks are not measured from ${location} while it is silent, and a silent location never counts as a failing one.`,
              ...reason,
            ]
          : [`Probe results from ${location} are arriving again.`, ...reason],
      };
    case 'probe-errors':
      return {
        ...base,
        severity: PROBE_ERRORS_SEVERITY,
        headline: alarm ? `probe function in ${location} is failing` : `probe function in ${location} runs normally again`,
        details: alarm
          ? [
              `skyprobe's probe function in ${location} reports errors: results from there may be missing or late.`,
              'This is about skyprobe itself, not about the monitored targets; see the function logs.',
              ...reason,
            ]
          : reason,
      };
  }
}
