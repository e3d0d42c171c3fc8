import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { PING_KINDS, pingMessage, type PingKind } from '../core/heartbeat.ts';
import type { Clock } from '../core/ports.ts';
import { createRedactor } from '../core/redact.ts';
import { TokenBuckets, type RateLimiter } from '../core/token-bucket.ts';
import type { HeartbeatMonitor } from './heartbeat-monitor.ts';

/**
 * The ping endpoint, apart from any HTTP server: `POST /ping/<id>`, `/ping/<id>/start`, `/ping/<id>/fail`,
 * with the heartbeat's token in `Authorization: Bearer <token>` (or `?token=<token>` for a bare cron curl).
 * The local `skyprobe run` server and the AWS Lambda function URL both turn their request into a
 * `PingRequest` and send back the `PingResponse`.
 *
 * Everything that can be refused is refused before the store is touched, cheapest first: a path that is
 * not a ping (404), a method other than POST (405), a body over 10 KiB (413), too many requests from one
 * address (429), a missing or wrong token (401). An unknown id gets the very answer a wrong token gets, after
 * the same hash comparison, so ids cannot be enumerated. Tokens are compared as SHA-256 digests with
 * `timingSafeEqual`. A valid token then draws from its heartbeat's own bucket (429), so a stranger
 * flooding with wrong tokens never uses up a job's allowance. Request URLs are never logged (they may hold
 * the token).
 */

export const MAX_PING_BODY_BYTES = 10 * 1024;

export interface PingRequest {
  readonly method: string;
  /** The URL path as sent (percent-encoded), without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** null when the body was over MAX_PING_BODY_BYTES (and was not read further). */
  readonly body: Buffer | null;
  /** Client address, for the per-address rate limit. */
  readonly sourceIp: string;
}

export interface PingResponse {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
}

export interface HeartbeatEndpointDeps {
  readonly monitor: Pick<HeartbeatMonitor, 'has' | 'ping'>;
  /** The heartbeat's token; undefined when it has none (yet). Rejects when the token store cannot be read. */
  readonly token: (heartbeatId: string) => Promise<string | undefined>;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Requests per client address. @default burst 60, 1 a second */
  readonly perSource?: RateLimiter;
  /** Authenticated pings per heartbeat. @default burst 20, 1 every 3 s */
  readonly perHeartbeat?: RateLimiter;
}

const PING_PATH = /^\/ping\/([^/]+)(?:\/([^/]+))?\/?$/;
const HEARTBEAT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const UNAUTHORIZED = 'unknown heartbeat or wrong token';

export type PingHandler = (request: PingRequest) => Promise<PingResponse>;

export function createPingHandler(deps: HeartbeatEndpointDeps): PingHandler {
  const perSource = deps.perSource ?? new TokenBuckets({ burst: 60, refillPerSecond: 1 });
  const perHeartbeat = deps.perHeartbeat ?? new TokenBuckets({ burst: 20, refillPerSecond: 1 / 3 });
  // Compared against when the id is unknown, so that answer takes the time a wrong token takes.
  const decoy = randomBytes(32).toString('base64url');

  return async (req) => {
    const match = PING_PATH.exec(req.path);
    const kind = match === null ? undefined : pingKindOf(match[2]);
    if (match === null || kind === undefined) return reply(404, { error: 'not a ping URL: POST /ping/<id>, /ping/<id>/start or /ping/<id>/fail' });
    if (req.method !== 'POST') return reply(405, { error: `method ${req.method} is not allowed: pings are POST requests` }, { allow: 'POST' });
    if (req.body === null) return reply(413, { error: `the body is over ${MAX_PING_BODY_BYTES} bytes: send a short message (it is stored cut to 1000 characters)` });
    const now = deps.clock.now();
    if (!perSource.take(req.sourceIp, now)) {
      return reply(429, { error: 'too many requests from this address: slow down' }, { 'retry-after': String(perSource.retryAfterSeconds(req.sourceIp, now)) });
    }

    const id = decodeId(match[1] ?? '');
    const given = bearerToken(req.headers['authorization']) ?? req.query.get('token') ?? undefined;
    if (given === undefined || given === '') return reply(401, { error: `${UNAUTHORIZED}: send Authorization: Bearer <token>` }, { 'www-authenticate': 'Bearer' });
    let expected: string | undefined;
    if (id !== undefined && deps.monitor.has(id)) {
      try {
        expected = await deps.token(id);
      } catch (error) {
        deps.log(`ping ${id}: cannot read its token: ${(error as Error).message}`);
        return reply(503, { error: 'cannot check the token right now: try again' }, { 'retry-after': '5' });
      }
    }
    const ok = sameSecret(given, expected ?? decoy) && expected !== undefined;
    if (!ok || id === undefined) return reply(401, { error: UNAUTHORIZED }, { 'www-authenticate': 'Bearer' });

    if (!perHeartbeat.take(id, now)) {
      return reply(429, { error: `too many pings for ${id}: slow down` }, { 'retry-after': String(perHeartbeat.retryAfterSeconds(id, now)) });
    }
    const message = pingMessage(req.body.toString('utf8'), createRedactor([expected as string]));
    try {
      const outcome = await deps.monitor.ping(id, { kind, atMs: now, message });
      deps.log(`ping ${id}${kind === 'success' ? '' : ` ${kind}`}: ${outcome.stale ? 'late, recorded only' : outcome.decision}`);
      return reply(200, { ok: true, heartbeat: id, kind, at: new Date(now).toISOString(), ...(outcome.incidentId === null ? {} : { incidentId: outcome.incidentId }) });
    } catch (error) {
      deps.log(`ping ${id} ${kind} failed: ${(error as Error).message}`);
      return reply(500, { error: 'the ping could not be recorded: try again' });
    }
  };
}

function reply(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): PingResponse {
  return { status, body, headers };
}

/** No suffix: success; "/start", "/fail"; anything else is no ping. */
function pingKindOf(suffix: string | undefined): PingKind | undefined {
  if (suffix === undefined) return 'success';
  return suffix !== 'success' && (PING_KINDS as readonly string[]).includes(suffix) ? (suffix as PingKind) : undefined;
}

function decodeId(segment: string): string | undefined {
  try {
    const id = decodeURIComponent(segment);
    return HEARTBEAT_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** Constant time in the tokens' contents and lengths: both are hashed to 32 bytes first. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Requests the ping endpoint answers (everything else on a shared server is someone else's). */
export function isPingPath(path: string): boolean {
  return path === '/ping' || path.startsWith('/ping/');
}
