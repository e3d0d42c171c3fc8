import type { ErrorKind, ProbeError } from '../core/errors.ts';

/** Phase of a probe in which an error happened; decides how a bare network error reads. */
export type Phase = 'dns' | 'connect' | 'tls' | 'request' | 'body';

/** A failure already classified by the probe (e.g. a refused address, a too-large body). */
export class ProbeFailure extends Error {
  override readonly name = 'ProbeFailure';
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const TLS_UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
]);

const TLS_CODE_TEXT: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'cannot verify the leaf certificate (incomplete chain: intermediate missing?)',
  UNABLE_TO_GET_ISSUER_CERT: 'issuer certificate not found',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer certificate not found in the trust store',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
};

/** Maps a TLS verification code (tls.TLSSocket#authorizationError) to an error kind. */
export function tlsVerificationError(code: string, detail?: string): ProbeError {
  const text = TLS_CODE_TEXT[code] ?? code.toLowerCase().replaceAll('_', ' ');
  const message = detail ? `${text}: ${detail}` : text;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return { kind: 'tls_expired', message };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return { kind: 'tls_hostname', message };
  if (TLS_UNTRUSTED.has(code)) return { kind: 'tls_untrusted', message };
  return { kind: 'tls_handshake', message };
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const first = err.message.split('\n')[0] ?? err.name;
  // OpenSSL's "...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/..." → its reason.
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(first);
  return ssl ? ssl[1]! : first;
}

/**
 * Turns anything a probe caught into a kind and a readable message.
 * `timedOut` means the run's deadline had passed when the error surfaced: the deadline is the cause.
 */
export function classifyError(err: unknown, phase: Phase, timedOut: boolean, timeoutMs: number): ProbeError {
  if (err instanceof ProbeFailure) return { kind: err.kind, message: err.message };
  if (timedOut) {
    const where = { dns: 'resolving the name', connect: 'connecting', tls: 'the TLS handshake', request: 'waiting for the response', body: 'reading the body' }[phase];
    return { kind: phase === 'connect' ? 'connect_timeout' : 'timeout', message: `timed out after ${timeoutMs}ms while ${where}` };
  }
  const code = errorCode(err);
  const msg = errorMessage(err);
  switch (code) {
    case 'ENOTFOUND':
      return { kind: 'dns', message: `name not found (NXDOMAIN): ${msg}` };
    case 'EAI_AGAIN':
    case 'ESERVFAIL':
    case 'ENODATA':
    case 'EREFUSED':
    case 'EBADRESP':
    case 'ECONNREFUSED_DNS':
      return { kind: 'dns', message: msg };
    case 'ECONNREFUSED':
      return { kind: 'connect_refused', message: `connection refused: ${msg}` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return { kind: 'connect_refused', message: `unreachable: ${msg}` };
    case 'ETIMEDOUT':
      return { kind: phase === 'connect' ? 'connect_timeout' : 'timeout', message: msg };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return { kind: 'reset', message: `connection reset by the server while ${phase === 'body' ? 'reading the body' : phase === 'tls' ? 'in the TLS handshake' : 'waiting for the response'}` };
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_INFO':
      return { kind: 'protocol', message: msg };
  }
  if (code?.startsWith('HPE_') || (err as Error | null)?.name === 'HTTPParserError') {
    return { kind: 'protocol', message: `invalid HTTP response: ${msg}` };
  }
  if (phase === 'tls' || code?.startsWith('ERR_SSL') || code === 'EPROTO') {
    if (code && code in TLS_CODE_TEXT) return tlsVerificationError(code);
    const hint = /wrong version number|packet length too long|http request/i.test(msg) ? ' (is this port speaking TLS?)' : '';
    return { kind: 'tls_handshake', message: `TLS handshake failed: ${msg}${hint}` };
  }
  if (phase === 'dns') return { kind: 'dns', message: msg };
  if (phase === 'connect') return { kind: 'connect_refused', message: msg };
  return { kind: 'protocol', message: msg };
}
