/**
 * `skyprobe drill` and `skyprobe failover status` end to end: the real CLI in a child process, Route 53
 * and DynamoDB in moto (behind a loopback proxy that answers TestDNSAnswer, which moto lacks), a real DNS
 * server whose answer the test flips, and two HTTP servers standing in for the primary (127.0.0.1) and the
 * secondary (127.0.0.2) on the same port. moto never flips a health check's status by itself, so the test
 * plays Route 53: it watches moto for Inverted, and after a delay flips TestDNSAnswer and the DNS server to
 * the other side.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ChangeTagsForResourceCommand, CreateHealthCheckCommand, GetHealthCheckCommand, Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import type { DrillRecord } from '../../lambdas/core/drill.ts';
import { ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { BIN, runSkyprobe, type CliRun } from '../support/cli.ts';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { motoClientConfig, motoClients, startMoto, type Moto } from '../support/moto.ts';
import { startRoute53Proxy, type Route53Proxy } from '../support/route53-proxy.ts';

const NAME = 'www.shop.test';
const PRIMARY = '127.0.0.1';
const SECONDARY = '127.0.0.2';

let moto: Moto;
let proxy: Route53Proxy;
let dns: TestDnsServer;
let route53: Route53Client;
let servers: Server[] = [];
let port = 0;
let dir = '';
let ids: { primary: string; secondary: string } = { primary: '', secondary: '' };
let refs = 0;

/** Both loopback addresses serve on one port: the check's URL is the same whichever side DNS picks. */
async function startSides(): Promise<void> {
  const serve = (side: string) => createServer((_req, res) => res.end(`ok from ${side}`));
  const first = serve('primary');
  await new Promise<void>((resolve) => first.listen(0, PRIMARY, resolve));
  port = (first.address() as AddressInfo).port;
  const second = serve('secondary');
  await new Promise<void>((resolve) => second.listen(port, SECONDARY, resolve));
  servers = [first, second];
}

async function createHealthCheck(role: string, ip: string): Promise<string> {
  refs += 1;
  const out = await route53.send(
    new CreateHealthCheckCommand({ CallerReference: `ref-${refs}`, HealthCheckConfig: { Type: 'HTTP', IPAddress: ip, Port: port, ResourcePath: '/', RequestInterval: 10, FailureThreshold: 1 } }),
  );
  const id = out.HealthCheck?.Id ?? assert.fail('no health check id');
  await route53.send(
    new ChangeTagsForResourceCommand({
      ResourceType: 'healthcheck',
      ResourceId: id,
      AddTags: [
        { Key: 'skyprobe:project', Value: 'drilltest' },
        { Key: 'skyprobe:service', Value: 'shop' },
        { Key: 'skyprobe:role', Value: role },
      ],
    }),
  );
  return id;
}

const inverted = async (id: string) => (await route53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck?.HealthCheckConfig?.Inverted === true;
const setInverted = (id: string, value: boolean) => route53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, Inverted: value }));

function answerWith(ip: string): void {
  proxy.setAnswer([ip]);
  dns.setRecords({ [NAME]: { A: [ip] } });
}

/**
 * Plays Route 53: once Inverted is set, Route 53 answers with the secondary after `detectMs` and the
 * resolver follows `resolverLagMs` later (its cache); once cleared, both go back the same way.
 */
