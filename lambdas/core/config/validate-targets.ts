import type { DnsCheck, TcpCheck, TlsCheck } from '../check.ts';
import { isIpv4, isIpv6 } from '../ip.ts';
import type { DnsRecordType } from './input.ts';
import {
  at,
  describe,
  field,
  isHostname,
  readArray,
  readBoolean,
  readEnum,
  readHost,
  readInteger,
  readOptional,
  readPort,
  readRequired,
  readString,
  regexError,
  report,
  checkPlaceholders,
  type Obj,
  type PlaceholderUse,
  type Scope,
} from './validate-fields.ts';

/** TCP, DNS and TLS checks: the fields that name a target on the network. */

export const TCP_FIELDS = ['host', 'port', 'send', 'expect'] as const;
export const DNS_FIELDS = ['domain', 'recordType', 'expectedAnswers', 'match', 'resolver'] as const;
export const TLS_FIELDS = ['host', 'port', 'minDaysRemaining', 'requireTrustedChain', 'requireHostnameMatch'] as const;

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA', 'PTR', 'SOA'] as const satisfies readonly DnsRecordType[];
const DNS_MATCH = ['all', 'any', 'exact'] as const;
const NO_VARIABLES: PlaceholderUse = { variables: { scenario: false, firstExtractedAt: new Map() }, stepIndex: 0 };

export type TcpFields = Pick<TcpCheck, 'host' | 'port' | 'send' | 'expect'>;
export type DnsFields = Pick<DnsCheck, 'domain' | 'recordType' | 'expectedAnswers' | 'match' | 'resolver'>;
export type TlsFields = Pick<TlsCheck, 'host' | 'port' | 'minDaysRemaining' | 'requireTrustedChain' | 'requireHostnameMatch'>;

export function validateTcpFields(scope: Scope, check: Obj, path: string): TcpFields {
  const host = readRequired(scope, check, 'host', path, readHost) ?? '';
  const port = readRequired(scope, check, 'port', path, readPort) ?? 0;
  // send: null or absent sends nothing; \r \n \t \\ written literally are turned into the characters.
  const rawSend = field(check, 'send');
  const send = rawSend === undefined || rawSend === null ? null : (readString(scope, rawSend, at(path, 'send')) ?? null);
  const rawExpect = field(check, 'expect');
  const expect = rawExpect === undefined || rawExpect === null ? null : readTcpExpect(scope, rawExpect, at(path, 'expect'));
  // send may hold {{secret:NAME}} placeholders; a tcp check has no variables.
  if (send !== null) checkPlaceholders(scope, send, at(path, 'send'), NO_VARIABLES, false);
  return { host, port, send: send === null ? null : unescape(send), expect };
}

function unescape(text: string): string {
  const chars: Readonly<Record<string, string>> = { r: '\r', n: '\n', t: '\t', '\\': '\\' };
  return text.replace(/\\([rnt\\])/g, (_, c: string) => chars[c] ?? c);
}

/** "/regex/flags" form; flags limited to i, m, s, u (g and y make a regex stateful). */
const REGEX_LITERAL = /^\/(.+)\/([a-z]*)$/s;

/**
 * `expect`: "/re/flags" is a regular expression, kept in that literal form as
 * `{ matches: "/re/flags" }` (the source runs to the last "/"); anything
 * else is a substring, `{ contains }`.
 */
function readTcpExpect(scope: Scope, value: unknown, path: string): TcpFields['expect'] {
  const text = readString(scope, value, path, { nonEmpty: true });
  if (text === undefined) return null;
  const literal = REGEX_LITERAL.exec(text);
  if (!literal) return { contains: text };
  const source = literal[1] ?? '';
  const flags = literal[2] ?? '';
  if (!/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) {
    report(scope, path, `regular expression flags may be i, m, s and u, each once, got ${describe(text)}`);
    return null;
  }
  const error = regexError(source, flags);
  if (error !== undefined) {
    report(scope, path, `must be a valid regular expression, got ${describe(text)}: ${error}`);
    return null;
  }
  return { matches: text };
}

