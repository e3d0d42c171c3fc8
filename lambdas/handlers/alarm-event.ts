import { MAINTENANCE_SWEEP_EVENT } from '../core/deployment.ts';
import type { FailedNotifierEvent } from '../monitor/alarm-fallback.ts';
import { ALARM_STATES, type AlarmState, type AlarmTransition } from '../monitor/alarm-monitor.ts';

/**
 * The EventBridge "CloudWatch Alarm State Change" event (source `aws.cloudwatch`), the fields the notifier
 * reads. CloudWatch writes state timestamps as `2019-10-01T13:56:40.987+0000`.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
 */
export interface AlarmStateChangeEvent {
  readonly version?: string;
  readonly id?: string;
  readonly 'detail-type': 'CloudWatch Alarm State Change';
  readonly source: 'aws.cloudwatch';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources?: readonly string[];
  readonly detail: {
    readonly alarmName: string;
    readonly state: AlarmStateDetail;
    readonly previousState?: AlarmStateDetail;
    readonly configuration?: { readonly description?: string };
  };
}

export interface AlarmStateDetail {
  readonly value: AlarmState;
  readonly reason?: string;
  readonly reasonData?: string;
  readonly timestamp: string;
}

export const ALARM_STATE_CHANGE = { source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' } as const;

/** The notifier got an event that is not an alarm state change: the EventBridge rule matches too much. */
export class InvalidAlarmEventError extends Error {
  override readonly name = 'InvalidAlarmEventError';
}

export function parseAlarmStateChange(event: unknown): AlarmTransition {
  const fail = (what: string): never => {
    throw new InvalidAlarmEventError(`not a CloudWatch alarm state change event: ${what}`);
  };
  if (!isObject(event)) return fail('the event is not an object');
  if (event['source'] !== ALARM_STATE_CHANGE.source || event['detail-type'] !== ALARM_STATE_CHANGE.detailType) {
    return fail(`source ${JSON.stringify(event['source'])}, detail-type ${JSON.stringify(event['detail-type'])}`);
  }
  return readTransition(event['detail'], 'detail', event, fail);
}

/**
 * The event CloudWatch invokes a Lambda alarm action with (`source` aws.cloudwatch, the alarm in `alarmData`),
 * read like a state change. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions-Lambda.html
 */
export function parseAlarmAction(event: unknown): AlarmTransition {
  const fail = (what: string): never => {
    throw new InvalidAlarmEventError(`not a CloudWatch alarm action event: ${what}`);
  };
  if (!isObject(event)) return fail('the event is not an object');
  if (event['source'] !== ALARM_STATE_CHANGE.source) return fail(`source ${JSON.stringify(event['source'])}`);
  return readTransition(event['alarmData'], 'alarmData', event, fail);
}

export function isAlarmActionEvent(event: unknown): boolean {
  return isObject(event) && event['source'] === ALARM_STATE_CHANGE.source && isObject(event['alarmData']);
}

/**
 * The record Lambda sends a function's on-failure destination once it gave an asynchronous event up:
 * the event (`requestPayload`), and the last attempt's error (`responsePayload`), or the reason it stopped
 * (`requestContext.condition`: RetriesExhausted, EventAgeExceeded). Only what the fallback needs.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export function readFailedNotifierEvent(record: unknown): FailedNotifierEvent {
  const context = isObject(record) && isObject(record['requestContext']) ? record['requestContext'] : {};
  const response = isObject(record) && isObject(record['responsePayload']) ? record['responsePayload'] : {};
  const condition = typeof context['condition'] === 'string' ? context['condition'] : 'unknown';
  const attempts = typeof context['approximateInvokeCount'] === 'number' ? `, ${context['approximateInvokeCount']} attempts` : '';
  const errorType = typeof response['errorType'] === 'string' ? response['errorType'] : null;
  const errorMessage = typeof response['errorMessage'] === 'string' ? response['errorMessage'] : null;
  const error = `${errorType ?? 'no error reported'}${errorMessage === null ? '' : `: ${oneLine(errorMessage, MAX_ERROR_CHARS)}`} (${condition}${attempts})`;
  const payload = isObject(record) ? record['requestPayload'] : undefined;
  if (isObject(payload) && payload['skyprobe'] === MAINTENANCE_SWEEP_EVENT.skyprobe) return { type: 'sweep', error };
  try {
    return { type: 'alarm', transition: parseAlarmStateChange(payload), error };
  } catch (problem) {
    if (!(problem instanceof InvalidAlarmEventError)) throw problem;
    return { type: 'unreadable', error, problem: problem.message };
  }
}

/** The notifier's error in a fallback message: its first line, cut (a message is for people). */
const MAX_ERROR_CHARS = 300;

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** An alarm, its states and its description, from a state change's `detail` or an alarm action's `alarmData`. */
function readTransition(detail: unknown, field: string, event: Record<string, unknown>, fail: (what: string) => never): AlarmTransition {
  if (!isObject(detail)) return fail(`${field} is missing`);
  const alarmName = detail['alarmName'];
  if (typeof alarmName !== 'string' || alarmName === '') return fail(`${field}.alarmName is missing`);
  const state = readState(detail['state']);
  if (state === null) return fail(`${field}.state of ${alarmName} has no valid value and timestamp`);
  const previous = readState(detail['previousState']);
  const time = typeof event['time'] === 'string' ? event['time'] : '';
  const atMs = Date.parse(state.timestamp);
  const at = Number.isNaN(atMs) ? Date.parse(time) : atMs;
  if (Number.isNaN(at)) return fail(`${field}.state.timestamp of ${alarmName} is not a time: ${JSON.stringify(state.timestamp)}`);
  const configuration = detail['configuration'];
  const description = isObject(configuration) && typeof configuration['description'] === 'string' ? configuration['description'] : null;
  return {
    alarmName,
    state: state.value,
    previousState: previous?.value ?? null,
    at: new Date(at).toISOString(),
    reason: state.reason ?? null,
    description: description === '' ? null : description,
    region: typeof event['region'] === 'string' ? event['region'] : '',
  };
}

function readState(value: unknown): AlarmStateDetail | null {
  if (!isObject(value)) return null;
  const states: readonly string[] = ALARM_STATES;
  const v = value['value'];
  if (typeof v !== 'string' || !states.includes(v)) return null;
  return {
    value: v as AlarmState,
    timestamp: typeof value['timestamp'] === 'string' ? value['timestamp'] : '',
    ...(typeof value['reason'] === 'string' ? { reason: value['reason'] } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
