import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import type { FailoverService } from '../../lambdas/core/failover.ts';
import { Failover, failoverDashboardName } from '../../infra/constructs/failover.ts';
import { loadExample, synthesize } from './support.ts';

const CHECKS = [{ id: 'shop', type: 'http', url: 'https://www.example.com/' }];
const ALIAS = { alias: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'primary-1.us-east-1.elb.amazonaws.com' } };
const STANDBY = { values: ['192.0.2.10'], healthCheck: { protocol: 'http' } };

function service(entry: Record<string, unknown>): FailoverService {
  const config = validateConfig({
    checks: CHECKS,
    failover: [{ id: 'shop', hostedZoneId: 'Z0123456789ABC', recordName: 'www.example.com', secondary: STANDBY, ...entry }],
  });
  const [s] = config.failover;
  assert.ok(s !== undefined);
  return s;
}

function template(services: readonly FailoverService[], region = 'us-east-1'): Template {
  const stack = new Stack(new App(), 'T', { env: { region } });
  new Failover(stack, 'Failover', { project: 'demo', services, dashboardName: failoverDashboardName('demo') });
  return Template.fromStack(stack);
}

const tags = (role: string) =>
  Match.arrayWith([
    // CDK sorts tags by key.
    { Key: 'skyprobe:project', Value: 'demo' },
    { Key: 'skyprobe:role', Value: role },
    { Key: 'skyprobe:service', Value: 'shop' },
  ]);

describe('failover construct: health sources', () => {
  const endpointCases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['http', { protocol: 'http', ipAddress: '198.51.100.1' }, { Type: 'HTTP', IPAddress: '198.51.100.1', Port: 80, ResourcePath: '/' }],
    ['https', { protocol: 'https', host: 'origin.example.com' }, { Type: 'HTTPS', FullyQualifiedDomainName: 'origin.example.com', Port: 443, EnableSNI: true }],
    [
      'string match',
      { protocol: 'https', host: 'origin.example.com', path: '/health', searchString: 'ok', interval: '10s', failureThreshold: 2, regions: ['us-east-1', 'eu-west-1', 'sa-east-1'] },
      { Type: 'HTTPS_STR_MATCH', ResourcePath: '/health', SearchString: 'ok', RequestInterval: 10, FailureThreshold: 2, Regions: ['us-east-1', 'eu-west-1', 'sa-east-1'] },
    ],
    ['tcp', { protocol: 'tcp', ipAddress: '198.51.100.1', port: 5432 }, { Type: 'TCP', IPAddress: '198.51.100.1', Port: 5432 }],
  ];
  for (const [name, healthCheck, expected] of endpointCases) {
    it(`builds a route 53 ${name} health check on the primary, used by the PRIMARY record`, () => {
      const t = template([service({ primary: { values: ['198.51.100.1'], healthCheck } })]);
      t.resourceCountIs('AWS::Route53::HealthCheck', 2);
      t.hasResourceProperties('AWS::Route53::HealthCheck', { HealthCheckConfig: Match.objectLike(expected), HealthCheckTags: tags('primary') });
      const primary = Object.entries(t.findResources('AWS::Route53::HealthCheck', { Properties: { HealthCheckTags: tags('primary') } }));
      assert.equal(primary.length, 1);
      t.hasResourceProperties('AWS::Route53::RecordSet', { Failover: 'PRIMARY', SetIdentifier: 'primary', HealthCheckId: { 'Fn::GetAtt': [primary[0]![0], 'HealthCheckId'] } });
      if (name === 'tcp') assert.equal((primary[0]![1] as { Properties: { HealthCheckConfig: Record<string, unknown> } }).Properties.HealthCheckConfig['ResourcePath'], undefined);
    });
  }

  it("builds a CLOUDWATCH_METRIC health check on the check's quorum alarm, keeping the last status on insufficient data", () => {
    const t = template([service({ primary: { values: ['198.51.100.1'] }, check: 'shop' })]);
    t.resourceCountIs('AWS::Route53::HealthCheck', 2);
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Region: 'us-east-1', Name: 'demo-shop-down' }, InsufficientDataHealthStatus: 'LastKnownStatus' },
      HealthCheckTags: tags('primary'),
    });
  });

  it('combines both in a CALCULATED health check healthy only while both children are', () => {
    const t = template([service({ primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'https', host: 'origin.example.com' } }, check: 'shop' })]);
    t.resourceCountIs('AWS::Route53::HealthCheck', 4);
    const children = ['primary-endpoint', 'primary-alarm'].map((role) => {
      const found = Object.keys(t.findResources('AWS::Route53::HealthCheck', { Properties: { HealthCheckTags: tags(role) } }));
      assert.equal(found.length, 1, role);
      return { 'Fn::GetAtt': [found[0], 'HealthCheckId'] };
    });
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: { Type: 'CALCULATED', ChildHealthChecks: children, HealthThreshold: 2 },
      HealthCheckTags: tags('primary'),
    });
    const calculated = Object.keys(t.findResources('AWS::Route53::HealthCheck', { Properties: { HealthCheckConfig: { Type: 'CALCULATED' } } }));
    t.hasResourceProperties('AWS::Route53::RecordSet', { Failover: 'PRIMARY', HealthCheckId: { 'Fn::GetAtt': [calculated[0], 'HealthCheckId'] } });
  });
});

