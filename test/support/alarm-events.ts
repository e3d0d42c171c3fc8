/** "CloudWatch Alarm State Change" events shaped as EventBridge delivers them, for notifier tests. */
import type { AlarmStateChangeEvent } from '../../lambdas/handlers/alarm-event.ts';

type State = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
const MIN = 60_000;

/** CloudWatch's own timestamp format: `2025-03-10T14:03:00.000+0000`. */
export const cwTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

export function alarmEvent(alarmName: string, value: State, atMs: number, previous: State, region = 'us-east-1'): AlarmStateChangeEvent {
  return {
    version: '0',
    id: `evt-${alarmName}-${value}-${atMs}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: new Date(atMs + 1_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:cloudwatch:${region}:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value, reason: `Threshold Crossed: test transition to ${value}`, timestamp: cwTime(atMs) },
      previousState: { value: previous, reason: 'before', timestamp: cwTime(atMs - 10 * MIN) },
      configuration: { description: 'an alarm description' },
    },
  };
}

/**
 * The record Lambda sends a function's on-failure destination once it gave an event up: the event, and the
 * last attempt's error as the runtime reports a thrown error.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export function onFailureRecord(event: unknown, error: { name: string; message: string }, attempts = 3): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: '2025-03-10T14:05:00.000Z',
    requestContext: {
      requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:shop-notifier:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: attempts,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: error.name, errorMessage: error.message, trace: [`${error.name}: ${error.message}`, '    at handler (file:///var/task/index.mjs:1:1)'] },
  };
}

/** The event CloudWatch invokes an alarm's Lambda action with. */
export function alarmActionEvent(alarmName: string, value: State, atMs: number, previous: State, region: string): Record<string, unknown> {
  return {
    source: 'aws.cloudwatch',
    alarmArn: `arn:aws:cloudwatch:${region}:123456789012:alarm:${alarmName}`,
    accountId: '123456789012',
    time: cwTime(atMs),
    region,
    alarmData: {
      alarmName,
      state: { value, reason: `Threshold Crossed: test transition to ${value}`, timestamp: cwTime(atMs) },
      previousState: { value: previous, reason: 'before', timestamp: cwTime(atMs - 10 * MIN) },
      configuration: { description: 'an alarm description', metrics: [] },
    },
  };
}
