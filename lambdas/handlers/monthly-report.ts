/**
 * The monthly-report function (home region): on the 1st at 00:05 UTC (EventBridge schedule) it builds last
 * month's report from the table's rollups and incidents, stores it in the table (JSON: a summary item and an
 * item per check; HTML is rendered from it by `skyprobe report --aws --format html`), and publishes a short
 * summary to the alert topic.
 *
 * Once per month: the summary is published after the report is stored, and a marker recorded after the
 * publish; a repeated scheduled event (EventBridge delivers at least once) finds the marker and does
 * nothing, while a retry after a failed publish builds and publishes again. Invoked by hand with
 * `{"month": "2026-10"}` it rebuilds that month and publishes again.
 */
import { readMonthlyReport, reportSubjectsOf } from '../core/report-data.ts';
import { reportSummary } from '../core/report-format.ts';
import { lastFullMonth, parseMonth } from '../core/report-month.ts';
import type { ReportMonth } from '../core/report-month.ts';
import { SnsNotifier, snsSubject, type SnsMessage } from '../aws/sns-notifier.ts';
import type { MonthlyReport } from '../core/report.ts';
import { systemClock } from '../engine/context.ts';
import { DynamoResultsStore } from '../store/dynamo-store.ts';
import { bundleDirectory, type HomeFunctionDeps } from './bundled-config.ts';
import { homeFunctionDepsFromEnv } from './home-function.ts';
import { lazyHandler, type Env } from './env.ts';

export interface MonthlyReportHandlerDeps extends HomeFunctionDeps {
}

export interface MonthlyReportOutcome {
  readonly month: string;
  /** `skipped`: a scheduled run for a month whose summary already went out. */
  readonly action: 'published' | 'skipped';
  readonly checks: number;
  readonly itemsWritten: number;
}

/** A hand invocation's event names a month that is not `yyyy-mm` or has not ended. */
export class InvalidReportEventError extends Error {
  override readonly name = 'InvalidReportEventError';
}

export type MonthlyReportHandler = (event: unknown) => Promise<MonthlyReportOutcome>;

export function createMonthlyReportHandler(deps: MonthlyReportHandlerDeps): MonthlyReportHandler {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => console.log(line));
  const store = new DynamoResultsStore({ client: deps.dynamo, tableName: deps.tableName, clock });
  const publisher = new SnsNotifier({ client: deps.sns, topicArn: deps.topicArn, project: deps.project, log });

  return async (event) => {
    const nowMs = clock.now();
    const requested = requestedMonth(event, nowMs);
    const month = requested ?? lastFullMonth(nowMs);
    if (requested === null) {
      const publishedAt = await store.reportPublishedAt(month.key);
      if (publishedAt !== null) {
        log(JSON.stringify({ level: 'info', month: month.key, action: 'skipped', reason: `summary already published at ${publishedAt}` }));
        return { month: month.key, action: 'skipped', checks: 0, itemsWritten: 0 };
      }
    }
    const report = await readMonthlyReport(store, {
      project: deps.project,
      month,
      nowMs,
      subjects: reportSubjectsOf(deps.config),
      maintenance: deps.config.maintenance,
    });
    const itemsWritten = await store.putReport(report);
    await publisher.publish(reportSnsMessage(report, deps.project, deps.dashboardUrl ?? null));
    await store.markReportPublished(month.key, new Date(clock.now()).toISOString());
    const outcome: MonthlyReportOutcome = { month: month.key, action: 'published', checks: report.checks.length, itemsWritten };
    log(JSON.stringify({ level: 'info', ...outcome, checksMissingSlo: report.overview.checksMissingSlo }));
    return outcome;
  };
}

/** The summary as an SNS message; attribute `kind` = `report` lets subscribers filter it from alerts. */
export function reportSnsMessage(report: MonthlyReport, project: string, dashboardUrl: string | null): SnsMessage {
  const { headline, lines } = reportSummary(report);
  const body = [...lines, '', `Full report: skyprobe report --aws --month ${report.month} --format html --out report-${report.month}.html`];
  if (dashboardUrl !== null) body.push(`Dashboard: ${dashboardUrl}`);
  return {
    subject: snsSubject(`[${project}] ${headline}`),
    message: body.join('\n'),
    attributes: { kind: 'report', month: report.month, eventId: `report:${report.month}` },
  };
}

/** `{"month": "yyyy-mm"}` from a hand invocation; null for the scheduled event (or anything without `month`). */
function requestedMonth(event: unknown, nowMs: number): ReportMonth | null {
  if (typeof event !== 'object' || event === null || !('month' in event)) return null;
  const value = (event as { month: unknown }).month;
  if (typeof value !== 'string') throw new InvalidReportEventError(`event.month must be a "yyyy-mm" string, got ${JSON.stringify(value)}`);
  let month: ReportMonth;
  try {
    month = parseMonth(value);
  } catch (error) {
    throw new InvalidReportEventError(`event.${(error as Error).message}`);
  }
  if (month.startMs >= nowMs) throw new InvalidReportEventError(`event.month ${value} has not begun yet`);
  return month;
}

/** Reads the environment and the bundled config, and builds the real clients: once per container. */
export async function monthlyReportDepsFromEnv(env: Env, handlerDir: string): Promise<MonthlyReportHandlerDeps> {
  return homeFunctionDepsFromEnv(env, handlerDir);
}

const build = lazyHandler<unknown, MonthlyReportOutcome>(async () => createMonthlyReportHandler(await monthlyReportDepsFromEnv(process.env, bundleDirectory())));

/** The Lambda entry point: builds everything on the first (cold) invocation. */
export const handler = (event: unknown): Promise<MonthlyReportOutcome> => build(event);
