/**
 * IP literal checks for core, which may not import `node:net`. Stricter than
 * `net.isIP`: no leading zeros in IPv4 octets (ambiguous: octal to some
 * parsers) and no IPv6 zone ids (`fe80::1%eth0`), which mean nothing off the
 * host that wrote them.
 */

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Dotted-quad IPv4, e.g. "192.0.2.1". */
export function isIpv4(value: string): boolean {
  return IPV4.test(value);
}

/** IPv6 literal without brackets, e.g. "2001:db8::1", "::", "::ffff:192.0.2.1". */
export function isIpv6(value: string): boolean {
  if (value.length < 2 || value.length > 45) return false;
  let text = value;
  const lastColon = text.lastIndexOf(':');
  if (lastColon === -1) return false;
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 tail stands for the last two 16-bit groups.
    if (!isIpv4(tail)) return false;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) return false;
  if (gap === -1) {
    const groups = text.split(':');
    return groups.length === 8 && groups.every((g) => HEX_GROUP.test(g));
  }
  const left = text.slice(0, gap);
  const right = text.slice(gap + 2);
  const groups = [...(left === '' ? [] : left.split(':')), ...(right === '' ? [] : right.split(':'))];
  return groups.length <= 7 && groups.every((g) => HEX_GROUP.test(g));
}

/** 4 or 6 for an IP literal, 0 otherwise (the shape of `net.isIP`). */
export function ipVersion(value: string): 0 | 4 | 6 {
  if (isIpv4(value)) return 4;
  if (isIpv6(value)) return 6;
  return 0;
}
