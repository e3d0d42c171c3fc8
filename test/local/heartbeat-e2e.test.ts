/**
 * End to end: the real `skyprobe run` process with a heartbeat of a 10 s period and no grace, a job (this
 * test) that pings it with the token `skyprobe heartbeat url` prints, then stops; a loopback webhook
 * receiver gets the alerts.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { BIN, runSkyprobe } from '../support/cli.ts';
import { startDynalite } from '../support/dynalite.ts';
import { DynamoResultsStore } from '../../lambdas/store/dynamo-store.ts';
import { LOCAL_TABLE_NAME } from '../../lambdas/local/runner.ts';
import { systemClock } from '../../lambdas/engine/context.ts';

interface Hook {
  readonly event: string;
  readonly checkId: string;
  readonly incidentId: string;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly error: { kind: string; message: string } | null;
  readonly target: string;
}

let receiver: Server;
let receiverUrl: string;
const hooks: Hook[] = [];
let dir: string;

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as Hook);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  dir = mkdtempSync(join(tmpdir(), 'skyprobe-hb-'));
});

after(async () => {
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('a job that stops pinging opens an incident and alerts; its next ping closes it; a fail ping opens one at once', { timeout: 120_000 }, async () => {
  const config = join(dir, 'monitors.json');
  const dataDir = join(dir, 'data');
  writeFileSync(
    config,
    JSON.stringify({ checks: [{ type: 'heartbeat', id: 'nightly-db-backup', every: '10s', grace: '0s', tags: ['backups'] }], alerts: { webhooks: [{ url: receiverUrl }] } }),
  );
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BIN, 'run', '--config', config, '--data-dir', dataDir, '--port', '0'], {
    env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  try {
    const dashboard = await waitFor('the dashboard URL', () => /dashboard {2}(http:\/\/\S+)/.exec(output)?.[1]);

    const cli = await runSkyprobe(['heartbeat', 'url', 'nightly-db-backup', '--config', config, '--data-dir', dataDir, '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const info = JSON.parse(cli.stdout) as { url: string; failUrl: string; startUrl: string; token: string; curl: string };
    assert.equal(info.url, `${dashboard}/ping/nightly-db-backup`);
    assert.match(info.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(join(dataDir, 'heartbeat-tokens.json')).mode & 0o777, 0o600);
    const ping = (url: string, body = '') => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${info.token}` }, body });

    // The job runs a few times: start, then success, with a message.
    for (let i = 0; i < 3; i++) {
      assert.equal((await ping(info.startUrl)).status, 200);
      await sleep(300);
      const res = await ping(info.url, `run ${i}: 42 tables dumped`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { kind: string }).kind, 'success');
      await sleep(700);
    }
    const lastPing = Date.now();
    assert.equal(hooks.length, 0);

    // Then it stops: 10 s after the last ping the heartbeat is down.
    const down = await waitFor('the DOWN alert', () => hooks.find((h) => h.event === 'down'), 25_000);
    assert.equal(down.checkId, 'nightly-db-backup');
    assert.equal(down.error?.kind, 'timeout');
    assert.match(down.error?.message ?? '', /^no ping since \S+ \(expected every 10s, grace 0ms\)$/);
    assert.equal(down.target, 'heartbeat every 10s (grace 0ms)');
    const opened = Date.parse(down.openedAt);
    assert.ok(Math.abs(opened - (lastPing + 10_000)) < 1500, `opened ${down.openedAt}, last ping ${new Date(lastPing).toISOString()}`);
    const open = (await (await fetch(`${dashboard}/api/incidents?status=open`)).json()) as { id: string; checkId: string }[];
    assert.deepEqual(open.map((i) => [i.id, i.checkId]), [[down.incidentId, 'nightly-db-backup']]);

    // The next success ping closes it.
    assert.equal((await ping(info.url)).status, 200);
    const recovered = await waitFor('the RECOVERED alert', () => hooks.find((h) => h.event === 'recovered'));
    assert.equal(recovered.incidentId, down.incidentId);
    const all = (await (await fetch(`${dashboard}/api/incidents?status=all`)).json()) as { id: string; closedAt: string | null }[];
    assert.equal(all.length, 1);
    assert.notEqual(all[0]!.closedAt, null);

    // A fail ping opens a new incident at once, with the job's message.
    assert.equal((await ping(info.failUrl, 'pg_dump: connection refused')).status, 200);
    const failed = await waitFor('the second DOWN alert', () => hooks.filter((h) => h.event === 'down')[1], 5_000);
    assert.notEqual(failed.incidentId, down.incidentId);
    assert.equal(failed.error?.message, 'the job reported a failure: pg_dump: connection refused');
    assert.deepEqual(hooks.map((h) => h.event), ['down', 'recovered', 'down']);

    assert.doesNotMatch(output, new RegExp(info.token));
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
  }

  // The runs are results like a check's, counted in the rollups: the three good runs, the missed
  // deadline(s), the good one after, the failed one.
  const db = await startDynalite({ path: join(dataDir, 'db') });
  try {
    const store = new DynamoResultsStore({ client: db.client, tableName: LOCAL_TABLE_NAME, clock: systemClock });
    const results = await store.recentResults('nightly-db-backup', 'local', { limit: 100 });
    assert.ok(results.every((r) => r.type === 'heartbeat'));
    assert.equal(results.filter((r) => r.ok).length, 4);
    assert.equal(results.filter((r) => r.ok && r.timings.totalMs >= 250).length, 3, 'runs with a /start have their duration');
    assert.ok(results.filter((r) => !r.ok).length >= 2);
    const hours = results.map((r) => r.startedAt.slice(0, 13)).sort();
    const rollups = await store.rollups('nightly-db-backup', { fromHour: hours[0]!, toHour: hours[hours.length - 1]! });
    assert.equal(rollups.reduce((n, r) => n + r.runs, 0), results.length);
    assert.equal(rollups.reduce((n, r) => n + r.failedRuns, 0), results.filter((r) => !r.ok).length);
  } finally {
    await db.close();
  }
});
