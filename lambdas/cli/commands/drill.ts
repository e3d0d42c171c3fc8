import { randomUUID } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import type { Config } from '../../core/check.ts';
import { resourceNames } from '../../core/deployment.ts';
import {
  complete,
  dnsSwitched,
  drillVerdict,
  formatDrillHistory,
  formatDrillReport,
  healthFromObservations,
  observe,
  phaseTimes,
  revertCommand,
  startPhase,
  type DrillObservation,
  type DrillRecord,
  type PhaseProgress,
  type Side,
} from '../../core/drill.ts';
import { formatDuration, parseDuration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import type { FailoverService } from '../../core/failover.ts';
import { secretNamesOfCheck } from '../../core/templates.ts';
import { Route53Failover } from '../../aws/route53-failover.ts';
import { createProbeContext } from '../../engine/context.ts';
import { runCheck } from '../../engine/run-check.ts';
import { envSecretSource, resolveSecrets } from '../../local/env-secrets.ts';
import { DrillStore } from '../../store/drill-store.ts';
import { parseCommandArgs } from '../args.ts';
import { writeLine, type Io } from '../io.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';
import {
  RecordResolver,
  awsClients,
  describeResolver,
  dnsNow,
  drillCheck,
  errorMessage,
  expectedAnswers,
  findService,
  parseResolver,
  serviceStatus,
} from './failover.ts';

export const DRILL_HELP = `Usage: skyprobe drill <SERVICE> --yes [--max-duration 15m] [--poll-interval 5s]
                      [--resolver HOST:PORT] [--json] [--config FILE]
       skyprobe drill history [SERVICE] [--limit N] [--json] [--config FILE]

Fails SERVICE over to its secondary for real, measures it, and fails it back:
  1. preflight: the secondary's health check is healthy, the primary's is not
     inverted or unhealthy, and Route 53 answers with the primary; otherwise
     the drill is refused with the reason;
  2. sets Inverted on the health check the PRIMARY record uses, and polls until
     Route 53 (TestDNSAnswer) and the resolver both answer with the secondary
     and the secondary passes the service's check: time to detect and time to
     fail over;
  3. clears Inverted and measures the fail-back the same way;
  4. stores the drill (pass or fail against the service's RTO) in the home
     region's table and prints a report.
Inverted is cleared on every path: an error, --max-duration, Ctrl-C or SIGTERM
(a second Ctrl-C tries once more). If it cannot be cleared, the command to
clear it by hand is printed and the exit status is 1.

Options:
  --yes                   required: the drill moves real users to the secondary
  --max-duration DURATION the whole drill, then it is aborted and reverted (default 15m)
  --poll-interval DURATION time between polls (default 5s)
  --resolver HOST:PORT    resolver to ask (default: this machine's resolvers)
  --limit N               drills listed by history (default 20)
  --config FILE           default ${DEFAULT_CONFIG_FILE}
  --json                  print the drill record (or the history) as JSON
  -h, --help              show this help

Exit status: 0 when the drill passed, 1 when it failed, was aborted or refused,
2 for a usage error.`;

const DEFAULT_MAX_DURATION_MS = 15 * 60_000;
const DEFAULT_POLL_MS = 5_000;
/** Attempts to clear Inverted before giving up and printing the command. */
const REVERT_ATTEMPTS = 3;
const REVERT_BACKOFF_MS = 1_000;

const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  yes: { type: 'boolean' },
  'max-duration': { type: 'string' },
  'poll-interval': { type: 'string' },
  resolver: { type: 'string' },
  limit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function drillCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('drill', argv, OPTIONS, 2);
  if (values.help) {
    writeLine(io.stdout, DRILL_HELP);
    return 0;
  }
  const [first, second] = positionals;
  if (first === undefined) throw new UsageError('skyprobe drill: missing service: skyprobe drill <SERVICE> --yes (see skyprobe drill --help)');
  const config = await loadConfig(resolvePath(io.cwd, values.config ?? DEFAULT_CONFIG_FILE));
  if (first === 'history') return history(io, config, second, values.limit, values.json === true);
  if (second !== undefined) throw new UsageError(`skyprobe drill: unexpected argument ${JSON.stringify(second)} (see skyprobe drill --help)`);
  if (values.limit !== undefined) throw new UsageError('skyprobe drill: --limit is for drill history');

  const service = findService('drill', config, first);
  const maxDurationMs = durationFlag('--max-duration', values['max-duration'], DEFAULT_MAX_DURATION_MS, 1_000, 24 * 3_600_000);
  const pollMs = durationFlag('--poll-interval', values['poll-interval'], DEFAULT_POLL_MS, 100, 60_000);
  const choice = parseResolver('drill', values.resolver);
  if (values.yes !== true) {
    throw new UsageError(
      `skyprobe drill: refusing to start without --yes: a drill fails ${service.id} (${service.recordName}) over to its secondary for real`,
    );
  }
  return runDrill({ io, config, service, maxDurationMs, pollMs, resolver: new RecordResolver(choice), resolverName: describeResolver(choice), json: values.json === true });
}

