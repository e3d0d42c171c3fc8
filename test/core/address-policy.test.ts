import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressRefusal, classifyAddress, type AddressClass } from '../../lambdas/core/address-policy.ts';

describe('classifyAddress', () => {
  const cases: readonly [string, AddressClass][] = [
    // IPv4
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['10.0.0.5', 'private'],
    ['10.255.255.255', 'private'],
    ['11.0.0.0', 'public'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.168.1.1', 'private'],
    ['192.169.0.1', 'public'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['100.128.0.0', 'public'],
    ['100.63.255.255', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['169.254.169.123', 'link_local'],
    ['169.254.0.1', 'link_local'],
    ['169.253.255.255', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['203.0.113.7', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['223.255.255.255', 'public'],
    // IPv6
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:82a::200e', 'public'],
    ['::', 'unspecified'],
    ['0:0:0:0:0:0:0:0', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link_local'],
    ['FEBF:ffff::1', 'link_local'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:0ec2:0:0:0:0:0:254', 'metadata'],
    ['fd00:ec2::253', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::2', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv4 inside IPv6
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::FFFF:10.0.0.5', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:8.8.8.8', 'public'],
    ['0:0:0:0:0:ffff:192.168.0.1', 'private'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:a00:1::1', 'private'],
    ['2002:808:808::1', 'public'],
    // not an address
    ['example.com', 'reserved'],
    ['', 'reserved'],
    ['010.0.0.1', 'reserved'],
    ['[::1]', 'reserved'],
  ];
  for (const [ip, expected] of cases) {
    it(`classifies ${JSON.stringify(ip)} as ${expected}`, () => {
      assert.equal(classifyAddress(ip), expected);
    });
  }
});

describe('addressRefusal', () => {
  const refused: readonly [string, string][] = [
    ['169.254.169.254', '169.254.169.254 is a cloud metadata address'],
    ['fd00:ec2::254', 'fd00:ec2::254 is a cloud metadata address'],
    ['::ffff:169.254.169.254', '::ffff:169.254.169.254 is a cloud metadata address'],
    ['10.0.0.5', '10.0.0.5 is a private address (set allowPrivateTargets to probe it)'],
    ['127.0.0.1', '127.0.0.1 is a loopback address (set allowPrivateTargets to probe it)'],
    ['::1', '::1 is a loopback address (set allowPrivateTargets to probe it)'],
    ['fe80::1', 'fe80::1 is a link-local address (set allowPrivateTargets to probe it)'],
    ['0.0.0.0', '0.0.0.0 is an unspecified address (set allowPrivateTargets to probe it)'],
    ['224.0.0.1', '224.0.0.1 is a multicast address (set allowPrivateTargets to probe it)'],
    ['255.255.255.255', '255.255.255.255 is a reserved address (set allowPrivateTargets to probe it)'],
  ];
  const special = new Set(['fe80::1', '0.0.0.0', '224.0.0.1', '255.255.255.255']);
  const metadata = new Set(['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254']);
  for (const [ip, reason] of refused) {
    it(`rejects ${ip} when private targets are not allowed`, () => {
      assert.equal(addressRefusal(ip, { allowPrivate: false, allowSpecial: false }), reason);
    });
    if (metadata.has(ip)) {
      it(`rejects the metadata address ${ip} even when everything else is allowed`, () => {
        assert.equal(addressRefusal(ip, { allowPrivate: true, allowSpecial: true }), reason);
      });
    } else if (special.has(ip)) {
      it(`rejects ${ip} when only private targets are allowed (the local runner)`, () => {
        assert.equal(addressRefusal(ip, { allowPrivate: true, allowSpecial: false }), reason);
      });
      it(`allows ${ip} when the check allows private targets`, () => {
        assert.equal(addressRefusal(ip, { allowPrivate: true, allowSpecial: true }), null);
      });
    } else {
      it(`allows ${ip} when private targets are allowed`, () => {
        assert.equal(addressRefusal(ip, { allowPrivate: true, allowSpecial: false }), null);
      });
      it(`rejects ${ip} when only special targets are allowed`, () => {
        assert.equal(addressRefusal(ip, { allowPrivate: false, allowSpecial: true }), reason);
      });
    }
  }

  for (const ip of ['93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    it(`allows the public address ${ip} under either policy`, () => {
      assert.equal(addressRefusal(ip, { allowPrivate: false, allowSpecial: false }), null);
      assert.equal(addressRefusal(ip, { allowPrivate: true, allowSpecial: true }), null);
    });
  }

  for (const input of ['localhost', '', '2130706433', 'fe80::1%eth0']) {
    it(`rejects ${JSON.stringify(input)}, not an IP address, under either policy`, () => {
      const reason = `${JSON.stringify(input)} is not an IP address`;
      assert.equal(addressRefusal(input, { allowPrivate: false, allowSpecial: false }), reason);
      assert.equal(addressRefusal(input, { allowPrivate: true, allowSpecial: true }), reason);
    });
  }
});
