import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Token } from 'aws-cdk-lib';
import type { Config } from '../../lambdas/core/check.ts';
import { HANDLER_ENV, resourceNames, shardOf, shardsFor } from '../../lambdas/core/deployment.ts';
import { alarmNames, alertPathAlarmNames } from '../../lambdas/core/alarm-names.ts';
import { probeRegionsOf } from '../../infra/naming.ts';
import type { Template } from 'aws-cdk-lib/assertions';
import { configOf, loadExample, onlyResource, resourcesOf, synthesize, templateOf, type CfnResourceJson, type Synthesized } from './support.ts';

type Props = Record<string, unknown>;
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** The probe function of a probe stack (outside the home region the stack also has the dead-letter alarm's relay). */
function probeFunction(template: Template): [string, CfnResourceJson] {
  const found = resourcesOf(template, 'AWS::Lambda::Function').filter(([, f]) => String(f.Properties['FunctionName']).endsWith('-probe'));
  assert.equal(found.length, 1);
  return found[0]!;
}

/** A resource of the probe function, told from the relay's: its log group by name, else by its reference to the function. */
function ofProbe(template: Template, type: string): [string, CfnResourceJson] {
  const [fnId, fn] = probeFunction(template);
  const mine = ([, r]: [string, CfnResourceJson]) =>
    type === 'AWS::Logs::LogGroup' ? r.Properties['LogGroupName'] === `/aws/lambda/${String(fn.Properties['FunctionName'])}` : JSON.stringify(r.Properties).includes(`"${fnId}"`);
  const found = resourcesOf(template, type).filter(mine);
  assert.equal(found.length, 1, `one ${type} of the probe`);
  return found[0]!;
}

function probeStatements(s: Synthesized, stack: string): Props[] {
  return resourcesOf(templateOf(s, stack), 'AWS::IAM::Policy')
    .filter(([, r]) => JSON.stringify(r.Properties['Roles']).includes('ProbeRole'))
    .flatMap(([, r]) => (r.Properties['PolicyDocument'] as { Statement: Props[] }).Statement);
}

/** Heavy checks in eu-west-1: every 10 s, 9 s timeout, 3 retries → more than one invocation's worth of work. */
function heavyConfig(): Config {
  return configOf({
    project: 'busy',
    homeRegion: 'us-east-1',
    // 70 checks whose every attempt may time out: 32 s a run, so one invocation's 32 slots run each once.
    checks: Array.from({ length: 70 }, (_, i) => ({
      id: `api-${i}`,
      type: 'http',
      url: `https://api${i}.example.com/health`,
      timeout: '10s',
      retries: 2,
      regions: ['eu-west-1'],
    })),
  });
}

describe('probe stacks', () => {
  let config: Config;
  let s: Synthesized;
  let busy: Synthesized;
  let pinned: Synthesized;

  before(async () => {
    const example = await loadExample();
    config = example.config;
    s = synthesize({ config });
    busy = synthesize({ config: heavyConfig() });
    pinned = synthesize({ config, account: '123456789012' });
  });

  it('creates one probe stack per region some check uses, each in its own region, after the home stack', () => {
    assert.deepEqual([...s.stacks.probes.keys()], ['us-east-1', 'eu-west-1', 'ap-southeast-1']);
    assert.deepEqual([...s.stacks.probes.keys()], probeRegionsOf(config));
    for (const [region, stack] of s.stacks.probes) {
      assert.equal(stack.stackName, resourceNames.probeStack('skyprobe', region));
      assert.equal(stack.region, region);
      assert.ok(Token.isUnresolved(stack.account), 'region-only environment when no account is known');
      assert.ok(stack.dependencies.includes(s.stacks.home));
    }
    assert.equal(s.stacks.home.stackName, resourceNames.homeStack('skyprobe'));
    assert.equal(s.stacks.home.region, 'us-east-1');
  });

  it('pins every stack to the account when one is given', () => {
    for (const stack of [pinned.stacks.home, ...pinned.stacks.probes.values()]) assert.equal(stack.account, '123456789012');
  });

  it('runs the probe on arm64 nodejs22.x with 512 MB, 58 s and the contract environment, and no secret', () => {
    for (const region of probeRegionsOf(config)) {
      const [, fn] = probeFunction(templateOf(s, `skyprobe-probe-${region}`));
      const p = fn.Properties;
      assert.equal(p['FunctionName'], 'skyprobe-probe');
      assert.equal(p['Runtime'], 'nodejs22.x');
      assert.deepEqual(p['Architectures'], ['arm64']);
      assert.equal(p['MemorySize'], 512);
      assert.equal(p['Timeout'], 58);
      assert.equal(p['Handler'], 'index.handler');
      const env = (p['Environment'] as { Variables: Record<string, unknown> }).Variables;
      assert.deepEqual(Object.keys(env).sort(), [...Object.values(HANDLER_ENV), 'NODE_OPTIONS'].sort());
      assert.equal(env[HANDLER_ENV.tableName], 'skyprobe-results');
      assert.equal(env[HANDLER_ENV.homeRegion], 'us-east-1');
      assert.equal(env[HANDLER_ENV.location], region);
      assert.equal(env[HANDLER_ENV.project], 'skyprobe');
      assert.equal(env['NODE_OPTIONS'], '--enable-source-maps');
      assert.doesNotMatch(JSON.stringify(env), /\{\{secret|PASSWORD/i);
      const [, logs] = ofProbe(templateOf(s, `skyprobe-probe-${region}`), 'AWS::Logs::LogGroup');
      assert.equal(logs.Properties['RetentionInDays'], 30);
    }
  });

  it('schedules each shard on every minute with its { shard, shards, scheduledTime } payload', () => {
    for (const region of probeRegionsOf(config)) {
      const schedules = resourcesOf(templateOf(s, `skyprobe-probe-${region}`), 'AWS::Scheduler::Schedule');
      const shards = shardsFor(config.checks.filter((c) => c.regions.includes(region)));
      assert.equal(schedules.length, shards);
    }
    const heavy = heavyConfig().checks;
    const expected = shardsFor(heavy);
    assert.equal(expected, 3, 'the heavy config needs several shards');
    // Every check runs in the first wave of its shard's 32 slots: none waits for a slot it could not finish after.
    for (let shard = 0; shard < expected; shard++) assert.ok(heavy.filter((c) => shardOf(c.id, expected) === shard).length <= 32, `shard ${shard}`);
    const schedules = resourcesOf(templateOf(busy, 'busy-probe-eu-west-1'), 'AWS::Scheduler::Schedule').map(([, r]) => r.Properties);
    assert.deepEqual(
      schedules.map((p) => JSON.parse(String((p['Target'] as Props)['Input']))),
      [0, 1, 2].map((shard) => ({ shard, shards: 3, scheduledTime: '<aws.scheduler.scheduled-time>' })),
    );
    for (const p of schedules) {
      // On the minute, so the scheduled time names a minute; it fires at some second of it.
      assert.equal(p['ScheduleExpression'], 'cron(* * * * ? *)');
      assert.deepEqual(p['FlexibleTimeWindow'], { Mode: 'OFF' });
    }
  });

  it('drops a late fire instead of piling up: at most one retry within 60 s, then an encrypted DLQ', () => {
    const probe = templateOf(s, 'skyprobe-probe-eu-west-1');
    const dlqs = resourcesOf(probe, 'AWS::SQS::Queue').filter(([, q]) => q.Properties['QueueName'] === undefined);
    assert.equal(dlqs.length, 1);
    const [queueId, queue] = dlqs[0]!;
    assert.equal(queue.Properties['SqsManagedSseEnabled'], true);
    for (const [, schedule] of resourcesOf(probe, 'AWS::Scheduler::Schedule')) {
      const target = schedule.Properties['Target'] as Props;
      assert.deepEqual(target['RetryPolicy'], { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 1 });
      assert.deepEqual(target['DeadLetterConfig'], { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    }
    // Lambda's own async retries would re-run a failed minute late: none.
    const [, invoke] = ofProbe(probe, 'AWS::Lambda::EventInvokeConfig');
    assert.equal(invoke.Properties['MaximumRetryAttempts'], 0);
    assert.equal(invoke.Properties['MaximumEventAgeInSeconds'], 60);
  });

  it('hands later parts of a minute to continuations through an encrypted, short-lived queue the probe alone sends to and consumes', () => {
    for (const region of probeRegionsOf(config)) {
      const probe = templateOf(s, `skyprobe-probe-${region}`);
      const queues = resourcesOf(probe, 'AWS::SQS::Queue').filter(([, q]) => q.Properties['QueueName'] === 'skyprobe-probe-continuations');
      assert.equal(queues.length, 1, `${region}: the example's 30 s storefront check runs here`);
      const [queueId, queue] = queues[0]!;
      assert.equal(queue.Properties['SqsManagedSseEnabled'], true);
      assert.equal(queue.Properties['MessageRetentionPeriod'], 300);
      assert.ok((queue.Properties['VisibilityTimeout'] as number) >= 58, 'not visible again while its invocation may still run');
      assert.equal(queue.Properties['RedrivePolicy'], undefined, 'no DLQ: a stale continuation is useless (acknowledged SQS3)');
      // enforceSSL: the queue policy denies requests without TLS.
      const policies = resourcesOf(probe, 'AWS::SQS::QueuePolicy').filter(([, p]) => JSON.stringify(p.Properties['Queues']).includes(queueId));
      assert.equal(policies.length, 1);
      assert.match(JSON.stringify(policies[0]![1].Properties['PolicyDocument']), /"aws:SecureTransport":"false"/);
      const [, mapping] = onlyResource(probe, 'AWS::Lambda::EventSourceMapping');
      assert.deepEqual(mapping.Properties['EventSourceArn'], { 'Fn::GetAtt': [queueId, 'Arn'] });
      assert.equal(mapping.Properties['BatchSize'], 1);
      assert.equal(mapping.Properties['MaximumBatchingWindowInSeconds'], undefined);
      assert.equal(mapping.Properties['FunctionResponseTypes'], undefined);
      const [, fn] = probeFunction(probe);
      const env = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
      assert.deepEqual(env[HANDLER_ENV.continuationQueueUrl], { Ref: queueId });
      // Sending: this queue only, SendMessage only. Consuming: what the event source mapping needs, on this queue only.
      const statements = probeStatements(s, `skyprobe-probe-${region}`).filter((st) => asList(st['Action']).some((x) => String(x).startsWith('sqs:')));
      const send = statements.filter((st) => asList(st['Action']).includes('sqs:SendMessage'));
      assert.deepEqual(send.map((st) => [asList(st['Action']), st['Resource']]), [[['sqs:SendMessage'], { 'Fn::GetAtt': [queueId, 'Arn'] }]]);
      for (const st of statements) assert.deepEqual(st['Resource'], { 'Fn::GetAtt': [queueId, 'Arn'] });
      assert.ok(statements.some((st) => asList(st['Action']).includes('sqs:ReceiveMessage') && asList(st['Action']).includes('sqs:DeleteMessage')));
    }
  });

  it('creates no continuation queue where every check runs once a minute or less often', () => {
    const slow = synthesize({ config: configOf({ project: 'slow', checks: [{ id: 'home', type: 'http', url: 'https://example.com/', regions: ['eu-west-1'] }] }) });
    const probe = templateOf(slow, 'slow-probe-eu-west-1');
    assert.equal(resourcesOf(probe, 'AWS::SQS::Queue').filter(([, q]) => q.Properties['QueueName'] !== undefined).length, 0);
    assert.equal(resourcesOf(probe, 'AWS::Lambda::EventSourceMapping').length, 0);
    const [, fn] = probeFunction(probe);
    assert.equal((fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables[HANDLER_ENV.continuationQueueUrl], undefined);
    const probeSqs = probeStatements(slow, 'slow-probe-eu-west-1').filter((st) => asList(st['Action']).some((x) => String(x).startsWith('sqs:')));
    assert.deepEqual(probeSqs, [], 'the probe itself touches no queue');
  });

  it('lets the probe use only its region\'s table replica, only its project\'s metrics and only its secrets', () => {
    for (const region of probeRegionsOf(config)) {
      const statements = probeStatements(s, `skyprobe-probe-${region}`);
      const text = (x: unknown) => JSON.stringify(x);
      const dynamo = statements.filter((st) => asList(st['Action']).some((a) => String(a).startsWith('dynamodb:')));
      for (const st of dynamo) assert.match(text(st['Resource']), new RegExp(`arn:aws:dynamodb:${region}:.*:table/skyprobe-results"`));
      const put = statements.find((st) => asList(st['Action']).includes('cloudwatch:PutMetricData'));
      assert.deepEqual(put?.['Condition'], { StringEquals: { 'cloudwatch:namespace': 'Skyprobe/skyprobe' } });
      const ssm = statements.find((st) => asList(st['Action']).includes('ssm:GetParameters'));
      assert.match(text(ssm?.['Resource']), new RegExp(`arn:aws:ssm:${region}:.*:parameter/skyprobe/secrets/\\*`));
      const kms = statements.find((st) => asList(st['Action']).includes('kms:Decrypt'));
      assert.equal((kms?.['Condition'] as { StringEquals: Props }).StringEquals['kms:ViaService'], `ssm.${region}.amazonaws.com`);
      for (const st of statements) {
        if (st['Resource'] === '*') assert.deepEqual(asList(st['Action']), ['cloudwatch:PutMetricData'], 'only PutMetricData has no resource');
      }
    }
  });

  it('grants the probe exactly the table actions it calls, each on the partitions of its own location only', () => {
    const leadingKeys = (keys: string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys } });
    for (const region of probeRegionsOf(config)) {
      const dynamo = probeStatements(s, `skyprobe-probe-${region}`).filter((st) => asList(st['Action']).some((a) => String(a).startsWith('dynamodb:')));
      assert.deepEqual(
        dynamo.map((st) => [st['Sid'], asList(st['Action']), st['Condition']]),
        [
          ['WriteResults', ['dynamodb:BatchWriteItem'], leadingKeys([`RES#*#${region}`])],
          ['CountRollups', ['dynamodb:UpdateItem'], leadingKeys([`ROLL#*#${region}`])],
          ['MarkLocations', ['dynamodb:GetItem', 'dynamodb:PutItem'], leadingKeys(['LOCATIONS'])],
          ['ClaimRuns', ['dynamodb:PutItem'], leadingKeys([`CLAIM#${region}#*`])],
        ],
        `probe in ${region}: no Query, Scan, DeleteItem, DescribeTable or ConditionCheckItem, no other location's keys`,
      );
    }
  });

  it('alarms on the probe function\'s errors and, apart, its throttles, in its own region', () => {
    for (const region of probeRegionsOf(config)) {
      const alarms = resourcesOf(templateOf(s, `skyprobe-probe-${region}`), 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
      const byName = new Map(alarms.map((a) => [String(a['AlarmName']), a]));
      assert.deepEqual(
        [...byName.keys()].sort(),
        [alarmNames.probeErrors('skyprobe', region), alarmNames.probeThrottles('skyprobe', region), alertPathAlarmNames.deadLetters('skyprobe', region)].sort(),
        'and the dead-letter alarm (its own test)',
      );
      for (const [name, metric] of [
        [alarmNames.probeErrors('skyprobe', region), 'Errors'],
        [alarmNames.probeThrottles('skyprobe', region), 'Throttles'],
      ] as const) {
        const alarm = byName.get(name)!;
        // One metric, however CDK renders it (flat, or as a one-entry Metrics list).
        const stats = alarm['Metrics'] === undefined ? [alarm] : (alarm['Metrics'] as Props[]).map((m) => (m['MetricStat'] as { Metric: Props }).Metric);
        assert.equal(stats.length, 1);
        assert.equal(stats[0]!['MetricName'], metric);
        assert.equal(stats[0]!['Namespace'], 'AWS/Lambda');
        assert.equal((stats[0]!['Dimensions'] as Props[])[0]?.['Name'], 'FunctionName');
        assert.equal(alarm['TreatMissingData'], 'notBreaching');
      }
    }
  });

  it('forwards exactly its own alarms\' state changes to the home region\'s default bus from every other region: no other project\'s, and not the dead-letter alarm', () => {
    assert.equal(resourcesOf(templateOf(s, 'skyprobe-probe-us-east-1'), 'AWS::Events::Rule').length, 0, 'home region alarms reach the notifier directly');
    for (const region of ['eu-west-1', 'ap-southeast-1']) {
      const [, rule] = onlyResource(templateOf(s, `skyprobe-probe-${region}`), 'AWS::Events::Rule');
      assert.deepEqual(rule.Properties['EventPattern'], {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [alarmNames.probeErrors('skyprobe', region), alarmNames.probeThrottles('skyprobe', region)] },
      });
      const target = (rule.Properties['Targets'] as Props[])[0]!;
      assert.deepEqual(target['Arn'], { 'Fn::Join': ['', ['arn:aws:events:us-east-1:', { Ref: 'AWS::AccountId' }, ':event-bus/default']] });
    }
  });

  it('tells the alert topic about events in the dead-letter queue without the notifier: straight in the home region, through a relay elsewhere', () => {
    const alarmOf = (region: string) => {
      const probe = templateOf(s, `skyprobe-probe-${region}`);
      const found = resourcesOf(probe, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties['AlarmName'] === alertPathAlarmNames.deadLetters('skyprobe', region));
      assert.equal(found.length, 1);
      const [, alarm] = found[0]!;
      const [queueId] = resourcesOf(probe, 'AWS::SQS::Queue').find(([, q]) => q.Properties['QueueName'] === undefined)!;
      assert.equal(alarm.Properties['MetricName'], 'ApproximateNumberOfMessagesVisible');
      assert.deepEqual(alarm.Properties['Dimensions'], [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]);
      assert.equal(alarm.Properties['Threshold'], 1);
      assert.deepEqual(alarm.Properties['AlarmActions'], alarm.Properties['OKActions'], 'its end is told too');
      return { probe, alarm };
    };
    const home = alarmOf('us-east-1');
    assert.deepEqual(home.alarm.Properties['AlarmActions'], [{ 'Fn::Join': ['', ['arn:aws:sns:us-east-1:', { Ref: 'AWS::AccountId' }, ':skyprobe-alerts']] }]);
    assert.equal(resourcesOf(home.probe, 'AWS::Lambda::Function').length, 1, 'no relay in the home region');
    for (const region of ['eu-west-1', 'ap-southeast-1']) {
      const { probe, alarm } = alarmOf(region);
      const relays = resourcesOf(probe, 'AWS::Lambda::Function').filter(([, f]) => f.Properties['FunctionName'] === 'skyprobe-alarm-relay');
      assert.equal(relays.length, 1);
      const [relayId] = relays[0]!;
      assert.deepEqual(alarm.Properties['AlarmActions'], [{ 'Fn::GetAtt': [relayId, 'Arn'] }]);
      const statements = resourcesOf(probe, 'AWS::IAM::Policy')
        .filter(([, r]) => JSON.stringify(r.Properties['Roles']).includes('Relay'))
        .flatMap(([, r]) => (r.Properties['PolicyDocument'] as { Statement: Props[] }).Statement);
      const publish = statements.find((st) => asList(st['Action']).includes('sns:Publish'));
      assert.deepEqual(publish?.['Resource'], { 'Fn::Join': ['', ['arn:aws:sns:us-east-1:', { Ref: 'AWS::AccountId' }, ':skyprobe-alerts']] });
      const kms = statements.find((st) => asList(st['Action']).includes('kms:GenerateDataKey*'));
      assert.deepEqual((kms?.['Condition'] as { StringEquals: Props }).StringEquals['kms:ViaService'], 'sns.us-east-1.amazonaws.com');
      assert.ok('kms:EncryptionContext:aws:sns:topicArn' in (kms?.['Condition'] as { StringEquals: Props }).StringEquals, 'for the alert topic only');
      assert.ok(!statements.some((st) => asList(st['Action']).some((a) => String(a).startsWith('dynamodb:'))), 'the relay reads no table');
    }
  });

  it('refers to other stacks only by deterministic names: no exports, no imports', () => {
    for (const synth of [s, pinned]) {
      for (const [name, template] of synth.json) {
        const text = JSON.stringify(template);
        assert.ok(!text.includes('Fn::ImportValue'), `${name} imports nothing`);
        assert.ok(!text.includes('"Export"'), `${name} exports nothing`);
      }
    }
  });
});