describe('failover construct: records, alarms and dashboard', () => {
  it('writes an alias PRIMARY without a ttl and a plain-value SECONDARY with the ttl, each with its health check', () => {
    const t = template([service({ primary: { ...ALIAS, healthCheck: { protocol: 'https' } }, ttl: '30s' })]);
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123456789ABC',
      Name: 'www.example.com.',
      Type: 'A',
      Failover: 'PRIMARY',
      AliasTarget: { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: 'primary-1.us-east-1.elb.amazonaws.com', EvaluateTargetHealth: true },
      TTL: Match.absent(),
      ResourceRecords: Match.absent(),
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Failover: 'SECONDARY',
      SetIdentifier: 'secondary',
      TTL: '30',
      ResourceRecords: ['192.0.2.10'],
      HealthCheckId: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }),
    });
    // The alias's health check checks the load balancer's own name, never the failover record.
    t.hasResourceProperties('AWS::Route53::HealthCheck', { HealthCheckConfig: Match.objectLike({ FullyQualifiedDomainName: 'primary-1.us-east-1.elb.amazonaws.com' }) });
  });

  it('alarms on HealthCheckStatus of the primary and the secondary, named for the notifier', () => {
    const t = template([service({ primary: { ...ALIAS, healthCheck: { protocol: 'https' } } })]);
    for (const role of ['primary', 'secondary']) {
      const hc = Object.keys(t.findResources('AWS::Route53::HealthCheck', { Properties: { HealthCheckTags: tags(role) } }));
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `demo-failover-shop-${role}-health`,
        Namespace: 'AWS/Route53',
        MetricName: 'HealthCheckStatus',
        Dimensions: [{ Name: 'HealthCheckId', Value: { 'Fn::GetAtt': [hc[0], 'HealthCheckId'] } }],
        Statistic: 'Minimum',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        AlarmActions: Match.absent(),
      });
    }
  });

  it('adds a failover dashboard with the health check status of every service', () => {
    const t = template([service({ primary: { ...ALIAS, healthCheck: { protocol: 'https' } } })]);
    t.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'demo-failover' });
    const body = JSON.stringify(Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0]);
    assert.match(body, /HealthCheckStatus/);
    assert.match(body, /HealthCheckPercentageHealthy/);
    assert.match(body, /shop: health check status/);
  });

  it('rejects a stack outside us-east-1, where route 53 has no health-check metrics', () => {
    assert.throws(() => template([service({ primary: { ...ALIAS, healthCheck: { protocol: 'https' } } })], 'eu-west-1'), /must be deployed in us-east-1.*got stack region eu-west-1/);
  });
});

describe('failover in the home stack', () => {
  it('deploys the example config\'s failover entry in the home stack', async () => {
    const { config } = await loadExample();
    assert.ok(config.failover.length > 0, 'the example has a failover entry');
    const { stacks, validationReport } = synthesize({ config });
    const t = Template.fromStack(stacks.home);
    t.resourceCountIs('AWS::Route53::RecordSet', 2 * config.failover.length);
    t.hasResourceProperties('AWS::Route53::HealthCheck', { HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED' }) });
    t.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `${config.project}-failover` });
    const violations = validationReport.pluginReports.flatMap((r) => r.violations);
    assert.deepEqual(violations, [], 'cdk-nag is clean');
  });
});
