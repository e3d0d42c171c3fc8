/** Shared helpers for the engine tests: checks built through the real validator, and two loopback tools. */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { DnsCheck, HttpCheck, TcpCheck, TlsCheck } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';

/** One check of the given type, normalized by `validateConfig` (retries 0 unless given). */
function oneCheck(input: Record<string, unknown>): unknown {
  const check = validateConfig({ checks: [{ id: 'x', retries: 0, ...input }] }).checks[0];
  if (check === undefined) throw new Error('validateConfig returned no check');
  if (check.type !== input['type']) throw new Error(`expected a ${String(input['type'])} check, got ${check.type}`);
  return check;
}

export const httpCheck = (input: Record<string, unknown>): HttpCheck => oneCheck({ type: 'http', timeout: '2s', ...input }) as HttpCheck;
export const tcpCheck = (input: Record<string, unknown>): TcpCheck => oneCheck({ type: 'tcp', timeout: '2s', ...input }) as TcpCheck;
export const dnsCheck = (input: Record<string, unknown>): DnsCheck => oneCheck({ type: 'dns', timeout: '2s', ...input }) as DnsCheck;
export const tlsCheck = (input: Record<string, unknown>): TlsCheck => oneCheck({ type: 'tls', timeout: '2s', ...input }) as TlsCheck;

/** Runs `work` and returns its value with the wall time it took. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  const value = await work();
  return { value, elapsedMs: performance.now() - started };
}

/**
 * Counts TCP client sockets this process creates while `work` runs (Node's
 * `net.client.socket` diagnostics channel fires for every `net.connect`), so a
 * test can prove a refused target was never dialled.
 */
export async function countClientSockets<T>(work: () => Promise<T>): Promise<{ value: T; sockets: number }> {
  let sockets = 0;
  const onSocket = (): void => {
    sockets += 1;
  };
  subscribe('net.client.socket', onSocket);
  try {
    const value = await work();
    return { value, sockets };
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
}

export interface UnacceptingServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  close(): Promise<void>;
}

const UNACCEPTING_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const gate = new Int32Array(workerData);
const server = net.createServer(() => {});
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Block this thread's event loop: the kernel queues connections but nobody accepts them.
  Atomics.wait(gate, 0, 0);
  server.close();
});
`;

/**
 * A loopback port where a connect never completes: a listener (in a worker
 * thread whose event loop is blocked, so it never accepts) with its accept
 * queue filled by held connections. Further SYNs are dropped by the kernel,
 * which is how a firewalled or overloaded host looks to a client.
 */
export async function startUnacceptingServer(): Promise<UnacceptingServer> {
  const gate = new SharedArrayBuffer(4);
  const worker = new Worker(UNACCEPTING_WORKER, { eval: true, workerData: gate });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (p: number) => resolve(p));
    worker.once('error', reject);
  });
  const held: Socket[] = [];
  const tryConnect = (): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port });
      held.push(socket);
      socket.on('error', () => undefined);
      const timer = setTimeout(() => resolve(false), 200);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  let filled = false;
  for (let i = 0; i < 16 && !filled; i += 1) filled = !(await tryConnect());
  const close = async (): Promise<void> => {
    for (const socket of held) socket.destroy();
    const view = new Int32Array(gate);
    Atomics.store(view, 0, 1);
    Atomics.notify(view, 0);
    await worker.terminate();
  };
  if (!filled) {
    await close();
    throw new Error('could not fill the accept queue: connections keep completing');
  }
  return { host: '127.0.0.1', port, close };
}