function durationFlag(flag: string, value: string | undefined, fallback: number, minMs: number, maxMs: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined || ms < minMs || ms > maxMs) {
    throw new UsageError(`skyprobe drill: ${flag} must be a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)} such as "30s" or "15m", got ${JSON.stringify(value)}`);
  }
  return ms;
}

async function history(io: Io, config: Config, service: string | undefined, limitFlag: string | undefined, json: boolean): Promise<number> {
  if (service !== undefined) findService('drill', config, service);
  const limit = limitFlag === undefined ? 20 : Number(limitFlag);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`skyprobe drill: --limit must be a whole number from 1 to 1000, got ${JSON.stringify(limitFlag)}`);
  const store = new DrillStore({ client: awsClients(config).dynamo, tableName: resourceNames.table(config.project) });
  let records: DrillRecord[];
  try {
    records = await store.history({ ...(service === undefined ? {} : { service }), limit });
  } catch (error) {
    writeLine(io.stderr, `skyprobe drill: cannot read drill history: ${errorMessage(error)}`);
    return 1;
  }
  if (json) writeLine(io.stdout, JSON.stringify(records, null, 2));
  else for (const line of formatDrillHistory(records)) writeLine(io.stdout, line);
  return 0;
}

interface DrillRun {
  readonly io: Io;
  readonly config: Config;
  readonly service: FailoverService;
  readonly maxDurationMs: number;
  readonly pollMs: number;
  readonly resolver: RecordResolver;
  readonly resolverName: string;
  readonly json: boolean;
}

/** Stops the drill: the user's signal, or --max-duration. */
class DrillStopped extends Error {
  override readonly name = 'DrillStopped';
}

