/** Helpers shared by bench sections: child processes that are always cleaned up, ports, percentiles, printing. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './types.ts';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const PROJECT_DIR = resolve(BENCH_DIR, '..');

// ---------------------------------------------------------------------------------------------
// Child processes. Each runs in its own process group (detached), so one kill(-pgid) reaches the
// whole tree (nginx master and workers). Whatever is still alive when this process exits, on
// success, on an error or on Ctrl-C, is SIGKILLed from the 'exit' handler.
// ---------------------------------------------------------------------------------------------

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Last lines of stderr, for error messages. */
  stderrTail(): string;
  /** Resolves on exit with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM to the group, then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();
let handlersInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const c of live) killGroup(c.pid, 'SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const c of live) killGroup(c.pid, 'SIGKILL');
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

const tempDirs = new Set<string>();

/** A temp dir that is removed by `remove()`, or at the latest when this process exits. */
export function makeTempDir(prefix: string): { readonly path: string; remove(): void } {
  installHandlers();
  const path = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(path);
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      tempDirs.delete(path);
    },
  };
}

export function spawnChild(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  installHandlers();
  const proc = spawn(command, [...args], { cwd: PROJECT_DIR, stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  const tail: string[] = [];
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (s: string) => {
    tail.push(s);
    while (tail.length > 40) tail.shift();
  });
  const exited = new Promise<number | null>((res) => {
    proc.once('exit', (code) => res(code));
    proc.once('error', () => res(-1));
  });
  const child: Child = {
    name,
    proc,
    pid: proc.pid ?? -1,
    stderrTail: () => tail.join('').trim().split('\n').slice(-8).join('\n'),
    exited,
    async stop(graceMs = 2000) {
      if (proc.exitCode !== null || proc.signalCode !== null || child.pid < 0) {
        live.delete(child);
        return;
      }
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // nginx workers may outlive the master by a moment; make sure the group is gone.
      killGroup(child.pid, 'SIGKILL');
      live.delete(child);
    },
  };
  if (child.pid > 0) live.add(child);
  void exited.then(() => {
    if (child.pid > 0 && !groupAlive(child.pid)) live.delete(child);
  });
  return child;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}

/** Arguments to run a TypeScript file of bench/ in a child node with tsx. */
export function tsNodeArgs(script: string, nodeFlags: readonly string[] = []): string[] {
  return [...nodeFlags, '--import', 'tsx', join(BENCH_DIR, script)];
}

/** Yields stdout lines of a child as they arrive. */
export function stdoutLines(child: Child): AsyncIterable<string> {
  if (!child.proc.stdout) throw new Error(`${child.name}: no stdout pipe`);
  return createInterface({ input: child.proc.stdout, crlfDelay: Infinity });
}

/** Waits for the first stdout line matching `re`, or fails when the child exits or the time is up. */
export async function waitForLine(child: Child, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const lines = stdoutLines(child)[Symbol.asyncIterator]();
  const deadline = unrefSleep(timeoutMs).then(() => 'timeout' as const);
  for (;;) {
    const next = await Promise.race([lines.next(), deadline, child.exited.then(() => 'exit' as const)]);
    if (next === 'timeout') throw new Error(`${child.name}: no line matching ${re} within ${timeoutMs} ms\n${child.stderrTail()}`);
    if (next === 'exit' || next.done) throw new Error(`${child.name}: exited (code ${child.proc.exitCode}) before printing ${re}\n${child.stderrTail()}`);
    const m = re.exec(next.value);
    if (m) return m;
  }
}

/**
 * Runs a bench TypeScript child to completion and returns the JSON on its last stdout line.
 * Killed (and reported as an error) after `timeoutMs`.
 */
export async function runTsChild<T>(name: string, script: string, args: readonly string[], timeoutMs: number, nodeFlags: readonly string[] = []): Promise<T> {
  const child = spawnChild(name, process.execPath, [...tsNodeArgs(script, nodeFlags), ...args]);
  let out = '';
  child.proc.stdout?.setEncoding('utf8');
  child.proc.stdout?.on('data', (s: string) => (out += s));
  const timer = setTimeout(() => void child.stop(500), timeoutMs);
  try {
    const code = await child.exited;
    if (code !== 0) throw new Error(`${name}: exited with ${code ?? 'a signal (time limit?)'}\n${child.stderrTail()}`);
    const last = out.trim().split('\n').pop() ?? '';
    return JSON.parse(last) as T;
  } finally {
    clearTimeout(timer);
    await child.stop();
  }
}

// ---------------------------------------------------------------------------------------------

export const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
/** A sleep that does not keep the process alive (for deadlines raced against other work). */
const unrefSleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms).unref());

