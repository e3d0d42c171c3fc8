import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../core/check.ts';
import { monitorCounts } from '../core/config-summary.ts';
import { ConfigError, formatConfigIssue } from '../core/errors.ts';
import type { Clock } from '../core/ports.ts';
import { secretNamesOfCheck } from '../core/templates.ts';
import { ConsoleNotifier } from '../alerts/console-notifier.ts';
import { fanOut } from '../alerts/fanout.ts';
import { WebhookNotifier } from '../alerts/webhook-notifier.ts';
import { webhookSecretNames, type Notifier } from '../core/notification.ts';
import { createProbeContext, systemClock } from '../engine/context.ts';
import { runCheck } from '../engine/run-check.ts';
import { DynamoResultsStore, ensureTable } from '../store/dynamo-store.ts';
import { DynamoHeartbeatStore } from '../store/heartbeat-store.ts';
import { LocalHeartbeats } from './heartbeat-service.ts';
import { CheckMonitor } from './check-monitor.ts';
import { createDashboardServer } from './dashboard/server.ts';
import { compactRollups } from '../monitor/rollup-compaction.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './embedded-dynamo.ts';
import { envSecretSource, resolveSecrets, SECRET_ENV_PREFIX } from './env-secrets.ts';
import { ResultWriter } from './result-writer.ts';
import { Scheduler, type Job } from './scheduler.ts';

export const LOCAL_TABLE_NAME = 'skyprobe';
const PRUNE_EVERY_MS = 3_600_000;
const COMPACT_FIRST_AFTER_MS = 60_000;
const COMPACT_EVERY_MS = 3_600_000;

export interface RunnerOptions {
  readonly configFile: string;
  readonly loadConfig: (file: string) => Promise<Config>;
  readonly dataDir: string;
  /** Dashboard port; 0 picks a free one. */
  readonly port: number;
  readonly host: string;
  readonly location: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Watch the config file and apply edits. @default true */
  readonly watchConfig?: boolean;
  /** Observes the schedule (benchmarks, diagnostics): start lag of every run, and skipped runs. @default none */
  readonly onLag?: (checkId: string, lagMs: number) => void;
  readonly onMissed?: (checkId: string) => void;
}

export interface RunnerStats {
  /** Checks on the schedule. */
  readonly scheduled: number;
  /** Heartbeats listened for (never scheduled: their jobs ping). */
  readonly heartbeats: number;
  readonly started: number;
  readonly missed: number;
  readonly resultsWritten: number;
  readonly pendingWrites: number;
}

interface Secrets {
  readonly checks: Record<string, string>;
  readonly webhooks: Record<string, string>;
}

/** Every secret the config needs, from the environment; all missing ones are reported at once. */
async function secretsFor(config: Config, env: RunnerOptions['env']): Promise<Secrets> {
  const checkNames = [...new Set(config.checks.flatMap(secretNamesOfCheck))].sort();
  const hookNames = webhookSecretNames(config.alerts.webhooks);
  const source = envSecretSource(env);
  const [checks, hooks] = await Promise.all([resolveSecrets(checkNames, source), resolveSecrets(hookNames, source)]);
  const missing = (name: string) => `secret ${name} is not set (export ${SECRET_ENV_PREFIX}${name})`;
  const issues = [
    ...checks.missing.map((name) => ({ checkId: config.checks.find((c) => secretNamesOfCheck(c).includes(name))?.id, path: `{{secret:${name}}}`, message: missing(name) })),
    ...hooks.missing.map((name) => ({ path: 'alerts.webhooks', message: missing(name) })),
  ];
  if (issues.length > 0) throw new ConfigError(issues);
  return { checks: checks.values, webhooks: hooks.values };
}

/**
 * `skyprobe run`: the embedded store, the schedule, the alert policy, incidents, notifiers and the dashboard.
 * Stops cleanly: runs in flight finish, writes are flushed, alerts are delivered (bounded), the lock is released.
 */
