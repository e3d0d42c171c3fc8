import { isIpv4, isIpv6 } from './ip.ts';

/**
 * Which addresses a probe may connect to. Probes run inside AWS, so a
 * monitor pointed at 169.254.169.254 or 10.0.0.5 would read the cloud's
 * metadata or the VPC; the engine classifies every address it is about to
 * connect to (after DNS, after each redirect) and refuses what is not public
 * unless the check sets `allowPrivateTargets`.
 */
export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link_local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

export interface AddressPolicy {
  /** Private (RFC 1918, CGNAT, ULA) and loopback targets: the local runner and checks with allowPrivateTargets. */
  readonly allowPrivate: boolean;
  /** Link-local, unspecified, multicast and reserved targets: only checks with allowPrivateTargets. */
  readonly allowSpecial: boolean;
}

/** IPv4 CIDR ranges, checked in order: the first match wins, so the metadata hosts come before 169.254/16. */
const IPV4_RANGES: readonly (readonly [cidr: string, cls: AddressClass])[] = [
  ['169.254.169.254/32', 'metadata'], // EC2 instance metadata (and most clouds)
  ['169.254.170.2/32', 'metadata'], // ECS task metadata and credentials
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link_local'], // includes 169.254.169.123, Amazon Time Sync
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'reserved'], // TEST-NET-1
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'reserved'], // TEST-NET-2
  ['203.0.113.0/24', 'reserved'], // TEST-NET-3
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes 255.255.255.255
];

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

const IPV4_TABLE = IPV4_RANGES.map(([cidr, cls]) => {
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  const start = ipv4ToNumber(base);
  return { start, end: start + size - 1, cls };
});

function classifyIpv4(ip: string): AddressClass {
  const n = ipv4ToNumber(ip);
  return IPV4_TABLE.find((range) => n >= range.start && n <= range.end)?.cls ?? 'public';
}

/** Eight 16-bit groups of a valid IPv6 literal. */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4ToNumber(text.slice(lastColon + 1));
    tail.push(Math.floor(v4 / 65536), v4 % 65536);
    text = text.slice(0, lastColon + 1);
    // "::1.2.3.4" and "a::1.2.3.4" leave "::" / "a::"; "a:b:c:d:e:f:1.2.3.4" leaves a dangling ":".
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const gap = text.indexOf('::');
  let groups: number[];
  if (gap === -1) {
    groups = [...parse(text), ...tail];
  } else {
    const left = parse(text.slice(0, gap));
    const right = [...parse(text.slice(gap + 2)), ...tail];
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  return groups;
}

function embeddedIpv4(high: number, low: number): string {
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

function classifyIpv6(ip: string): AddressClass {
  const g = ipv6Groups(ip);
  const at = (i: number): number => g[i] ?? 0;
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);

  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && at(7) === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d reaches the IPv4 address itself.
  if (zeroUpTo(5) && at(5) === 0xffff) return classifyIpv4(embeddedIpv4(at(6), at(7)));
  // NAT64 64:ff9b::/96 reaches the embedded IPv4 address through a gateway.
  if (at(0) === 0x64 && at(1) === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return classifyIpv4(embeddedIpv4(at(6), at(7)));
  }
  // 6to4 2002:a.b.c.d::/48 names an IPv4 address too; never let it disguise a private one.
  if (at(0) === 0x2002) {
    const inner = classifyIpv4(embeddedIpv4(at(1), at(2)));
    if (inner !== 'public') return inner;
  }
  // fd00:ec2::254, EC2 instance metadata over IPv6.
  if (at(0) === 0xfd00 && at(1) === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && at(7) === 0x254) {
    return 'metadata';
  }
  if ((at(0) & 0xff00) === 0xff00) return 'multicast';
  if ((at(0) & 0xffc0) === 0xfe80) return 'link_local';
  if ((at(0) & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((at(0) & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local fec0::/10
  if (at(0) === 0x2001 && at(1) === 0x0db8) return 'reserved'; // documentation
  // Everything else outside global unicast 2000::/3 is unassigned or special.
  if ((at(0) & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

/**
 * The class of an IP address (IPv4, or IPv6 without brackets or zone id).
 * Anything that is not an IP literal is `reserved`, so it is never
 * mistaken for a public address.
 */
export function classifyAddress(ip: string): AddressClass {
  if (isIpv4(ip)) return classifyIpv4(ip);
  if (isIpv6(ip)) return classifyIpv6(ip);
  return 'reserved';
}

const REFUSAL_REASON: Readonly<Record<Exclude<AddressClass, 'public'>, string>> = {
  metadata: 'a cloud metadata address',
  private: 'a private address',
  loopback: 'a loopback address',
  link_local: 'a link-local address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

const HINT = ' (set allowPrivateTargets to probe it)';

/**
 * Null when a probe may connect to `ip`, else the reason it may not, e.g.
 * `10.0.0.5 is a private address (set allowPrivateTargets to probe it)`.
 * Cloud metadata addresses are always refused: probing them is how a
 * monitor would leak the credentials of the role it runs as. A string that
 * is not an IP literal is always refused.
 */
export function addressRefusal(ip: string, policy: AddressPolicy): string | null {
  if (!isIpv4(ip) && !isIpv6(ip)) return `"${ip}" is not an IP address`;
  const cls = classifyAddress(ip);
  if (cls === 'public') return null;
  if (cls === 'metadata') return `${ip} is ${REFUSAL_REASON[cls]}`;
  if ((cls === 'private' || cls === 'loopback') && policy.allowPrivate) return null;
  if (cls !== 'private' && cls !== 'loopback' && policy.allowSpecial) return null;
  return `${ip} is ${REFUSAL_REASON[cls]}${HINT}`;
}
