/**
 * `skyprobe report` over a data directory written by the real store (see report-fixture.ts for the
 * history and its hand-worked figures), in-process through main() and once as the real binary; and
 * against the moto emulator with `--aws`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { lastFullMonth } from '../../lambdas/core/report-month.ts';
import type { MonthlyReport } from '../../lambdas/core/report.ts';
import { runSkyprobe } from '../support/cli.ts';
import { motoClients, startMoto, type Moto } from '../support/moto.ts';
import { seededWorkdir, seedHistory, skyprobeIn } from './report-fixture.ts';

let dir: string;
let incidentId: string;

const skyprobe = (args: readonly string[]) => skyprobeIn(dir, args);

const CONFIG = ['--config', 'monitors.config.json'];

before(async () => {
  ({ dir, incidentId } = await seededWorkdir());
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('skyprobe report from the local store', () => {
  it('prints the JSON contract with the figures of the seeded October', async () => {
    const { code, stdout, stderr } = await skyprobe(['report', '--month', '2026-10', '--format', 'json', ...CONFIG]);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as MonthlyReport;
    assert.deepEqual([report.schemaVersion, report.month, report.complete], [1, '2026-10', true]);
    const shop = report.checks.find((c) => c.checkId === 'shop');
    assert.ok(shop);
    // 1,800 s down in 2,678,400 s: 100 × 2,676,600 / 2,678,400 = 99.9327956…
    assert.equal(shop.uptimePercent, 99.932796);
    assert.deepEqual([shop.incidentCount, shop.unplannedDowntimeSeconds, shop.plannedDowntimeSeconds, shop.mttrSeconds], [1, 1800, 0, 1800]);
    assert.deepEqual(shop.timeToDetect, { meanSeconds: 120, maxSeconds: 120 });
    // Four runs of 100 ms (bucket representative 98.7 ms), two failed: per-location uptime by runs is 50%.
    assert.deepEqual(shop.latencyMs, { p50: 98.7, p95: 98.7, p99: 98.7 });
    assert.deepEqual(shop.locations.map((l) => [l.location, l.runs, l.failedRuns, l.uptimePercent]), [['local', 4, 2, 50]]);
    // Budget 2,678.4 s, used 1,800: left 878.4 s.
    assert.deepEqual([shop.slo.target, shop.slo.met, shop.slo.errorBudgetLeftSeconds], [99.9, true, 878.4]);
    const api = report.checks.find((c) => c.checkId === 'api');
    assert.deepEqual([api?.uptimePercent, api?.slo.met, api?.latencyMs.p50], [null, null, null]);
  });

  it('selects checks by tag with --check', async () => {
    const { code, stdout } = await skyprobe(['report', '--month', '2026-10', '--format', 'json', '--check', 'backend', ...CONFIG]);
    assert.equal(code, 0);
    assert.deepEqual((JSON.parse(stdout) as MonthlyReport).checks.map((c) => c.checkId), ['api']);
  });

  it('writes Markdown by default, with the overview and a section per check', async () => {
    const { code, stdout } = await skyprobe(['report', '--month', '2026-10', ...CONFIG]);
    assert.equal(code, 0);
    assert.match(stdout, /^# Uptime report: demo, October 2026$/m);
    assert.match(stdout, /^\| shop \| 99\.933% \| 99\.9% \| met \| 14m 38s \| 1 \| 30m \|/m);
    assert.match(stdout, /^## api$/m);
    assert.match(stdout, new RegExp(`^\\| ${incidentId} \\| 2026-10-05 10:00 UTC \\| 2026-10-05 10:30 UTC \\| 30m \\| unplanned \\|`, 'm'));
  });

  it('writes HTML to --out', async () => {
    const { code, stdout } = await skyprobe(['report', '--month', '2026-10', '--format', 'html', '--out', 'october.html', ...CONFIG]);
    assert.equal(code, 0);
    assert.match(stdout, /2026-10, 2 checks, written to october\.html/);
    const html = readFileSync(join(dir, 'october.html'), 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.equal(html.match(/class="day-bar /g)?.length, 62);
  });

  it('defaults to the last full month', async () => {
    const { code, stdout } = await skyprobe(['report', '--format', 'json', ...CONFIG]);
    assert.equal(code, 0);
    assert.equal((JSON.parse(stdout) as MonthlyReport).month, lastFullMonth(Date.now()).key);
  });

  it('rejects bad flags with one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--month', '2026-13'], /--month must be yyyy-mm \(e\.g\. 2026-10\), got "2026-13"/],
      [['--month', '2999-01'], /--month 2999-01 has not begun yet/],
      [['--format', 'pdf'], /--format must be md, html or json, got "pdf"/],
      [['--check', 'nothing*'], /no check matches --check nothing\*/],
      [['--aws', '--data-dir', '.skyprobe'], /give --data-dir or --aws, not both/],
      [['--color'], /unknown flag --color/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await skyprobe(['report', ...args, ...CONFIG]);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
    }
  });

  it('fails with one line when the data directory holds no store', async () => {
    const { code, stderr } = await skyprobe(['report', '--month', '2026-10', '--data-dir', 'nowhere', ...CONFIG]);
    assert.equal(code, 1);
    assert.match(stderr, /^skyprobe report: no skyprobe data in .*nowhere \(skyprobe run keeps it there; give --data-dir or --aws\)\n$/);
  });

  it('refuses to read while skyprobe run holds the data directory, and reads once it is gone', async () => {
    // A live process (this test runner) holds the lock, as a running `skyprobe run` would.
    const lock = join(dir, '.skyprobe', 'run.lock');
    writeFileSync(lock, String(process.ppid));
    try {
      const { code, stderr } = await runSkyprobe(['report', '--month', '2026-10', ...CONFIG], { cwd: dir });
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`^skyprobe report: another skyprobe run \\(pid ${process.ppid}\\) is using .*: stop it first \\(its store cannot be read while it runs\\), or give a copy with --data-dir\\n$`));
    } finally {
      rmSync(lock, { force: true });
    }
    const again = await runSkyprobe(['report', '--month', '2026-10', ...CONFIG], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /# Uptime report: demo, October 2026/);
    assert.equal(existsSync(lock), false, 'the report released its lock');
  });
});

