import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { quorumAlarmDefinition } from '../../lambdas/core/alert-policy.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { alarmNames, parseAlarmName } from '../../lambdas/core/alarm-names.ts';
import { parseAlarmStateChange, InvalidAlarmEventError } from '../../lambdas/handlers/alarm-event.ts';

describe('alarm names', () => {
  const cases: [string, ReturnType<typeof parseAlarmName>][] = [
    [alarmNames.quorum('shop', 'api'), { kind: 'quorum', checkId: 'api' }],
    [alarmNames.latency('shop', 'api'), { kind: 'latency', checkId: 'api' }],
    [alarmNames.tlsExpiry('shop', 'api'), { kind: 'tls-expiry', checkId: 'api' }],
    [alarmNames.locationSilent('shop', 'eu-west-1'), { kind: 'location-silent', location: 'eu-west-1' }],
    [alarmNames.probeErrors('shop', 'ap-southeast-2'), { kind: 'probe-errors', location: 'ap-southeast-2' }],
    [alarmNames.probeThrottles('shop', 'eu-west-1'), { kind: 'probe-throttles', location: 'eu-west-1' }],
    // Check ids with dashes and kind words in them still parse one way.
    [alarmNames.tlsExpiry('shop', 'api-tls'), { kind: 'tls-expiry', checkId: 'api-tls' }],
    [alarmNames.quorum('shop', 'api-tls'), { kind: 'quorum', checkId: 'api-tls' }],
    [alarmNames.quorum('shop', 'location-eu-west-1'), { kind: 'quorum', checkId: 'location-eu-west-1' }],
  ];

  it('parses what the builders build', () => {
    for (const [name, expected] of cases) assert.deepEqual(parseAlarmName('shop', name), expected, name);
    assert.deepEqual(parseAlarmName('my-shop', alarmNames.latency('my-shop', 'probe-x')), { kind: 'latency', checkId: 'probe-x' });
  });

  it("names the quorum alarm exactly as core's alarm definition does", () => {
    const [check] = validateConfig({ checks: [{ id: 'api', type: 'http', url: 'https://example.com/' }] }).checks;
    assert.equal(quorumAlarmDefinition(check!, { project: 'shop' }).alarmName, alarmNames.quorum('shop', 'api'));
  });

  it('rejects names that are not ours', () => {
    for (const name of ['other-api-down', 'shop-api-unknown', 'shop-location-mars-1-silent', 'shop-probe--errors', 'shop-Api-down', 'shop--down']) {
      assert.equal(parseAlarmName('shop', name), null, name);
    }
  });
});

describe('parseAlarmStateChange', () => {
  const event = {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2019-10-02T17:04:40Z',
    region: 'us-east-1',
    resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-api-down'],
    detail: {
      alarmName: 'shop-api-down',
      configuration: { description: 'api is down' },
      previousState: { reason: 'ok before', timestamp: '2019-10-01T13:56:40.987+0000', value: 'OK' },
      state: { reason: 'Threshold Crossed: 2 out of the last 3 datapoints', timestamp: '2019-10-02T17:04:40.985+0000', value: 'ALARM' },
    },
  };

  it('reads the alarm, its states and CloudWatch\'s "+0000" timestamp', () => {
    assert.deepEqual(parseAlarmStateChange(event), {
      alarmName: 'shop-api-down',
      state: 'ALARM',
      previousState: 'OK',
      at: '2019-10-02T17:04:40.985Z',
      reason: 'Threshold Crossed: 2 out of the last 3 datapoints',
      description: 'api is down',
      region: 'us-east-1',
    });
  });

  it('rejects events of other kinds and alarms without a state', () => {
    assert.throws(() => parseAlarmStateChange({ ...event, source: 'aws.ec2' }), InvalidAlarmEventError);
    assert.throws(() => parseAlarmStateChange({ ...event, detail: { alarmName: 'x', state: { value: 'MAYBE' } } }), InvalidAlarmEventError);
    assert.throws(() => parseAlarmStateChange(null), InvalidAlarmEventError);
  });
});
