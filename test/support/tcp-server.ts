/**
 * Loopback TCP and raw TLS servers for TCP and TLS-certificate probes, plus a
 * port with nothing listening. All bind 127.0.0.1 on ephemeral ports and
 * destroy their sockets on `close()`.
 */
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

export interface StartTcpServerOptions {
  /** Written to each client as soon as it connects. @default nothing */
  readonly banner?: string;
  /**
   * Called with each chunk received (utf8); a string is written back, `null` writes nothing.
   * @default echo what was received
   */
  readonly respond?: (data: string) => string | null;
  /** Never write anything (ignores `banner` and `respond`; `closeImmediately` still applies). @default false */
  readonly silent?: boolean;
  /** Accept, then close each connection at once (after the banner, if any). @default false */
  readonly closeImmediately?: boolean;
}

export interface TestTcpServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
  /** Connections accepted so far. */
  readonly connections: number;
}

export interface StartTlsServerOptions {
  readonly key: string;
  /** PEM leaf, optionally followed by its chain. */
  readonly cert: string;
}

export interface TestTlsServer {
  readonly port: number;
  readonly host: string;
  /** Handshakes completed so far. */
  readonly handshakes: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startTcpServer(opts: StartTcpServerOptions = {}): Promise<TestTcpServer> {
  let connections = 0;
  const server = createNetServer((socket) => {
    connections += 1;
    socket.on('error', () => {});
    const silent = opts.silent === true;
    if (!silent && opts.banner !== undefined) socket.write(opts.banner);
    if (opts.closeImmediately === true) {
      socket.end();
      return;
    }
    if (silent) return;
    const respond = opts.respond ?? ((data: string): string | null => data);
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      const reply = respond(data);
      if (reply !== null) socket.write(reply);
    });
  });
  const closeServer = closerFor(server);
  const port = await listenOnLoopback(server);
  return {
    port,
    host: HOST,
    close: closeServer,
    get connections() {
      return connections;
    },
  };
}

/** A TLS server that completes each handshake and then closes the connection. */
export async function startTlsServer(opts: StartTlsServerOptions): Promise<TestTlsServer> {
  let handshakes = 0;
  const server = createTlsServer({ key: opts.key, cert: opts.cert }, (socket) => {
    handshakes += 1;
    socket.on('error', () => {});
    socket.end();
  });
  // Clients that reject the certificate abort the handshake; expected in tests.
  server.on('tlsClientError', () => {});
  const closeServer = closerFor(server);
  const port = await listenOnLoopback(server);
  return {
    port,
    host: HOST,
    close: closeServer,
    get handshakes() {
      return handshakes;
    },
  };
}

/** A loopback port nothing listens on (it was free a moment ago), for connection-refused cases. */
export async function unusedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listenOnLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Tracks the server's raw sockets so the returned close() can destroy them; idempotent. */
function closerFor(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };
}
