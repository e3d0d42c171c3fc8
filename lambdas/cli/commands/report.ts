import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Check, Config } from '../../core/check.ts';
import { resourceNames } from '../../core/deployment.ts';
import { UsageError } from '../../core/errors.ts';
import { readMonthlyReport, reportSubjectsOf } from '../../core/report-data.ts';
import { renderReportHtml } from '../../core/report-html.ts';
import { renderReportMarkdown } from '../../core/report-markdown.ts';
import { InvalidMonthError, lastFullMonth, parseMonth } from '../../core/report-month.ts';
import type { ReportMonth } from '../../core/report-month.ts';
import type { MonthlyReport, ReportSubject } from '../../core/report.ts';
import { systemClock } from '../../engine/context.ts';
import { DataDirLockedError, lockDataDir } from '../../local/data-dir-lock.ts';
import { startEmbeddedDynamo } from '../../local/embedded-dynamo.ts';
import { LOCAL_TABLE_NAME } from '../../local/runner.ts';
import { DynamoResultsStore } from '../../store/dynamo-store.ts';
import { parseCommandArgs } from '../args.ts';
import { writeLine, type Io } from '../io.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';
import { filterChecks } from './test.ts';

export const REPORT_HELP = `Usage: skyprobe report [--month YYYY-MM] [--check ID-OR-TAG] [--format md|html|json] [--out FILE]
                      [--config FILE] [--data-dir DIR | --aws]

The monthly uptime and SLO report, from hourly rollups and incidents (never raw
results): per check, uptime by the alert rule and per location, unplanned and
planned downtime, incidents (MTTR, time to detect, the longest, root causes),
p50/p95/p99 latency, the share of hours with p95 under 2 s, and the SLO's
error budget; a month overview first.

Options:
  --month YYYY-MM      a UTC calendar month (default: the last full month); the
                       month in progress is reported up to now
  --check ID-OR-TAG    only matching checks; repeat or comma-separate; * wildcards
  --format md|html|json  Markdown (default), a printable HTML page with charts,
                       or JSON (a stable contract, see the README)
  --out FILE           write to FILE instead of stdout
  --config FILE        monitors.config.ts, .mjs or .json (default ${DEFAULT_CONFIG_FILE})
  --data-dir DIR       the local store of skyprobe run (default .skyprobe)
  --aws                read the deployed table in the config's home region
                       (default AWS credentials and region chain)
  -h, --help           show this help

Exit status: 0 when the report was written, 1 when the store could not be read
(or skyprobe run holds the data directory), 2 for a usage or config error.`;

