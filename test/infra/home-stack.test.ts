import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { metricNamespace, quorumAlarmDefinition, quorumReadsLocations } from '../../lambdas/core/alert-policy.ts';
import type { Config } from '../../lambdas/core/check.ts';
import { MAINTENANCE_SWEEP_EVENT, resourceNames, shardsFor } from '../../lambdas/core/deployment.ts';
import { alarmNames, notifiedAlarms } from '../../lambdas/core/alarm-names.ts';
import { CHECK_PLACEHOLDER, CHECK_VARIABLE_ID, checkDashboardPath } from '../../lambdas/core/dashboard-links.ts';
import { probeRegionsOf } from '../../infra/naming.ts';
import { configOf, loadExample, onlyResource, resourcesOf, synthesize, templateOf, type Synthesized } from './support.ts';

type Props = Record<string, unknown>;

function alarmsByName(s: Synthesized, stack: string): Map<string, Props> {
  return new Map(resourcesOf(templateOf(s, stack), 'AWS::CloudWatch::Alarm').map(([, r]) => [String(r.Properties['AlarmName']), r.Properties]));
}

/** What a nested stack of the home stack gets for `{ Ref: <parameter> }`: the value its parent passes. */
function fromParent(s: Synthesized, nestedId: string, value: unknown): unknown {
  const parameter = (value as { Ref?: string }).Ref;
  if (parameter === undefined) return value;
  const [, nested] = resourcesOf(templateOf(s, 'skyprobe-home'), 'AWS::CloudFormation::Stack').find(([id]) => id.startsWith(nestedId))!;
  return (nested.Properties['Parameters'] as Props)[parameter];
}

function dashboardBodies(s: Synthesized, stack: string): Map<string, string> {
  return new Map(resourcesOf(templateOf(s, stack), 'AWS::CloudWatch::Dashboard').map(([, r]) => [String(r.Properties['DashboardName']), JSON.stringify(r.Properties['DashboardBody'])]));
}

interface DashboardWidget {
  readonly type: string;
  readonly width: number;
  readonly properties: Props;
}

interface DashboardBody {
  readonly widgets: DashboardWidget[];
  readonly variables?: Props[];
}

/** A dashboard's widgets, its body's Fn::Join resolved (tokens such as the stack's region become `<token>`). */
function dashboardWidgets(s: Synthesized, stack: string, dashboardName: string): DashboardWidget[] {
  return dashboardBody(s, stack, dashboardName).widgets;
}

function dashboardBody(s: Synthesized, stack: string, dashboardName: string): DashboardBody {
  const found = resourcesOf(templateOf(s, stack), 'AWS::CloudWatch::Dashboard').find(([, r]) => r.Properties['DashboardName'] === dashboardName);
  assert.ok(found, `dashboard ${dashboardName}`);
  const body = found[1].Properties['DashboardBody'];
  const text =
    typeof body === 'string'
      ? body
      : ((body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<token>')).join(''));
  return JSON.parse(text) as DashboardBody;
}

function statementsOf(s: Synthesized, stack: string, roleLogicalIdPrefix: string): Props[] {
  const policies = resourcesOf(templateOf(s, stack), 'AWS::IAM::Policy').filter(([, r]) =>
    JSON.stringify(r.Properties['Roles']).includes(roleLogicalIdPrefix),
  );
  return policies.flatMap(([, r]) => (r.Properties['PolicyDocument'] as { Statement: Props[] }).Statement);
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** One Skyprobe metric an alarm or dashboard widget reads: where, its name and its dimensions by name. */
interface MetricRead {
  readonly where: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
}

/** The project's own namespace: every skyprobe metric the tests' configs (project "skyprobe") put and read. */
const NS = metricNamespace('skyprobe');

/** A skyprobe namespace must be the project's own: never the shared one of old, nor another project's. */
function isSkyprobeNamespace(namespace: unknown): boolean {
  if (typeof namespace !== 'string' || !namespace.startsWith('Skyprobe')) return false;
  assert.equal(namespace, NS, 'every skyprobe metric in the project\'s own namespace');
  return true;
}

/** Every Skyprobe metric the home stack's alarms and dashboards read. */
function skyprobeMetricReads(s: Synthesized, stack: string): MetricRead[] {
  const reads: MetricRead[] = [];
  for (const [name, alarm] of alarmsByName(s, stack)) {
    for (const m of (alarm['Metrics'] ?? []) as { MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] } } }[]) {
      const metric = m.MetricStat?.Metric;
      if (metric === undefined || !isSkyprobeNamespace(metric.Namespace)) continue;
      reads.push({ where: `alarm ${name}`, metricName: metric.MetricName, dimensions: Object.fromEntries(metric.Dimensions.map((d) => [d.Name, d.Value])) });
    }
    if (isSkyprobeNamespace(alarm['Namespace'])) {
      const dims = (alarm['Dimensions'] ?? []) as { Name: string; Value: string }[];
      reads.push({ where: `alarm ${name}`, metricName: String(alarm['MetricName']), dimensions: Object.fromEntries(dims.map((d) => [d.Name, d.Value])) });
    }
  }
  for (const [, r] of resourcesOf(templateOf(s, stack), 'AWS::CloudWatch::Dashboard')) {
    const dashboardName = String(r.Properties['DashboardName']);
    for (const w of dashboardWidgets(s, stack, dashboardName)) {
      for (const m of (w.properties['metrics'] ?? []) as unknown[][]) {
        if (!isSkyprobeNamespace(m[0])) continue;
        const pairs = m.slice(2).filter((x): x is string => typeof x === 'string');
        const dimensions: Record<string, string> = {};
        for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
        reads.push({ where: `${dashboardName}: ${String(w.properties['title'])}`, metricName: String(m[1]), dimensions });
      }
    }
  }
  return reads;
}