describe('skyprobe report --aws (against moto)', () => {
  let moto: Moto;
  let client: DynamoDBClient;

  before(async () => {
    moto = await startMoto();
    client = motoClients.dynamo(moto.endpoint, 'us-east-1');
    await seedHistory(client, 'demo-results');
  });
  after(async () => {
    client?.destroy();
    await moto?.close();
  });

  it('reads the home region table named after the project', async () => {
    const env = { AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
    const { code, stdout, stderr } = await runSkyprobe(['report', '--aws', '--month', '2026-10', '--format', 'json', ...CONFIG], { cwd: dir, env });
    assert.equal(code, 0, stderr);
    const shop = (JSON.parse(stdout) as MonthlyReport).checks.find((c) => c.checkId === 'shop');
    assert.deepEqual([shop?.uptimePercent, shop?.incidentCount, shop?.runs], [99.932796, 1, 4]);
  });

  it('fails with one line when the table does not exist', async () => {
    const other = join(dir, 'other.config.json');
    writeFileSync(other, JSON.stringify({ project: 'ghost', homeRegion: 'us-east-1', checks: [{ id: 'x', type: 'http', url: 'http://127.0.0.1:9/' }] }));
    const env = { AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
    const { code, stderr } = await runSkyprobe(['report', '--aws', '--month', '2026-10', '--config', other], { cwd: dir, env });
    assert.equal(code, 1);
    assert.match(stderr, /^skyprobe report: table ghost-results in us-east-1 does not exist \(is the app deployed\?\)\n$/);
  });
});