export class LocalRunner {
  private readonly clock: Clock;
  private config!: Config;
  private dynamo: EmbeddedDynamo | null = null;
  private store!: DynamoResultsStore;
  private writer!: ResultWriter;
  private monitor!: CheckMonitor;
  private heartbeats: LocalHeartbeats | null = null;
  private notifier!: Notifier;
  private webhooks: WebhookNotifier | null = null;
  private scheduler!: Scheduler;
  private dashboard: ReturnType<typeof createDashboardServer> | null = null;
  private lock: { release(): void } | null = null;
  private watcher: FSWatcher | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private compactTimer: NodeJS.Timeout | null = null;
  private compacting: Promise<void> | null = null;
  private readonly stopCompaction = new AbortController();
  private reloadTimer: NodeJS.Timeout | null = null;
  private startedAt = '';
  private dashboardUrl = '';

  constructor(private readonly options: RunnerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Starts everything; throws ConfigError or DataDirLockedError before touching the store. */
  async start(): Promise<{ dashboardUrl: string }> {
    const config = await this.options.loadConfig(this.options.configFile);
    const secrets = await secretsFor(config, this.options.env);
    this.lock = lockDataDir(this.options.dataDir);
    // The dashboard may be asked before the checks are scheduled.
    this.config = config;
    try {
      this.startedAt = new Date(this.clock.now()).toISOString();
      this.dynamo = await startEmbeddedDynamo({ path: join(this.options.dataDir, 'db') });
      await ensureTable(this.dynamo.client, LOCAL_TABLE_NAME);
      this.store = new DynamoResultsStore({ client: this.dynamo.client, tableName: LOCAL_TABLE_NAME, clock: this.clock });
      this.writer = new ResultWriter(this.store, { log: this.options.log });
      // Webhooks are swapped on reload; the console notice stays.
      this.notifier = fanOut(new ConsoleNotifier({ write: (text: string) => this.options.log(text.trimEnd()) }), {
        notify: (e) => this.webhooks?.notify(e),
        drain: async (ms) => this.webhooks?.drain(ms),
      });
      this.monitor = new CheckMonitor({ store: this.store, notifier: this.notifier, clock: this.clock, location: this.options.location, log: this.options.log });
      this.heartbeats = new LocalHeartbeats({
        results: this.store,
        states: new DynamoHeartbeatStore({ client: this.dynamo.client, tableName: LOCAL_TABLE_NAME }),
        notifier: this.notifier,
        clock: this.clock,
        location: this.options.location,
        dataDir: this.options.dataDir,
        env: this.options.env,
        log: this.options.log,
      });
      const heartbeats = this.heartbeats;
      this.scheduler = new Scheduler({
        clock: this.clock,
        maxConcurrent: 128,
        onLag: this.options.onLag,
        onMissed: (id, dueAt) => {
          this.options.log(`${id}: run due at ${new Date(dueAt).toISOString()} skipped, the previous run is still going`);
          this.options.onMissed?.(id);
        },
      });

      this.dashboard = createDashboardServer(
        {
          config: () => this.config,
          states: () => this.monitor.states(),
          heartbeatStates: () => heartbeats.states(),
          store: this.store,
          location: this.options.location,
          startedAt: this.startedAt,
          now: () => this.clock.now(),
          pendingWrites: () => this.writer.stats().pending,
        },
        { host: this.options.host, port: this.options.port, ping: (req, res) => heartbeats.handle(req, res) },
      );
      this.dashboardUrl = (await this.dashboard.listen()).url;
      await this.apply(config, secrets);
      await heartbeats.start(this.dashboardUrl);
      this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
      this.pruneTimer.unref();
      // Day packs for month reports: soon after start (days closed while stopped), then every hour.
      this.compactTimer = setTimeout(() => void this.compact(), COMPACT_FIRST_AFTER_MS);
      this.compactTimer.unref();
      if (this.options.watchConfig ?? true) this.watchConfig();
      return { dashboardUrl: this.dashboardUrl };
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  stats(): RunnerStats {
    const s = this.scheduler.stats();
    const w = this.writer.stats();
    return { scheduled: this.config.checks.length, heartbeats: this.config.heartbeats.length, started: s.started, missed: s.missed, resultsWritten: w.resultsWritten, pendingWrites: w.pending };
  }

  /** Finishes runs in flight, flushes writes, delivers alerts (bounded), closes everything. Safe to call twice. */
  async stop(): Promise<void> {
    this.watcher?.close();
    this.watcher = null;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.compactTimer) clearTimeout(this.compactTimer);
    this.stopCompaction.abort();
    await this.compacting;
    await this.scheduler?.stop();
    await this.heartbeats?.stop();
    await this.writer?.flush();
    await this.notifier?.drain(5_000);
    await this.dashboard?.close();
    this.dashboard = null;
    await this.dynamo?.close();
    this.dynamo = null;
    this.lock?.release();
    this.lock = null;
  }

  /** Applies a validated config; `this.config` changes only once the checks are rescheduled. */
  private async apply(config: Config, secrets: Secrets): Promise<void> {
    const previous = this.webhooks;
    this.webhooks = new WebhookNotifier({ webhooks: config.alerts.webhooks, secrets: secrets.webhooks, log: this.options.log });
    // Alerts already queued on the old webhooks are still delivered.
    if (previous) void previous.drain(60_000);
    const dashboardUrl = config.alerts.dashboardUrl ?? this.dashboardUrl;
    await this.monitor.setChecks(config.checks, config.maintenance, dashboardUrl);
    await this.heartbeats?.setConfig(config, dashboardUrl);
    const ctx = createProbeContext({ location: this.options.location, allowPrivateTargets: true, secrets: secrets.checks, clock: this.clock });
    const jobs: Job[] = config.checks.map((check) => ({
      id: check.id,
      intervalMs: check.intervalMs,
      run: async () => {
        const result = await runCheck(check, ctx);
        this.writer.add(result);
        await this.monitor.onResult(result);
      },
    }));
    this.scheduler.setJobs(jobs);
    this.config = config;
  }

  private watchConfig(): void {
    try {
      this.watcher = watch(this.options.configFile, () => {
        if (this.reloadTimer) clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => void this.reload(), 300);
      });
      this.watcher.on('error', () => undefined);
    } catch (err) {
      this.options.log(`not watching ${this.options.configFile} for changes: ${(err as Error).message}`);
    }
  }

  /** Applies an edited config, or keeps the running one and says why. */
  async reload(): Promise<boolean> {
    try {
      const config = await this.options.loadConfig(this.options.configFile);
      const secrets = await secretsFor(config, this.options.env);
      await this.apply(config, secrets);
      this.options.log(`config reloaded: ${monitorCounts(config.checks.length, config.heartbeats.length)}`);
      return true;
    } catch (err) {
      const lines = err instanceof ConfigError ? err.issues.map(formatConfigIssue) : [(err as Error).message];
      this.options.log(`config change refused, still running the previous config:\n${lines.map((l) => `  ${l}`).join('\n')}`);
      return false;
    }
  }

  /** Packs the closed days (never two at once); then again in an hour. */
  compact(): Promise<void> {
    this.compacting ??= (async () => {
      try {
        const checkIds = new Set([...this.config.checks, ...(this.config.heartbeats ?? [])].map((c) => c.id));
        const summary = await compactRollups(this.store, this.clock, { signal: this.stopCompaction.signal, concurrency: 2, checkIds });
        if (summary.failedPairs > 0) this.options.log(`compacting rollups: ${summary.failedPairs} check location(s) failed, retried in an hour: ${summary.lastError}`);
      } catch (err) {
        this.options.log(`compacting rollups failed: ${(err as Error).message}`);
      } finally {
        this.compacting = null;
        if (this.compactTimer) clearTimeout(this.compactTimer);
        if (!this.stopCompaction.signal.aborted) {
          this.compactTimer = setTimeout(() => void this.compact(), COMPACT_EVERY_MS);
          this.compactTimer.unref();
        }
      }
    })();
    return this.compacting;
  }

  private async prune(): Promise<void> {
    try {
      await this.store.pruneExpired();
    } catch (err) {
      this.options.log(`pruning expired results failed: ${(err as Error).message}`);
    }
  }
}
