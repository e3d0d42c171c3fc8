import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { quorumAlarmDefinition } from '../../lambdas/core/alert-policy.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import {
  alarmNames,
  alarmStateChangePattern,
  alertPathAlarmNames,
  EVENT_PATTERN_MAX_CHARS,
  notifiedAlarms,
  parseAlarmName,
  type AlarmNameMatcher,
} from '../../lambdas/core/alarm-names.ts';
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

describe('notifiedAlarms', () => {
  const config = validateConfig({
    project: 'shop',
    defaults: { regions: ['us-east-1', 'eu-west-1'] },
    checks: [
      { id: 'api', type: 'http', url: 'https://api.example.com/' },
      { id: 'cert', type: 'tls', host: 'example.com', regions: ['eu-west-1', 'ap-southeast-2'] },
    ],
  });
  const alarms = notifiedAlarms(config);

  it("is every alarm the config creates, each name read back as the builders' parse would", () => {
    assert.deepEqual([...alarms.keys()].sort(), [
      'shop-api-down',
      'shop-api-latency',
      'shop-cert-down',
      'shop-cert-latency',
      'shop-cert-tls-expiry',
      'shop-location-ap-southeast-2-silent',
      'shop-location-eu-west-1-silent',
      'shop-location-us-east-1-silent',
      'shop-probe-ap-southeast-2-errors',
      'shop-probe-ap-southeast-2-throttles',
      'shop-probe-eu-west-1-errors',
      'shop-probe-eu-west-1-throttles',
      'shop-probe-us-east-1-errors',
      'shop-probe-us-east-1-throttles',
    ]);
    for (const [name, parsed] of alarms) assert.deepEqual(parseAlarmName('shop', name), parsed, name);
  });

  it('leaves out what merely parses as the project\'s: another project with a longer name, a check or kind the config lacks', () => {
    for (const name of ['shop-staging-api-down', 'shop-api-tls-expiry', 'shop-web-down', 'shop-location-sa-east-1-silent']) {
      assert.equal(alarms.has(name), false, name);
    }
    assert.notEqual(parseAlarmName('shop', 'shop-staging-api-down'), null, 'what the name alone cannot tell');
  });

  it('never names an alarm of the alert path itself: their actions publish to the topic, so they must not reach the notifier too', () => {
    const own = [
      alertPathAlarmNames.notifierFailing('shop'),
      alertPathAlarmNames.fallbackUnreachable('shop'),
      alertPathAlarmNames.alarmEventsUndelivered('shop'),
      alertPathAlarmNames.deadLetters('shop', 'eu-west-1'),
    ];
    const pattern = alarmStateChangePattern('shop', alarms);
    const wildcards = alarmStateChangePattern('shop', alarms, 400);
    assert.ok(wildcards.detail.alarmName.every((m) => typeof m !== 'string'), 'the wildcard form');
    for (const name of own) {
      assert.equal(parseAlarmName('shop', name), null, name);
      assert.equal(matches(pattern.detail.alarmName, name), false, name);
      assert.equal(matches(wildcards.detail.alarmName, name), false, `${name} (wildcards)`);
    }
  });
});

/** EventBridge's matching of one string against a list of exact values and wildcards. */
function matches(matchers: readonly AlarmNameMatcher[], value: string): boolean {
  return matchers.some((m) =>
    typeof m === 'string' ? m === value : new RegExp(`^${m.wildcard.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value),
  );
}

describe('alarmStateChangePattern', () => {
  const many = (checks: number) =>
    notifiedAlarms(
      validateConfig({
        project: 'shop',
        defaults: { regions: ['us-east-1', 'eu-west-1'] },
        checks: Array.from({ length: checks }, (_, i) => ({ id: `check-${i}`, type: i % 2 === 0 ? 'http' : 'tls', ...(i % 2 === 0 ? { url: 'https://example.com/' } : { host: 'example.com' }) })),
      }),
    );

  it('lists every alarm name when they fit in the quota, so nothing else in the account matches', () => {
    const alarms = many(10);
    const pattern = alarmStateChangePattern('shop', alarms);
    assert.deepEqual(pattern.source, ['aws.cloudwatch']);
    assert.deepEqual(pattern['detail-type'], ['CloudWatch Alarm State Change']);
    assert.deepEqual(pattern.detail.alarmName, [...alarms.keys()].sort());
    assert.ok(JSON.stringify(pattern).length <= EVENT_PATTERN_MAX_CHARS);
    for (const name of ['shop-staging-check-1-down', 'shop-check-99-down', 'shop-cpu-high']) assert.equal(matches(pattern.detail.alarmName, name), false, name);
  });

  it('falls back to one wildcard per kind the config has when the names would not fit, still matching every one of them', () => {
    const alarms = many(120);
    const pattern = alarmStateChangePattern('shop', alarms);
    assert.ok(JSON.stringify(pattern).length <= EVENT_PATTERN_MAX_CHARS);
    assert.deepEqual(pattern.detail.alarmName, [
      { wildcard: 'shop-*-down' },
      { wildcard: 'shop-*-latency' },
      { wildcard: 'shop-*-tls-expiry' },
      { wildcard: 'shop-location-*-silent' },
      { wildcard: 'shop-probe-*-errors' },
      { wildcard: 'shop-probe-*-throttles' },
    ]);
    for (const name of alarms.keys()) assert.ok(matches(pattern.detail.alarmName, name), name);
    for (const name of ['shop-cpu-high', 'shop-failover-www-primary-health', 'other-check-1-down']) assert.equal(matches(pattern.detail.alarmName, name), false, name);
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
