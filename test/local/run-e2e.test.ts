/**
 * End to end: the real `skyprobe run` process against a loopback target that the test takes down and brings
 * back, with a local webhook receiver. Slow by nature (10 s is the shortest interval), so it is one test.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { BIN, runSkyprobe } from '../support/cli.ts';
import { startDynalite } from '../support/dynalite.ts';
import { DynamoResultsStore } from '../../lambdas/store/dynamo-store.ts';
import { LOCAL_TABLE_NAME } from '../../lambdas/local/runner.ts';
import { systemClock } from '../../lambdas/engine/context.ts';

interface Hook {
  readonly event: string;
  readonly checkId: string;
  readonly durationSeconds: number | null;
  readonly eventId: string;
}

let target: TestHttpServer;
let receiver: Server;
let receiverUrl: string;
const hooks: Hook[] = [];
const hookIds: (string | undefined)[] = [];
let dir: string;

before(async () => {
  target = await startHttpServer();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as Hook);
      hookIds.push(req.headers['x-skyprobe-event-id'] as string | undefined);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  dir = mkdtempSync(join(tmpdir(), 'skyprobe-run-'));
});

after(async () => {
  await target.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Runner {
  output = '';
  readonly exited: Promise<number>;
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((r) => child.on('exit', (code) => r(code ?? -1)));
  }
  async dashboard(): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const m = /dashboard {2}(http:\/\/\S+)/.exec(this.output);
      if (m) return m[1]!;
      await sleep(50);
    }
    throw new Error(`no dashboard URL in: ${this.output}`);
  }
}

function startRunner(config: string): Runner {
  return new Runner(spawn(process.execPath, [BIN, 'run', '--config', config, '--data-dir', join(dir, 'data'), '--port', '0'], { env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' } }));
}

async function state(dashboard: string): Promise<{ state: string; last: { status: string } | null }> {
  const res = await fetch(`${dashboard}/api/checks`);
  const checks = (await res.json()) as { id: string; state: string; last: { status: string } | null }[];
  return checks.find((c) => c.id === 'shop')!;
}

async function waitFor(what: string, dashboard: string, predicate: (s: Awaited<ReturnType<typeof state>>) => boolean, timeoutMs = 100_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate(await state(dashboard))) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('opens one incident for an outage, sends one DOWN and one RECOVERED, and keeps it all across a restart', { timeout: 300_000 }, async () => {
  const config = join(dir, 'monitors.json');
  writeFileSync(
    config,
    JSON.stringify({
      checks: [{ id: 'shop', type: 'http', url: `${target.url}/flappy`, interval: '10s', timeout: '2s', retries: 0, alertPolicy: { evaluationPeriods: 1, failingPeriods: 1 } }],
      alerts: { webhooks: [{ url: receiverUrl }] },
    }),
  );
  await fetch(`${target.url}/set-status`, { method: 'POST', body: '200' });
  const runner = startRunner(config);
  const dashboard = await runner.dashboard();
  await waitFor('the first passing run', dashboard, (s) => s.last?.status === 'up');

  // A second runner on the same data directory is refused, not allowed to corrupt the store.
  const second = await runSkyprobe(['run', '--config', config, '--data-dir', join(dir, 'data'), '--port', '0']);
  assert.equal(second.code, 2);
  assert.match(second.stderr, /^skyprobe run: another skyprobe run \(pid \d+\) is using .*data: stop it first, or give another --data-dir\n$/);

  const wentDown = Date.now();
  await fetch(`${target.url}/set-status`, { method: 'POST', body: '503' });
  await waitFor('the check to go down', dashboard, (s) => s.state === 'down');
  const cameBack = Date.now();
  await fetch(`${target.url}/set-status`, { method: 'POST', body: '200' });
  await waitFor('the check to recover', dashboard, (s) => s.state === 'up');
  for (let i = 0; i < 40 && hooks.length < 2; i++) await sleep(100);

  assert.deepEqual(hooks.map((h) => [h.event, h.checkId]), [['down', 'shop'], ['recovered', 'shop']]);
  assert.deepEqual(hookIds, hooks.map((h) => h.eventId));
  const incidents = (await (await fetch(`${dashboard}/api/incidents?status=all`)).json()) as { id: string; openedAt: string; closedAt: string | null; durationSeconds: number | null }[];
  assert.equal(incidents.length, 1);
  const incident = incidents[0]!;
  // The outage began with the first failing run after the flip and ended with the first passing run after the
  // flip back; runs are 10 s apart, so each edge is known to within one interval.
  const opened = Date.parse(incident.openedAt);
  const closed = Date.parse(incident.closedAt!);
  assert.ok(opened >= wentDown - 1000 && opened <= wentDown + 11_000, `opened ${incident.openedAt}, went down at ${new Date(wentDown).toISOString()}`);
  assert.ok(closed >= cameBack - 1000 && closed <= cameBack + 11_000, `closed ${incident.closedAt}, came back at ${new Date(cameBack).toISOString()}`);
  assert.equal(incident.durationSeconds, Math.round((closed - opened) / 1000));
  assert.equal(hooks[1]!.durationSeconds, incident.durationSeconds);

  runner.child.kill('SIGTERM');
  assert.equal(await runner.exited, 0, runner.output);
  assert.match(runner.output, /stopped after \d+ runs \(0 missed\); (\d+) results written, 0 pending/);
  const written = Number(/(\d+) results written/.exec(runner.output)![1]);

  // Restart on the same data: history and the incident are still there.
  const again = startRunner(config);
  const dashboard2 = await again.dashboard();
  const kept = (await (await fetch(`${dashboard2}/api/incidents?status=all`)).json()) as { id: string }[];
  assert.deepEqual(kept.map((i) => i.id), [incident.id]);
  const results = (await (await fetch(`${dashboard2}/api/checks/shop/results?limit=500`)).json()) as { startedAt: string; ok: boolean }[];
  assert.ok(results.length >= written, `kept ${results.length} of ${written} results`);
  again.child.kill('SIGTERM');
  assert.equal(await again.exited, 0, again.output);

  // The rollups count every stored run exactly once, failures included.
  const db = await startDynalite({ path: join(dir, 'data', 'db') });
  try {
    const store = new DynamoResultsStore({ client: db.client, tableName: LOCAL_TABLE_NAME, clock: systemClock });
    const raw = await store.recentResults('shop', 'local', { limit: 1000 });
    const hours = raw.map((r) => r.startedAt.slice(0, 13)).sort();
    const rollups = await store.rollups('shop', { fromHour: hours[0]!, toHour: hours[hours.length - 1]! });
    assert.equal(rollups.reduce((n, r) => n + r.runs, 0), raw.length);
    assert.equal(rollups.reduce((n, r) => n + r.failedRuns, 0), raw.filter((r) => !r.ok).length);
    assert.ok(raw.some((r) => !r.ok) && raw.some((r) => r.ok));
  } finally {
    await db.close();
  }
});
