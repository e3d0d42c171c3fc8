import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lambdas/cli/load-config.ts';
import { LocalRunner } from '../../lambdas/local/runner.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { runSkyprobe } from '../support/cli.ts';

let target: TestHttpServer;
before(async () => {
  target = await startHttpServer();
});
after(() => target.close());

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
