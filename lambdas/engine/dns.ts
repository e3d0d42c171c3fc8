import { promises as dns } from 'node:dns';
import type { DnsCheck } from '../core/check.ts';
import { classifyError, ProbeFailure } from './classify.ts';
import { hostPort } from './connect.ts';
import type { ProbeContext } from './context.ts';
import type { Deadline } from './deadline.ts';
import { emptyTimings, type AttemptOutcome } from './outcome.ts';

const dotless = (s: string) => s.replace(/\.$/, '').toLowerCase();

/** Every record type's answers as comparable strings ("10 mx.example.com", "v=spf1 ..."). */
async function query(resolver: dns.Resolver, name: string, type: DnsCheck['recordType']): Promise<string[]> {
  switch (type) {
    case 'A':
      return resolver.resolve4(name);
    case 'AAAA':
      return resolver.resolve6(name);
    case 'CNAME':
      return (await resolver.resolveCname(name)).map(dotless);
    case 'NS':
      return (await resolver.resolveNs(name)).map(dotless);
    case 'PTR':
      return (await resolver.resolvePtr(name)).map(dotless);
    case 'MX':
      return (await resolver.resolveMx(name)).map((r) => `${r.priority} ${dotless(r.exchange)}`);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((r) => `${r.priority} ${r.weight} ${r.port} ${dotless(r.name)}`);
    case 'CAA':
      return (await resolver.resolveCaa(name)).map((r) => {
        const [tag, value] = Object.entries(r).find(([k]) => k !== 'critical') ?? ['', ''];
        return `${r.critical} ${tag} "${String(value)}"`;
      });
    case 'SOA': {
      const r = await resolver.resolveSoa(name);
      return [`${dotless(r.nsname)} ${dotless(r.hostmaster)} ${r.serial} ${r.refresh} ${r.retry} ${r.expire} ${r.minttl}`];
    }
  }
}

const normalize = (s: string) => s.trim().replace(/\.$/, '').toLowerCase();

export function compareAnswers(check: DnsCheck, answers: readonly string[]): { ok: boolean; message: string } {
  const got = new Set(answers.map(normalize));
  const want = check.expectedAnswers.map(normalize);
  const shown = answers.length ? answers.join(', ') : 'no answers';
  if (want.length === 0) return answers.length > 0 ? { ok: true, message: `${answers.length} answer(s)` } : { ok: false, message: `expected at least one ${check.recordType} answer, got none` };
  const missing = want.filter((w) => !got.has(w));
  switch (check.match) {
    case 'any':
      return missing.length < want.length ? { ok: true, message: `got ${shown}` } : { ok: false, message: `expected any of ${want.join(', ')}, got ${shown}` };
    case 'all':
      return missing.length === 0 ? { ok: true, message: `got ${shown}` } : { ok: false, message: `expected ${missing.join(', ')} among the answers, got ${shown}` };
    case 'exact': {
      const extra = [...got].filter((g) => !want.includes(g));
      return missing.length === 0 && extra.length === 0 ? { ok: true, message: `got ${shown}` } : { ok: false, message: `expected exactly ${want.join(', ')}, got ${shown}` };
    }
  }
}

export async function probeDns(check: DnsCheck, ctx: ProbeContext, deadline: Deadline): Promise<AttemptOutcome> {
  const timings = emptyTimings();
  const started = ctx.clock.monotonic();
  const resolver = new dns.Resolver({ timeout: Math.max(1, Math.floor(deadline.remainingMs())), tries: 1 });
  const server = check.resolver;
  const address = server ? hostPort(server.host, server.port) : null;
  if (address) resolver.setServers([address]);
  const target = `${check.domain} ${check.recordType}${server ? ` @${server.host}:${server.port}` : ''}`;
  const onAbort = () => resolver.cancel();
  const offExpire = deadline.onExpire(onAbort);
  try {
    const answers = await deadline.race(query(resolver, check.domain, check.recordType));
    timings.dnsMs = ctx.clock.monotonic() - started;
    timings.totalMs = timings.dnsMs;
    const verdict = compareAnswers(check, answers);
    const assertion = { assertion: check.expectedAnswers.length ? `${check.recordType} answers ${check.match} of ${check.expectedAnswers.join(', ')}` : `${check.recordType} answer exists`, ok: verdict.ok, message: verdict.message };
    return { ok: verdict.ok, error: verdict.ok ? null : { kind: 'assertion', message: verdict.message }, timings, httpStatus: null, address, target, assertions: [assertion], dns: { answers } };
  } catch (err) {
    timings.totalMs = ctx.clock.monotonic() - started;
    const code = (err as { code?: string }).code;
    const failure =
      code === 'ECANCELLED' || code === 'ETIMEOUT' || deadline.expired
        ? new ProbeFailure('timeout', `no DNS answer for ${check.domain} ${check.recordType} within ${deadline.timeoutMs}ms`)
        : code === 'ENOTFOUND'
          ? new ProbeFailure('dns', `${check.domain} does not exist (NXDOMAIN)`)
          : code === 'ENODATA'
            ? new ProbeFailure('dns', `${check.domain} has no ${check.recordType} records`)
            : code === 'ESERVFAIL'
              ? new ProbeFailure('dns', `server failure (SERVFAIL) resolving ${check.domain}`)
              : code === 'ECONNREFUSED'
                ? new ProbeFailure('connect_refused', `resolver ${address ?? 'system'} refused the query`)
                : err;
    return { ok: false, error: classifyError(failure, 'dns', false, deadline.timeoutMs), timings, httpStatus: null, address, target, assertions: [] };
  } finally {
    offExpire();
  }
}
