import { resolve } from 'node:path';
import { monitorCounts } from '../../core/config-summary.ts';
import { UsageError } from '../../core/errors.ts';
import { DataDirLockedError } from '../../local/data-dir-lock.ts';
import { LocalRunner } from '../../local/runner.ts';
import { parseCommandArgs } from '../args.ts';
import { writeLine, type Io } from '../io.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';

export const RUN_HELP = `Usage: skyprobe run [--config FILE] [--data-dir DIR] [--port N] [--location NAME]

Monitors continuously from this machine: runs each check at its interval,
listens for heartbeat pings (POST /ping/<id> on the dashboard's address),
keeps results in an embedded DynamoDB-compatible store under the data
directory, opens and closes incidents by the alert policy, sends alerts
(console and the config's webhooks) and serves a dashboard.

Options:
  --config FILE    monitors.config.ts, .mjs or .json (default ${DEFAULT_CONFIG_FILE});
                   edits are applied while running (an invalid edit is refused)
  --data-dir DIR   where results and incidents are kept (default .skyprobe)
  --port N         dashboard port on 127.0.0.1 (default 8787; 0 picks a free one)
  --host ADDR      dashboard and ping address (default 127.0.0.1: loopback only)
  --location NAME  location name stored with every result (default local)
  -h, --help       show this help

Stop with Ctrl-C (SIGINT) or SIGTERM: runs in flight finish and every write is
flushed before it exits 0. Exit status 2 for a config or usage error.`;

const LOCATION = /^[a-z0-9][a-z0-9-]{0,31}$/;

export async function runCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs(
    'run',
    argv,
    { config: { type: 'string' }, 'data-dir': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, location: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    0,
  );
  if (values.help) {
    writeLine(io.stdout, RUN_HELP);
    return 0;
  }
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) throw new UsageError(`skyprobe run: --port must be a number from 0 to 65535, got ${JSON.stringify(values.port)}`);
  const location = values.location ?? 'local';
  if (!LOCATION.test(location)) throw new UsageError(`skyprobe run: --location must be lowercase letters, digits and dashes (at most 32), got ${JSON.stringify(location)}`);
  const configFile = resolve(io.cwd, values.config ?? DEFAULT_CONFIG_FILE);
  const dataDir = resolve(io.cwd, values['data-dir'] ?? '.skyprobe');
  const log = (line: string) => writeLine(io.stdout, `${new Date().toISOString().slice(0, 19)}Z ${line}`);

  const runner = new LocalRunner({ configFile, loadConfig, dataDir, port, host: values.host ?? '127.0.0.1', location, env: io.env, log });
  let dashboardUrl: string;
  try {
    ({ dashboardUrl } = await runner.start());
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new UsageError(`skyprobe run: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`skyprobe run: port ${port} is in use: give another --port (0 picks a free one)`);
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`skyprobe run: cannot listen on --host ${values.host}`);
    throw err;
  }
  const stats = runner.stats();
  writeLine(io.stdout, `skyprobe run: ${monitorCounts(stats.scheduled, stats.heartbeats)} from ${values.config ?? DEFAULT_CONFIG_FILE}, location "${location}"`);
  writeLine(io.stdout, `  dashboard  ${dashboardUrl}`);
  if (stats.heartbeats > 0) writeLine(io.stdout, `  pings      ${dashboardUrl}/ping/<id> (skyprobe heartbeat url <id> prints the token)`);
  writeLine(io.stdout, `  data       ${dataDir}`);
  writeLine(io.stdout, '  Ctrl-C to stop');

  await new Promise<void>((done) => {
    if (!io.stopSignal || io.stopSignal.aborted) return done();
    io.stopSignal.addEventListener('abort', () => done(), { once: true });
  });
  log('stopping: finishing runs in flight and flushing writes');
  await runner.stop();
  const end = runner.stats();
  log(`stopped after ${end.started} runs (${end.missed} missed); ${end.resultsWritten} results written, ${end.pendingWrites} pending`);
  return 0;
}
