import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { unusedPort } from '../support/tcp-server.ts';
import { spawn } from 'node:child_process';
import { BIN, runSkyprobe } from '../support/cli.ts';

let server: TestHttpServer;
let dir: string;
const SECRET = 'hunter2-very-secret';

function writeConfig(name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

before(async () => {
  server = await startHttpServer();
  dir = mkdtempSync(join(tmpdir(), 'skyprobe-cli-'));
});
after(() => server.close());

describe('skyprobe check', () => {
  it('prints the ProbeResult as JSON and exits 0 when the probe passes', async () => {
    const run = await runSkyprobe(['check', `${server.url}/json`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ProbeResult;
    assert.equal(result.ok, true);
    assert.equal(result.httpStatus, 200);
    assert.equal(result.status, 'up');
    assert.equal(typeof result.timings.ttfbMs, 'number');
  });

  it('prints a timing waterfall for people', async () => {
    const run = await runSkyprobe(['check', `${server.url}/ok`]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^HTTP {2}http:\/\/127\.0\.0\.1:\d+\/ok {2}200 {2}up/);
    assert.match(run.stdout, /\n {2}connect +[\d.]+ ms +█/);
    assert.match(run.stdout, /\n {2}ttfb +[\d.]+ ms +█/);
    assert.match(run.stdout, /\n {2}total +[\d.]+ ms/);
  });

  it('fails with exit 1 and names the error kind when the target refuses', async () => {
    const port = await unusedPort();
    const run = await runSkyprobe(['check', `http://127.0.0.1:${port}/`]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /connect_refused: connection refused/);
  });

  it('probes host:port as tcp', async () => {
    const run = await runSkyprobe(['check', `127.0.0.1:${server.port}`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as ProbeResult).type, 'tcp');
  });

  it('refuses the cloud metadata address without sending a packet', async () => {
    const run = await runSkyprobe(['check', 'http://169.254.169.254/latest/meta-data/', '--json']);
    assert.equal(run.code, 1);
    const result = JSON.parse(run.stdout) as ProbeResult;
    assert.equal(result.error?.kind, 'blocked_target');
    assert.equal(result.timings.connectMs, null);
  });

  for (const [args, message] of [
    [['check', 'http://x/', '--bogus'], 'skyprobe check: unknown flag --bogus (see skyprobe check --help)'],
    [['check'], 'skyprobe check: missing target: a URL, host:port or name (see skyprobe check --help)'],
    [['check', 'http://x/', '--timeout', 'soon'], 'skyprobe check: --timeout must be a whole number of milliseconds from 1 to 60000, got "soon"'],
    [['check', 'ftp://x'], 'skyprobe check: cannot tell what to probe in "ftp://x": give a URL (https://...), host:port, or --type'],
    [['check', 'x:1', '--type', 'smtp'], 'skyprobe check: --type must be one of http, tcp, dns, tls, got "smtp"'],
    [['frobnicate'], 'skyprobe: unknown command "frobnicate" (commands: run, check, test, validate, heartbeat, cost, report, incidents, incident, failover, drill)'],
  ] as const) {
    it(`rejects ${args.join(' ')} with one line and exit 2`, async () => {
      const run = await runSkyprobe(args);
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `${message}\n`);
      assert.equal(run.stdout, '');
    });
  }
});

describe('skyprobe test', () => {
  it('runs every check once, prints a table and exits 1 when any fails', async () => {
    const port = await unusedPort();
    const file = writeConfig('mixed.json', {
      checks: [
        { id: 'home', type: 'http', url: `${server.url}/ok`, retries: 0, tags: ['web'] },
        { id: 'api', type: 'http', url: `${server.url}/json`, retries: 0, assertions: [{ type: 'json', path: '$.count', equals: 2 }] },
        { id: 'down', type: 'http', url: `http://127.0.0.1:${port}/`, retries: 0, tags: ['web'] },
      ],
    });
    const run = await runSkyprobe(['test', '--config', file]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^CHECK +TYPE +STATUS +TIME +DETAIL$/m);
    assert.match(run.stdout, /^home +http +up +[\d.]+ ms +200$/m);
    assert.match(run.stdout, /^down +http +down +[\d.]+ ms +connect_refused: /m);
    assert.match(run.stdout, /^3 checks: 2 up, 0 degraded, 1 down/m);
  });

  it('prints an array of results with checkId under --json and exits 0 when all pass', async () => {
    const file = writeConfig('pass.json', {
      checks: [
        { id: 'home', type: 'http', url: `${server.url}/ok`, retries: 0 },
        { id: 'port', type: 'tcp', host: '127.0.0.1', port: server.port, retries: 0 },
      ],
    });
    const run = await runSkyprobe(['test', '--config', file, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(run.stdout) as ProbeResult[];
    assert.deepEqual(results.map((r) => [r.checkId, r.ok]), [['home', true], ['port', true]]);
  });

  it('runs only the checks whose id or tag matches --filter', async () => {
    const port = await unusedPort();
    const file = writeConfig('filter.json', {
      checks: [
        { id: 'home', type: 'http', url: `${server.url}/ok`, retries: 0, tags: ['web'] },
        { id: 'api-v1', type: 'http', url: `${server.url}/ok`, retries: 0 },
        { id: 'broken', type: 'http', url: `http://127.0.0.1:${port}/`, retries: 0 },
      ],
    });
    const run = await runSkyprobe(['test', '--config', file, '--filter', 'web,api-*', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as ProbeResult[]).map((r) => r.checkId), ['home', 'api-v1']);
    const none = await runSkyprobe(['test', '--config', file, '--filter', 'nothing']);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, 'skyprobe test: no check matches --filter nothing\n');
  });

  it('sends secrets from the environment but never prints them', async () => {
    const file = writeConfig('secret.json', {
      checks: [
        {
          id: 'echo',
          type: 'http',
          url: `${server.url}/echo?key={{secret:API_KEY}}`,
          method: 'POST',
          headers: { authorization: 'Bearer {{secret:API_KEY}}' },
          body: 'token={{secret:API_KEY}}',
          retries: 0,
          // Fails on purpose, so the message quotes the echoed body.
          assertions: [{ type: 'body', contains: 'no such text' }],
        },
      ],
    });
    const before = server.requests.length;
    const run = await runSkyprobe(['test', '--config', file, '--json'], { env: { SKYPROBE_SECRET_API_KEY: SECRET } });
    assert.equal(run.code, 1);
    const received = server.requests.slice(before).find((r) => r.url.startsWith('/echo'));
    assert.equal(received?.headers.authorization, `Bearer ${SECRET}`);
    assert.equal(received?.body, `token=${SECRET}`);
    assert.ok(!run.stdout.includes(SECRET) && !run.stderr.includes(SECRET), 'the secret leaked into the output');
    assert.match(run.stdout, /\*\*\*/);
    const table = await runSkyprobe(['test', '--config', file], { env: { SKYPROBE_SECRET_API_KEY: SECRET } });
    assert.ok(!table.stdout.includes(SECRET), 'the secret leaked into the table');
  });

  it('lists the heartbeats once as not tested, without changing the exit status', async () => {
    const port = await unusedPort();
    const file = writeConfig('heartbeats.json', {
      checks: [
        { id: 'home', type: 'http', url: `${server.url}/ok`, retries: 0, tags: ['web'] },
        { type: 'heartbeat', id: 'nightly-dump', every: '1d', tags: ['backups'] },
        { type: 'heartbeat', id: 'vault', every: '1d', grace: '3h', backup: { vaults: ['prod-vault'] } },
      ],
    });
    const run = await runSkyprobe(['test', '--config', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^home +http +up +[\d.]+ ms +200$/m);
    assert.match(run.stdout, /^1 check: 1 up, 0 degraded, 0 down/m);
    assert.equal(run.stdout.match(/not tested/g)?.length, 1);
    assert.match(run.stdout, /^2 heartbeats not tested \(jobs report in; skyprobe heartbeat url <id> prints where\): nightly-dump, vault$/m);
    assert.doesNotMatch(run.stdout, /^(nightly-dump|vault) /m, 'no table row for a heartbeat');

    // --json: stdout is the array of results only; the note goes to stderr.
    const json = await runSkyprobe(['test', '--config', file, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual((JSON.parse(json.stdout) as ProbeResult[]).map((r) => r.checkId), ['home']);
    assert.equal(json.stderr, '2 heartbeats not tested (jobs report in; skyprobe heartbeat url <id> prints where): nightly-dump, vault\n');

    // --filter selects heartbeats by id and tag too; a filter that matches only heartbeats runs nothing and passes.
    const only = await runSkyprobe(['test', '--config', file, '--filter', 'backups', '--json']);
    assert.equal(only.code, 0, only.stderr);
    assert.deepEqual(JSON.parse(only.stdout), []);
    assert.match(only.stderr, /^1 heartbeat not tested .*: nightly-dump$/m);

    // A failing check still fails the run; the heartbeats do not hide it.
    const failing = writeConfig('heartbeats-failing.json', {
      checks: [{ id: 'down', type: 'http', url: `http://127.0.0.1:${port}/`, retries: 0 }, { type: 'heartbeat', id: 'nightly-dump', every: '1d' }],
    });
    const failed = await runSkyprobe(['test', '--config', failing]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^1 check: 0 up, 0 degraded, 1 down/m);
    assert.match(failed.stdout, /^1 heartbeat not tested .*: nightly-dump$/m);
  });

  it('rejects a run whose secret is not set, naming the variable', async () => {
    const file = writeConfig('nosecret.json', { checks: [{ id: 'api', type: 'http', url: `${server.url}/ok`, headers: { 'x-key': '{{secret:MISSING_KEY}}' } }] });
    const run = await runSkyprobe(['test', '--config', file]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'check "api": {{secret:MISSING_KEY}}: secret MISSING_KEY is not set (export SKYPROBE_SECRET_MISSING_KEY)\n');
  });
});

describe('skyprobe validate', () => {
  it('lists every problem, one line each, and exits 2', async () => {
    const file = writeConfig('bad.json', {
      checks: [
        { id: 'home', type: 'htp', url: 'https://example.com/' },
        { id: 'api', type: 'http', url: 'ftp://x', timout: '5s' },
      ],
    });
    const run = await runSkyprobe(['validate', '--config', file]);
    assert.equal(run.code, 2);
    assert.deepEqual(run.stderr.trim().split('\n'), [
      'check "home": checks[0].type: must be one of http, tcp, dns, tls, heartbeat, got "htp" (did you mean "http"?)',
      'check "api": checks[1].timout: unknown field "timout" (did you mean "timeout"?)',
      'check "api": checks[1].url: must be an absolute http:// or https:// URL, got "ftp://x"',
    ]);
  });

  it('accepts the example monitors.config.ts', async () => {
    const run = await runSkyprobe(['validate']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^monitors\.config\.ts: valid — \d+ checks/);
  });

  it('counts heartbeats beside checks in its summary', async () => {
    const file = writeConfig('valid-heartbeats.json', {
      checks: [
        { id: 'home', type: 'http', url: 'https://example.com/', regions: ['us-east-1', 'eu-west-1'] },
        { id: 'db', type: 'tcp', host: 'db.example.com', port: 5432 },
        { type: 'heartbeat', id: 'nightly-dump', every: '1d' },
        { type: 'heartbeat', id: 'vault', every: '1d', grace: '3h', backup: { vaults: ['prod-vault'] } },
      ],
    });
    const run = await runSkyprobe(['validate', '--config', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${file}: valid — 2 checks (1 http, 1 tcp) in 2 regions, 2 heartbeats (1 from AWS Backup)\n`);

    const only = writeConfig('only-heartbeat.json', { checks: [{ type: 'heartbeat', id: 'nightly-dump', every: '1d' }] });
    const single = await runSkyprobe(['validate', '--config', only]);
    assert.equal(single.code, 0, single.stderr);
    assert.equal(single.stdout, `${only}: valid — 0 checks, 1 heartbeat\n`);
  });

  it('reports a config file that does not exist in one line', async () => {
    const run = await runSkyprobe(['validate', '--config', join(dir, 'missing.ts')]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.match(run.stderr, /missing\.ts: config file not found/);
  });
});

describe('skyprobe run', () => {
  it('counts heartbeats beside checks when it starts and on a reload, and says where jobs ping', { timeout: 60_000 }, async () => {
    const file = writeConfig('run-heartbeats.json', {
      checks: [
        { id: 'home', type: 'http', url: `${server.url}/ok`, interval: '1h' },
        { type: 'heartbeat', id: 'nightly-dump', every: '1d' },
      ],
    });
    const child = spawn(process.execPath, [BIN, 'run', '--config', file, '--data-dir', join(dir, 'run-data'), '--port', '0'], { env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
    const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
      for (let i = 0; i < 400; i++) {
        const m = pattern.exec(output);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${pattern} in: ${output}`);
    };
    try {
      const dashboard = (await waitFor(/ {2}dashboard {2}(http:\/\/\S+)/))[1];
      assert.match(output, new RegExp(`^skyprobe run: 1 check, 1 heartbeat from ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, location "local"$`, 'm'));
      assert.match(output, new RegExp(`^ {2}pings {6}${dashboard}/ping/<id> \\(skyprobe heartbeat url <id> prints the token\\)$`, 'm'));

      writeFileSync(file, JSON.stringify({ checks: [{ type: 'heartbeat', id: 'nightly-dump', every: '1d' }, { type: 'heartbeat', id: 'vault', every: '1d' }] }));
      await waitFor(/config reloaded: 0 checks, 2 heartbeats$/m);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
    }
  });
});

describe('skyprobe --help', () => {
  for (const command of ['check', 'test', 'validate']) {
    it(`prints help for ${command} and exits 0`, async () => {
      const run = await runSkyprobe([command, '--help']);
      assert.equal(run.code, 0);
      assert.match(run.stdout, new RegExp(`^Usage: skyprobe ${command}`));
    });
  }
});
