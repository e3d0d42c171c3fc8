import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/skyprobe.mjs', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `skyprobe` command in a child process (asynchronously, so in-process test servers keep serving). */
export function runSkyprobe(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMillis?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...opts.env }, cwd: opts.cwd, timeout: opts.timeoutMillis ?? 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