describe('home stack', () => {
  let config: Config;
  let raw: Record<string, unknown>;
  let s: Synthesized;
  let extra: Synthesized;
  const HOME = 'skyprobe-home';

  before(async () => {
    const example = await loadExample();
    config = example.config;
    raw = example.raw as Record<string, unknown>;
    s = synthesize({ config });
    // SNS subscriptions, an SLO for every check and one for a single check; and a deletable table.
    const withExtras = configOf({
      ...raw,
      defaults: { ...(raw['defaults'] as Props), slo: 99.5 },
      alerts: {
        email: ['oncall@example.com'],
        sms: ['+14155550100'],
        https: ['https://hooks.example.com/skyprobe'],
        webhooks: [{ url: 'https://hooks.slack.com/services/{{secret:SLACK_PATH}}', format: 'slack' }],
      },
      checks: (raw['checks'] as Props[]).map((c) => (c['id'] === 'payments-db' ? { ...c, slo: 99.99 } : c)),
      maintenance: [{ id: 'db-upgrade', checks: ['payments-db'], start: '2026-12-01T02:00:00Z', end: '2026-12-01T03:00:00Z' }],
    });
    extra = synthesize({ config: withExtras, retainTable: false });
  });

  it('leaves nothing behind on cdk destroy but the results table (and that only when retained)', () => {
    const retained = (run: Synthesized) =>
      [...run.json.entries()].flatMap(([stack, template]) =>
        Object.entries((template['Resources'] ?? {}) as Record<string, { Type: string; DeletionPolicy?: string }>)
          .filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate' || r.DeletionPolicy === 'Snapshot')
          .map(([, r]) => `${stack}:${r.Type}`),
      );
    assert.deepEqual(retained(s), [`${HOME}:AWS::DynamoDB::GlobalTable`]);
    assert.deepEqual(retained(extra), []);
  });

  it('creates the results table as a global table with a replica in every probe region', () => {
    const tables = resourcesOf(templateOf(s, HOME), 'AWS::DynamoDB::GlobalTable');
    assert.equal(tables.length, 1);
    const [, table] = tables[0]!;
    const p = table.Properties;
    assert.equal(p['TableName'], resourceNames.table('skyprobe'));
    assert.deepEqual(p['KeySchema'], [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    assert.deepEqual(p['AttributeDefinitions'], [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ]);
    assert.equal(p['BillingMode'], 'PAY_PER_REQUEST');
    assert.deepEqual(p['TimeToLiveSpecification'], { AttributeName: 'expiresAt', Enabled: true });
    assert.deepEqual(p['SSESpecification'], { SSEEnabled: true, SSEType: 'KMS' });
    const replicas = p['Replicas'] as Props[];
    assert.deepEqual(replicas.map((r) => r['Region']).sort(), probeRegionsOf(config).sort());
    for (const replica of replicas) {
      assert.deepEqual(replica['PointInTimeRecoverySpecification'], { PointInTimeRecoveryEnabled: true }, `PITR in ${String(replica['Region'])}`);
      assert.equal(replica['DeletionProtectionEnabled'], true);
    }
    assert.equal(table.DeletionPolicy, 'Retain');
    assert.equal(table.UpdateReplacePolicy, 'Retain');
  });

  it('lets the table be deleted with the stack when retainTable is false', () => {
    const [, table] = resourcesOf(templateOf(extra, HOME), 'AWS::DynamoDB::GlobalTable')[0]!;
    assert.equal(table.DeletionPolicy, 'Delete');
    for (const replica of table.Properties['Replicas'] as Props[]) assert.equal(replica['DeletionProtectionEnabled'], false);
  });

  it('encrypts the alert topic with a rotated customer key that only this account\'s own alarms may publish with, besides skyprobe\'s roles', () => {
    const home = templateOf(s, HOME);
    const [topicId, topic] = onlyResource(home, 'AWS::SNS::Topic');
    assert.equal(topic.Properties['TopicName'], resourceNames.topic('skyprobe'));
    const [keyId, key] = onlyResource(home, 'AWS::KMS::Key');
    assert.deepEqual(topic.Properties['KmsMasterKeyId'], { 'Fn::GetAtt': [keyId, 'Arn'] });
    assert.equal(key.Properties['EnableKeyRotation'], true);
    const ownAlarms = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:aws:cloudwatch:us-east-1:', { Ref: 'AWS::AccountId' }, ':alarm:skyprobe-*']] } },
    };
    const keyStatements = (key.Properties['KeyPolicy'] as { Statement: Props[] }).Statement;
    const services = keyStatements.filter((x) => JSON.stringify(x['Principal']).includes('"Service"'));
    assert.deepEqual(services.map((x) => x['Principal']), [{ Service: 'cloudwatch.amazonaws.com' }], 'nothing publishes through EventBridge');
    assert.deepEqual(asList(services[0]!['Action']).sort(), ['kms:Decrypt', 'kms:GenerateDataKey*']);
    assert.deepEqual(services[0]!['Condition'], ownAlarms);
    const [, policy] = onlyResource(home, 'AWS::SNS::TopicPolicy');
    const topicStatements = (policy.Properties['PolicyDocument'] as { Statement: Props[] }).Statement;
    assert.ok(topicStatements.some((x) => x['Effect'] === 'Deny' && JSON.stringify(x['Condition']).includes('aws:SecureTransport')), 'publishing needs TLS');
    const publishers = topicStatements.filter((x) => x['Effect'] === 'Allow');
    assert.deepEqual(publishers.map((x) => x['Principal']), [{ Service: 'cloudwatch.amazonaws.com' }]);
    assert.ok(JSON.stringify(publishers[0]!['Resource']).includes(topicId));
    assert.deepEqual(publishers[0]!['Condition'], ownAlarms);
  });

  it('subscribes the e-mail, sms and https endpoints of the config to the topic', () => {
    const subs = resourcesOf(templateOf(extra, HOME), 'AWS::SNS::Subscription').map(([, r]) => [r.Properties['Protocol'], r.Properties['Endpoint']]);
    assert.deepEqual(subs.sort(), [
      ['email', 'oncall@example.com'],
      ['https', 'https://hooks.example.com/skyprobe'],
      ['sms', '+14155550100'],
    ]);
    assert.equal(resourcesOf(templateOf(s, HOME), 'AWS::SNS::Subscription').length, 0, 'webhooks are the notifier\'s, not SNS subscriptions');
  });

  it('builds one quorum alarm per check, exactly as quorumAlarmDefinition defines it', () => {
    const alarms = alarmsByName(s, HOME);
    assert.equal([...alarms.keys()].filter((n) => n.endsWith('-down')).length, config.checks.length);
    for (const check of config.checks) {
      const def = quorumAlarmDefinition(check, { project: config.project });
      assert.equal(def.alarmName, alarmNames.quorum(config.project, check.id));
      const alarm = alarms.get(def.alarmName);
      assert.ok(alarm, `alarm ${def.alarmName}`);
      assert.equal(alarm['ComparisonOperator'], 'GreaterThanOrEqualToThreshold');
      assert.equal(alarm['Threshold'], check.alertPolicy.failingLocations);
      assert.equal(alarm['EvaluationPeriods'], check.alertPolicy.evaluationPeriods);
      assert.equal(alarm['DatapointsToAlarm'], check.alertPolicy.failingPeriods);
      assert.equal(alarm['TreatMissingData'], 'notBreaching');
      assert.equal(alarm['AlarmActions'], undefined, 'state changes reach the notifier through EventBridge');
      const metrics = alarm['Metrics'] as Props[];
      assert.deepEqual(
        metrics.filter((m) => m['MetricStat'] !== undefined),
        def.metrics.map((metric) => ({
          Id: metric.id,
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: NS, MetricName: 'Failed', Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })) },
            Period: metric.periodSeconds,
            Stat: metric.stat,
          },
        })),
      );
      const expression = metrics.find((m) => m['Expression'] !== undefined);
      assert.deepEqual(expression, { Id: 'failing', Expression: def.expression, Label: 'failing regions', ReturnData: true });
    }
    const stats = (name: string) =>
      (alarms.get(name)!['Metrics'] as { MetricStat?: { Metric: { Dimensions: { Name: string; Value: string }[] }; Stat: string; Period: number } }[])
        .flatMap((m) => (m.MetricStat === undefined ? [] : [`${m.MetricStat.Metric.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(',')} ${m.MetricStat.Stat} ${m.MetricStat.Period}`]));
    // The example: storefront (every 30 s, two runs per period) is down when 2 of its 3 regions fail in 2 of the
    // last 3 one-minute periods: it reads each region's failure rate.
    const storefront = alarms.get('skyprobe-storefront-down')!;
    assert.deepEqual([storefront['Threshold'], storefront['DatapointsToAlarm'], storefront['EvaluationPeriods']], [2, 2, 3]);
    assert.deepEqual(stats('skyprobe-storefront-down'), [
      'CheckId=storefront,Location=us-east-1 Average 60',
      'CheckId=storefront,Location=eu-west-1 Average 60',
      'CheckId=storefront,Location=ap-southeast-1 Average 60',
    ]);
    // Checks every whole number of minutes run once per period: the Sum of their one Failed metric is the number of failing regions.
    assert.deepEqual(stats('skyprobe-api-checkout-down'), ['CheckId=api-checkout Sum 60']);
    assert.deepEqual(stats('skyprobe-storefront-dns-down'), ['CheckId=storefront-dns Sum 300']);
    assert.deepEqual(stats('skyprobe-storefront-cert-down'), ['CheckId=storefront-cert Sum 3600']);
    assert.equal((alarms.get('skyprobe-api-checkout-down')!['Metrics'] as Props[]).find((m) => m['Expression'] !== undefined)?.['Expression'], 'FILL(m0, 0)');
  });

  it('reads only metrics the probes put: Failed per region only for checks with several runs per period, no other metric per check and region', () => {
    const wholeMinutes = config.checks.filter((c) => !quorumReadsLocations(c)).map((c) => c.id);
    assert.deepEqual(wholeMinutes, ['api-checkout', 'payments-db', 'storefront-dns', 'storefront-cert'], 'the example has checks every 1, 5 and 60 minutes');
    for (const run of [s, extra]) {
      const reads = skyprobeMetricReads(run, HOME);
      const shapeOf = (r: MetricRead) => `${r.metricName}:${Object.keys(r.dimensions).sort().join('+')}`;
      assert.deepEqual(
        [...new Set(reads.map(shapeOf))].sort(),
        ['DurationMs:CheckId', 'Failed:CheckId', 'Failed:CheckId+Location', 'LocationAlive:Location', 'SkippedRuns:Location', 'TlsDaysRemaining:CheckId'],
      );
      const perLocationFailed = reads.filter((r) => r.metricName === 'Failed' && r.dimensions['Location'] !== undefined);
      // Only the quorum alarm of the 30-second storefront check, one metric per region; no dashboard.
      assert.deepEqual(
        perLocationFailed.map((r) => `${r.where} ${r.dimensions['CheckId']}/${r.dimensions['Location']}`),
        ['us-east-1', 'eu-west-1', 'ap-southeast-1'].map((region) => `alarm skyprobe-storefront-down storefront/${region}`),
      );
      for (const r of perLocationFailed) {
        const check = config.checks.find((c) => c.id === r.dimensions['CheckId']);
        assert.ok(check !== undefined && quorumReadsLocations(check), `${r.where} reads Failed per location only for a check with several runs per period`);
      }
      // No SEARCH either: it would read whatever per-location metrics are left from before.
      for (const body of dashboardBodies(run, HOME).values()) assert.ok(!body.includes('SEARCH('), 'no metric search on a dashboard');
    }
  });

  it('alarms on the p95 of one DurationMs metric per check (CheckId only) over degradedAfter, else over 80% of the timeout', () => {
    const alarms = alarmsByName(s, HOME);
    const storefront = alarms.get(alarmNames.latency('skyprobe', 'storefront'))!;
    assert.equal(storefront['Threshold'], 2000); // degradedAfter: '2s'
    assert.equal(storefront['ComparisonOperator'], 'GreaterThanThreshold');
    const [only, ...more] = storefront['Metrics'] as Props[];
    assert.deepEqual(more, [], 'no metric math: one metric');
    assert.deepEqual(only!['MetricStat'], {
      Metric: { Namespace: NS, MetricName: 'DurationMs', Dimensions: [{ Name: 'CheckId', Value: 'storefront' }] },
      Period: 60,
      Stat: 'p95',
    });
    assert.deepEqual([storefront['DatapointsToAlarm'], storefront['EvaluationPeriods']], [2, 3]);
    assert.equal(alarms.get(alarmNames.latency('skyprobe', 'api-checkout'))!['Threshold'], 8000); // 10s timeout × 0.8
    for (const check of config.checks) {
      const alarm = alarms.get(alarmNames.latency('skyprobe', check.id))!;
      const metrics = alarm['Metrics'] as { MetricStat: { Metric: Props } }[];
      assert.deepEqual(
        metrics.map((m) => m.MetricStat.Metric['Dimensions']),
        [[{ Name: 'CheckId', Value: check.id }]],
        `${check.id}: one latency metric for all its regions`,
      );
    }
  });

  it('alarms on certificate expiry for tls checks only, on the Minimum of one TlsDaysRemaining metric per check (every region in it)', () => {
    const alarms = alarmsByName(s, HOME);
    const tlsAlarms = [...alarms.keys()].filter((n) => n.endsWith('-tls-expiry'));
    assert.deepEqual(tlsAlarms, [alarmNames.tlsExpiry('skyprobe', 'storefront-cert')]);
    const alarm = alarms.get(tlsAlarms[0]!)!;
    assert.equal(alarm['Threshold'], 21);
    assert.equal(alarm['ComparisonOperator'], 'LessThanThreshold');
    assert.equal(alarm['EvaluationPeriods'], 1);
    const [only, ...more] = alarm['Metrics'] as Props[];
    assert.deepEqual(more, [], 'no metric math over regions: one metric');
    assert.deepEqual(only!['MetricStat'], {
      Metric: { Namespace: NS, MetricName: 'TlsDaysRemaining', Dimensions: [{ Name: 'CheckId', Value: 'storefront-cert' }] },
      Period: 3600, // the check's hourly period
      Stat: 'Minimum',
    });
    assert.equal(only!['ReturnData'], true);
  });

  it('raises "probe location silent" for each probe region when its LocationAlive datapoints stop', () => {
    const alarms = alarmsByName(s, HOME);
    for (const region of probeRegionsOf(config)) {
      const alarm = alarms.get(alarmNames.locationSilent('skyprobe', region));
      assert.ok(alarm, `silent alarm for ${region}`);
      assert.equal(alarm['TreatMissingData'], 'breaching');
      assert.equal(alarm['ComparisonOperator'], 'LessThanThreshold');
      assert.equal(alarm['Threshold'], 1);
      const [metric] = alarm['Metrics'] as Array<{ MetricStat: { Metric: Props; Period: number; Stat: string } }>;
      assert.deepEqual(metric!.MetricStat, {
        Metric: { Namespace: NS, MetricName: 'LocationAlive', Dimensions: [{ Name: 'Location', Value: region }] },
        Period: 60,
        Stat: 'Sum',
      });
      assert.match(String(alarm['AlarmDescription']), new RegExp(`^probe location ${region} silent: its probe did not report`));
    }
  });

  it('expects one LocationAlive a minute from each shard of a region, so a shard that stops is a silent location too', () => {
    // 70 checks whose every attempt may time out (32 s a run) need 3 shards in eu-west-1; us-east-1's one check needs 1.
    const sharded = configOf({
      homeRegion: 'us-east-1',
      checks: [
        ...Array.from({ length: 70 }, (_, i) => ({ id: `api-${i}`, type: 'http', url: `https://api${i}.example.com/`, timeout: '10s', retries: 2, regions: ['eu-west-1'] })),
        { id: 'home', type: 'http', url: 'https://example.com/', regions: ['us-east-1'] },
      ],
    });
    const alarms = alarmsByName(synthesize({ config: sharded }), 'skyprobe-home');
    const eu = alarms.get(alarmNames.locationSilent('skyprobe', 'eu-west-1'));
    assert.equal(eu?.['Threshold'], shardsFor(sharded.checks.filter((c) => c.regions.includes('eu-west-1'))));
    assert.equal(eu?.['Threshold'], 3);
    assert.match(String(eu?.['AlarmDescription']), /^probe location eu-west-1 silent: all 3 of its probe shards did not report in 3 of the last 5 minutes/);
    assert.equal(alarms.get(alarmNames.locationSilent('skyprobe', 'us-east-1'))?.['Threshold'], 1);
  });

  it('sends exactly this config\'s alarm state changes to the notifier, retried twice and then to the fallback', () => {
    const home = templateOf(s, HOME);
    const notifiers = resourcesOf(home, 'AWS::Lambda::Function').filter(([, f]) => f.Properties['FunctionName'] === 'skyprobe-notifier');
    assert.equal(notifiers.length, 1);
    const [fnId, fn] = notifiers[0]!;
    assert.equal(fn.Properties['Runtime'], 'nodejs22.x');
    assert.deepEqual(fn.Properties['Architectures'], ['arm64']);
    const alarmRules = resourcesOf(home, 'AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties['EventPattern'] ?? {}).includes('CloudWatch Alarm State Change'));
    assert.equal(alarmRules.length, 1);
    const [, rule] = alarmRules[0]!;
    assert.deepEqual(rule.Properties['EventPattern'], {
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [...notifiedAlarms(config).keys()].sort() },
    });
    // Every alarm the stacks create with a notified kind is in it; no other.
    const created = [...s.json.values()].flatMap((t) => Object.values((t['Resources'] ?? {}) as Record<string, { Type: string; Properties: Props }>))
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => String(r.Properties['AlarmName']));
    const notified = new Set(notifiedAlarms(config).keys());
    assert.deepEqual(created.filter((n) => notified.has(n)).sort(), [...notified].sort());
    assert.deepEqual(
      created.filter((n) => !notified.has(n)).sort(),
      ['skyprobe-alarm-events-undelivered', 'skyprobe-notifier-fallback-unreachable', 'skyprobe-notifier-failing', ...probeRegionsOf(config).map((r) => `skyprobe-dead-letters-${r}`)].sort(),
      'the alert path\'s own alarms publish straight to the topic (or its relay), never to the notifier',
    );
    const [target] = rule.Properties['Targets'] as Props[];
    assert.deepEqual(target!['Arn'], { 'Fn::GetAtt': [fnId, 'Arn'] });
    const [queueId, queue] = onlyResource(home, 'AWS::SQS::Queue');
    assert.deepEqual(target!['DeadLetterConfig'], { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } }, 'what EventBridge cannot deliver waits in the undelivered queue');
    assert.equal(queue.Properties['SqsManagedSseEnabled'], true);
    assert.deepEqual(target!['RetryPolicy'], { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 });

    // The fallback, in the alert path's nested stack (the home stack nears 500 resources at 150 checks).
    const alertPath = templateOf(s, `${HOME}/AlertPath`);
    const fallbacks = resourcesOf(alertPath, 'AWS::Lambda::Function').filter(([, f]) => f.Properties['FunctionName'] === 'skyprobe-alarm-fallback');
    assert.equal(fallbacks.length, 1);
    const [fallbackId] = fallbacks[0]!;
    const [, notifierInvoke] = onlyResource(home, 'AWS::Lambda::EventInvokeConfig');
    assert.deepEqual(notifierInvoke.Properties['FunctionName'], { Ref: fnId });
    assert.equal(notifierInvoke.Properties['MaximumRetryAttempts'], 2);
    assert.deepEqual(
      notifierInvoke.Properties['DestinationConfig'],
      { OnFailure: { Destination: { 'Fn::Join': ['', ['arn:aws:lambda:us-east-1:', { Ref: 'AWS::AccountId' }, ':function:skyprobe-alarm-fallback']] } } },
      'the fallback, never the raw event to the topic',
    );
    const [, fallbackInvoke] = onlyResource(alertPath, 'AWS::Lambda::EventInvokeConfig');
    assert.deepEqual(fallbackInvoke.Properties['FunctionName'], { Ref: fallbackId });
    const destination = (fallbackInvoke.Properties['DestinationConfig'] as { OnFailure: { Destination: unknown } }).OnFailure.Destination;
    assert.deepEqual(fromParent(s, 'AlertPath', destination), { 'Fn::GetAtt': [queueId, 'Arn'] }, 'its own failures: the undelivered queue');
    const invokes = statementsOf(s, HOME, 'NotifierRole').filter((st) => asList(st['Action']).includes('lambda:InvokeFunction'));
    assert.deepEqual(invokes.map((st) => st['Resource']), [notifierInvoke.Properties['DestinationConfig'] && (notifierInvoke.Properties['DestinationConfig'] as { OnFailure: { Destination: unknown } }).OnFailure.Destination], 'the fallback alone, no other function or version');
    const logGroups = resourcesOf(home, 'AWS::Logs::LogGroup');
    assert.ok(logGroups.length >= 1);
    for (const [, group] of logGroups) assert.equal(group.Properties['RetentionInDays'], 30);
  });

  it('alarms on the notifier failing, on Lambda unable to reach the fallback and on undelivered events, straight to the topic, ALARM and OK', () => {
    const home = templateOf(s, HOME);
    const [topicId] = onlyResource(home, 'AWS::SNS::Topic');
    const [notifierId] = resourcesOf(home, 'AWS::Lambda::Function').find(([, f]) => f.Properties['FunctionName'] === 'skyprobe-notifier')!;
    const [queueId] = onlyResource(home, 'AWS::SQS::Queue');
    const alarms = alarmsByName(s, `${HOME}/AlertPath`);
    for (const [name, namespace, metric, dimension, value] of [
      ['skyprobe-notifier-failing', 'AWS/Lambda', 'Errors', 'FunctionName', { Ref: notifierId }],
      ['skyprobe-notifier-fallback-unreachable', 'AWS/Lambda', 'DestinationDeliveryFailures', 'FunctionName', { Ref: notifierId }],
      ['skyprobe-alarm-events-undelivered', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', { 'Fn::GetAtt': [queueId, 'QueueName'] }],
    ] as const) {
      const alarm = alarms.get(name);
      assert.ok(alarm, name);
      assert.deepEqual([alarm['Namespace'], alarm['MetricName']], [namespace, metric], name);
      const [dim] = alarm['Dimensions'] as { Name: string; Value: unknown }[];
      assert.equal(dim?.Name, dimension);
      assert.deepEqual(fromParent(s, 'AlertPath', dim?.Value), value, name);
      assert.deepEqual([alarm['Threshold'], alarm['ComparisonOperator'], alarm['EvaluationPeriods'], alarm['Period']], [1, 'GreaterThanOrEqualToThreshold', 1, 300], name);
      assert.deepEqual((alarm['AlarmActions'] as unknown[]).map((a) => fromParent(s, 'AlertPath', a)), [{ Ref: topicId }], `${name}: the topic, no notifier in between`);
      assert.deepEqual(alarm['OKActions'], alarm['AlarmActions'], `${name}: its end too`);
    }
  });

  it('grants the notifier the home table replica, publishing to the topic and its key, nothing more', () => {
    const statements = statementsOf(s, HOME, 'NotifierRole');
    const byAction = (a: string) => statements.filter((st) => asList(st['Action']).includes(a));
    const dynamo = byAction('dynamodb:PutItem');
    assert.equal(dynamo.length, 1);
    assert.match(JSON.stringify(dynamo[0]!['Resource']), /arn:aws:dynamodb:us-east-1:.*:table\/skyprobe-results"/);
    assert.ok(!asList(dynamo[0]!['Action']).includes('dynamodb:Scan'));
    const [topicId] = onlyResource(templateOf(s, HOME), 'AWS::SNS::Topic');
    assert.deepEqual(byAction('sns:Publish')[0]!['Resource'], { Ref: topicId });
    const [keyId] = onlyResource(templateOf(s, HOME), 'AWS::KMS::Key');
    assert.deepEqual(byAction('kms:Decrypt')[0]!['Resource'], { 'Fn::GetAtt': [keyId, 'Arn'] });
    for (const st of statements) assert.notEqual(st['Resource'], '*', `no wildcard resource in ${JSON.stringify(st)}`);
    assert.deepEqual(byAction('ssm:GetParameters'), [], 'the notifier reads no secrets');
  });

  it('runs the maintenance sweep every minute on the notifier, only when the config has maintenance windows', () => {
    const sweeps = (run: Synthesized) =>
      resourcesOf(templateOf(run, HOME), 'AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties['Targets'] ?? []).includes('maintenance-sweep'));
    assert.deepEqual(sweeps(s), []);
    const [rule] = sweeps(extra);
    assert.equal(rule?.[1].Properties['ScheduleExpression'], 'rate(1 minute)');
    const [target] = rule?.[1].Properties['Targets'] as Props[];
    assert.deepEqual(JSON.parse(String(target?.['Input'])), MAINTENANCE_SWEEP_EVENT);
    assert.match(JSON.stringify(target?.['Arn']), /Notifier/);
  });

  it('lets the notifier read the secrets of webhook URLs from SSM in the home region only, when a webhook has one', () => {
    const statements = statementsOf(extra, HOME, 'NotifierRole');
    const read = statements.filter((st) => asList(st['Action']).includes('ssm:GetParameters'));
    assert.equal(read.length, 1);
    assert.match(JSON.stringify(read[0]!['Resource']), /:ssm:us-east-1:.*:parameter\/skyprobe\/secrets\/\*/);
    const decrypt = statements.filter((st) => asList(st['Action']).includes('kms:Decrypt') && JSON.stringify(st['Condition'] ?? {}).includes('kms:ViaService'));
    assert.equal(decrypt.length, 1);
    assert.match(JSON.stringify(decrypt[0]!['Condition']), /ssm\.us-east-1\.amazonaws\.com/);
  });

  it('builds two dashboards for up to 100 checks: one overview page and a check dashboard with a check variable', () => {
    const bodies = dashboardBodies(s, HOME);
    // Plus the failover dashboard: the example config has a failover entry.
    assert.deepEqual([...bodies.keys()].sort(), ['skyprobe-check', 'skyprobe-failover', 'skyprobe-overview']);
    assert.deepEqual([...dashboardBodies(extra, HOME).keys()].sort(), ['skyprobe-check', 'skyprobe-failover', 'skyprobe-overview']);
    const overview = bodies.get('skyprobe-overview')!;
    for (const check of config.checks) {
      assert.ok(overview.includes(`100 * (1 - f)`) && overview.includes(check.id), `overview shows ${check.id}`);
      assert.ok(overview.includes(checkDashboardPath('skyprobe', check.id)), `overview links to the check dashboard with ${check.id} picked`);
    }
    assert.ok(overview.includes('alarm'), 'alarm status widget');
    // Lambda metrics are read where the functions run, skyprobe metrics in the home region.
    for (const region of probeRegionsOf(config)) assert.ok(overview.includes(`\\"region\\":\\"${region}\\"`), `probe metrics read in ${region}`);

    const { variables } = dashboardBody(s, HOME, 'skyprobe-check');
    assert.deepEqual(variables, [
      {
        type: 'pattern',
        pattern: CHECK_PLACEHOLDER,
        inputType: 'select',
        id: CHECK_VARIABLE_ID,
        label: 'Check',
        defaultValue: config.checks[0]!.id,
        visible: true,
        values: config.checks.map((c) => ({ value: c.id, label: c.name === c.id ? c.id : `${c.name} (${c.id})` })),
      },
    ]);
    assert.equal(dashboardBody(s, HOME, 'skyprobe-overview').variables, undefined);
  });

  it('writes every reference to the picked check in the check dashboard as the placeholder its variable rewrites', () => {
    const widgets = dashboardWidgets(s, HOME, 'skyprobe-check');
    const byCheck = widgets.filter((w) => w.type !== 'text');
    const text = JSON.stringify(byCheck);
    for (const check of config.checks) assert.ok(!text.includes(`"${check.id}"`) && !text.includes(`-${check.id}-`), `no widget names ${check.id}`);
    const alarmArns = byCheck.filter((w) => w.type === 'alarm').flatMap((w) => w.properties['alarms'] as string[]);
    assert.ok(alarmArns.some((a) => a.endsWith(`:alarm:${alarmNames.quorum('skyprobe', CHECK_PLACEHOLDER)}`)), 'quorum alarm by name');
    assert.ok(alarmArns.some((a) => a.endsWith(`:alarm:${alarmNames.latency('skyprobe', CHECK_PLACEHOLDER)}`)), 'latency alarm by name');
    const status = byCheck.find((w) => w.type === 'alarm' && w.properties['annotations'] === undefined && String(w.properties['title']).startsWith('Alarms'));
    assert.deepEqual(
      (status?.properties['alarms'] as string[]).map((a) => a.slice(a.indexOf(':alarm:') + 7)),
      [alarmNames.quorum('skyprobe', CHECK_PLACEHOLDER), alarmNames.latency('skyprobe', CHECK_PLACEHOLDER), alarmNames.tlsExpiry('skyprobe', CHECK_PLACEHOLDER)],
      'the picked check\'s alarm states, TLS expiry included (the config has a tls check)',
    );
    assert.equal(status?.properties['title'], 'Alarms (TLS expiry: tls checks only)');
    const alarmGraphs = byCheck.filter((w) => w.type === 'metric' && (w.properties['annotations'] as Props | undefined)?.['alarms'] !== undefined);
    assert.equal(alarmGraphs.length, 2, 'the quorum and latency alarms graphed with their thresholds');
    const metricsOf = (title: string) => {
      const widget = byCheck.find((w) => w.properties['title'] === title);
      assert.ok(widget, `widget ${title}`);
      return widget.properties['metrics'] as unknown[][];
    };
    assert.deepEqual(
      metricsOf('Availability, all regions (%)'),
      [[{ label: 'all regions', expression: '100 * (1 - f)' }], [NS, 'Failed', 'CheckId', CHECK_PLACEHOLDER, { id: 'f', visible: false }]],
      'availability of the picked check over every region, from its one Failed metric',
    );
    const month = metricsOf('This month (UTC), all regions: availability vs SLO 99.9%');
    assert.deepEqual(
      month.filter((m) => m[0] === NS),
      [
        [NS, 'Failed', 'CheckId', CHECK_PLACEHOLDER, { id: 'f', visible: false, period: 3600, stat: 'Sum' }],
        [NS, 'Failed', 'CheckId', CHECK_PLACEHOLDER, { id: 'n', visible: false, period: 3600, stat: 'SampleCount' }],
      ],
      'this month from hourly failed runs and runs (the month\'s math: test/infra/dashboards.test.ts)',
    );
    assert.deepEqual(metricsOf('Days until the certificate expires (tls checks)'), [
      [NS, 'TlsDaysRemaining', 'CheckId', CHECK_PLACEHOLDER, { label: 'fewest days remaining, all regions', stat: 'Minimum' }],
    ]);
    // Every check's settings and SLO in a table.
    const table = widgets.filter((w) => w.type === 'text').map((w) => String(w.properties['markdown'])).find((m) => m.startsWith('## Checks'))!;
    for (const check of config.checks) assert.ok(table.includes(`| \`${check.id}\` |`) && table.includes(`| ${check.sloPercent}% |`), `${check.id} in the table`);
  });

  it('refuses a check whose id contains the check dashboard\'s placeholder', () => {
    const bad = configOf({ ...raw, failover: [], checks: [{ id: `x${CHECK_PLACEHOLDER}`, type: 'http', url: 'https://example.com/' }] });
    assert.throws(() => synthesize({ config: bad }), /__skyprobe_check__/);
  });

  it('shows this month\'s availability against each check\'s SLO and the error budget left on the overview, one row per check', () => {
    const rowsOf = (run: Synthesized) =>
      dashboardWidgets(run, HOME, 'skyprobe-overview').filter((w) => w.type === 'metric' && w.properties['view'] === 'singleValue');
    const rows = rowsOf(s);
    assert.deepEqual(
      rows.map((w) => w.properties['title']),
      config.checks.map((c) => `${c.name}: this month vs SLO ${c.sloPercent}%`),
    );
    const storefront = JSON.stringify(rows[0]);
    assert.ok(storefront.includes('SUM(failed) / SUM(runs)'), 'this month: failed runs over runs');
    assert.ok(storefront.includes('/ 0.001)'), 'error budget of a 99.9% SLO');
    const withSlo = rowsOf(extra).map((w) => JSON.stringify(w));
    assert.ok(withSlo[0]!.includes('/ 0.005)'), 'defaults.slo 99.5');
    assert.ok(withSlo.some((w) => w.includes('SLO 99.99%') && w.includes('/ 0.0001)')), 'per-check slo');
    assert.deepEqual(
      (rows[0]!.properties['metrics'] as unknown[][]).filter((m) => m[0] === NS),
      [
        [NS, 'Failed', 'CheckId', 'storefront', { id: 'f', visible: false, period: 3600, stat: 'Sum' }],
        [NS, 'Failed', 'CheckId', 'storefront', { id: 'n', visible: false, period: 3600, stat: 'SampleCount' }],
      ],
      'this month from the hourly Sum and SampleCount of the check\'s one Failed metric',
    );
    // Each row: the check's alarms, this month, availability over all regions at the check's period.
    const overview = dashboardWidgets(s, HOME, 'skyprobe-overview');
    for (const [n, check] of config.checks.entries()) {
      const i = overview.findIndex((w) => w.properties['title'] === rows[n]!.properties['title']);
      assert.deepEqual([overview[i - 1]!.type, overview[i + 1]!.type], ['alarm', 'metric']);
      assert.equal(overview[i + 1]!.properties['title'], `${check.name}: availability, all regions (%)`);
      const [series, failed] = overview[i + 1]!.properties['metrics'] as unknown[][];
      assert.equal((series![0] as Props)['expression'], '100 * (1 - f)');
      assert.deepEqual(failed!.slice(0, 4), [NS, 'Failed', 'CheckId', check.id]);
    }
  });

  it('shows availability and p50 / p95 by region from the result log lines, with no metric per check and region', () => {
    const logGroupName = '/aws/lambda/skyprobe-probe';
    // The name the dashboards use is the probe function's own log group in every probe region.
    for (const region of probeRegionsOf(config)) {
      const probeStack = templateOf(s, `skyprobe-probe-${region}`);
      const groups = resourcesOf(probeStack, 'AWS::Logs::LogGroup').filter(([, g]) => g.Properties['LogGroupName'] === logGroupName);
      assert.equal(groups.length, 1, `log group in ${region}`);
      const [groupId] = groups[0]!;
      const fns = resourcesOf(probeStack, 'AWS::Lambda::Function').filter(([, f]) => f.Properties['FunctionName'] === 'skyprobe-probe');
      assert.deepEqual(fns[0]?.[1].Properties['LoggingConfig'], { LogGroup: { Ref: groupId } });
    }
    const regions = probeRegionsOf(config);
    const logWidgets = dashboardWidgets(s, HOME, 'skyprobe-check').filter((w) => w.type === 'log');
    const latency = logWidgets.filter((w) => String(w.properties['query']).includes('pct('));
    assert.deepEqual(latency.map((w) => w.properties['region']), regions, 'one latency widget per probe region');
    for (const w of latency) {
      assert.equal(
        w.properties['query'],
        `SOURCE '${logGroupName}' | filter skyprobe = "result" and checkId = "${CHECK_PLACEHOLDER}"\n` + '| stats pct(totalMs, 50) as p50, pct(totalMs, 95) as p95 by bin(5m)',
      );
      assert.equal(w.properties['view'], 'timeSeries');
      assert.equal(w.properties['stacked'], false);
      assert.match(String(w.properties['title']), new RegExp(`^p50 / p95 total time in ${String(w.properties['region'])}`));
    }
    // Availability of the picked check by region: the share of its runs whose result line says failed = 0.
    const availability = logWidgets.filter((w) => String(w.properties['query']).includes('avg(failed)'));
    assert.deepEqual(availability.map((w) => w.properties['region']), regions, 'one availability widget per probe region');
    for (const w of availability) {
      assert.equal(
        w.properties['query'],
        `SOURCE '${logGroupName}' | filter skyprobe = "result" and checkId = "${CHECK_PLACEHOLDER}"\n` + '| stats 100 * (1 - avg(failed)) as availability by bin(5m)',
      );
      assert.equal(w.properties['view'], 'timeSeries');
      assert.equal(w.properties['title'], `Availability in ${String(w.properties['region'])} (%)`);
    }
    const overviewLogs = dashboardWidgets(s, HOME, 'skyprobe-overview').filter((w) => w.type === 'log');
    assert.deepEqual(overviewLogs.map((w) => w.properties['region']), regions, 'the overview: one availability and latency table per probe region');
    for (const w of overviewLogs) {
      assert.equal(
        w.properties['query'],
        `SOURCE '${logGroupName}' | filter skyprobe = "result"\n` +
          '| stats 100 * (1 - avg(failed)) as availabilityPct, pct(totalMs, 50) as p50Ms, pct(totalMs, 95) as p95Ms, count(*) as runs by checkId\n| sort checkId asc',
      );
      assert.equal(w.properties['view'], 'table');
    }
    // No dashboard reads DurationMs by Location: that metric no longer exists.
    for (const body of dashboardBodies(s, HOME).values()) assert.ok(!/DurationMs[^\]]*Location/.test(body));
  });

  it('shows the phase times per probe region from the probe log group there, for the picked check', () => {
    const regions = probeRegionsOf(config);
    const phases = dashboardWidgets(s, HOME, 'skyprobe-check').filter((w) => w.type === 'log' && String(w.properties['query']).includes('avg(dnsMs)'));
    assert.deepEqual(phases.map((w) => w.properties['region']), regions);
    for (const w of phases) {
      assert.equal(
        w.properties['query'],
        `SOURCE '/aws/lambda/skyprobe-probe' | filter skyprobe = "result" and checkId = "${CHECK_PLACEHOLDER}"\n` +
          '| stats avg(dnsMs) as dns, avg(connectMs) as connect, avg(tlsMs) as tls, avg(ttfbMs) as ttfb, avg(downloadMs) as download by bin(1h)',
      );
      assert.equal(w.properties['view'], 'timeSeries');
      assert.equal(w.properties['stacked'], true);
      assert.match(String(w.properties['title']), new RegExp(`^Phase times in ${String(w.properties['region'])}`));
    }
    assert.ok(phases.reduce((sum, w) => sum + w.width, 0) <= 24 * Math.ceil(regions.length / 3), 'rows of at most 24 units');
  });

  it('leaves no cdk-nag error unacknowledged, and gives every acknowledgment a reason', (t) => {
    for (const synth of [s, extra]) {
      const nag = synth.validationReport.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
      assert.ok(nag, 'cdk-nag ran');
      const errors = nag.violations.filter((v) => v.severity !== 'warning');
      assert.deepEqual(errors.map((v) => v.ruleName), []);
      for (const v of nag.violations) t.diagnostic(`cdk-nag warning ${v.ruleName}`);
      for (const a of nag.suppressedViolations ?? []) assert.ok(a.reason.length > 20, `reason for ${a.ruleName}`);
    }
  });
});
