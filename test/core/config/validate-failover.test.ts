import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../../../lambdas/core/config/validate.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import { ROUTE53_CHECKER_REGIONS } from '../../../lambdas/core/failover.ts';

const CHECKS = [{ id: 'storefront', type: 'http', url: 'https://www.example.com/' }];
const ENTRY = {
  id: 'storefront',
  hostedZoneId: 'Z0123456789ABC',
  recordName: 'www.example.com',
  primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'https' } },
  secondary: { values: ['192.0.2.10'], healthCheck: { protocol: 'https' } },
};

function failover(entry: Record<string, unknown>, top: Record<string, unknown> = {}) {
  return validateConfig({ checks: CHECKS, failover: [entry], ...top }).failover;
}

/** Every message of the config error, one per line. */
function problems(entry: unknown, top: Record<string, unknown> = {}): string[] {
  try {
    validateConfig({ checks: CHECKS, failover: [entry], ...top });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message.split('\n');
  }
  return assert.fail('expected a config error');
}

describe('failover config', () => {
  it('fills in every default', () => {
    assert.deepEqual(failover(ENTRY), [
      {
        id: 'storefront',
        hostedZoneId: 'Z0123456789ABC',
        recordName: 'www.example.com',
        recordType: 'A',
        ttlSeconds: 60,
        primary: {
          target: { kind: 'values', values: ['198.51.100.1'] },
          healthCheck: { protocol: 'https', host: null, ipAddress: '198.51.100.1', port: 443, path: '/', searchString: null, intervalSeconds: 30, failureThreshold: 3, regions: [...ROUTE53_CHECKER_REGIONS] },
        },
        secondary: {
          target: { kind: 'values', values: ['192.0.2.10'] },
          healthCheck: { protocol: 'https', host: null, ipAddress: '192.0.2.10', port: 443, path: '/', searchString: null, intervalSeconds: 30, failureThreshold: 3, regions: [...ROUTE53_CHECKER_REGIONS] },
        },
        health: 'endpoint',
        checkId: null,
        rtoSeconds: 300,
      },
    ]);
    assert.deepEqual(validateConfig({ checks: CHECKS }).failover, []);
  });

  it('infers the health source: endpoint, alarm or calculated', () => {
    assert.equal(failover(ENTRY)[0]?.health, 'endpoint');
    assert.equal(failover({ ...ENTRY, check: 'storefront' })[0]?.health, 'calculated');
    const alarmOnly = failover({ ...ENTRY, primary: { values: ['198.51.100.1'] }, check: 'storefront' })[0];
    assert.equal(alarmOnly?.health, 'alarm');
    assert.equal(alarmOnly?.primary.healthCheck, null);
    assert.equal(failover({ ...ENTRY, check: 'storefront', health: 'endpoint' })[0]?.checkId, 'storefront');
  });

  it('reads alias targets (no ttl) and points their health check at the alias name', () => {
    const [s] = failover({ ...ENTRY, primary: { alias: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'LB-1.us-east-1.elb.amazonaws.com.' }, healthCheck: { protocol: 'tcp', port: 443 } } });
    assert.deepEqual(s?.primary.target, { kind: 'alias', hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'lb-1.us-east-1.elb.amazonaws.com', evaluateTargetHealth: true });
    assert.equal(s?.primary.healthCheck?.host, 'lb-1.us-east-1.elb.amazonaws.com');
    assert.equal(s?.primary.healthCheck?.path, null);
  });

  it('reads a cname target and a string match', () => {
    const [s] = failover({
      ...ENTRY,
      recordType: 'CNAME',
      ttl: '30s',
      primary: { values: ['Origin-A.example.net'], healthCheck: { protocol: 'http', path: '/health', searchString: 'ok', interval: '10s', failureThreshold: 1, regions: ['us-east-1', 'eu-west-1', 'sa-east-1'] } },
      secondary: { values: ['origin-b.example.net'], healthCheck: { protocol: 'http' } },
    });
    assert.equal(s?.ttlSeconds, 30);
    assert.deepEqual(s?.primary.healthCheck, { protocol: 'http', host: 'origin-a.example.net', ipAddress: null, port: 80, path: '/health', searchString: 'ok', intervalSeconds: 10, failureThreshold: 1, regions: ['us-east-1', 'eu-west-1', 'sa-east-1'] });
  });

  const rejections: [string, Record<string, unknown>, RegExp, Record<string, unknown>?][] = [
    ['a ttl over 60s', { ttl: '2m' }, /^failover\[0\]\.ttl: must be at most 1m, got "2m"$/],
    ['fewer than 3 checker regions', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'http', regions: ['us-east-1', 'eu-west-1'] } } }, /primary\.healthCheck\.regions: must list at least 3 route 53 checker regions, got 2/],
    ['a region route 53 does not check from', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'http', regions: ['us-east-1', 'eu-west-1', 'eu-west-2'] } } }, /regions\[2\]: must be one of .*got "eu-west-2"/],
    ['an interval other than 10s or 30s', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'http', interval: '1m' } } }, /interval: must be "10s" or "30s" .*got "1m"/],
    ['a failure threshold over 10', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'http', failureThreshold: 11 } } }, /failureThreshold: must be an integer from 1 to 10, got 11/],
    ['a port out of range', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'http', port: 70000 } } }, /port: must be an integer from 1 to 65535, got 70000/],
    ['a tcp check without a port', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'tcp' } } }, /primary\.healthCheck\.port: is required/],
    ['a path without a leading slash', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'http', path: 'health' } } }, /path: must start with "\/".*got "health"/],
    ['a search string over 255 characters', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'http', searchString: 'x'.repeat(256) } } }, /searchString: must be at most 255 characters .*got 256/],
    ['a search string on tcp', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'tcp', port: 5432, searchString: 'ok' } } }, /searchString: a tcp health check only connects/],
    ['a malformed zone id', { hostedZoneId: '/hostedzone/Z0123456789ABC' }, /hostedZoneId: must be a route 53 hosted zone id.*\(write "Z0123456789ABC", without "\/hostedzone\/"\)/],
    ['a record outside its zone', { zoneName: 'example.org' }, /recordName: must be inside the zone "example\.org".*got "www\.example\.com"/],
    ['a cname at the zone apex', { zoneName: 'example.com', recordName: 'example.com', recordType: 'CNAME', primary: { values: ['a.example.net'], healthCheck: { protocol: 'http' } }, secondary: { values: ['b.example.net'], healthCheck: { protocol: 'http' } } }, /a cname cannot be at the zone apex/],
    ['a record type other than A, AAAA, CNAME', { recordType: 'MX' }, /recordType: must be one of A, AAAA, CNAME, got "MX"/],
    ['an A value that is not an ipv4 address', { primary: { values: ['2001:db8::1'], healthCheck: { protocol: 'http', ipAddress: '198.51.100.1' } } }, /primary\.values\[0\]: must be an ipv4 address \(record type A\), got "2001:db8::1"/],
    ['a missing secondary health check', { secondary: { values: ['192.0.2.10'] } }, /secondary\.healthCheck: is required: a route 53 health check of the standby/],
    ['both values and alias', { primary: { values: ['198.51.100.1'], alias: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'a.elb.amazonaws.com' } } }, /primary: give either "values" or "alias", not both/],
    ['no health at all', { primary: { values: ['198.51.100.1'] } }, /failover\[0\]: needs primary\.healthCheck .*"check".*or both/],
    ['a check that does not exist', { check: 'storefornt' }, /check: must be the id of a check in this config, got "storefornt" \(did you mean "storefront"\?\)/],
    ['health "alarm" without a check', { health: 'alarm', primary: { values: ['198.51.100.1'] } }, /check: is required with health "alarm"/],
    ['a health check of the failover record itself', { primary: { values: ['198.51.100.1'], healthCheck: { protocol: 'http', host: 'www.example.com' } } }, /primary\.healthCheck\.host: must not be the failover record "www\.example\.com" itself/],
    ['a ttl with alias targets on both sides', { ttl: '30s', primary: { alias: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'a.elb.amazonaws.com' }, healthCheck: { protocol: 'http' } }, secondary: { alias: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'b.elb.amazonaws.com' }, healthCheck: { protocol: 'http' } } }, /ttl: alias records have no ttl/],
    ['an unknown field', { recordNmae: 'x' }, /failover\[0\]\.recordNmae: unknown field "recordNmae" \(did you mean "recordName"\?\)/],
    ['a home region other than us-east-1', {}, /^homeRegion: must be "us-east-1" when the config has failover entries: route 53 health-check metrics.*got "eu-west-1"$/, { homeRegion: 'eu-west-1' }],
  ];
  for (const [what, change, expected, top] of rejections) {
    it(`rejects ${what}`, () => {
      const lines = problems({ ...ENTRY, ...change }, top);
      assert.ok(lines.some((l) => expected.test(l)), `${expected} not in:\n${lines.join('\n')}`);
    });
  }

  it('rejects duplicate service ids and two services failing over the same record', () => {
    const linesOf = (entries: unknown[]): string[] => {
      try {
        validateConfig({ checks: CHECKS, failover: entries });
      } catch (error) {
        return (error as Error).message.split('\n');
      }
      return assert.fail('expected a config error');
    };
    assert.deepEqual(linesOf([ENTRY, ENTRY]), ['failover[1].id: duplicate id "storefront": failover[0] already uses it']);
    assert.deepEqual(linesOf([ENTRY, { ...ENTRY, id: 'shop-2' }]), ['failover[1].recordName: failover[0] already fails over A www.example.com']);
  });

  it('rejects every problem of an entry at once', () => {
    const lines = problems({ ...ENTRY, ttl: '0s', check: 'nope', primary: { values: [] } });
    assert.ok(lines.length >= 3, lines.join('\n'));
  });
});
