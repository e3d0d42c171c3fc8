import type { CheckReport, MonthlyReport } from './report.ts';
import { budgetLine, dur, incidentsLine, jobsLine, latency, latencyLine, monthTitle, pct, periodLine, sloVerdict, utc } from './report-format.ts';

/** The report as Markdown (the CLI's default): an overview table, then a section per check. */
export function renderReportMarkdown(r: MonthlyReport): string {
  const lines: string[] = [];
  lines.push(`# Uptime report: ${cell(r.project)}, ${monthTitle(r.month)}`, '');
  lines.push(periodLine(r), '');
  lines.push('Uptime is by the alert rule: 100% minus the unplanned downtime the rule declared (incidents, maintenance excluded).', '');
  lines.push('## Overview', '');
  const o = r.overview;
  lines.push(
    `${o.checks} check${o.checks === 1 ? '' : 's'}, ${o.checksWithData} with data: ${o.checksMeetingSlo} ${r.complete ? 'met' : 'within'} their SLO, ${o.checksMissingSlo} ${r.complete ? 'missed it' : 'over budget'}; ` +
      `${o.incidentCount} unplanned incident${o.incidentCount === 1 ? '' : 's'}, ${dur(o.unplannedDowntimeSeconds)} unplanned and ${dur(o.plannedDowntimeSeconds)} planned downtime.`,
    '',
  );
  lines.push('| check | uptime | SLO | verdict | budget left | incidents | unplanned | planned | MTTR | p95 |');
  lines.push('|---|--:|--:|---|--:|--:|--:|--:|--:|--:|');
  for (const c of r.checks) {
    lines.push(
      `| ${cell(c.checkId)} | ${pct(c.uptimePercent)} | ${c.slo.target}% | ${sloVerdict(c, r.complete)} | ${dur(c.slo.errorBudgetLeftSeconds)} | ${c.incidentCount} | ${dur(c.unplannedDowntimeSeconds)} | ${dur(c.plannedDowntimeSeconds)} | ${dur(c.mttrSeconds)} | ${latency(c.latencyMs.p95)} |`,
    );
  }
  for (const c of r.checks) lines.push('', ...checkSection(c, r));
  return `${lines.join('\n')}\n`;
}

function checkSection(c: CheckReport, r: MonthlyReport): string[] {
  const lines = [`## ${cell(c.checkId)}${c.name === c.checkId ? '' : `: ${cell(c.name)}`}`, ''];
  lines.push(`- Uptime: **${pct(c.uptimePercent)}** (${pct(c.uptimeIncludingPlannedPercent)} counting planned downtime)`);
  lines.push(`- SLO ${budgetLine(c, r.complete)}`);
  lines.push(`- Downtime: ${dur(c.unplannedDowntimeSeconds)} unplanned, ${dur(c.plannedDowntimeSeconds)} planned (maintenance)`);
  lines.push(`- Incidents: ${incidentsLine(c)}`);
  if (c.jobs !== null) lines.push(`- ${jobsLine(c.jobs)}`);
  lines.push(`- Latency: ${latencyLine(c, r.fastP95Millis)}`);
  lines.push(`- Runs: ${c.runs}, ${c.failedRuns} failed`);
  if (c.locations.length > 0) {
    lines.push('', '| location | runs | failed | uptime (runs) | p50 | p95 | p99 |', '|---|--:|--:|--:|--:|--:|--:|');
    for (const l of c.locations) {
      lines.push(`| ${cell(l.location)} | ${l.runs} | ${l.failedRuns} | ${pct(l.uptimePercent)} | ${latency(l.latencyMs.p50)} | ${latency(l.latencyMs.p95)} | ${latency(l.latencyMs.p99)} |`);
    }
  }
  if (c.incidents.length > 0) {
    lines.push('', '| incident | opened | closed | down in month | kind | root cause | corrective action |', '|---|---|---|--:|---|---|---|');
    for (const i of c.incidents) {
      lines.push(
        `| ${cell(i.id)} | ${utc(i.openedAt)} | ${utc(i.closedAt)} | ${dur(i.inPeriodSeconds)} | ${i.planned ? 'planned' : 'unplanned'} | ${cell(i.rootCause ?? '—')} | ${cell(i.correctiveAction ?? '—')} |`,
      );
    }
  }
  return lines;
}

/** Text in a table cell: no line breaks, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}
