import type { Check } from '../core/check.ts';
import type { Severity } from '../core/config/input.ts';

/**
 * Notices: alarm transitions that are not incidents. A slow check, a certificate about to expire, a
 * probe location gone silent, a failing probe function. None of them says a target is down; the
 * location ones are about skyprobe itself, and say so.
 */

export const NOTICE_KINDS = ['latency', 'tls-expiry', 'location-silent', 'probe-errors', 'probe-throttles', 'failover-health'] as const;
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
/** The primary failing over moves every user to the standby: page someone. A dead standby is urgent, not an outage. */
export const FAILOVER_PRIMARY_SEVERITY: Severity = 'critical';
export const FAILOVER_SECONDARY_SEVERITY: Severity = 'high';

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
  /** The failover service and the health check a `failover-health` notice is about. */
  readonly failover?: { readonly service: string; readonly role: 'primary' | 'secondary' } | null;
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
    case 'probe-throttles':
      return {
        ...base,
        severity: PROBE_ERRORS_SEVERITY,
        headline: alarm ? `probe function in ${location} is throttled` : `probe function in ${location} is no longer throttled`,
        details: alarm
          ? [
              `Lambda throttles skyprobe's probe function in ${location}: some invocations do not run, so checks are not measured from there on time.`,
              'This is about skyprobe itself, not about the monitored targets: raise the account\'s Lambda concurrency in that region, or look for another function using it up.',
              ...reason,
            ]
          : reason,
      };
    case 'failover-health': {
      const service = input.failover?.service ?? 'unknown';
      if (input.failover?.role === 'secondary') {
        return {
          ...base,
          severity: FAILOVER_SECONDARY_SEVERITY,
          headline: alarm ? `standby of ${service} is unhealthy: a failover would have nowhere to go` : `standby of ${service} is healthy again`,
          details: alarm
            ? [`Route 53's health check of the secondary (standby) endpoint of ${service} reports it unhealthy. Users are not affected while the primary is healthy, but a failover now would not help.`, ...description, ...reason]
            : [...description, ...reason],
        };
      }
      return {
        ...base,
        severity: FAILOVER_PRIMARY_SEVERITY,
        headline: alarm ? `FAILOVER ${service}: primary unhealthy, DNS answers with the secondary` : `${service} primary healthy again: DNS answers with the primary`,
        details: alarm
          ? [
              `Route 53 reports the primary of ${service} unhealthy and answers its record with the secondary (resolvers follow within the record's TTL).`,
              'A failover drill (skyprobe drill) raises this too while it runs.',
              ...description,
              ...reason,
            ]
          : [...description, ...reason],
      };
    }
  }
}
