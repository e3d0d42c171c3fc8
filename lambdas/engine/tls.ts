import type { TlsCheck } from '../core/check.ts';
import type { ProbeError } from '../core/errors.ts';
import type { AssertionResult, TlsAddressResult, TlsInfo } from '../core/result.ts';
import { classifyError } from './classify.ts';
import { assertAddressAllowed, connectTcp, resolveHost, upgradeTls, hostPort, type Progress } from './connect.ts';
import type { ProbeContext } from './context.ts';
import type { Deadline } from './deadline.ts';
import { emptyTimings, type AttemptOutcome, type MutableTimings } from './outcome.ts';

interface AddressOutcome {
  readonly result: TlsAddressResult;
  readonly info: TlsInfo | null;
  readonly assertions: readonly AssertionResult[];
  readonly connectMs: number | null;
  readonly tlsMs: number | null;
}

/** What a TLS check demands of one handshake, as assertion results (first failure wins the error). */
function judge(check: TlsCheck, info: TlsInfo, chainError: ProbeError | null, hostnameError: ProbeError | null): { assertions: AssertionResult[]; error: ProbeError | null } {
  const expired = chainError?.kind === 'tls_expired' || info.daysRemaining <= 0;
  const assertions: AssertionResult[] = [];
  const errors: ProbeError[] = [];
  const add = (assertion: string, ok: boolean, message: string, error: ProbeError | null) => {
    assertions.push({ assertion, ok, message });
    if (!ok && error) errors.push(error);
  };
  add('leaf not expired', !expired, expired ? `leaf certificate expired on ${info.validTo}` : `leaf valid until ${info.validTo}`, { kind: 'tls_expired', message: `certificate for ${check.host} expired on ${info.validTo}` });
  const longEnough = info.daysRemaining >= check.minDaysRemaining;
  add(
    `leaf valid for ${check.minDaysRemaining}+ days`,
    longEnough,
    `leaf expires in ${info.daysRemaining} days${longEnough ? '' : `, under the ${check.minDaysRemaining}-day minimum`}`,
    expired ? null : { kind: 'assertion', message: `certificate for ${check.host} expires in ${info.daysRemaining} days (${info.validTo}), under the ${check.minDaysRemaining}-day minimum` },
  );
  if (check.requireTrustedChain) {
    const untrusted = chainError !== null && chainError.kind !== 'tls_expired';
    add('chain trusted', !untrusted, untrusted ? chainError.message : 'chain verifies to a trusted root', chainError);
  }
  if (check.requireHostnameMatch) add('hostname matches', hostnameError === null, hostnameError?.message ?? `certificate covers ${check.host}`, hostnameError);
  const order = ['tls_expired', 'tls_untrusted', 'tls_hostname', 'assertion'];
  errors.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return { assertions, error: errors[0] ?? null };
}

async function probeAddress(check: TlsCheck, address: string, ctx: ProbeContext, deadline: Deadline): Promise<AddressOutcome> {
  const progress: Progress = { phase: 'connect' };
  let connectMs: number | null = null;
  let tlsMs: number | null = null;
  try {
    assertAddressAllowed(address, check, ctx);
    let mark = ctx.clock.monotonic();
    const socket = await connectTcp(address, check.port, deadline, progress);
    connectMs = ctx.clock.monotonic() - mark;
    mark = ctx.clock.monotonic();
    const tls = await upgradeTls(socket, check.host, ctx, deadline, progress);
    tlsMs = ctx.clock.monotonic() - mark;
    // end() first: destroy() alone drops our queued Finished message, and the server logs every probe as a failed handshake.
    tls.socket.end(() => tls.socket.destroy());
    const { assertions, error } = judge(check, tls.info, tls.chainError, tls.hostnameError);
    return { result: { address, ok: error === null, error, validTo: tls.info.validTo, daysRemaining: tls.info.daysRemaining }, info: tls.info, assertions, connectMs, tlsMs };
  } catch (err) {
    const error = classifyError(err, progress.phase, deadline.expired, deadline.timeoutMs);
    return { result: { address, ok: false, error, validTo: null, daysRemaining: null }, info: null, assertions: [], connectMs, tlsMs };
  }
}

/** Checks the certificate on every address the name resolves to: one stale server behind a name is enough to fail. */
export async function probeTls(check: TlsCheck, ctx: ProbeContext, deadline: Deadline): Promise<AttemptOutcome> {
  const timings: MutableTimings = emptyTimings();
  const started = ctx.clock.monotonic();
  const target = `${check.host}:${check.port}`;
  const progress: Progress = { phase: 'dns' };
  let addresses: readonly string[];
  try {
    const resolved = await resolveHost(check.host, ctx, deadline, progress);
    timings.dnsMs = resolved.dnsMs;
    addresses = [...new Set(resolved.addresses.map((a) => a.address))];
  } catch (err) {
    timings.totalMs = ctx.clock.monotonic() - started;
    return { ok: false, error: classifyError(err, 'dns', deadline.expired, deadline.timeoutMs), timings, httpStatus: null, address: null, target, assertions: [] };
  }
  const outcomes = await Promise.all(addresses.map((a) => probeAddress(check, a, ctx, deadline)));
  timings.totalMs = ctx.clock.monotonic() - started;
  const first = outcomes[0]!;
  timings.connectMs = first.connectMs;
  timings.tlsMs = first.tlsMs;
  const failed = outcomes.find((o) => !o.result.ok);
  const multi = outcomes.length > 1;
  const error = failed?.result.error ? { kind: failed.result.error.kind, message: multi ? `${failed.result.address}: ${failed.result.error.message}` : failed.result.error.message } : null;
  // Report the certificate closest to expiry: the one that needs attention first.
  const withInfo = outcomes.filter((o) => o.info !== null).sort((a, b) => a.info!.daysRemaining - b.info!.daysRemaining);
  const shown = failed?.info ? failed : (withInfo[0] ?? first);
  const info = shown.info;
  return {
    ok: error === null,
    error,
    timings,
    httpStatus: null,
    address: hostPort(shown.result.address, check.port),
    target,
    assertions: multi ? outcomes.flatMap((o) => o.assertions.map((a) => ({ ...a, assertion: `${o.result.address}: ${a.assertion}` }))) : first.assertions,
    ...(info ? { tls: { ...info, addresses: outcomes.map((o) => o.result) } } : {}),
  };
}
