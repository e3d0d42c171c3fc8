import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, checkServerIdentity, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { addressRefusal } from '../core/address-policy.ts';
import type { ResolvedAddress } from '../core/ports.ts';
import type { TlsInfo } from '../core/result.ts';
import { ProbeFailure, tlsVerificationError, type Phase } from './classify.ts';
import type { ProbeContext } from './context.ts';
import type { Deadline } from './deadline.ts';

const DAY_MS = 86_400_000;

/** Which phase a probe is in, so an error can be read in context. Mutated as the probe advances. */
export interface Progress {
  phase: Phase;
}

export interface Resolution {
  readonly addresses: readonly ResolvedAddress[];
  /** null when the host was an IP literal (no lookup happened). */
  readonly dnsMs: number | null;
}

/** `host:port`, with brackets around an IPv6 literal (`[::1]:443`). */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Waits for `ready` on a socket within the deadline. On an error, a close before `ready`, or the deadline,
 * the socket is destroyed and the error thrown. Afterwards errors go to a no-op listener: a late error on an
 * idle socket must not crash the process, and whoever reads the socket sees it.
 */
async function awaitSocketEvent(socket: Socket, ready: 'connect' | 'secureConnect', deadline: Deadline, closedEarly?: () => Error): Promise<void> {
  const offExpire = deadline.onExpire(() => socket.destroy());
  try {
    await deadline.race(
      new Promise<void>((resolve, reject) => {
        socket.once(ready, resolve);
        socket.once('error', reject);
        if (closedEarly) socket.once('close', () => reject(closedEarly()));
      }),
    );
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    offExpire();
  }
  socket.removeAllListeners('error');
  if (closedEarly) socket.removeAllListeners('close');
  socket.on('error', () => undefined);
}

/** Strips the brackets URL hosts put around IPv6 literals. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export async function resolveHost(host: string, ctx: ProbeContext, deadline: Deadline, progress: Progress): Promise<Resolution> {
  progress.phase = 'dns';
  const bare = bareHost(host);
  const family = isIP(bare);
  if (family !== 0) return { addresses: [{ address: bare, family: family === 6 ? 6 : 4 }], dnsMs: null };
  const started = ctx.clock.monotonic();
  const addresses = await deadline.race(ctx.lookup(bare));
  if (addresses.length === 0) throw new ProbeFailure('dns', `${bare} has no addresses`);
  return { addresses, dnsMs: ctx.clock.monotonic() - started };
}

/**
 * Refuses metadata always, link-local and other special ranges unless the check allows private targets,
 * and private or loopback addresses unless the check or the runner (local modes) allows them.
 */
export function assertAddressAllowed(address: string, check: { readonly allowPrivateTargets: boolean }, ctx: { readonly allowPrivateTargets: boolean }): void {
  const reason = addressRefusal(address, { allowPrivate: check.allowPrivateTargets || ctx.allowPrivateTargets, allowSpecial: check.allowPrivateTargets });
  if (reason !== null) throw new ProbeFailure('blocked_target', `refused: ${reason}`);
}

export async function connectTcp(address: string, port: number, deadline: Deadline, progress: Progress): Promise<Socket> {
  progress.phase = 'connect';
  const socket = netConnect({ host: address, port, noDelay: true });
  await awaitSocketEvent(socket, 'connect', deadline);
  return socket;
}

export interface TlsOutcome {
  readonly socket: TLSSocket;
  readonly info: TlsInfo;
  /** Verification failures, in the order a person should read them; empty when all is well. */
  readonly chainError: ReturnType<typeof tlsVerificationError> | null;
  readonly hostnameError: ReturnType<typeof tlsVerificationError> | null;
}

export async function upgradeTls(
  socket: Socket,
  host: string,
  ctx: ProbeContext,
  deadline: Deadline,
  progress: Progress,
  alpn: readonly string[] = [],
): Promise<TlsOutcome> {
  progress.phase = 'tls';
  const bare = bareHost(host);
  const tlsSocket = tlsConnect({
    socket,
    host: bare,
    servername: isIP(bare) === 0 ? bare : undefined,
    secureContext: ctx.secureContext,
    rejectUnauthorized: false,
    ALPNProtocols: alpn.length > 0 ? [...alpn] : undefined,
  });
  await awaitSocketEvent(tlsSocket, 'secureConnect', deadline, () =>
    Object.assign(new Error('connection closed during the TLS handshake'), { code: 'ECONNRESET' }),
  );

  const now = ctx.clock.now();
  const peer = tlsSocket.getPeerCertificate(true);
  const info = tlsInfo(peer, tlsSocket, now);
  const code = tlsSocket.authorized ? null : String(tlsSocket.authorizationError ?? 'UNKNOWN');
  // Node folds the host-name check into authorizationError only when the chain verifies; check it separately.
  const identityError = peer.raw ? checkServerIdentity(bare, peer) : undefined;
  const chainError = code !== null && code !== 'ERR_TLS_CERT_ALTNAME_INVALID' ? tlsVerificationError(code, describeCode(code, info)) : null;
  const hostnameError = identityError ? tlsVerificationError('ERR_TLS_CERT_ALTNAME_INVALID', identityError.message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')) : null;
  return { socket: tlsSocket, info, chainError, hostnameError };
}

function describeCode(code: string, info: TlsInfo): string | undefined {
  if (code === 'CERT_HAS_EXPIRED') return `expired on ${info.validTo} (${Math.abs(info.daysRemaining).toFixed(1)} days ago)`;
  if (code === 'CERT_NOT_YET_VALID') return `subject ${info.subject}`;
  return `issuer ${info.issuer}`;
}

function name(entity: Record<string, string | string[] | undefined> | undefined): string {
  if (!entity) return '';
  const pick = (k: string) => {
    const v = entity[k];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  return pick('CN') ?? pick('O') ?? '';
}

function tlsInfo(leaf: DetailedPeerCertificate, socket: TLSSocket, nowMs: number): TlsInfo {
  const leafTo = new Date(leaf.valid_to);
  let earliest = leafTo;
  const seen = new Set<string>([leaf.fingerprint256]);
  for (let cert = leaf.issuerCertificate; cert && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    const to = new Date(cert.valid_to);
    if (to.getTime() < earliest.getTime()) earliest = to;
  }
  const days = (d: Date) => Math.round(((d.getTime() - nowMs) / DAY_MS) * 10) / 10;
  return {
    validTo: leafTo.toISOString(),
    daysRemaining: days(leafTo),
    issuer: name(leaf.issuer as unknown as Record<string, string>),
    subject: name(leaf.subject as unknown as Record<string, string>),
    chainEarliestValidTo: earliest.toISOString(),
    chainEarliestDaysRemaining: days(earliest),
    authorized: socket.authorized,
    authorizationError: socket.authorized ? null : String(socket.authorizationError ?? ''),
    protocol: socket.getProtocol(),
  };
}
