import { formatDuration } from './duration.ts';
import type { CheckReport, JobFigures, MonthlyReport } from './report.ts';

/** How the Markdown and HTML reports write figures for people; the JSON keeps the numbers. */

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "October 2026" */
export function monthTitle(month: string): string {
  const [year, m] = month.split('-');
  return `${MONTH_NAMES[Number(m) - 1] ?? m} ${year}`;
}

/** "99.574%", or "no data". Three decimals: 99.9% and 99.95% targets need them. */
export function pct(value: number | null, digits = 3): string {
  return value === null ? 'no data' : `${value.toFixed(digits)}%`;
}

/** "3h 10m"; "0s" for none; a minus sign for an overspent budget. */
export function dur(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds === 0) return '0s';
  return seconds < 0 ? `−${formatDuration(-seconds * 1000)}` : formatDuration(seconds * 1000);
}

export function latency(ms: number | null): string {
  if (ms === null) return '—';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function sloVerdict(c: CheckReport, complete: boolean): string {
  if (c.slo.met === null) return 'no data';
  if (c.slo.met) return complete ? 'met' : 'within budget so far';
  return complete ? 'missed' : 'budget spent';
}

/** "2026-10-05 10:00 UTC" */
export function utc(iso: string | null): string {
  return iso === null ? 'open' : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function periodLine(r: MonthlyReport): string {
  const status = r.complete ? 'whole month' : `month in progress, up to ${utc(r.periodEnd)}`;
  return `${utc(r.periodStart)} to ${utc(r.periodEnd)} (${status}); generated ${utc(r.generatedAt)}`;
}

export function incidentsLine(c: CheckReport): string {
  const parts = [`${c.incidentCount} unplanned`, `${c.plannedIncidentCount} planned`];
  parts.push(`MTTR ${dur(c.mttrSeconds)}`);
  parts.push(c.timeToDetect === null ? 'time to detect —' : `time to detect ${dur(c.timeToDetect.meanSeconds)} mean, ${dur(c.timeToDetect.maxSeconds)} max`);
  if (c.longestIncident !== null) parts.push(`longest ${dur(c.longestIncident.inPeriodSeconds)} (${c.longestIncident.id}, opened ${utc(c.longestIncident.openedAt)})`);
  return parts.join('; ');
}

export function budgetLine(c: CheckReport, complete: boolean): string {
  const s = c.slo;
  const used = s.errorBudgetUsedPercent === null ? '' : ` (${s.errorBudgetUsedPercent.toFixed(1)}%)`;
  return `target ${s.target}%: ${sloVerdict(c, complete)}; error budget ${dur(s.errorBudgetSeconds)}, used ${dur(s.errorBudgetUsedSeconds)}${used}, left ${dur(s.errorBudgetLeftSeconds)}`;
}

/** A heartbeat's runs: "Backup jobs: 29 succeeded, 1 failed, 0 missed (96.7% success)". */
export function jobsLine(j: JobFigures): string {
  return `${j.backup ? 'Backup jobs' : 'Job runs'}: ${j.succeeded} succeeded, ${j.failed} failed, ${j.missed} missed (${pct(j.successPercent, 1)} success)`;
}

export function latencyLine(c: CheckReport, fastP95Millis: number): string {
  const l = c.latencyMs;
  return `p50 ${latency(l.p50)}, p95 ${latency(l.p95)}, p99 ${latency(l.p99)}; hours with p95 under ${latency(fastP95Millis)}: ${pct(c.fastHoursPercent, 1)}`;
}

/** The short summary the monthly-report Lambda publishes to the alert topic: a headline and one line per check that missed or has incidents. */
export function reportSummary(r: MonthlyReport): { readonly headline: string; readonly lines: readonly string[] } {
  const o = r.overview;
  const headline = `${monthTitle(r.month)} uptime report: ${o.checksMeetingSlo} of ${o.checksWithData} checks met their SLO`;
  const lines = [
    `${headline}${o.checksMissingSlo > 0 ? `; ${o.checksMissingSlo} missed` : ''}.`,
    `${o.incidentCount} unplanned incident${o.incidentCount === 1 ? '' : 's'}, ${dur(o.unplannedDowntimeSeconds)} unplanned and ${dur(o.plannedDowntimeSeconds)} planned downtime.`,
    '',
  ];
  const notable = r.checks.filter((c) => c.slo.met === false || c.incidentCount > 0);
  const shown = notable.slice(0, 20);
  for (const c of shown) {
    lines.push(`${c.slo.met === false ? 'MISSED' : 'met   '} ${c.checkId}: ${pct(c.uptimePercent)} (target ${c.slo.target}%), ${c.incidentCount} incident${c.incidentCount === 1 ? '' : 's'}, ${dur(c.unplannedDowntimeSeconds)} down, budget left ${dur(c.slo.errorBudgetLeftSeconds)}`);
  }
  if (notable.length > shown.length) lines.push(`… and ${notable.length - shown.length} more`);
  if (notable.length === 0) lines.push('No check had an unplanned incident.');
  const noData = r.checks.filter((c) => c.uptimePercent === null).map((c) => c.checkId);
  if (noData.length > 0) lines.push('', `No data for: ${noData.slice(0, 20).join(', ')}${noData.length > 20 ? ', …' : ''}`);
  return { headline, lines };
}
