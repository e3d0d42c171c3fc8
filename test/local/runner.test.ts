import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lambdas/cli/load-config.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { startEmbeddedDynamo } from '../../lambdas/local/embedded-dynamo.ts';
import { LOCAL_TABLE_NAME, LocalRunner } from '../../lambdas/local/runner.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { runSkyprobe } from '../support/cli.ts';

let target: TestHttpServer;
before(async () => {
  target = await startHttpServer();
});
after(() => target.close());

function localResult(checkId: string): ProbeResult {
  return {
    checkId,
    type: 'http',
    location: 'local',
    startedAt: new Date().toISOString(),
    ok: true,
    status: 'up',
    error: null,
    timings: { dnsMs: 1, connectMs: 1, tlsMs: null, ttfbMs: 5, downloadMs: 1, totalMs: 8 },
    httpStatus: 200,
    address: '127.0.0.1:80',
    target: 'http://127.0.0.1/ok',
    assertions: [],
    attempts: 1,
  };
}

const check = (id: string) => ({ id, type: 'http', url: `${target.url}/ok`, interval: '10s', timeout: '2s' });

describe('LocalRunner', () => {
  it('applies a valid config edit and refuses an invalid one, keeping the running config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skyprobe-reload-'));
    const file = join(dir, 'monitors.json');
    writeFileSync(file, JSON.stringify({ checks: [check('one')] }));
    const logs: string[] = [];
    const runner = new LocalRunner({ configFile: file, loadConfig, dataDir: join(dir, 'data'), port: 0, host: '127.0.0.1', location: 'local', env: {}, log: (l) => logs.push(l), watchConfig: false });
    const { dashboardUrl } = await runner.start();
    try {
      assert.equal(runner.stats().scheduled, 1);
      writeFileSync(file, JSON.stringify({ checks: [check('one'), check('two')] }));
      assert.equal(await runner.reload(), true);
      assert.equal(runner.stats().scheduled, 2);
      const ids = ((await (await fetch(`${dashboardUrl}/api/checks`)).json()) as { id: string }[]).map((c) => c.id);
      assert.deepEqual(ids, ['one', 'two']);

      writeFileSync(file, JSON.stringify({ checks: [check('one'), { ...check('two'), interval: '5s' }] }));
      assert.equal(await runner.reload(), false);
      assert.equal(runner.stats().scheduled, 2);
      assert.match(logs.at(-1) ?? '', /^config change refused, still running the previous config:\n {2}check "two": checks\[1\]\.interval: must be at least 10s, got "5s"$/);
    } finally {
      await runner.stop();
    }
  });

  it('picks up an edit to the watched config file by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skyprobe-watch-'));
    const file = join(dir, 'monitors.json');
    writeFileSync(file, JSON.stringify({ checks: [check('one')] }));
    const logs: string[] = [];
    const runner = new LocalRunner({ configFile: file, loadConfig, dataDir: join(dir, 'data'), port: 0, host: '127.0.0.1', location: 'local', env: {}, log: (l) => logs.push(l) });
    await runner.start();
    try {
      writeFileSync(file, JSON.stringify({ checks: [check('one'), check('two'), check('three')] }));
      for (let i = 0; i < 100 && !logs.includes('config reloaded: 3 checks'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(logs.includes('config reloaded: 3 checks'), `no reload in: ${logs.join(' | ')}`);
      assert.equal(runner.stats().scheduled, 3);
    } finally {
      await runner.stop();
    }
  });
});

describe('LocalRunner compaction', () => {
  it('packs the closed days of the configured checks, and only those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skyprobe-compact-'));
    const file = join(dir, 'monitors.json');
    writeFileSync(file, JSON.stringify({ checks: [check('one')] }));
    const dataDir = join(dir, 'data');
    // Three days ago: history of "one" and of "gone", a check since removed from the config.
    const dayStart = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000;
    const seedDb = await startEmbeddedDynamo({ path: join(dataDir, 'db') });
    try {
      await ensureTable(seedDb.client, LOCAL_TABLE_NAME);
      const store = new DynamoResultsStore({ client: seedDb.client, tableName: LOCAL_TABLE_NAME, clock: { now: () => dayStart + 3_600_000, monotonic: () => 0 } });
      const results = ['one', 'gone'].map((checkId) => ({ ...localResult(checkId), startedAt: new Date(dayStart + 600_000).toISOString() }));
      assert.equal((await store.recordResults(results)).pending, 0);
    } finally {
      await seedDb.close();
    }
    const runner = new LocalRunner({ configFile: file, loadConfig, dataDir, port: 0, host: '127.0.0.1', location: 'local', env: {}, log: () => undefined, watchConfig: false });
    await runner.start();
    try {
      await runner.compact();
    } finally {
      await runner.stop();
    }
    const db = await startEmbeddedDynamo({ path: join(dataDir, 'db') });
    try {
      const store = new DynamoResultsStore({ client: db.client, tableName: LOCAL_TABLE_NAME, clock: { now: () => Date.now(), monotonic: () => 0 } });
      const day = new Date(dayStart).toISOString().slice(0, 10);
      const today = new Date().toISOString().slice(0, 10);
      const one = await store.dayPackStates('one', 'local', day, today);
      assert.equal(one[0]?.day, day);
      assert.ok(one.length >= 2 && one.every((s) => s.valid), JSON.stringify(one));
      assert.deepEqual(await store.dayPackStates('gone', 'local', day, today), []);
      const rollups = await store.rollups('one', { fromHour: `${day}T00`, toHour: `${day}T23`, location: 'local' });
      assert.equal(rollups[0]?.runs, 1);
    } finally {
      await db.close();
    }
  });
});

describe('skyprobe run', () => {
  it('stops at start with the validate messages and exit 2 when the config is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skyprobe-badrun-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ checks: [{ id: 'x', type: 'http', url: 'nope' }] }));
    const run = await runSkyprobe(['run', '--config', file, '--data-dir', join(dir, 'data'), '--port', '0']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'check "x": checks[0].url: must be an absolute http:// or https:// URL, got "nope"\n');
  });

  it('rejects a bad --port in one line', async () => {
    const run = await runSkyprobe(['run', '--port', 'eighty']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'skyprobe run: --port must be a number from 0 to 65535, got "eighty"\n');
  });
});