export const REPORT_FORMATS = ['md', 'html', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The store could not be opened or read: one line for the user, exit 1. */
export class StoreAccessError extends Error {
  override readonly name = 'StoreAccessError';
}

export interface OpenedStore {
  readonly store: DynamoResultsStore;
  /** The store's client (for instrumentation: the report benchmark counts reads with it). */
  readonly client: DynamoDBClient;
  /** Where the data came from, for messages. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * The local store (the embedded dynalite under `<data-dir>/db`) or the deployed table. Locally the data
 * directory is locked for the time of the read: LevelDB cannot be opened by two processes, so while
 * `skyprobe run` holds it, reading is refused with one line (stop the runner, or read a copy).
 */
export async function openReportStore(command: string, io: Io, opts: { readonly dataDir?: string; readonly aws: boolean; readonly config?: Config }): Promise<OpenedStore> {
  if (opts.aws) {
    if (opts.dataDir !== undefined) throw new UsageError(`skyprobe ${command}: give --data-dir or --aws, not both`);
    const config = opts.config;
    if (config === undefined) throw new Error('the config is needed to find the deployed table');
    const client = quietClient(new DynamoDBClient({ region: config.homeRegion }));
    const table = resourceNames.table(config.project);
    return {
      store: new DynamoResultsStore({ client, tableName: table, clock: systemClock }),
      client,
      where: `table ${table} in ${config.homeRegion}`,
      close: async () => client.destroy(),
    };
  }
  const dir = resolve(io.cwd, opts.dataDir ?? '.skyprobe');
  if (!existsSync(join(dir, 'db'))) throw new StoreAccessError(`skyprobe ${command}: no skyprobe data in ${dir} (skyprobe run keeps it there; give --data-dir or --aws)`);
  let lock: { release(): void };
  try {
    lock = lockDataDir(dir);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new StoreAccessError(`skyprobe ${command}: ${err.message.replace('stop it first, or give another --data-dir', 'stop it first (its store cannot be read while it runs), or give a copy with --data-dir')}`);
    }
    throw err;
  }
  try {
    const dynamo = await startEmbeddedDynamo({ path: join(dir, 'db') });
    const client = quietClient(dynamo.client);
    return {
      store: new DynamoResultsStore({ client, tableName: LOCAL_TABLE_NAME, clock: systemClock }),
      client,
      where: dir,
      close: async () => {
        await dynamo.close();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw new StoreAccessError(`skyprobe ${command}: cannot open the store in ${dir}: ${(err as Error).message}`);
  }
}

/**
 * Without a logger, the SDK still builds a redacted copy of every response for its no-op logger: ~11% of
 * the CPU of a month's report (hundreds of thousands of rollup items). The report logs nothing through it.
 */
export function quietClient(client: DynamoDBClient): DynamoDBClient {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/** Turns a store failure into one line naming where it read from; other errors pass. */
export function storeFailure(command: string, where: string, err: unknown): Error {
  if (err instanceof UsageError || err instanceof StoreAccessError) return err;
  const name = (err as Error)?.name ?? 'Error';
  const message = ((err as Error)?.message ?? String(err)).split('\n')[0];
  if (name === 'ResourceNotFoundException') return new StoreAccessError(`skyprobe ${command}: ${where} does not exist (is the app deployed?)`);
  if (name === 'CredentialsProviderError') return new StoreAccessError(`skyprobe ${command}: no AWS credentials to read ${where}: ${message}`);
  return new StoreAccessError(`skyprobe ${command}: reading ${where} failed: ${name}: ${message}`);
}

/** `--month`, or the default; a usage error for a bad or future month. */
export function monthFlag(command: string, value: string | undefined, nowMs: number, fallback: (nowMs: number) => ReportMonth): ReportMonth {
  if (value === undefined) return fallback(nowMs);
  let month: ReportMonth;
  try {
    month = parseMonth(value);
  } catch (err) {
    if (err instanceof InvalidMonthError) throw new UsageError(`skyprobe ${command}: --${err.message}`);
    throw err;
  }
  if (month.startMs > nowMs) throw new UsageError(`skyprobe ${command}: --month ${value} has not begun yet`);
  return month;
}

/** Checks and heartbeats matching `--check` (by id or tag, * wildcards), in config order. */
export function selectSubjects(command: string, config: Config, filters: readonly string[]): ReportSubject[] {
  const all = reportSubjectsOf(config);
  if (filters.length === 0) return all;
  // filterChecks reads only ids and tags, which every subject has.
  const matched = new Set(filterChecks(all as unknown as Check[], filters).map((s) => s.id));
  const subjects = all.filter((s) => matched.has(s.id));
  if (subjects.length === 0) throw new UsageError(`skyprobe ${command}: no check matches --check ${filters.join(',')}`);
  return subjects;
}

/** A command whose store failures print their one line and exit 1. */
export function exitOneOnStoreError(run: (argv: readonly string[], io: Io) => Promise<number>): (argv: readonly string[], io: Io) => Promise<number> {
  return async (argv, io) => {
    try {
      return await run(argv, io);
    } catch (err) {
      if (!(err instanceof StoreAccessError)) throw err;
      writeLine(io.stderr, err.message);
      return 1;
    }
  };
}

export function renderReport(report: MonthlyReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'html') return renderReportHtml(report);
  return renderReportMarkdown(report);
}

export const reportCommand = exitOneOnStoreError(async (argv, io) => {
  const { values } = parseCommandArgs(
    'report',
    argv,
    {
      month: { type: 'string' },
      check: { type: 'string', multiple: true },
      format: { type: 'string' },
      out: { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      aws: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    0,
  );
  if (values.help) {
    writeLine(io.stdout, REPORT_HELP);
    return 0;
  }
  const format = (values.format ?? 'md') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`skyprobe report: --format must be md, html or json, got ${JSON.stringify(values.format)}`);
  const nowMs = Date.now();
  const month = monthFlag('report', values.month, nowMs, lastFullMonth);
  if (values.aws && values['data-dir'] !== undefined) throw new UsageError('skyprobe report: give --data-dir or --aws, not both');
  const config = await loadConfig(resolve(io.cwd, values.config ?? DEFAULT_CONFIG_FILE));
  const subjects = selectSubjects('report', config, values.check ?? []);

  const opened = await openReportStore('report', io, { dataDir: values['data-dir'], aws: values.aws === true, config });
  let report: MonthlyReport;
  try {
    report = await readMonthlyReport(opened.store, { project: config.project, month, nowMs, subjects, maintenance: config.maintenance });
  } catch (err) {
    throw storeFailure('report', opened.where, err);
  } finally {
    await opened.close();
  }
  const text = renderReport(report, format);
  if (values.out === undefined) {
    io.stdout.write(text);
  } else {
    const file = resolve(io.cwd, values.out);
    try {
      await writeFile(file, text);
    } catch (err) {
      throw new StoreAccessError(`skyprobe report: cannot write --out ${values.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    writeLine(io.stdout, `skyprobe report: ${month.key}, ${subjects.length} check${subjects.length === 1 ? '' : 's'}, written to ${values.out}`);
  }
  return 0;
});
