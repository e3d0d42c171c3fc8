import type { CheckReport, DayFigures, MonthlyReport } from './report.ts';
import { budgetLine, dur, incidentsLine, jobsLine, latency, latencyLine, monthTitle, pct, periodLine, sloVerdict } from './report-format.ts';

/**
 * The report as one self-contained HTML page: no scripts, no external files, inline SVG charts (daily
 * uptime bars, daily p50/p95 latency), and print rules (A4, each check on its own page, nothing wider than
 * the page) so "Print to PDF" gives a document to hand on. Every text from the config or the store is escaped.
 */
export function renderReportHtml(r: MonthlyReport): string {
  const title = `Uptime report: ${r.project}, ${monthTitle(r.month)}`;
  const o = r.overview;
  const rows = r.checks
    .map(
      (c) =>
        `<tr class="${verdictClass(c)}"><td><a href="#check-${esc(c.checkId)}">${esc(c.checkId)}</a></td><td class="num">${pct(c.uptimePercent)}</td><td class="num">${c.slo.target}%</td>` +
        `<td>${sloVerdict(c, r.complete)}</td><td class="num">${dur(c.slo.errorBudgetLeftSeconds)}</td><td class="num">${c.incidentCount}</td>` +
        `<td class="num">${dur(c.unplannedDowntimeSeconds)}</td><td class="num">${dur(c.plannedDowntimeSeconds)}</td><td class="num">${dur(c.mttrSeconds)}</td><td class="num">${latency(c.latencyMs.p95)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="overview">
<h1>${esc(title)}</h1>
<p class="period">${esc(periodLine(r))}</p>
<p>Uptime is by the alert rule: 100% minus the unplanned downtime the rule declared (incidents; maintenance is planned downtime, outside the error budget). Per-location uptime counts runs.</p>
<p class="summary">${o.checks} checks, ${o.checksWithData} with data: <strong>${o.checksMeetingSlo}</strong> ${r.complete ? 'met' : 'within'} their SLO, <strong>${o.checksMissingSlo}</strong> ${r.complete ? 'missed it' : 'over budget'}; ${o.incidentCount} unplanned incidents, ${dur(o.unplannedDowntimeSeconds)} unplanned and ${dur(o.plannedDowntimeSeconds)} planned downtime.</p>
<table class="checks">
<thead><tr><th>check</th><th>uptime</th><th>SLO</th><th>verdict</th><th>budget left</th><th>incidents</th><th>unplanned</th><th>planned</th><th>MTTR</th><th>p95</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</header>
${r.checks.map((c) => checkSection(c, r)).join('\n')}
</body>
</html>
`;
}

function checkSection(c: CheckReport, r: MonthlyReport): string {
  const locations =
    c.locations.length === 0
      ? ''
      : `<table class="locations"><thead><tr><th>location</th><th>runs</th><th>failed</th><th>uptime (runs)</th><th>p50</th><th>p95</th><th>p99</th></tr></thead><tbody>${c.locations
          .map(
            (l) =>
              `<tr><td>${esc(l.location)}</td><td class="num">${l.runs}</td><td class="num">${l.failedRuns}</td><td class="num">${pct(l.uptimePercent)}</td>` +
              `<td class="num">${latency(l.latencyMs.p50)}</td><td class="num">${latency(l.latencyMs.p95)}</td><td class="num">${latency(l.latencyMs.p99)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const incidents =
    c.incidents.length === 0
      ? '<p class="none">No incidents this month.</p>'
      : `<table class="incidents"><thead><tr><th>incident</th><th>opened (UTC)</th><th>closed (UTC)</th><th class="num">down in month</th><th>kind</th><th>root cause</th><th>corrective action</th></tr></thead><tbody>${c.incidents
          .map(
            (i) =>
              `<tr class="${i.planned ? 'planned' : 'unplanned'}"><td class="id">${esc(i.id)}</td><td class="when">${shortUtc(i.openedAt)}</td><td class="when">${shortUtc(i.closedAt)}</td><td class="num">${dur(i.inPeriodSeconds)}</td>` +
              `<td class="when">${i.planned ? 'planned' : 'unplanned'}</td><td class="text">${esc(i.rootCause ?? '—')}</td><td class="text">${esc(i.correctiveAction ?? '—')}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  return `<section class="check ${verdictClass(c)}" id="check-${esc(c.checkId)}">
<h2>${esc(c.checkId)}${c.name === c.checkId ? '' : ` <span class="name">${esc(c.name)}</span>`}</h2>
<ul class="figures">
<li>Uptime <strong>${pct(c.uptimePercent)}</strong> (${pct(c.uptimeIncludingPlannedPercent)} counting planned downtime)</li>
<li>SLO ${esc(budgetLine(c, r.complete))}</li>
<li>Downtime ${dur(c.unplannedDowntimeSeconds)} unplanned, ${dur(c.plannedDowntimeSeconds)} planned</li>
<li>Incidents: ${esc(incidentsLine(c))}</li>
${c.jobs === null ? '' : `<li>${esc(jobsLine(c.jobs))}</li>\n`}<li>Latency: ${esc(latencyLine(c, r.fastP95Millis))}</li>
</ul>
<figure><figcaption>Daily uptime by the alert rule (target ${c.slo.target}%)</figcaption>${uptimeChart(c.daily, c.slo.target)}</figure>
<figure><figcaption>Daily latency, p50 and p95</figcaption>${latencyChart(c.daily)}</figure>
${locations}
<h3>Incidents</h3>
${incidents}
</section>`;
}

// ---- charts (inline SVG, scaled to the page width by viewBox) ----

const CHART_W = 640;
const CHART_H = 140;
const PAD_L = 44;
const PAD_B = 18;
const PAD_T = 8;

/** One bar per day; the scale runs from a floor under the target (or the worst day) to 100%. Days without data are grey stubs. */
export function uptimeChart(days: readonly DayFigures[], targetPercent: number): string {
  const known = days.map((d) => d.uptimePercent).filter((u): u is number => u !== null);
  const floor = Math.max(0, Math.floor(Math.min(targetPercent - 0.5, ...known)));
  const plotW = CHART_W - PAD_L - 4;
  const plotH = CHART_H - PAD_T - PAD_B;
  const slot = plotW / Math.max(1, days.length);
  const y = (u: number) => PAD_T + plotH * (1 - (u - floor) / (100 - floor));
  const bars = days
    .map((d, i) => {
      const x = (PAD_L + i * slot + slot * 0.15).toFixed(1);
      const w = (slot * 0.7).toFixed(1);
      if (d.uptimePercent === null) {
        return `<rect class="day-bar no-data" data-date="${d.date}" x="${x}" y="${(PAD_T + plotH - 2).toFixed(1)}" width="${w}" height="2"><title>${d.date}: no data</title></rect>`;
      }
      const top = y(d.uptimePercent);
      const cls = d.uptimePercent >= targetPercent ? 'ok' : 'bad';
      const height = Math.max(1, PAD_T + plotH - top);
      return `<rect class="day-bar ${cls}" data-date="${d.date}" x="${x}" y="${(PAD_T + plotH - height).toFixed(1)}" width="${w}" height="${height.toFixed(1)}"><title>${d.date}: ${pct(d.uptimePercent)}, ${dur(d.unplannedDowntimeSeconds)} unplanned down</title></rect>`;
    })
    .join('');
  const target = y(targetPercent).toFixed(1);
  return svg(
    `<line class="axis" x1="${PAD_L}" y1="${PAD_T + plotH}" x2="${CHART_W - 4}" y2="${PAD_T + plotH}"/>` +
      `<text class="tick" x="${PAD_L - 4}" y="${PAD_T + 4}" text-anchor="end">100%</text>` +
      `<text class="tick" x="${PAD_L - 4}" y="${PAD_T + plotH}" text-anchor="end">${floor}%</text>` +
      `<line class="target" x1="${PAD_L}" y1="${target}" x2="${CHART_W - 4}" y2="${target}"/>` +
      bars +
      dayLabels(days, slot),
    'uptime-chart',
  );
}

/** p50 and p95 per day as lines (broken over days without runs), on a scale from 0 to the worst p95. */
export function latencyChart(days: readonly DayFigures[]): string {
  const values = days.flatMap((d) => [d.latencyMs.p50, d.latencyMs.p95]).filter((v): v is number => v !== null);
  const top = values.length === 0 ? 1 : Math.max(...values) * 1.1;
  const plotW = CHART_W - PAD_L - 4;
  const plotH = CHART_H - PAD_T - PAD_B;
  const slot = plotW / Math.max(1, days.length);
  const xy = (i: number, v: number) => ({ x: (PAD_L + (i + 0.5) * slot).toFixed(1), y: (PAD_T + plotH * (1 - v / top)).toFixed(1) });
  const point = (i: number, v: number) => `${xy(i, v).x},${xy(i, v).y}`;
  const path = (pick: (d: DayFigures) => number | null) => {
    let d = '';
    let drawing = false;
    days.forEach((day, i) => {
      const v = pick(day);
      if (v === null) {
        drawing = false;
        return;
      }
      d += `${drawing ? 'L' : 'M'}${point(i, v)} `;
      drawing = true;
    });
    return d.trim();
  };
  const p50 = path((d) => d.latencyMs.p50);
  const p95 = path((d) => d.latencyMs.p95);
  const dots = days
    .map((d, i) => {
      if (d.latencyMs.p95 === null) return '';
      const { x, y } = xy(i, d.latencyMs.p95);
      return `<circle class="p95-dot" cx="${x}" cy="${y}" r="1.6"><title>${d.date}: p50 ${latency(d.latencyMs.p50)}, p95 ${latency(d.latencyMs.p95)}</title></circle>`;
    })
    .join('');
  const body =
    values.length === 0
      ? `<text class="tick" x="${CHART_W / 2}" y="${CHART_H / 2}" text-anchor="middle">no runs this month</text>`
      : `${p50 === '' ? '' : `<path class="p50" d="${p50}"/>`}${p95 === '' ? '' : `<path class="p95" d="${p95}"/>`}${dots}` +
        `<text class="tick" x="${PAD_L - 4}" y="${PAD_T + 4}" text-anchor="end">${latency(top)}</text>` +
        `<text class="legend p50" x="${CHART_W - 90}" y="${PAD_T + 8}">p50</text><text class="legend p95" x="${CHART_W - 50}" y="${PAD_T + 8}">p95</text>`;
  return svg(
    `<line class="axis" x1="${PAD_L}" y1="${PAD_T + plotH}" x2="${CHART_W - 4}" y2="${PAD_T + plotH}"/>` +
      `<text class="tick" x="${PAD_L - 4}" y="${PAD_T + plotH}" text-anchor="end">0</text>` +
      body +
      dayLabels(days, slot),
    'latency-chart',
  );
}

function dayLabels(days: readonly DayFigures[], slot: number): string {
  return days
    .map((d, i) => (i % 5 === 0 || i === days.length - 1 ? `<text class="tick" x="${(PAD_L + (i + 0.5) * slot).toFixed(1)}" y="${CHART_H - 4}" text-anchor="middle">${Number(d.date.slice(8))}</text>` : ''))
    .join('');
}

function svg(content: string, cls: string): string {
  return `<svg class="chart ${cls}" viewBox="0 0 ${CHART_W} ${CHART_H}" preserveAspectRatio="xMidYMid meet" role="img" xmlns="http://www.w3.org/2000/svg">${content}</svg>`;
}

/** "2026-10-05 10:00" (the column header says UTC). */
function shortUtc(iso: string | null): string {
  return iso === null ? 'open' : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function verdictClass(c: CheckReport): string {
  return c.slo.met === null ? 'no-data' : c.slo.met ? 'met' : 'missed';
}

/** Escapes text for HTML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const STYLE = `
:root { color-scheme: light; --ok: #2e7d32; --bad: #c62828; --muted: #8a8f98; --line: #d5d9e0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; margin: 0 auto; padding: 24px; max-width: 980px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h2 .name { font-weight: normal; color: #4a5160; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.period { color: #4a5160; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 0.9em; table-layout: auto; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td.when { white-space: nowrap; }
td.text { overflow-wrap: anywhere; min-width: 8em; }
th { background: #f3f5f8; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.id { font-family: ui-monospace, monospace; font-size: 10px; word-break: break-all; width: 10.5em; }
tr.missed td:first-child, section.missed h2 { color: var(--bad); }
tr.planned { color: #35608f; }
section.check { margin-top: 28px; }
ul.figures { padding-left: 18px; margin: 6px 0; }
figure { margin: 8px 0; }
figcaption { font-size: 12px; color: #4a5160; }
svg.chart { width: 100%; height: auto; max-width: 100%; display: block; }
svg .axis { stroke: #9aa1ad; stroke-width: 1; }
svg .target { stroke: #e0a800; stroke-dasharray: 4 3; stroke-width: 1; }
svg .tick { font-size: 9px; fill: #5f6673; }
svg .day-bar.ok { fill: var(--ok); }
svg .day-bar.bad { fill: var(--bad); }
svg .day-bar.no-data { fill: #c3c7cf; }
svg path.p50 { fill: none; stroke: #1f77b4; stroke-width: 1.5; }
svg path.p95 { fill: none; stroke: #d2691e; stroke-width: 1.5; }
svg .p95-dot { fill: #d2691e; }
svg .legend { font-size: 10px; }
svg .legend.p50 { fill: #1f77b4; }
svg .legend.p95 { fill: #d2691e; }
.none { color: var(--muted); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  a { color: inherit; text-decoration: none; }
  section.check { break-before: page; margin-top: 0; }
  h2, h3, figure, svg.chart, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
  th { background: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
