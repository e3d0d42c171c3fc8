import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Config } from '../core/check.ts';
import type { HeartbeatState, HeartbeatStateStore } from '../core/heartbeat.ts';
import type { Notifier } from '../core/notification.ts';
import type { Clock } from '../core/ports.ts';
import type { ResultsStore } from '../core/store.ts';
import { createPingHandler, MAX_PING_BODY_BYTES, type HeartbeatEndpointDeps, type PingHandler, type PingRequest, type PingResponse } from '../monitor/heartbeat-endpoint.ts';
import { HeartbeatMonitor } from '../monitor/heartbeat-monitor.ts';
import { ensureLocalTokens, LOCAL_PING_URL_FILE, localTokenSource, type Env } from './heartbeat-tokens.ts';

/**
 * Heartbeats in `skyprobe run`: the ping endpoint on the dashboard's server (`POST /ping/<id>`...), and a
 * sweep every second that opens incidents for missed deadlines. Alerts go through the runner's notifier
 * (console and webhooks), like the checks'.
 */

export interface LocalHeartbeatsDeps {
  readonly results: ResultsStore;
  readonly states: HeartbeatStateStore;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly location: string;
  readonly dataDir: string;
  readonly env: Env;
  readonly log: (line: string) => void;
  /** @default 1000 */
  readonly sweepEveryMs?: number;
  /** Rate limits of the ping endpoint. @default the endpoint's */
  readonly limits?: Pick<HeartbeatEndpointDeps, 'perSource' | 'perHeartbeat'>;
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } as const;

export class LocalHeartbeats {
  readonly #deps: LocalHeartbeatsDeps;
  readonly #monitor: HeartbeatMonitor;
  readonly #handle: PingHandler;
  #dashboardUrl: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #sweeping: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(deps: LocalHeartbeatsDeps) {
    this.#deps = deps;
    this.#monitor = new HeartbeatMonitor({
      heartbeats: [],
      maintenance: [],
      results: deps.results,
      states: deps.states,
      location: deps.location,
      publish: async (event) => {
        deps.notifier.notify(event);
        return true;
      },
      dashboardUrl: () => this.#dashboardUrl,
      clock: deps.clock,
      log: deps.log,
    });
    this.#handle = createPingHandler({ ...deps.limits, monitor: this.#monitor, token: localTokenSource(deps.dataDir, deps.env), clock: deps.clock, log: deps.log });
  }

  /** Applies the config's heartbeats (start and reload): tokens for new ones, then the deadlines. */
  async setConfig(config: Config, dashboardUrl: string | null): Promise<void> {
    await ensureLocalTokens(this.#deps.dataDir, config.heartbeats.map((hb) => hb.id), this.#deps.env);
    this.#dashboardUrl = dashboardUrl;
    this.#monitor.setConfig(config.heartbeats, config.maintenance);
  }

  /** The stored state of each heartbeat of the config (what the dashboard shows); none yet for one never watched. */
  async states(): Promise<ReadonlyMap<string, HeartbeatState>> {
    const ids = this.#monitor.heartbeats().map((hb) => hb.id);
    if (ids.length === 0) return new Map();
    const stored = await this.#deps.states.get(ids);
    return new Map([...stored].map(([id, { state }]) => [id, state]));
  }

  /** Starts the sweep; `pingBaseUrl` is where jobs reach this server (written to the data directory for `skyprobe heartbeat url`). */
  async start(pingBaseUrl: string): Promise<void> {
    await writeFile(join(this.#deps.dataDir, LOCAL_PING_URL_FILE), `${pingBaseUrl}\n`, { mode: 0o644 });
    // Pings sent while no runner listened were refused: heartbeats that were up get a fresh deadline.
    await this.#monitor.resume();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#sweeping = this.#monitor
        .sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.#deps.log(`heartbeat sweep failed: ${(error as Error).message}`))
        .finally(() => this.#schedule());
    }, this.#deps.sweepEveryMs ?? 1000);
    this.#timer.unref();
  }

  /** Stops the sweep and waits for one in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#sweeping;
  }

  /** Serves one request for a ping path on node:http. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://ping.invalid');
    const body = await readCapped(req);
    const request: PingRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
      body,
      sourceIp: req.socket.remoteAddress ?? 'unknown',
    };
    send(res, await this.#handle(request), body === null);
  }
}

/** The body up to MAX_PING_BODY_BYTES; null past that (declared or sent), without reading the rest. */
function readCapped(req: IncomingMessage): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > MAX_PING_BODY_BYTES) return Promise.resolve(null);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Buffer | null) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PING_BODY_BYTES) {
        req.pause();
        finish(null);
      } else {
        chunks.push(chunk);
      }
    };
    req.on('data', onData);
    req.once('end', () => finish(Buffer.concat(chunks)));
    req.once('error', () => finish(null));
    req.once('close', () => finish(Buffer.concat(chunks)));
  });
}

function send(res: ServerResponse, response: PingResponse, closeAfter: boolean): void {
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, {
    ...SECURITY_HEADERS,
    ...response.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    // An unread body would otherwise be taken for the next request on this connection.
    ...(closeAfter ? { connection: 'close' } : {}),
  });
  res.end(text);
}
