import { ConfigError, formatConfigIssue, UsageError } from '../core/errors.ts';
import { checkCommand, CHECK_HELP } from './commands/check.ts';
import { testCommand } from './commands/test.ts';
import { runCommand } from './commands/run.ts';
import { costCommand } from './commands/cost.ts';
import { reportCommand } from './commands/report.ts';
import { incidentCommand, incidentsCommand } from './commands/incidents.ts';
import { drillCommand } from './commands/drill.ts';
import { failoverCommand } from './commands/failover.ts';
import { heartbeatCommand } from './commands/heartbeat.ts';
import { validateCommand } from './commands/validate.ts';
import { writeLine, type Io } from './io.ts';

export const VERSION = '0.1.0';

type Command = (argv: readonly string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: { run: runCommand, summary: 'monitor continuously from this machine, with alerts and a dashboard' },
  check: { run: checkCommand, summary: 'probe one URL, host:port or name now and show its timings' },
  test: { run: testCommand, summary: 'run every configured check once (CI smoke test)' },
  validate: { run: validateCommand, summary: 'check the monitors config and list every problem' },
  heartbeat: { run: heartbeatCommand, summary: 'print the URL, token and curl line a job pings its heartbeat with' },
  cost: { run: costCommand, summary: 'estimate the monthly AWS bill and compare it with Synthetics canaries' },
  report: { run: reportCommand, summary: 'the monthly uptime and SLO report (Markdown, HTML or JSON)' },
  incidents: { run: incidentsCommand, summary: 'list the incidents of a month' },
  incident: { run: incidentCommand, summary: 'record a root cause and corrective action: incident note <id> "..."' },
  failover: { run: failoverCommand, summary: 'show Route 53 failover health and what DNS answers now' },
  drill: { run: drillCommand, summary: 'fail a service over to its standby and back, measured against its RTO' },
};

export const MAIN_HELP = `skyprobe ${VERSION} — synthetic monitoring, in AWS or on this machine

Usage: skyprobe <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

Run skyprobe <command> --help for a command's options.`;

/** Runs the CLI; returns the exit status. User mistakes print one line per problem, never a stack trace. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      writeLine(io.stdout, MAIN_HELP);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      writeLine(io.stdout, VERSION);
      return 0;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`skyprobe: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const issue of err.issues) writeLine(io.stderr, formatConfigIssue(issue));
      return 2;
    }
    if (err instanceof UsageError) {
      writeLine(io.stderr, err.message);
      return 2;
    }
    writeLine(io.stderr, `skyprobe: internal error: ${(err as Error)?.message ?? String(err)} (please report this)`);
    if (io.env['SKYPROBE_DEBUG']) writeLine(io.stderr, String((err as Error)?.stack));
    return 70;
  }
}

export { CHECK_HELP };
