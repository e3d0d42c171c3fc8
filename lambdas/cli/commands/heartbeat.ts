import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { HeartbeatCheck } from '../../core/check.ts';
import { resourceNames } from '../../core/deployment.ts';
import { UsageError } from '../../core/errors.ts';
import { HEARTBEAT_PING_URL_OUTPUT, pingPath } from '../../core/heartbeat.ts';
import { SsmHeartbeatTokens } from '../../aws/heartbeat-tokens.ts';
import { stackOutput, StackNotFoundError } from '../../aws/stack-outputs.ts';
import { systemClock } from '../../engine/context.ts';
import { ensureLocalTokens, LOCAL_PING_URL_FILE, newHeartbeatToken } from '../../local/heartbeat-tokens.ts';
import { parseCommandArgs } from '../args.ts';
import { writeLine, type Io } from '../io.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';

export const HEARTBEAT_HELP = `Usage: skyprobe heartbeat url <id> [--config FILE] [--data-dir DIR] [--aws [--rotate]] [--json]

Prints where a job pings its heartbeat, its token, and a curl line to paste
at the end of the job. A job pings POST <url> when it succeeded,
<url>/fail when it failed, and may ping <url>/start when it begins (to
measure how long it runs). The token goes in "Authorization: Bearer <token>".

Options:
  --config FILE    monitors.config.ts, .mjs or .json (default ${DEFAULT_CONFIG_FILE})
  --data-dir DIR   local: the data directory of skyprobe run (default .skyprobe);
                   the token is created there if needed (heartbeat-tokens.json, mode 0600)
  --aws            the deployed home stack: the function URL from its outputs, the token
                   from SSM Parameter Store (created as a SecureString if needed)
  --rotate         with --aws: replace the token (the job must get the new one;
                   the ping function picks it up within a minute)
  --json           print {id, url, startUrl, failUrl, token, curl} as JSON
  -h, --help       show this help

The token is a secret: keep it in the job's secret store, not in its code.
Exit status: 0, 1 when the AWS stack or its URL is missing, 2 for a usage or
config error.`;

interface PingInfo {
  readonly id: string;
  readonly url: string;
  readonly startUrl: string;
  readonly failUrl: string;
  readonly token: string;
  readonly curl: string;
}

const LOCAL_DEFAULT_BASE = 'http://127.0.0.1:8787';

export async function heartbeatCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'heartbeat',
    argv,
    {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      aws: { type: 'boolean' },
      rotate: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    2,
  );
  if (values.help) {
    writeLine(io.stdout, HEARTBEAT_HELP);
    return 0;
  }
  const [sub, id] = positionals;
  if (sub !== 'url') throw new UsageError(`skyprobe heartbeat: ${sub === undefined ? 'missing subcommand' : `unknown subcommand ${JSON.stringify(sub)}`}: use skyprobe heartbeat url <id>`);
  if (id === undefined) throw new UsageError('skyprobe heartbeat url: missing heartbeat id (see skyprobe heartbeat --help)');
  if (values.rotate && !values.aws) throw new UsageError('skyprobe heartbeat url: --rotate goes with --aws (locally, edit or delete the entry in heartbeat-tokens.json)');
  if (values.aws && values['data-dir'] !== undefined) throw new UsageError('skyprobe heartbeat url: give --aws or --data-dir, not both');

  const configName = values.config ?? DEFAULT_CONFIG_FILE;
  const config = await loadConfig(resolve(io.cwd, configName));
  const hb = config.heartbeats.find((h) => h.id === id);
  if (hb === undefined) {
    const known = config.heartbeats.map((h) => h.id);
    throw new UsageError(`skyprobe heartbeat url: no heartbeat ${JSON.stringify(id)} in ${configName} (${known.length === 0 ? 'it has none' : `heartbeats: ${known.join(', ')}`})`);
  }

  let base: string;
  let token: string;
  if (values.aws) {
    const found = await awsEndpoint(config.project, config.homeRegion, hb, Boolean(values.rotate), io);
    if (found === null) return 1;
    ({ base, token } = found);
  } else {
    const dataDir = resolve(io.cwd, values['data-dir'] ?? '.skyprobe');
    token = (await ensureLocalTokens(dataDir, [hb.id], io.env))[hb.id] ?? '';
    base = await readFile(join(dataDir, LOCAL_PING_URL_FILE), 'utf8').then(
      (text) => text.trim() || LOCAL_DEFAULT_BASE,
      () => LOCAL_DEFAULT_BASE,
    );
  }
  const info = pingInfo(hb, base, token);
  if (values.json) {
    writeLine(io.stdout, JSON.stringify(info, null, 2));
    return 0;
  }
  writeLine(io.stdout, `Heartbeat ${hb.id}: ping at least every ${describeEvery(hb)}`);
  writeLine(io.stdout, `  success  POST ${info.url}`);
  writeLine(io.stdout, `  start    POST ${info.startUrl}`);
  writeLine(io.stdout, `  fail     POST ${info.failUrl}`);
  writeLine(io.stdout, `  token    ${info.token}`);
  writeLine(io.stdout, '');
  writeLine(io.stdout, 'At the end of the job:');
  writeLine(io.stdout, `  ${info.curl}`);
  if (!values.aws && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(base)) {
    writeLine(io.stdout, '');
    writeLine(io.stdout, 'skyprobe run listens on loopback only: jobs on other machines need skyprobe run --host 0.0.0.0 (and this URL with the machine\'s address).');
  }
  return 0;
}

function pingInfo(hb: HeartbeatCheck, base: string, token: string): PingInfo {
  const root = base.replace(/\/+$/, '');
  const url = `${root}${pingPath(hb.id)}`;
  return {
    id: hb.id,
    url,
    startUrl: `${root}${pingPath(hb.id, 'start')}`,
    failUrl: `${root}${pingPath(hb.id, 'fail')}`,
    token,
    curl: `curl -fsS -m 10 --retry 5 -X POST -H 'Authorization: Bearer ${token}' ${url}`,
  };
}

function describeEvery(hb: HeartbeatCheck): string {
  const s = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);
  return `${s(hb.everyMs)} (grace ${s(hb.graceMs)})`;
}

async function awsEndpoint(project: string, region: string, hb: HeartbeatCheck, rotate: boolean, io: Io): Promise<{ base: string; token: string } | null> {
  const cfn = new CloudFormationClient({ region });
  const ssm = new SSMClient({ region });
  try {
    const stackName = resourceNames.homeStack(project);
    let url: string | undefined;
    try {
      url = await stackOutput(cfn, stackName, HEARTBEAT_PING_URL_OUTPUT);
    } catch (error) {
      if (!(error instanceof StackNotFoundError)) throw error;
      writeLine(io.stderr, `skyprobe heartbeat url: ${error.message} in ${region}: deploy first (npx cdk deploy --all)`);
      return null;
    }
    if (url === undefined) {
      writeLine(io.stderr, `skyprobe heartbeat url: stack ${stackName} has no ${HEARTBEAT_PING_URL_OUTPUT} output: deploy the config with its heartbeats first`);
      return null;
    }
    const tokens = new SsmHeartbeatTokens({ client: ssm, project, clock: systemClock });
    const { token, created } = await tokens.ensure(hb.id, newHeartbeatToken, rotate);
    if (created) writeLine(io.stderr, `${rotate ? 'replaced' : 'created'} the token of ${hb.id} in SSM Parameter Store: ${tokens.parameterName(hb.id)} (SecureString, ${region})`);
    return { base: url, token };
  } finally {
    cfn.destroy();
    ssm.destroy();
  }
}
