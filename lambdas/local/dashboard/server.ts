import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DashboardApi } from './api.ts';
import { DashboardRequestError } from './request-error.ts';
import type { DashboardSource } from './source.ts';
import { loadStaticFiles } from './static-files.ts';
import type { StaticFile } from './static-files.ts';

export type { CheckRuntimeState, DashboardSource } from './source.ts';

/**
 * The local web dashboard `skyprobe run` serves (node:http, no framework).
 *
 * Routes: the JSON API under /api/ (documented route by route in api.ts),
 * and the pages: `/` (index.html), `/app.js`, `/style.css`, `/favicon.svg`.
 * The pages use hash routes: `#/` overview, `#/check/<id>` one check; they
 * poll the API every 5 s.
 *
 * Heartbeat pings (`POST /ping/<id>`, see lambdas/monitor/heartbeat-endpoint.ts) go to `opts.ping`.
 * Otherwise only GET is served (405 otherwise). Every response carries a strict
 * Content-Security-Policy (scripts, styles and data from this origin only).
 * Bound to a loopback address, the server also refuses requests whose Host
 * header names another host, so a web page cannot reach it through DNS
 * rebinding.
 */

export interface DashboardServerOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 8787 */
  readonly port?: number;
  /** How old the overview's uptime numbers may get before a background refresh (see overview-cache.ts). @default 30000 */
  readonly overviewCacheMillis?: number;
  /** Serves heartbeat pings (`/ping/...`, any method: the handler answers 405 itself). @default none: /ping is 404 */
  readonly ping?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export interface DashboardServer {
  /** Starts listening; `url` is `http://<host>:<port>`. */
  listen(): Promise<{ url: string }>;
  /** Stops listening, drops idle and open connections, waits for a running cache refresh. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function createDashboardServer(source: DashboardSource, opts: DashboardServerOptions = {}): DashboardServer {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8787;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new RangeError(`dashboard port must be an integer from 0 to 65535, got ${port}`);
  const api = new DashboardApi(source, opts.overviewCacheMillis === undefined ? {} : { overviewCacheMillis: opts.overviewCacheMillis });
  let files: ReadonlyMap<string, StaticFile> = new Map();
  let boundPort = port;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only a failure to write the response gets here; the socket is the last thing left to clean up.
      if (!res.headersSent) sendJson(res, 500, { error: `internal error: ${oneLine(error)}` });
      else res.destroy();
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (LOOPBACK_HOSTS.has(host) && !isLoopbackHostHeader(req.headers.host, boundPort)) {
        sendJson(res, 403, { error: `host ${JSON.stringify(req.headers.host ?? '')} is not this dashboard (it answers to 127.0.0.1:${boundPort} and localhost:${boundPort})` });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
      if (opts.ping !== undefined && (url.pathname === '/ping' || url.pathname.startsWith('/ping/'))) {
        await opts.ping(req, res);
        return;
      }
      if (req.method !== 'GET') throw new DashboardRequestError(405, `method ${req.method ?? ''} is not allowed: the dashboard is read-only (GET)`);
      if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
        const segments = url.pathname.slice('/api/'.length).split('/').map(decodeSegment);
        const { status, body } = await api.handle(url.pathname === '/api' ? [] : segments, url.searchParams);
        sendJson(res, status, body);
        return;
      }
      const file = files.get(url.pathname);
      if (file === undefined) throw new DashboardRequestError(404, `no such page: ${url.pathname}`);
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.contentType, 'content-length': file.body.length, 'cache-control': 'no-cache' });
      res.end(file.body);
    } catch (error) {
      if (error instanceof DashboardRequestError) {
        sendJson(res, error.status, { error: error.message }, error.status === 405 ? { allow: 'GET' } : {});
      } else {
        sendJson(res, 500, { error: `internal error: ${oneLine(error)}` });
      }
    }
  };

  let listening: Promise<{ url: string }> | undefined;
  return {
    listen() {
      listening ??= (async () => {
        files = await loadStaticFiles();
        await new Promise<void>((resolve, reject) => {
          const onError = (error: NodeJS.ErrnoException): void => {
            reject(new Error(`dashboard cannot listen on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'address already in use' : error.message}`, { cause: error }));
          };
          server.once('error', onError);
          server.listen(port, host, () => {
            server.off('error', onError);
            resolve();
          });
        });
        boundPort = (server.address() as AddressInfo).port;
        return { url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}` };
      })();
      return listening;
    },
    async close() {
      if (server.listening) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
      await api.settle();
    },
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw new DashboardRequestError(400, `path segment ${JSON.stringify(segment)} is not valid percent-encoding`, { cause: error });
  }
}

function isLoopbackHostHeader(header: string | undefined, port: number): boolean {
  if (header === undefined) return false;
  const match = /^(\[[^\]]*\]|[^:]+)(?::(\d+))?$/.exec(header.toLowerCase());
  if (match === null) return false;
  const [, name, headerPort] = match;
  return name !== undefined && LOOPBACK_HOSTS.has(name) && (headerPort === undefined ? port === 80 : Number(headerPort) === port);
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** The first line of an error's message: what a client may see of an unexpected failure (no stack). */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 300) || 'unknown error';
}
