/**
 * The HTML and Markdown reports. The HTML page is rendered in headless Chromium (playwright-core, Debian's
 * /usr/bin/chromium): its charts, its escaping, and its printed form (A4 PDF).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { histogramOf } from '../../lambdas/core/histogram.ts';
import { renderReportHtml } from '../../lambdas/core/report-html.ts';
import { renderReportMarkdown } from '../../lambdas/core/report-markdown.ts';
import { buildMonthlyReport } from '../../lambdas/core/report.ts';
import type { MonthlyReport, SubjectData } from '../../lambdas/core/report.ts';
import { daysOf, parseMonth } from '../../lambdas/core/report-month.ts';
import type { HourlyRollup, Incident } from '../../lambdas/core/store.ts';

const CHROMIUM = '/usr/bin/chromium';
const OCTOBER = parseMonth('2026-10');
const XSS_NAME = '<img src=x onerror="window.__xss=1">Billing <script>window.__xss=2</script>';

function rollup(checkId: string, hour: string, runs: number, failedRuns: number, ms: number): HourlyRollup {
  return {
    checkId,
    location: 'us-east-1',
    hour,
    runs,
    failedRuns,
    degradedRuns: 0,
    latency: histogramOf(Array.from({ length: runs }, () => ms)),
    phaseSumMs: { dns: 0, connect: 0, tls: 0, ttfb: 0, download: 0 },
    errorsByKind: {} as HourlyRollup['errorsByKind'],
  };
}

/** `checks` checks with a run every day at noon (latency rising through the month), the first with 40 short incidents. */
function sampleReport(checks: number): MonthlyReport {
  const subjects: SubjectData[] = Array.from({ length: checks }, (_, c) => {
    const id = `check-${c}`;
    const incidents: Incident[] =
      c === 0
        ? Array.from({ length: 40 }, (_, i) => ({
            id: `inc-${i}`,
            checkId: id,
            openedAt: new Date(OCTOBER.startMs + i * 17 * 3_600_000).toISOString(),
            detectedAt: null,
            planned: i % 10 === 0,
            closedAt: new Date(OCTOBER.startMs + i * 17 * 3_600_000 + 600_000).toISOString(),
            durationSeconds: 600,
            failingLocations: ['us-east-1'],
            firstError: { kind: 'timeout', message: 'timed out' },
            rootCause: i === 3 ? `${'a long root cause that wraps '.repeat(8)}<b>not bold</b>` : undefined,
          }))
        : [];
    return {
      subject: { id, name: c === 1 ? XSS_NAME : `Check ${c}`, tags: [], sloPercent: 99.9 },
      rollups: daysOf(OCTOBER)
        .filter((_, d) => d !== 9) // the 10th has no data
        .map((date, d) => rollup(id, `${date}T12`, 60, d === 3 ? 6 : 0, 100 + d * 20)),
      incidents,
    };
  });
  return buildMonthlyReport({ project: 'demo', month: OCTOBER, nowMs: Date.UTC(2026, 10, 2), maintenance: [], subjects });
}

