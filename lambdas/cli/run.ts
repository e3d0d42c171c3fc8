import { main } from './main.ts';
import { processIo } from './io.ts';

/** Process wrapper: exit status, and the AWS SDK's Node-version notice kept out of users' output. */
export async function runCli(argv: readonly string[]): Promise<void> {
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    // The SDK's notice that later releases need Node 22 is for maintainers, not for people running checks.
    if (w.message.startsWith('NodeVersionSupportWarning') || w.name === 'ExperimentalWarning') return;
    process.stderr.write(`${w.name}: ${w.message}\n`);
  });
  // `skyprobe test | head` closes the pipe early: stop quietly, as other CLI tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  process.exitCode = await main(argv, processIo());
}
