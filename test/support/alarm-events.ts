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