/** A loopback port that was free a moment ago (bind to 0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Polls `probe` until it returns true; throws with `what` after `timeoutMs`. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, child?: Child): Promise<void> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < end) {
    if (child && (child.proc.exitCode !== null || child.proc.signalCode !== null)) {
      throw new Error(`${what}: ${child.name} exited (code ${child.proc.exitCode})\n${child.stderrTail()}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastErr = err;
    }
    await sleep(50);
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms${lastErr ? ` (${(lastErr as Error).message})` : ''}${child ? `\n${child.stderrTail()}` : ''}`);
}

/** First executable among `candidates` (absolute paths, or names looked up on PATH). */
export function findExecutable(candidates: readonly string[]): string | null {
  const dirs = (process.env['PATH'] ?? '').split(':').filter(Boolean);
  for (const c of candidates) {
    const paths = c.includes('/') ? [c] : dirs.map((d) => join(d, c));
    for (const p of paths) {
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        /* next */
      }
    }
  }
  return null;
}

/** CPU seconds (user + system) used so far by every live process of process group `pgid`, from /proc; null off Linux. */
export function groupCpuSeconds(pgid: number): number | null {
  let ticks = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      // Fields after the ")" that closes the command name: state ppid pgrp session ... utime(14) stime(15).
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) !== pgid) continue;
      ticks += Number(rest[11]) + Number(rest[12]);
    }
  } catch {
    return null;
  }
  return ticks / 100; // USER_HZ is 100 on every Linux this runs on.
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function fmt(value: number | null, digits = 2): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

/** Prints a figure the moment it is measured, in the same shape as the summary table. */
export function announce(f: BenchFigure): BenchFigure {
  const verdict = f.pass === undefined ? '' : f.pass ? '  PASS' : '  FAIL';
  const goal = f.goal ? `  (goal ${f.goal})` : '';
  const note = f.note ? `  [${f.note}]` : '';
  console.log(`  = ${f.name}: ${fmt(f.value)} ${f.unit}${goal}${verdict}${note}`);
  return f;
}

export function log(line: string): void {
  console.log(`  ${line}`);
}

/** One GET on a fresh connection (no agent, so nothing stays open in this process). */
export function httpText(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = httpGet(url, { agent: false, timeout: timeoutMs }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
      r.on('error', rej);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', rej);
  });
}

/**
 * Machine-wide CPU accounting, to tell how much of the machine other processes used while a
 * section ran (other people's builds and tests make every figure here noisy). Linux only.
 */
export interface CpuSnapshot {
  /** Core-seconds the whole machine spent busy (not idle, not iowait) since boot. */
  readonly machineBusy: number;
  /** Core-seconds elapsed across all cores since boot (busy + idle). */
  readonly machineTotal: number;
  /** Core-seconds used by this process and its reaped children (which include nginx workers reaped by their master). */
  readonly ours: number;
}

export function cpuSnapshot(): CpuSnapshot | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    const self = readFileSync('/proc/self/stat', 'utf8');
    const rest = self.slice(self.lastIndexOf(')') + 2).split(' ');
    const ours = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
    return { machineBusy: (total - idle - iowait) / 100, machineTotal: total / 100, ours: ours / 100 };
  } catch {
    return null;
  }
}

/** Core-seconds used by processes other than this bench between two snapshots, and their share of the machine. */
export function otherLoad(a: CpuSnapshot | null, b: CpuSnapshot | null): { otherCoreSeconds: number; share: number; oursCoreSeconds: number; wallCoreSeconds: number } | null {
  if (!a || !b) return null;
  const busy = b.machineBusy - a.machineBusy;
  const ours = b.ours - a.ours;
  const wall = b.machineTotal - a.machineTotal;
  const other = Math.max(0, busy - ours);
  return { otherCoreSeconds: other, share: wall > 0 ? other / wall : 0, oursCoreSeconds: ours, wallCoreSeconds: wall };
}