function playRoute53(opts: { detectMs: number; resolverLagMs: number }): { stop: () => Promise<void>; sawInverted: () => boolean } {
  let running = true;
  let saw = false;
  const loop = (async () => {
    let state = false;
    while (running) {
      const now = await inverted(ids.primary).catch(() => state);
      if (now !== state) {
        state = now;
        saw ||= now;
        const ip = now ? SECONDARY : PRIMARY;
        await sleep(opts.detectMs);
        proxy.setAnswer([ip]);
        await sleep(opts.resolverLagMs);
        dns.setRecords({ [NAME]: { A: [ip] } });
      }
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
    sawInverted: () => saw,
  };
}

function writeConfig(extra: Record<string, unknown> = {}): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  const config = {
    project: 'drilltest',
    checks: [{ id: 'shop', type: 'http', url: `http://${NAME}:${port}/`, retries: 0, timeout: '2s', assertions: [{ type: 'body', contains: 'ok from' }] }],
    failover: [
      {
        id: 'shop',
        hostedZoneId: 'Z0TESTZONE',
        recordName: NAME,
        check: 'shop',
        health: 'endpoint',
        rto: '30s',
        primary: { values: [PRIMARY], healthCheck: { protocol: 'http', port } },
        secondary: { values: [SECONDARY], healthCheck: { protocol: 'http', port } },
        ...extra,
      },
    ],
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

function env(): Record<string, string> {
  return { AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '2' };
}

const drill = (config: string, ...flags: string[]): Promise<CliRun> =>
  runSkyprobe(['drill', 'shop', '--config', config, '--resolver', `127.0.0.1:${dns.port}`, '--poll-interval', '200ms', ...flags], { env: env(), timeoutMillis: 60_000 });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skyprobe-drill-'));
  moto = await startMoto();
  proxy = await startRoute53Proxy(moto.endpoint, [PRIMARY]);
  dns = await startDnsServer({ [NAME]: { A: [PRIMARY] } });
  route53 = new Route53Client(motoClientConfig(moto.endpoint, 'us-east-1'));
  await startSides();
});

after(async () => {
  await Promise.all([proxy?.close(), dns?.close(), ...servers.map((s) => new Promise((r) => s.close(r)))]);
  await moto?.close();
});

beforeEach(async () => {
  await moto.reset();
  proxy.failWhen(null);
  answerWith(PRIMARY);
  await ensureTable(motoClients.dynamo(moto.endpoint, 'us-east-1'), 'drilltest-results');
  ids = { primary: await createHealthCheck('primary', PRIMARY), secondary: await createHealthCheck('secondary', SECONDARY) };
});

describe('skyprobe drill', () => {
  it('fails over and back, measures both against the RTO, clears Inverted and stores the drill', async () => {
    const route = playRoute53({ detectMs: 600, resolverLagMs: 400 });
    const run = await drill(writeConfig(), '--yes', '--json');
    await route.stop();
    assert.equal(run.code, 0, run.stderr);
    assert.ok(route.sawInverted(), 'the drill set Inverted on the primary health check');
    assert.equal(await inverted(ids.primary), false, 'Inverted is cleared');
    const record = JSON.parse(run.stdout) as DrillRecord;
    assert.equal(record.outcome, 'passed');
    assert.equal(record.healthCheckId, ids.primary);
    assert.equal(record.reverted, true);
    for (const phase of [record.failover, record.failback]) {
      assert.ok(phase.detectMs !== null && phase.switchMs !== null);
      // The switch needs Route 53 (600 ms) and then the resolver (400 ms more) and a passing check.
      assert.ok(phase.switchMs >= 1000 && phase.switchMs < 10_000, `switch ${phase.switchMs} ms`);
      assert.ok(phase.detectMs <= phase.switchMs);
    }
    assert.ok(proxy.testDnsAnswerCalls > 0);
    assert.match(run.stderr, /secondary answers and passes its check after/);

    const history = await runSkyprobe(['drill', 'history', 'shop', '--config', writeConfig(), '--json'], { env: env() });
    assert.equal(history.code, 0, history.stderr);
    const records = JSON.parse(history.stdout) as DrillRecord[];
    assert.deepEqual(records.map((r) => r.id), [record.id]);
    const table = await runSkyprobe(['drill', 'history', '--config', writeConfig()], { env: env() });
    assert.match(table.stdout, /STARTED\s+SERVICE\s+OUTCOME/);
    assert.match(table.stdout, /shop\s+passed/);
  });

  it('fails the drill when the failover takes longer than the RTO, and still fails back', async () => {
    const route = playRoute53({ detectMs: 1200, resolverLagMs: 200 });
    const run = await drill(writeConfig({ rto: '1s' }), '--yes', '--json');
    await route.stop();
    assert.equal(run.code, 1);
    const record = JSON.parse(run.stdout) as DrillRecord;
    assert.equal(record.outcome, 'failed');
    assert.match(record.reason ?? '', /failover took \d+s.*over the rto of 1s/);
    assert.equal(await inverted(ids.primary), false);
  });

  it('rejects a drill without --yes, before touching anything', async () => {
    const run = await drill(writeConfig());
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^skyprobe drill: refusing to start without --yes/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.equal(await inverted(ids.primary), false);
  });

  it('rejects a drill when the secondary is unhealthy', async () => {
    await setInverted(ids.secondary, true); // moto reports the endpoint healthy: inverted, it counts unhealthy
    const run = await drill(writeConfig(), '--yes');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^skyprobe drill: refused: the secondary's health check .* is inverted/);
    assert.equal(await inverted(ids.primary), false, 'nothing was inverted');
  });

  it('rejects a drill when the service is already failed over', async () => {
    await setInverted(ids.primary, true);
    const inv = await drill(writeConfig(), '--yes');
    assert.equal(inv.code, 1);
    assert.match(inv.stderr, /refused: shop is already failed over: health check .* is inverted/);
    assert.match(inv.stderr, /aws route53 update-health-check --health-check-id \S+ --no-inverted/);
    await setInverted(ids.primary, false);
    proxy.setAnswer([SECONDARY]);
    const dnsSide = await drill(writeConfig(), '--yes');
    assert.equal(dnsSide.code, 1);
    assert.match(dnsSide.stderr, /refused: shop is already failed over: route 53 answers www\.shop\.test with the secondary/);
  });

  it('aborts at --max-duration when DNS never switches, and clears Inverted', async () => {
    const run = await drill(writeConfig(), '--yes', '--json', '--max-duration', '2s');
    assert.equal(run.code, 1);
    const record = JSON.parse(run.stdout) as DrillRecord;
    assert.equal(record.outcome, 'aborted');
    assert.match(record.reason ?? '', /--max-duration 2s reached/);
    assert.equal(record.failover.switchMs, null);
    assert.equal(await inverted(ids.primary), false);
  });

  it('clears Inverted when an error stops the drill after Inverted was set', async () => {
    // The read-back after setting Inverted fails: the update itself landed, so it must still be undone.
    proxy.failWhen((r) => r.method === 'GET' && /^\/2013-04-01\/healthcheck\/[^/]+$/.test(r.path) && r.path.endsWith(ids.primary));
    const run = await drill(writeConfig(), '--yes', '--json');
    proxy.failWhen(null);
    assert.equal(run.code, 1);
    const record = JSON.parse(run.stdout) as DrillRecord;
    assert.equal(record.outcome, 'aborted');
    assert.match(record.reason ?? '', /^error: /);
    assert.equal(await inverted(ids.primary), false);
  });

  it('prints the command to clear Inverted by hand when it cannot be cleared', async () => {
    proxy.failWhen((r) => r.method === 'POST' && r.path.endsWith(ids.primary) && r.body.includes('<Inverted>false</Inverted>'));
    const run = await drill(writeConfig(), '--yes', '--max-duration', '1s');
    proxy.failWhen(null);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`STILL INVERTED .*clear it by hand now: aws route53 update-health-check --health-check-id ${ids.primary} --no-inverted`));
    assert.equal(await inverted(ids.primary), true, 'moto still has it inverted, as the message says');
  });

  it('clears Inverted when interrupted with Ctrl-C (SIGINT)', async () => {
    const child = spawn(process.execPath, [BIN, 'drill', 'shop', '--yes', '--json', '--config', writeConfig(), '--resolver', `127.0.0.1:${dns.port}`, '--poll-interval', '200ms'], {
      env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (!(await inverted(ids.primary))) {
      assert.ok(Date.now() < deadline, 'the drill never set Inverted');
      await sleep(50);
    }
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 1);
    assert.equal(await inverted(ids.primary), false, 'Inverted cleared after Ctrl-C');
    const record = JSON.parse(stdout) as DrillRecord;
    assert.equal(record.outcome, 'aborted');
    assert.match(record.reason ?? '', /interrupted/);
  });
});

