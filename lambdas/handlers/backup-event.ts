/**
 * AWS Backup jobs as heartbeat pings (home region). An EventBridge rule sends the "Backup Job State Change"
 * events of the configured vaults and plans here: COMPLETED is a success ping, its duration from the job's
 * creation to its completion; FAILED, ABORTED and EXPIRED are fail pings; other states (CREATED, PENDING,
 * RUNNING) are not the end of a job and change nothing. A backup that never completes sends nothing, and the
 * sweep opens the incident when its heartbeat's deadline passes.
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
 */
import type { BackupSelector, HeartbeatCheck } from '../core/check.ts';
import type { Ping } from '../core/heartbeat.ts';
import type { HeartbeatPingOutcome } from '../monitor/heartbeat-monitor.ts';
import { bundleDirectory } from './bundled-config.ts';
import { createHeartbeatRuntime, heartbeatDepsFromEnv, lazyHandler, type HeartbeatRuntimeDeps } from './heartbeat-runtime.ts';

export const BACKUP_JOB_STATE_CHANGE = { source: 'aws.backup', detailType: 'Backup Job State Change' } as const;

/** The fields of a backup job event the handler reads. */
export interface BackupJob {
  readonly jobId: string;
  readonly state: string;
  readonly vaultName: string | null;
  readonly vaultArn: string | null;
  readonly planId: string | null;
  readonly planArn: string | null;
  readonly resourceType: string | null;
  readonly resourceArn: string | null;
  readonly statusMessage: string | null;
  /** Epoch ms; null when the event has none. */
  readonly creationMs: number | null;
  readonly completionMs: number | null;
  /** The event's own time, epoch ms. */
  readonly eventMs: number;
}

/** The rule routed something that is not a backup job state change: the rule matches too much. */
export class InvalidBackupEventError extends Error {
  override readonly name = 'InvalidBackupEventError';
}

const FAILED_STATES = ['FAILED', 'ABORTED', 'EXPIRED'] as const;

export function parseBackupJobEvent(event: unknown): BackupJob {
  const fail = (what: string): never => {
    throw new InvalidBackupEventError(`not a Backup Job State Change event: ${what}`);
  };
  if (!isObject(event)) return fail('the event is not an object');
  if (event['source'] !== BACKUP_JOB_STATE_CHANGE.source || event['detail-type'] !== BACKUP_JOB_STATE_CHANGE.detailType) {
    return fail(`source ${JSON.stringify(event['source'])}, detail-type ${JSON.stringify(event['detail-type'])}`);
  }
  const detail = event['detail'];
  if (!isObject(detail)) return fail('detail is missing');
  const jobId = text(detail['backupJobId']);
  const state = text(detail['state']);
  if (jobId === null || state === null) return fail('detail.backupJobId or detail.state is missing');
  const eventMs = Date.parse(text(event['time']) ?? '');
  if (Number.isNaN(eventMs)) return fail(`time is not a time: ${JSON.stringify(event['time'])}`);
  const createdBy = isObject(detail['createdBy']) ? detail['createdBy'] : {};
  return {
    jobId,
    state,
    vaultName: text(detail['backupVaultName']),
    vaultArn: text(detail['backupVaultArn']),
    planId: text(createdBy['backupPlanId']),
    planArn: text(createdBy['backupPlanArn']),
    resourceType: text(detail['resourceType']),
    resourceArn: text(detail['resourceArn']),
    // AWS Backup quotes some messages itself: "\"Backup job was stopped by user.\"".
    statusMessage: text(detail['statusMessage'])?.replace(/^"(.*)"$/s, '$1') || null,
    creationMs: time(detail['creationDate']),
    completionMs: time(detail['completionDate']),
    eventMs,
  };
}

/** Does the job belong to a vault or plan the selector names (by name, id or ARN)? */
export function backupJobMatches(selector: BackupSelector, job: BackupJob): boolean {
  const vault = selector.vaults.some((v) => v === job.vaultName || v === job.vaultArn);
  const plan = selector.plans.some((p) => p === job.planId || p === job.planArn);
  return vault || plan;
}

/** The ping a job's state change is: success, fail, or none for a job that has not ended. */
export function pingOfBackupJob(job: BackupJob): Ping | null {
  const atMs = job.completionMs ?? job.eventMs;
  const what = `backup job ${job.jobId}${job.resourceArn === null ? '' : ` of ${job.resourceArn}`}`;
  const runStarted = job.creationMs === null ? {} : { runStartedMs: job.creationMs };
  if (job.state === 'COMPLETED') {
    // "Completed with issues" in the console: a completed job with a status message.
    return { kind: 'success', atMs, message: `${what} completed${job.statusMessage === null ? '' : ` with issues: ${job.statusMessage}`}`, ...runStarted };
  }
  if ((FAILED_STATES as readonly string[]).includes(job.state)) {
    return { kind: 'fail', atMs, message: `${what} ${job.state}${job.statusMessage === null ? '' : `: ${job.statusMessage}`}`, ...runStarted };
  }
  return null;
}

export interface BackupEventOutcome {
  readonly jobId: string;
  readonly state: string;
  readonly heartbeats: readonly HeartbeatPingOutcome[];
  readonly note: string;
}

export function createBackupEventHandler(deps: HeartbeatRuntimeDeps): (event: unknown) => Promise<BackupEventOutcome> {
  const runtime = createHeartbeatRuntime(deps);
  return async (event) => {
    const job = parseBackupJobEvent(event);
    const ping = pingOfBackupJob(job);
    const matching: HeartbeatCheck[] = runtime.monitor.heartbeats().filter((hb) => hb.backup !== null && backupJobMatches(hb.backup, job));
    let note: string;
    const outcomes: HeartbeatPingOutcome[] = [];
    if (matching.length === 0) note = `backup job ${job.jobId} (${job.vaultName ?? job.vaultArn ?? 'no vault'}) matches no heartbeat`;
    else if (ping === null) note = `backup job ${job.jobId} is ${job.state}: not the end of a job`;
    else {
      for (const hb of matching) outcomes.push(await runtime.monitor.ping(hb.id, ping));
      note = `backup job ${job.jobId} ${job.state}: ${ping.kind} ping for ${matching.map((hb) => hb.id).join(', ')}`;
    }
    runtime.log(JSON.stringify({ level: 'info', backupJob: job.jobId, state: job.state, note }));
    return { jobId: job.jobId, state: job.state, heartbeats: outcomes, note };
  };
}

export const handler = lazyHandler(async () => createBackupEventHandler(await heartbeatDepsFromEnv(process.env, bundleDirectory())));

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function time(value: unknown): number | null {
  const ms = Date.parse(text(value) ?? '');
  return Number.isNaN(ms) ? null : ms;
}
