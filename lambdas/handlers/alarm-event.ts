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
  const detail = event['detail'];
  if (!isObject(detail)) return fail('detail is missing');
  const alarmName = detail['alarmName'];
  if (typeof alarmName !== 'string' || alarmName === '') return fail('detail.alarmName is missing');
  const state = readState(detail['state']);
  if (state === null) return fail(`detail.state of ${alarmName} has no valid value and timestamp`);
  const previous = readState(detail['previousState']);
  const time = typeof event['time'] === 'string' ? event['time'] : '';
  const atMs = Date.parse(state.timestamp);
  const at = Number.isNaN(atMs) ? Date.parse(time) : atMs;
  if (Number.isNaN(at)) return fail(`detail.state.timestamp of ${alarmName} is not a time: ${JSON.stringify(state.timestamp)}`);
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