describe('skyprobe failover status', () => {
  it("shows each health check, the share of healthy checkers, Inverted, and both DNS answers", async () => {
    const run = await runSkyprobe(['failover', 'status', '--config', writeConfig(), '--resolver', `127.0.0.1:${dns.port}`, '--json'], { env: env() });
    assert.equal(run.code, 0, run.stderr);
    const [status] = JSON.parse(run.stdout) as { service: string; failedOver: boolean; healthChecks: { role: string; id: string; health: string; healthyShare: number; inverted: boolean }[]; dns: { route53: { side: string; answers: string[] }; resolver: { side: string } } }[];
    assert.equal(status?.service, 'shop');
    assert.equal(status?.failedOver, false);
    assert.deepEqual(status?.healthChecks.map((h) => [h.role, h.id, h.health, h.healthyShare, h.inverted]), [
      ['primary', ids.primary, 'healthy', 1, false],
      ['secondary', ids.secondary, 'healthy', 1, false],
    ]);
    assert.deepEqual(status?.dns.route53.answers, [PRIMARY]);
    assert.equal(status?.dns.resolver.side, 'primary');

    await setInverted(ids.primary, true);
    answerWith(SECONDARY);
    const text = await runSkyprobe(['failover', 'status', 'shop', '--config', writeConfig(), '--resolver', `127.0.0.1:${dns.port}`], { env: env() });
    assert.equal(text.code, 1, 'exit 1 while failed over');
    assert.match(text.stdout, /shop: www\.shop\.test A, health from endpoint, FAILED OVER/);
    assert.match(text.stdout, /primary\s+\S+\s+HTTP\s+unhealthy\s+100% of 1 checker regions healthy, INVERTED/);
    assert.match(text.stdout, /route 53 answers 127\.0\.0\.2 \(NOERROR\): secondary/);
    assert.match(text.stdout, /resolver 127\.0\.0\.1:\d+ answers 127\.0\.0\.2: secondary/);
  });

  it('rejects an unknown service with a suggestion', async () => {
    const run = await runSkyprobe(['failover', 'status', 'shpo', '--config', writeConfig()], { env: env() });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no failover service "shpo" in the config \(did you mean "shop"\?\)/);
  });
});