async function runDrill(run: DrillRun): Promise<number> {
  const { io, config, service } = run;
  const clients = awsClients(config);
  const route53 = new Route53Failover({ client: clients.route53 });
  const say = (line: string) => writeLine(io.stderr, `drill ${service.id}: ${line}`);

  // 1. Preflight.
  const checks = { primary: drillCheck(config, service, 'primary'), secondary: drillCheck(config, service, 'secondary') };
  const secrets = await resolveSecrets([...new Set([...secretNamesOfCheck(checks.primary), ...secretNamesOfCheck(checks.secondary)])], envSecretSource(io.env));
  let refusal: string | null = null;
  let healthCheckId = '';
  try {
    if (secrets.missing.length > 0) refusal = `the check needs ${secrets.missing.map((n) => `SKYPROBE_SECRET_${n}`).join(', ')} in the environment`;
    else {
      const status = await serviceStatus(config.project, service, route53, run.resolver, run.resolverName);
      const primary = status.healthChecks.find((h) => h.role === 'primary');
      const secondary = status.healthChecks.find((h) => h.role === 'secondary');
      healthCheckId = primary?.id ?? '';
      refusal = preflightRefusal(status, primary, secondary);
    }
  } catch (error) {
    refusal = `cannot read route 53: ${errorMessage(error)}`;
  }
  if (refusal !== null) {
    writeLine(io.stderr, `skyprobe drill: refused: ${refusal}`);
    return 1;
  }

  // 2-4. Failover and fail-back, reverting on every path.
  const hold = io.holdExit?.();
  const startedAtMs = Date.now();
  const deadlineMs = startedAtMs + run.maxDurationMs;
  const stop = io.stopSignal;
  let polls = 0;
  let inverted = false;
  let failover: PhaseProgress | null = null;
  let failback: PhaseProgress | null = null;
  let stoppedBecause: string | null = null;
  const stopReason = (): string | null => {
    if (stop?.aborted === true) return 'interrupted (SIGINT or SIGTERM)';
    if (Date.now() >= deadlineMs) return `--max-duration ${formatDuration(run.maxDurationMs)} reached`;
    return null;
  };

  const phase = async (expect: Side): Promise<PhaseProgress> => {
    let progress = startPhase(expect, Date.now());
    const other: Side = expect === 'secondary' ? 'primary' : 'secondary';
    for (;;) {
      const why = stopReason();
      if (why !== null) throw new DrillStopped(why);
      polls += 1;
      const o = await observation(route53, run, healthCheckId, inverted);
      const before = progress.detectedAtMs;
      progress = observe(progress, o);
      if (before === null && progress.detectedAtMs !== null) say(`route 53 noticed after ${formatDuration(progress.detectedAtMs - progress.startedAtMs)}`);
      if (dnsSwitched(progress, o)) {
        const problem = await checkSide(run, checks[expect], expect, secrets.values);
        if (problem === null) {
          progress = complete(progress, Date.now());
          say(`${expect} answers and passes its check after ${formatDuration((progress.completedAtMs ?? 0) - progress.startedAtMs)}`);
          return progress;
        }
        say(`dns answers with the ${expect}, but its check failed: ${problem}`);
      } else if (polls % 6 === 1) {
        say(`waiting: route 53 answers ${o.route53}, resolver answers ${o.resolver} (was ${other})`);
      }
      await pause(Math.min(run.pollMs, Math.max(0, deadlineMs - Date.now())), stop);
    }
  };

  try {
    inverted = true; // before the call: if it lands but its reply is lost, the finally still clears it
    await route53.setInverted(healthCheckId, true);
    say(`Inverted set on health check ${healthCheckId}: failing over`);
    failover = await phase('secondary');
    await route53.setInverted(healthCheckId, false);
    inverted = false;
    say(`Inverted cleared: failing back`);
    failback = await phase('primary');
  } catch (error) {
    stoppedBecause = error instanceof DrillStopped ? error.message : `error: ${errorMessage(error)}`;
    say(`stopping: ${stoppedBecause}`);
  }

  let revertError: string | null = null;
  if (inverted) {
    revertError = await revert(route53, healthCheckId, hold?.again, say);
    if (revertError === null) inverted = false;
  }
  hold?.release();

  const verdict = drillVerdict(phaseTimes(failover), phaseTimes(failback), service.rtoSeconds, stoppedBecause);
  const record: DrillRecord = {
    id: randomUUID(),
    service: service.id,
    project: config.project,
    startedAt: new Date(startedAtMs).toISOString(),
    endedAt: new Date().toISOString(),
    outcome: verdict.outcome,
    reason: revertError === null ? verdict.reason : `${verdict.reason ?? 'drill ended'}; Inverted could not be cleared: ${revertError}`,
    rtoSeconds: service.rtoSeconds,
    failover: phaseTimes(failover),
    failback: phaseTimes(failback),
    reverted: !inverted,
    healthCheckId,
    resolver: run.resolverName,
    polls,
  };
  let stored = true;
  try {
    await new DrillStore({ client: clients.dynamo, tableName: resourceNames.table(config.project) }).put(record);
  } catch (error) {
    stored = false;
    writeLine(io.stderr, `skyprobe drill: the drill record could not be stored: ${errorMessage(error)}`);
  }
  if (run.json) writeLine(io.stdout, JSON.stringify(record, null, 2));
  else for (const line of formatDrillReport(record)) writeLine(io.stdout, line);
  if (inverted) {
    writeLine(io.stderr, `skyprobe drill: health check ${healthCheckId} is STILL INVERTED (${revertError}): clear it by hand now: ${revertCommand(healthCheckId)}`);
    return 1;
  }
  return record.outcome === 'passed' && stored ? 0 : 1;
}

