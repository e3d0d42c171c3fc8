/** `skyprobe incidents` and `skyprobe incident note` over a data directory written by the real store (report-fixture.ts). */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { MonthlyReport } from '../../lambdas/core/report.ts';
import type { Incident } from '../../lambdas/core/store.ts';
import { seededWorkdir, skyprobeIn } from './report-fixture.ts';

let dir: string;
let incidentId: string;

const skyprobe = (args: readonly string[]) => skyprobeIn(dir, args);

const CONFIG = ['--config', 'monitors.config.json'];

before(async () => {
  ({ dir, incidentId } = await seededWorkdir());
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('skyprobe incidents', () => {
  it('lists the incidents of a month as a table', async () => {
    const { code, stdout } = await skyprobe(['incidents', '--month', '2026-10', ...CONFIG]);
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^id +check +opened +closed +duration +planned +root cause$/);
    assert.match(lines[1] ?? '', new RegExp(`^${incidentId} +shop +2026-10-05 10:00Z +2026-10-05 10:30Z +30m$`));
    assert.equal(lines.length, 2);
  });

  it('prints JSON with --json and filters with --check', async () => {
    const all = await skyprobe(['incidents', '--month', '2026-10', '--json', ...CONFIG]);
    assert.deepEqual((JSON.parse(all.stdout) as Incident[]).map((i) => [i.id, i.checkId, i.durationSeconds]), [[incidentId, 'shop', 1800]]);
    const none = await skyprobe(['incidents', '--month', '2026-10', '--check', 'api', ...CONFIG]);
    assert.equal(none.stdout, 'no incidents in 2026-10 for --check api\n');
    const september = await skyprobe(['incidents', '--month', '2026-09', '--json', ...CONFIG]);
    assert.deepEqual(JSON.parse(september.stdout), []);
  });
});

describe('skyprobe incident note', () => {
  it('records a root cause and corrective action that the report then shows', async () => {
    const noted = await skyprobe(['incident', 'note', incidentId, 'payment provider returned 503 | during a deploy', '--action', 'deploy with a health-checked rollout', '--data-dir', '.skyprobe']);
    assert.equal(noted.code, 0, noted.stderr);
    assert.match(noted.stdout, new RegExp(`^incident ${incidentId} \\(shop, opened 2026-10-05T10:00:00.000Z\\): root cause recorded, with a corrective action\\n$`));

    const listed = await skyprobe(['incidents', '--month', '2026-10', ...CONFIG]);
    assert.match(listed.stdout, /payment provider returned 503 \| during a deploy$/m);

    const json = await skyprobe(['report', '--month', '2026-10', '--format', 'json', ...CONFIG]);
    const shop = (JSON.parse(json.stdout) as MonthlyReport).checks.find((c) => c.checkId === 'shop');
    assert.deepEqual([shop?.incidents[0]?.rootCause, shop?.incidents[0]?.correctiveAction], ['payment provider returned 503 | during a deploy', 'deploy with a health-checked rollout']);
    const md = await skyprobe(['report', '--month', '2026-10', ...CONFIG]);
    assert.match(md.stdout, /\| payment provider returned 503 \\\| during a deploy \| deploy with a health-checked rollout \|$/m);
  });

  it('replaces the root cause and keeps the corrective action when --action is left out', async () => {
    assert.equal((await skyprobe(['incident', 'note', incidentId, 'a bad deploy'])).code, 0);
    const json = await skyprobe(['incidents', '--month', '2026-10', '--json', ...CONFIG]);
    const [incident] = JSON.parse(json.stdout) as Incident[];
    assert.deepEqual([incident?.rootCause, incident?.correctiveAction], ['a bad deploy', 'deploy with a health-checked rollout']);
    assert.match(incident?.notedAt ?? '', /^\d{4}-\d\d-\d\dT/);
  });

  it('fails with exit 1 and one line for an id that is not there', async () => {
    const { code, stdout, stderr } = await skyprobe(['incident', 'note', '0f0f0f0f-0000-4000-8000-000000000000', 'x']);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^skyprobe incident note: no incident 0f0f0f0f-0000-4000-8000-000000000000 in .*\.skyprobe \(see skyprobe incidents\)\n$/);
  });

  it('rejects malformed ids, empty notes and a missing subcommand with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['incident', 'note', 'INC#shop', 'x'], /"INC#shop" is not an incident id/],
      [['incident', 'note', incidentId, '   '], /the root cause is empty/],
      [['incident', 'note', incidentId, 'x', '--action', ''], /the --action is empty/],
      [['incident', 'note', incidentId, 'x'.repeat(4001)], /the root cause is 4001 characters; at most 4000/],
      [['incident', 'note', incidentId], /give the incident id and the root cause/],
      [['incident', 'close', incidentId], /unknown subcommand "close"/],
      [['incident'], /unknown subcommand ""/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await skyprobe(args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1);
    }
  });
});
