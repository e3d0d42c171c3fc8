/**
 * The Route 53 adapter against moto 5.2.1 (health checks, tags, Inverted, status, failover record sets),
 * and TestDNSAnswer against the loopback proxy that speaks Route 53's XML for it (moto has no TestDNSAnswer).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { failoverTags } from '../../lambdas/core/failover.ts';
import { Route53Failover } from '../../lambdas/aws/route53-failover.ts';
import { motoClientConfig, startMoto, type Moto } from '../support/moto.ts';
import { startRoute53Proxy, type Route53Proxy } from '../support/route53-proxy.ts';

let moto: Moto;
let proxy: Route53Proxy;
let client: Route53Client;
let adapter: Route53Failover;
let n = 0;

async function healthCheck(tags: Record<string, string>): Promise<string> {
  n += 1;
  const out = await client.send(
    new CreateHealthCheckCommand({ CallerReference: `hc-${n}`, HealthCheckConfig: { Type: 'HTTPS', FullyQualifiedDomainName: `origin-${n}.example.com`, Port: 443, ResourcePath: '/' } }),
  );
  const id = out.HealthCheck!.Id!;
  await client.send(new ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id, AddTags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  return id;
}

before(async () => {
  moto = await startMoto();
  proxy = await startRoute53Proxy(moto.endpoint, ['192.0.2.1']);
  client = new Route53Client(motoClientConfig(proxy.endpoint, 'us-east-1'));
  adapter = new Route53Failover({ client });
});

after(async () => {
  client?.destroy();
  await proxy?.close();
  await moto?.close();
});

beforeEach(() => moto.reset());

describe('Route53Failover', () => {
  it("finds a service's health checks by their tags, across more than one tag batch, ignoring other projects and services", async () => {
    // 12 unrelated checks push ours past the first ListTagsForResources batch of 10.
    for (let i = 0; i < 12; i++) await healthCheck(failoverTags('other', 'shop', 'primary'));
    await healthCheck(failoverTags('demo', 'api', 'primary'));
    const primary = await healthCheck(failoverTags('demo', 'shop', 'primary'));
    const secondary = await healthCheck(failoverTags('demo', 'shop', 'secondary'));
    const found = await adapter.healthChecksOf('demo', 'shop');
    assert.deepEqual([...found.keys()].sort(), ['primary', 'secondary']);
    assert.deepEqual(found.get('primary'), { id: primary, role: 'primary', type: 'HTTPS', inverted: false, disabled: false });
    assert.equal(found.get('secondary')?.id, secondary);
    assert.equal((await adapter.healthChecksOf('demo', 'nothing')).size, 0);
  });

  it('sets and clears Inverted, reading it back', async () => {
    const id = await healthCheck(failoverTags('demo', 'shop', 'primary'));
    await adapter.setInverted(id, true);
    assert.equal(await adapter.isInverted(id), true);
    assert.equal((await adapter.healthChecksOf('demo', 'shop')).get('primary')?.inverted, true);
    await adapter.setInverted(id, false);
    assert.equal(await adapter.isInverted(id), false);
  });

  it('rejects setting Inverted on a health check that does not exist', async () => {
    await assert.rejects(adapter.setInverted('00000000-0000-0000-0000-000000000000', true));
  });

  it('reads the checker observations', async () => {
    const id = await healthCheck(failoverTags('demo', 'shop', 'primary'));
    const observations = await adapter.observations(id);
    assert.ok(observations.length >= 1);
    assert.match(observations[0]!.status, /^Success/);
    assert.ok(observations[0]!.region.length > 0);
  });

  it("asks Route 53 for the record's answer (TestDNSAnswer, REST XML)", async () => {
    proxy.setAnswer(['192.0.2.7', '192.0.2.8']);
    assert.deepEqual(await adapter.testDnsAnswer('Z0TEST', 'www.example.com', 'A'), { answers: ['192.0.2.7', '192.0.2.8'], responseCode: 'NOERROR', nameserver: 'ns-1.awsdns-01.org' });
    proxy.setAnswer(['Origin.Example.NET.']);
    assert.deepEqual((await adapter.testDnsAnswer('Z0TEST', 'www.example.com', 'CNAME')).answers, ['origin.example.net']);
    proxy.setAnswer([], 'NXDOMAIN');
    assert.deepEqual(await adapter.testDnsAnswer('Z0TEST', 'nope.example.com', 'A'), { answers: [], responseCode: 'NXDOMAIN', nameserver: 'ns-1.awsdns-01.org' });
  });

  it('lists the PRIMARY and SECONDARY records of one name and type, and nothing else', async () => {
    const zone = await client.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'zone-1' }));
    const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
    const hc = await healthCheck(failoverTags('demo', 'shop', 'primary'));
    await client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            { Action: 'CREATE', ResourceRecordSet: { Name: 'www.example.com', Type: 'A', SetIdentifier: 'primary', Failover: 'PRIMARY', TTL: 60, HealthCheckId: hc, ResourceRecords: [{ Value: '192.0.2.1' }] } },
            { Action: 'CREATE', ResourceRecordSet: { Name: 'www.example.com', Type: 'A', SetIdentifier: 'secondary', Failover: 'SECONDARY', TTL: 60, ResourceRecords: [{ Value: '192.0.2.2' }] } },
            { Action: 'CREATE', ResourceRecordSet: { Name: 'www.example.com', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"x"' }] } },
            { Action: 'CREATE', ResourceRecordSet: { Name: 'zzz.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.9' }] } },
          ],
        },
      }),
    );
    const records = await adapter.failoverRecords(zoneId, 'WWW.example.com.', 'A');
    assert.deepEqual(
      records.map((r) => [r.failover, r.setIdentifier, r.healthCheckId, r.ttlSeconds, r.values, r.alias]),
      [
        ['PRIMARY', 'primary', hc, 60, ['192.0.2.1'], null],
        ['SECONDARY', 'secondary', null, 60, ['192.0.2.2'], null],
      ],
    );
  });
});
