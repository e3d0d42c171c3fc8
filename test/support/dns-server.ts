/**
 * A real UDP DNS server on 127.0.0.1 answering from an in-memory record table,
 * and a LookupFn that resolves through it, so probes resolve names the way they
 * do in production (over the wire) without touching the system resolver.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { LookupFn, ResolvedAddress } from '../../lambdas/core/ports.ts';

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/**
 * Lowercase name (no trailing dot) → type → answer data in dns-packet's shape:
 * A/AAAA/CNAME/NS a string, MX `{ preference, exchange }`, TXT a string (or array of
 * strings), SRV `{ priority, weight, port, target }`, CAA `{ flags, tag, value }`.
 */
export type DnsRecords = Record<string, Partial<Record<DnsRecordType, readonly unknown[]>>>;

/** Queries for this name are never answered (the client times out). */
export const DNS_TIMEOUT_NAME = 'timeout.test';
/** Queries for this name get SERVFAIL. */
export const DNS_SERVFAIL_NAME = 'servfail.test';

export interface DnsQuery {
  /** Lowercase, no trailing dot. */
  readonly name: string;
  readonly type: string;
}

export interface TestDnsServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Replaces the whole record table; later queries see the new records. */
  setRecords(records: DnsRecords): void;
  /** Every question received, in order. */
  readonly queries: DnsQuery[];
  close(): Promise<void>;
}

const RCODE_NOERROR = 0;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const TTL_SECONDS = 60;
const MAX_CNAME_HOPS = 8;

/**
 * Answers from `records`: an unknown name gets NXDOMAIN; a known name without the
 * asked type gets NOERROR with no answers (unless it has a CNAME, which is followed
 * within the table); `timeout.test` is never answered; `servfail.test` gets SERVFAIL.
 */
export async function startDnsServer(records: DnsRecords): Promise<TestDnsServer> {
  let table = records;
  const queries: DnsQuery[] = [];
  const socket = createSocket('udp4');

  const answer = (msg: Buffer, peer: RemoteInfo): void => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS; a real server would drop it too
    }
    const question = query.questions?.[0];
    if (question === undefined) return;
    const name = normalizeName(question.name);
    queries.push({ name, type: question.type });
    if (name === DNS_TIMEOUT_NAME) return;

    let rcode = RCODE_NOERROR;
    let answers: dnsPacket.Answer[] = [];
    if (name === DNS_SERVFAIL_NAME) {
      rcode = RCODE_SERVFAIL;
    } else if (table[name] === undefined) {
      rcode = RCODE_NXDOMAIN;
    } else {
      answers = answersFor(table, question.name, question.type);
    }
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags:
        dnsPacket.AUTHORITATIVE_ANSWER |
        dnsPacket.RECURSION_AVAILABLE |
        ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
        rcode,
      questions: [question],
      answers,
    });
    socket.send(response, peer.port, peer.address);
  };

  socket.on('message', answer);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const port = socket.address().port;

  let closing: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    queries,
    setRecords(next) {
      table = next;
    },
    close() {
      closing ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closing;
    },
  };
}

function answersFor(table: DnsRecords, askedName: string, type: string): dnsPacket.Answer[] {
  const answers: dnsPacket.Answer[] = [];
  let owner = askedName;
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop += 1) {
    const entry = table[normalizeName(owner)];
    if (entry === undefined) break;
    const direct = isRecordType(type) ? entry[type] : undefined;
    if (direct !== undefined && direct.length > 0) {
      answers.push(...direct.map((data) => toAnswer(owner, type, data)));
      break;
    }
    const target = entry.CNAME?.[0];
    if (type === 'CNAME' || typeof target !== 'string') break;
    answers.push(toAnswer(owner, 'CNAME', target));
    owner = target;
  }
  return answers;
}

function toAnswer(name: string, type: string, data: unknown): dnsPacket.Answer {
  // The table holds data in dns-packet's own shape; dns-packet validates it when encoding.
  return { name, type, class: 'IN', ttl: TTL_SECONDS, data } as unknown as dnsPacket.Answer;
}

function isRecordType(type: string): type is DnsRecordType {
  return (DNS_RECORD_TYPES as readonly string[]).includes(type);
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export interface MakeLookupOptions {
  /** Per-query timeout of the resolver (one try, no retries). @default 1000 */
  readonly timeoutMillis?: number;
}

/**
 * A LookupFn resolving A and AAAA through `server` (IPv4 addresses first).
 * IP literals and `localhost` are answered without a query. When neither type has
 * addresses it throws like `dns.lookup`: code ENOTFOUND for NXDOMAIN or no data,
 * otherwise the resolver's code (ESERVFAIL, ETIMEOUT, ...).
 */
export function makeLookup(
  server: { readonly host: string; readonly port: number },
  opts: MakeLookupOptions = {},
): LookupFn {
  let resolver: Resolver | undefined;
  return async (hostname) => {
    const family = isIP(hostname);
    if (family === 4 || family === 6) return [{ address: hostname, family }];
    if (hostname.toLowerCase() === 'localhost') return [{ address: '127.0.0.1', family: 4 }];

    if (resolver === undefined) {
      resolver = new Resolver({ timeout: opts.timeoutMillis ?? 1000, tries: 1 });
      resolver.setServers([`${server.host}:${server.port}`]);
    }
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
    const addresses: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (addresses.length > 0) return addresses;

    const codes = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [errorCode(r.reason)] : []));
    const hard = codes.find((code) => code !== 'ENOTFOUND' && code !== 'ENODATA');
    throw lookupError(hostname, hard ?? 'ENOTFOUND');
  };
}

function errorCode(reason: unknown): string {
  if (typeof reason === 'object' && reason !== null && 'code' in reason && typeof reason.code === 'string') {
    return reason.code;
  }
  return 'EUNKNOWN';
}

/** Shaped like the errors `dns.lookup` produces: message `getaddrinfo CODE host`, code, hostname. */
function lookupError(hostname: string, code: string): Error {
  return Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, syscall: 'getaddrinfo', hostname });
}
