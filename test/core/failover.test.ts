import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alarmNames, parseAlarmName } from '../../lambdas/core/alarm-names.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { route53HealthChecksOfConfig } from '../../lambdas/core/cost.ts';
import { endpointHealthCheckType, failoverHealthChecks, failoverTags } from '../../lambdas/core/failover.ts';
import { noticeFor } from '../../lambdas/monitor/notice.ts';

const CHECKS = [{ id: 'shop', type: 'http', url: 'https://www.example.com/' }];
const BASE = {
  id: 'shop',
  hostedZoneId: 'Z0123456789ABC',
  recordName: 'www.example.com',
  primary: { alias: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'lb-1.us-east-1.elb.amazonaws.com' }, healthCheck: { protocol: 'https', searchString: 'ok', interval: '10s' } },
  secondary: { values: ['192.0.2.10'], healthCheck: { protocol: 'http' } },
};
const config = (entry: Record<string, unknown>) => validateConfig({ checks: CHECKS, failover: [{ ...BASE, ...entry }] });

describe('failoverHealthChecks', () => {
  it('lists the health checks of each health source, children before the calculated check', () => {
    const roles = (entry: Record<string, unknown>) => failoverHealthChecks(config(entry).failover[0]!).map((s) => `${s.role}:${s.kind}`);
    assert.deepEqual(roles({}), ['primary:endpoint', 'secondary:endpoint']);
    assert.deepEqual(roles({ check: 'shop', primary: { values: ['198.51.100.1'] } }), ['primary:alarm', 'secondary:endpoint']);
    assert.deepEqual(roles({ check: 'shop' }), ['primary-endpoint:endpoint', 'primary-alarm:alarm', 'primary:calculated', 'secondary:endpoint']);
  });

  it("names Route 53's health check types", () => {
    const [primary, secondary] = failoverHealthChecks(config({}).failover[0]!);
    assert.equal(primary?.kind === 'endpoint' ? endpointHealthCheckType(primary.endpoint) : '', 'HTTPS_STR_MATCH');
    assert.equal(secondary?.kind === 'endpoint' ? endpointHealthCheckType(secondary.endpoint) : '', 'HTTP');
  });

  it('tags each health check with project, service and role', () => {
    assert.deepEqual(failoverTags('demo', 'shop', 'secondary'), { 'skyprobe:project': 'demo', 'skyprobe:service': 'shop', 'skyprobe:role': 'secondary' });
  });

  it('prices the same health checks in the cost estimate: features, and AWS endpoints at their price', () => {
    assert.deepEqual(route53HealthChecksOfConfig(config({ check: 'shop' })), [
      { name: 'shop primary-endpoint', awsEndpoint: true, features: ['https', 'stringMatching', 'fastInterval'] },
      { name: 'shop primary-alarm', awsEndpoint: true, features: [] },
      { name: 'shop primary', awsEndpoint: true, features: [] },
      { name: 'shop secondary', awsEndpoint: false, features: [] },
    ]);
  });
});

describe('failover alarm names and notices', () => {
  it('parses what the builder builds, with dashes in service ids', () => {
    for (const service of ['shop', 'api-primary', 'failover-x']) {
      for (const role of ['primary', 'secondary'] as const) {
        assert.deepEqual(parseAlarmName('demo', alarmNames.failoverHealth('demo', service, role)), { kind: 'failover-health', service, role });
      }
    }
    assert.equal(alarmNames.failoverHealth('demo', 'shop', 'primary'), 'demo-failover-shop-primary-health');
  });

  it('rejects failover-looking names that are not ours', () => {
    for (const name of ['demo-failover-shop-tertiary-health', 'demo-failover--primary-health', 'demo-shop-primary-health', 'other-failover-shop-primary-health']) {
      assert.equal(parseAlarmName('demo', name), null, name);
    }
  });

  const input = { kind: 'failover-health' as const, alarmName: 'demo-failover-shop-primary-health', at: '2026-11-01T10:00:00.000Z', reason: 'Threshold Crossed', description: null, dashboardUrl: null };
  it('announces a failover of the primary as critical, and its end', () => {
    const down = noticeFor({ ...input, state: 'alarm', failover: { service: 'shop', role: 'primary' } });
    assert.equal(down.severity, 'critical');
    assert.equal(down.headline, 'FAILOVER shop: primary unhealthy, DNS answers with the secondary');
    assert.ok(down.details.some((d) => d.includes('skyprobe drill')));
    const up = noticeFor({ ...input, state: 'ok', failover: { service: 'shop', role: 'primary' } });
    assert.equal(up.headline, 'shop primary healthy again: DNS answers with the primary');
  });

  it('announces a dead standby as high, before anyone needs it', () => {
    const n = noticeFor({ ...input, alarmName: 'demo-failover-shop-secondary-health', state: 'alarm', failover: { service: 'shop', role: 'secondary' } });
    assert.equal(n.severity, 'high');
    assert.equal(n.headline, 'standby of shop is unhealthy: a failover would have nowhere to go');
    assert.equal(n.checkId, null);
  });
});