let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM}: install it (apt-get install chromium) to run the report UI tests`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});
after(async () => {
  await browser?.close();
});

describe('HTML report in Chromium', () => {
  const report = sampleReport(3);

  it('draws a daily uptime bar per day and a latency line per check', async () => {
    await page.setContent(renderReportHtml(report), { waitUntil: 'load' });
    const charts = await page.$$eval('section.check', (sections) =>
      sections.map((s) => ({
        bars: s.querySelectorAll('svg.uptime-chart rect.day-bar').length,
        noData: s.querySelectorAll('svg.uptime-chart rect.day-bar.no-data').length,
        bad: [...s.querySelectorAll('svg.uptime-chart rect.day-bar.bad')].map((r) => r.getAttribute('data-date')),
        p95Points: s.querySelectorAll('svg.latency-chart circle.p95-dot').length,
        p95Path: s.querySelector('svg.latency-chart path.p95')?.getAttribute('d') ?? '',
        width: s.querySelector('svg.uptime-chart')?.getBoundingClientRect().width ?? 0,
      })),
    );
    assert.equal(charts.length, 3);
    // The 10th has no runs: a no-data stub, except for check-0, whose incident that day is data.
    assert.deepEqual(charts.map((c) => c.noData), [0, 1, 1]);
    for (const chart of charts) {
      assert.equal(chart.bars, 31);
      assert.equal(chart.p95Points, 30);
      // The line breaks over the day without runs: two segments.
      assert.equal(chart.p95Path.match(/M/g)?.length, 2);
      assert.ok(chart.width > 500, `chart ${chart.width}px wide`);
    }
    // check-0's incidents fall on many days (600 s each: below 99.9% that day: 86.4 s allowed); the others have none.
    assert.ok((charts[0]?.bad.length ?? 0) > 10);
    assert.deepEqual(charts[1]?.bad, []);
    assert.deepEqual(consoleErrors, []);
  });

  it('escapes names and root causes instead of running them', async () => {
    await page.setContent(renderReportHtml(report), { waitUntil: 'load' });
    // Page code as strings: this project's TypeScript has no DOM types.
    assert.equal(await page.evaluate('window.__xss'), undefined);
    assert.equal(await page.locator('#check-check-1 h2 .name').textContent(), XSS_NAME);
    assert.match((await page.locator('#check-check-0 table.incidents').textContent()) ?? '', /<b>not bold<\/b>/);
  });

  it('prints on A4 with each check on its own page and nothing wider than the page', async () => {
    await page.setContent(renderReportHtml(report), { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    // A4 at 96 dpi is 794 px wide; 12 mm margins each side leave ~703 px.
    await page.setViewportSize({ width: 703, height: 1000 });
    const overflow = (await page.evaluate(`({
      page: document.documentElement.scrollWidth,
      view: document.documentElement.clientWidth,
      wide: [...document.querySelectorAll('table, svg, h1, h2, p, li')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length,
      breaks: [...document.querySelectorAll('section.check')].map((s) => getComputedStyle(s).breakBefore),
    })`)) as { page: number; view: number; wide: number; breaks: string[] };
    assert.equal(overflow.page, overflow.view, 'no horizontal overflow');
    assert.equal(overflow.wide, 0);
    assert.deepEqual(overflow.breaks, ['page', 'page', 'page']);

    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    // Overview, then a page per check; check-0's 40 incidents take a second page. Not more: nothing runs away.
    assert.ok(pages >= 4 && pages <= 6, `${pages} pages`);
    await page.emulateMedia({ media: 'screen' });
  });
});

describe('Markdown report', () => {
  it('has the overview table, a section per check and escapes table cells', () => {
    const md = renderReportMarkdown(sampleReport(2));
    assert.match(md, /^# Uptime report: demo, October 2026$/m);
    assert.match(md, /^\| check \| uptime \| SLO \| verdict \|/m);
    assert.equal(md.match(/^## check-\d/gm)?.length, 2);
    // A check name holding "|" and markup cannot break the table.
    assert.match(md, /^## check-1: <img src=x onerror="window.__xss=1">Billing <script>window.__xss=2<\/script>$/m);
    assert.equal(md.match(/^\| inc-\d+ \|/gm)?.length, 40);
  });
});

describe('job figures of heartbeats', () => {
  const report = (): MonthlyReport => {
    const hour = (h: number, failed: number, missed: number): HourlyRollup => ({
      ...rollup('vault', `2026-10-0${h}T03`, 1, failed, 60_000),
      errorsByKind: { timeout: missed, assertion: failed - missed } as HourlyRollup['errorsByKind'],
    });
    return buildMonthlyReport({
      project: 'demo',
      month: OCTOBER,
      nowMs: Date.UTC(2026, 10, 2),
      maintenance: [],
      subjects: [
        { subject: { id: 'vault', name: 'vault', tags: [], sloPercent: 99, job: { backup: true } }, rollups: [hour(1, 0, 0), hour(2, 0, 0), hour(3, 1, 0), hour(4, 1, 1)], incidents: [] },
        { subject: { id: 'shop', name: 'shop', tags: [], sloPercent: 99.9 }, rollups: [rollup('shop', '2026-10-01T00', 1, 0, 50)], incidents: [] },
      ],
    });
  };

  it('shows the backup success rate in Markdown and HTML, for heartbeats only', async () => {
    const md = renderReportMarkdown(report());
    assert.match(md, /^- Backup jobs: 2 succeeded, 1 failed, 1 missed \(50\.0% success\)$/m);
    assert.equal(md.match(/jobs:|Job runs:/g)?.length, 1);
    await page.setContent(renderReportHtml(report()), { waitUntil: 'load' });
    assert.equal(await page.locator('#check-vault li', { hasText: 'Backup jobs' }).textContent(), 'Backup jobs: 2 succeeded, 1 failed, 1 missed (50.0% success)');
    assert.equal(await page.locator('#check-shop li', { hasText: 'jobs' }).count(), 0);
  });
});