/** Why the drill must not start, or null. */
function preflightRefusal(
  status: Awaited<ReturnType<typeof serviceStatus>>,
  primary: Awaited<ReturnType<typeof serviceStatus>>['healthChecks'][number] | undefined,
  secondary: Awaited<ReturnType<typeof serviceStatus>>['healthChecks'][number] | undefined,
): string | null {
  if (primary === undefined || secondary === undefined) {
    return `no health checks tagged for ${status.service} (${status.missing.join(', ')} missing): deploy the stack first`;
  }
  if (primary.inverted) return `${status.service} is already failed over: health check ${primary.id} is inverted (a drill left behind? ${revertCommand(primary.id)})`;
  if (secondary.inverted || secondary.disabled) return `the secondary's health check ${secondary.id} is ${secondary.inverted ? 'inverted' : 'disabled'}: its health is not measured`;
  if (secondary.health !== 'healthy') {
    const share = secondary.healthyShare === null ? 'no checker reports' : `${Math.round(secondary.healthyShare * 100)}% of checker regions report it healthy`;
    return `the secondary is not healthy (${secondary.health}: ${share}): failing over would take ${status.service} down`;
  }
  if (primary.health === 'unhealthy') return `${status.service} is already failed over: the primary's health check ${primary.id} is unhealthy`;
  if (status.dns.route53.error !== null) return `route 53 cannot answer for ${status.recordName}: ${status.dns.route53.error}`;
  if (status.dns.route53.side === 'secondary') return `${status.service} is already failed over: route 53 answers ${status.recordName} with the secondary`;
  if (status.dns.route53.side !== 'primary') return `route 53 answers ${status.recordName} with ${(status.dns.route53.answers ?? []).join(', ') || 'nothing'}, which is neither the primary nor the secondary`;
  return null;
}

async function observation(route53: Route53Failover, run: DrillRun, healthCheckId: string, inverted: boolean): Promise<DrillObservation> {
  const dns = await dnsNow(run.service, route53, run.resolver, run.resolverName);
  let statuses: string[] = [];
  try {
    statuses = (await route53.observations(healthCheckId)).map((o) => o.status);
  } catch {
    statuses = [];
  }
  return { atMs: Date.now(), route53: dns.route53.side, resolver: dns.resolver.side, primaryHealth: healthFromObservations(statuses, inverted).health };
}

/** Runs the side's check through the chosen resolver; null when it passed (and reached that side's addresses). */
async function checkSide(run: DrillRun, check: ReturnType<typeof drillCheck>, side: Side, secrets: Readonly<Record<string, string>>): Promise<string | null> {
  const ctx = createProbeContext({ location: 'drill', lookup: run.resolver.lookup, allowPrivateTargets: true, secrets, retryDelayMs: 200 });
  const result = await runCheck(check, ctx);
  if (!result.ok) return `${check.id}: ${result.error?.message ?? 'failed'}`;
  const target = side === 'primary' ? run.service.primary.target : run.service.secondary.target;
  if (target.kind === 'values' && run.service.recordType !== 'CNAME' && result.address !== null) {
    const expected = await expectedAnswers(target, run.service, run.resolver);
    const address = result.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!expected.includes(address)) return `${check.id} reached ${result.address}, not the ${side} (${expected.join(', ')})`;
  }
  return null;
}

/** Clears Inverted, retrying; a second signal cuts the wait short but still gets one more attempt. */
async function revert(route53: Route53Failover, healthCheckId: string, again: AbortSignal | undefined, say: (line: string) => void): Promise<string | null> {
  let last = '';
  for (let attempt = 1; attempt <= REVERT_ATTEMPTS; attempt++) {
    try {
      await route53.setInverted(healthCheckId, false);
      say(`Inverted cleared on health check ${healthCheckId}`);
      return null;
    } catch (error) {
      last = errorMessage(error);
      say(`clearing Inverted failed (attempt ${attempt} of ${REVERT_ATTEMPTS}): ${last}`);
      if (again?.aborted === true && attempt >= 2) break;
      if (attempt < REVERT_ATTEMPTS) await pause(REVERT_BACKOFF_MS * attempt, again);
    }
  }
  return last;
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted === true || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
