/** What a command may touch of the process, so tests can run commands in-process. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM); commands that run for long listen to it. */
  readonly stopSignal?: AbortSignal;
  /**
   * Keeps a second SIGINT/SIGTERM from exiting at once while a command must still undo something (a drill
   * clearing Route 53's Inverted): later signals abort the returned `again` signal instead. @default none
   */
  readonly holdExit?: () => { readonly again: AbortSignal; release(): void };
}

/** The real process; SIGINT and SIGTERM abort `stopSignal` (a second signal exits at once). */
export function processIo(): Io {
  const stop = new AbortController();
  const again = new AbortController();
  let holds = 0;
  const onSignal = () => {
    if (stop.signal.aborted) {
      if (holds > 0) return again.abort();
      process.exit(130);
    }
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const holdExit = () => {
    holds += 1;
    let released = false;
    return {
      again: again.signal,
      release: () => {
        if (!released) holds -= 1;
        released = true;
      },
    };
  };
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stopSignal: stop.signal, holdExit };
}

export function useColor(io: Io): boolean {
  return Boolean(io.stdout.isTTY) && io.env['NO_COLOR'] === undefined && io.env['TERM'] !== 'dumb';
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}