export function validateDnsFields(scope: Scope, check: Obj, path: string): DnsFields {
  const domain = readRequired(scope, check, 'domain', path, readDnsName) ?? '';
  const recordType = readOptional(scope, check, 'recordType', path, (s, v, p) => readEnum(s, v, p, DNS_RECORD_TYPES), 'A');
  // No expected answers: any non-empty answer passes.
  const expectedAnswers = readOptional(scope, check, 'expectedAnswers', path, readAnswers, []);
  const rawMatch = field(check, 'match');
  const match = readOptional(scope, check, 'match', path, (s, v, p) => readEnum(s, v, p, DNS_MATCH), 'all');
  // "any" or "exact" with nothing to compare is a config mistake, not a rule that always passes.
  const rawAnswers = field(check, 'expectedAnswers');
  const noAnswers = rawAnswers === undefined || (Array.isArray(rawAnswers) && rawAnswers.length === 0);
  if (rawMatch !== undefined && match !== 'all' && noAnswers) {
    report(scope, at(path, 'match'), `match "${match}" needs expectedAnswers, got ${describe(rawAnswers)}`);
  }
  // No resolver: the system resolver of wherever the probe runs.
  const rawResolver = field(check, 'resolver');
  const resolver = rawResolver === undefined || rawResolver === null ? null : readResolver(scope, rawResolver, at(path, 'resolver'));
  return { domain, recordType, expectedAnswers, match, resolver };
}

function readDnsName(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && isHostname(value, { underscores: true })) return value;
  report(scope, path, `must be a DNS name such as "example.com", got ${describe(value)}`);
  return undefined;
}

function readAnswers(scope: Scope, value: unknown, path: string): string[] | undefined {
  const list = readArray(scope, value, path);
  if (list === undefined) return undefined;
  const answers: string[] = [];
  list.forEach((item, i) => {
    const answer = readString(scope, item, at(path, i), { nonEmpty: true });
    if (answer !== undefined) answers.push(answer);
  });
  return answers.length === list.length ? answers : undefined;
}

/** "ip", "ip:port" or "[ipv6]:port" (a bare IPv6 address also works); port 53 when not given. */
function readResolver(scope: Scope, value: unknown, path: string): DnsFields['resolver'] {
  const help = `must be an IP address, "ip:port" or "[ipv6]:port", got ${describe(value)}`;
  if (typeof value !== 'string') {
    report(scope, path, help);
    return null;
  }
  let host: string | undefined;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    if (isIpv6(bracketed[1] ?? '')) [host, portText] = [bracketed[1], bracketed[2]];
  } else if (isIpv6(value)) {
    host = value;
  } else {
    const v4 = /^([^:]+)(?::(\d+))?$/.exec(value);
    if (v4 && isIpv4(v4[1] ?? '')) [host, portText] = [v4[1], v4[2]];
  }
  if (host === undefined) {
    report(scope, path, help);
    return null;
  }
  const port = portText === undefined ? 53 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    report(scope, path, `resolver port must be from 1 to 65535, got ${describe(value)}`);
    return null;
  }
  return { host, port };
}

export function validateTlsFields(scope: Scope, check: Obj, path: string): TlsFields {
  return {
    host: readRequired(scope, check, 'host', path, readHost) ?? '',
    port: readOptional(scope, check, 'port', path, readPort, 443),
    // Two weeks' warning by default: time to renew before users see an error.
    minDaysRemaining: readOptional(scope, check, 'minDaysRemaining', path, (s, v, p) => readInteger(s, v, p, 0, 365), 14),
    requireTrustedChain: readOptional(scope, check, 'requireTrustedChain', path, readBoolean, true),
    requireHostnameMatch: readOptional(scope, check, 'requireHostnameMatch', path, readBoolean, true),
  };
}
