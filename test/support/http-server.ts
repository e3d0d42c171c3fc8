/**
 * A loopback HTTP(S) server with routes that reproduce what HTTP probes meet in
 * the wild: redirects, slow and endless bodies, resets, non-HTTP replies, a
 * login flow. Binds 127.0.0.1 on an ephemeral port; `close()` destroys every
 * open socket so tests exit promptly.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as sent, e.g. `/ok?x=1`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface TestHttpServer {
  /** `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS (so the hostname matches the cert). */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order, recorded once its body has been read. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
  /** Adds or replaces the handler for an exact path (query strings are ignored for routing). */
  route(path: string, handler: RouteHandler): void;
}

export interface StartHttpServerOptions {
  /** Serve HTTPS with this key and certificate chain (PEM). @default plain HTTP */
  readonly tls?: { readonly key: string; readonly cert: string };
}

const JSON_BODY = JSON.stringify({ status: 'ok', items: [{ id: 41 }, { id: 42 }], count: 2 });
const TRICKLE_INTERVAL_MILLIS = 200;
const RESET_DELAY_MILLIS = 50;
const BIG_CHUNK = Buffer.alloc(64 * 1024, 'a');

export async function startHttpServer(opts: StartHttpServerOptions = {}): Promise<TestHttpServer> {
  const requests: RecordedRequest[] = [];
  const customRoutes = new Map<string, RouteHandler>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let flappyStatus = 200;

  const later = (fn: () => void, delayMillis: number): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, delayMillis);
    timers.add(timer);
    return timer;
  };

  const builtIn = (path: string, req: IncomingMessage, res: ServerResponse, body: string): void => {
    const segments = path.split('/').filter((s) => s.length > 0);
    const [first, second] = segments;
    const arg = segments.length === 2 ? second : undefined;

    if (path === '/ok') return sendText(res, 200, 'hello skyprobe');
    if (path === '/json') return sendJson(res, 200, JSON_BODY);
    if (first === 'status' && arg !== undefined) {
      const code = Number(arg);
      if (!Number.isInteger(code) || code < 200 || code > 599) return sendText(res, 400, `bad status ${arg}`);
      if (code === 204 || code === 304) {
        res.writeHead(code).end();
        return;
      }
      return sendText(res, code, `status ${code}`);
    }
    if (first === 'delay' && arg !== undefined) {
      const delayMillis = Number(arg);
      if (!Number.isFinite(delayMillis) || delayMillis < 0) return sendText(res, 400, `bad delay ${arg}`);
      // Headers are held back too, so the delay shows up as time to first byte.
      later(() => sendText(res, 200, 'done'), delayMillis);
      return;
    }
    if (path === '/headers') return sendJson(res, 200, JSON.stringify(req.headers));
    if (path === '/echo') return sendJson(res, 200, JSON.stringify({ method: req.method, headers: req.headers, body }));
    if (first === 'redirect' && arg !== undefined) {
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 0) return sendText(res, 400, `bad redirect count ${arg}`);
      if (n === 0) return sendText(res, 200, 'redirects done');
      return redirect(res, `/redirect/${n - 1}`);
    }
    if (path === '/loop') return redirect(res, '/loop');
    if (path === '/abs-redirect') {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to === null) return sendText(res, 400, 'missing ?to=');
      return redirect(res, to);
    }
    if ((first === 'big' || first === 'big-chunked') && arg !== undefined) {
      const bytes = Number(arg);
      if (!Number.isInteger(bytes) || bytes < 0) return sendText(res, 400, `bad size ${arg}`);
      const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
      if (first === 'big') headers['content-length'] = bytes;
      res.writeHead(200, headers);
      writeBytes(res, bytes);
      return;
    }
    if (path === '/trickle') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      const timer = setInterval(() => res.write('.'), TRICKLE_INTERVAL_MILLIS);
      timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        timers.delete(timer);
      });
      return;
    }
    if (path === '/hang') return; // never answers; close() or the client ends it
    if (path === '/reset-mid-body') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 100_000 });
      // Reset a little after the write: an immediate SO_LINGER=0 close with bytes still
      // in flight can come out as a plain FIN (seen under gVisor).
      res.write(Buffer.alloc(1000, 'r'), () => later(() => resetSocket(rawSocketOf(req.socket)), RESET_DELAY_MILLIS));
      return;
    }
    if (path === '/reset-before-headers') return resetSocket(rawSocketOf(req.socket));
    if (path === '/garbage') {
      // Bypass the HTTP layer: the client gets bytes that are not an HTTP response.
      req.socket.end('SSH-2.0-OpenSSH\r\n');
      return;
    }
    if (path === '/login') {
      if (req.method !== 'POST') return sendText(res, 405, 'POST only');
      const credentials = parseJsonObject(body);
      const user = credentials?.['user'];
      if (typeof user !== 'string' || typeof credentials?.['pass'] !== 'string') {
        return sendText(res, 400, 'expected {"user":string,"pass":string}');
      }
      res.setHeader('x-session', 'sess-1');
      return sendJson(res, 200, JSON.stringify({ token: `tok-${user}` }));
    }
    if (path === '/me') {
      const match = /^Bearer tok-(.+)$/.exec(req.headers.authorization ?? '');
      if (match?.[1] === undefined || req.headers['x-session'] !== 'sess-1') return sendText(res, 401, 'unauthorized');
      return sendJson(res, 200, JSON.stringify({ user: match[1] }));
    }
    if (path === '/set-status') {
      if (req.method !== 'POST') return sendText(res, 405, 'POST only');
      const code = Number(body.trim());
      if (!Number.isInteger(code) || code < 200 || code > 599) return sendText(res, 400, `bad status ${body}`);
      flappyStatus = code;
      return sendText(res, 200, `flappy now ${code}`);
    }
    if (path === '/flappy') {
      if (flappyStatus === 204 || flappyStatus === 304) {
        res.writeHead(flappyStatus).end();
        return;
      }
      return sendText(res, flappyStatus, `flappy ${flappyStatus}`);
    }
    sendText(res, 404, `no route ${path}`);
  };

  /** The TCP socket under a request's socket (they differ with TLS), so a reset is a real RST. */
  const rawSocketOf = (socket: Socket): Socket => {
    for (const raw of sockets) {
      if (raw.remotePort === socket.remotePort && raw.remoteAddress === socket.remoteAddress) return raw;
    }
    return socket;
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      requests.push({ method: req.method ?? 'GET', url, headers: req.headers, body });
      const path = url.split('?')[0] ?? '/';
      const custom = customRoutes.get(path);
      if (custom !== undefined) {
        custom(req, res, body);
      } else {
        builtIn(path, req, res, body);
      }
    });
  };

  const server: Server =
    opts.tls === undefined
      ? createHttpServer(onRequest)
      : createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest);
  // 'connection' gives the raw TCP socket for both HTTP and HTTPS.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Clients that reject our certificate abort the handshake; that is expected here.
  server.on('tlsClientError', () => {});

  await listen(server);
  const port = (server.address() as AddressInfo).port;
  const url = opts.tls === undefined ? `http://127.0.0.1:${port}` : `https://localhost:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    requests,
    route(path, handler) {
      customRoutes.set(path, handler);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': 0 });
  res.end();
}

/** Writes `bytes` bytes of 'a', respecting backpressure; stops if the client goes away. */
function writeBytes(res: ServerResponse, bytes: number): void {
  let remaining = bytes;
  const pump = (): void => {
    while (remaining > 0 && !res.destroyed) {
      const n = Math.min(remaining, BIG_CHUNK.length);
      remaining -= n;
      if (!res.write(n === BIG_CHUNK.length ? BIG_CHUNK : BIG_CHUNK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** Sends a TCP RST; falls back to a plain destroy if the socket has no TCP handle. */
function resetSocket(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
