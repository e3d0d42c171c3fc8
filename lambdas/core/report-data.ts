import type { Config } from './check.ts';
import { buildMonthlyReport } from './report.ts';
import type { MonthlyReport, ReportSubject, SubjectData } from './report.ts';
import type { ReportMonth } from './report-month.ts';
import type { ResultsStore } from './store.ts';

/**
 * Reads what a monthly report needs through the store port: the hourly rollups of each subject (a Query per
 * location) and the incidents of the period (the incident index), never raw results. Shared by the CLI and
 * the monthly-report Lambda.
 */

export interface ReportRequest {
  readonly project: string;
  readonly month: ReportMonth;
  readonly nowMs: number;
  readonly subjects: readonly ReportSubject[];
  readonly maintenance: Config['maintenance'];
  /** Subjects whose rollups are read at once (each reads its locations a few at a time). @default 4 */
  readonly concurrency?: number;
  /** @default 2000 */
  readonly fastP95Millis?: number;
}

/** Every check and heartbeat of the config, in config order: what a report covers. */
export function reportSubjectsOf(config: Pick<Config, 'checks' | 'heartbeats'>): ReportSubject[] {
  return [
    ...config.checks.map((c) => ({ id: c.id, name: c.name, tags: [...c.tags], sloPercent: c.sloPercent })),
    ...(config.heartbeats ?? []).map((h) => ({ id: h.id, name: h.name, tags: [...h.tags], sloPercent: h.sloPercent, job: { backup: h.backup !== null } })),
  ];
}

export async function readMonthlyReport(store: Pick<ResultsStore, 'rollups' | 'incidents'>, req: ReportRequest): Promise<MonthlyReport> {
  const endMs = Math.min(req.month.endMs, req.nowMs);
  const fromHour = new Date(req.month.startMs).toISOString().slice(0, 13);
  const toHour = new Date(endMs - 1).toISOString().slice(0, 13);
  const wanted = new Set(req.subjects.map((s) => s.id));
  const incidents = (await store.incidents({ fromIso: new Date(req.month.startMs).toISOString(), toIso: new Date(endMs).toISOString() })).filter((i) =>
    wanted.has(i.checkId),
  );
  // A few subjects at a time (each reads its locations a few at a time too).
  const limit = Math.max(1, req.concurrency ?? 4);
  const subjects: SubjectData[] = [];
  for (let i = 0; i < req.subjects.length; i += limit) {
    const batch = req.subjects.slice(i, i + limit);
    const rollups = await Promise.all(batch.map((subject) => store.rollups(subject.id, { fromHour, toHour })));
    batch.forEach((subject, j) => subjects.push({ subject, rollups: rollups[j] ?? [], incidents: incidents.filter((x) => x.checkId === subject.id) }));
  }
  return buildMonthlyReport({
    project: req.project,
    month: req.month,
    nowMs: req.nowMs,
    subjects,
    maintenance: req.maintenance,
    ...(req.fastP95Millis === undefined ? {} : { fastP95Millis: req.fastP95Millis }),
  });
}

