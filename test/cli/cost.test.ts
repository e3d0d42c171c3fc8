/**
 * `skyprobe cost`. Until the command is registered in lambdas/cli/main.ts it
 * is run in-process through costCommand with a collecting Io; the child-process
 * test runs once `cost` appears in `skyprobe --help`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { costCommand, COST_HELP, ratio } from '../../lambdas/cli/commands/cost.ts';
import type { Io } from '../../lambdas/cli/io.ts';
import { MAIN_HELP } from '../../lambdas/cli/main.ts';
import type { CostEstimate } from '../../lambdas/core/cost.ts';
import { ConfigError, UsageError } from '../../lambdas/core/errors.ts';
import { runSkyprobe } from '../support/cli.ts';

let dir: string;

function writeConfig(name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function runCost(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = collector();
  const err = collector();
  const io: Io = { stdout: out.stream, stderr: err.stream, env: { NO_COLOR: '1' }, cwd: dir };
  const code = await costCommand(args, io);
  return { code, stdout: out.text(), stderr: err.text() };
}

const ONE_CHECK = { checks: [{ id: 'home', type: 'http', url: 'https://example.com/' }] };
const TEN_CHECKS = { checks: Array.from({ length: 10 }, (_, i) => ({ id: `page-${i}`, type: 'http', url: `https://example.com/${i}` })) };
const LINE_ITEMS = [
  'lambda.requests',
  'lambda.duration',
  'lambda.init',
  'lambda.homeRequests',
  'lambda.homeDuration',
  'scheduler.invocations',
  'sqs.requests',
  'dynamodb.writes',
  'dynamodb.claims',
  'dynamodb.homeWrites',
  'dynamodb.reads',
  'dynamodb.ttlDeletes',
  'dynamodb.storage',
  'dynamodb.pitr',
  'dataTransfer.replication',
  'cloudwatch.metrics',
  'cloudwatch.putMetricData',
  'cloudwatch.alarms',
  'cloudwatch.dashboards',
  'cloudwatchLogs.ingestion',
  'sns.publishes',
  'sns.deliveries',
  'kms.key',
  'kms.requests',
  'route53.healthChecks',
];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'skyprobe-cost-'));
});

describe('skyprobe cost', () => {
  it('prints the estimate as JSON: line items, totals, per check and region, canary comparison', async () => {
    const file = writeConfig('three-regions.json', {
      defaults: { regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] },
      checks: [
        { id: 'home', type: 'http', url: 'https://example.com/' },
        { id: 'cert', type: 'tls', host: 'example.com', interval: '1h' },
      ],
    });
    const run = await runCost(['--config', file, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const estimate = JSON.parse(run.stdout) as CostEstimate;
    assert.equal(estimate.monthHours, 730);
    assert.equal(estimate.prices.takenOn, '2026-11-01');
    assert.equal(estimate.prices.region, 'us-east-1');
    assert.deepEqual(
      estimate.lineItems.map((l) => l.id),
      LINE_ITEMS,
    );
    for (const l of estimate.lineItems) {
      assert.equal(typeof l.service, 'string');
      assert.ok(l.assumption.length > 0, `${l.id} says what it assumes`);
      assert.ok(l.monthlyUsd >= 0 && Number.isFinite(l.monthlyUsd), `${l.id}: ${l.monthlyUsd}`);
    }
    const sum = estimate.lineItems.reduce((s, l) => s + l.monthlyUsd, 0);
    assert.ok(Math.abs(sum - estimate.totals.monthlyUsd) < 1e-9);
    assert.deepEqual(
      estimate.perCheckRegion.map((c) => `${c.checkId}@${c.region}`),
      ['home@us-east-1', 'home@eu-west-1', 'home@ap-southeast-1', 'cert@us-east-1', 'cert@eu-west-1', 'cert@ap-southeast-1'],
    );
    assert.equal(estimate.canary.checkRegions, 6);
    assert.equal(estimate.canary.goalRatio, 1 / 50);
    assert.equal(estimate.canary.goalMet, estimate.canary.ratio <= 1 / 50);
    assert.deepEqual(estimate.deployment.replicaRegions, ['ap-southeast-1', 'eu-west-1', 'us-east-1']);
    assert.ok(estimate.assumptions.length > 0);
  });

  it('prints an aligned table, the canary comparison and every assumption', async () => {
    const run = await runCost(['--config', writeConfig('ten.json', TEN_CHECKS)]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('SERVICE'));
    assert.ok(header > 0, run.stdout);
    const rows = lines.slice(header, header + 1 + LINE_ITEMS.length + 1);
    assert.match(rows.at(-1) ?? '', /TOTAL +\$\d+\.\d{2}$/);
    // MONTHLY is right-aligned: every row of the table ends in the same column.
    assert.equal(new Set(rows.map((r) => r.length)).size, 1, rows.join('\n'));
    assert.match(run.stdout, /\nLambda +probe invocations +0\.0438 +1M requests +\$0\.20 +\$0\.0088\n/);
    assert.match(run.stdout, /\nCHECK +REGION +RUNS\/MONTH +SKYPROBE +CANARY +RATIO +GOAL\n/);
    // $1.14 a row, 1/46 of the canary: worked out in test/core/cost.test.ts ('estimateMonthlyCost: the goal', ten checks).
    assert.match(run.stdout, /\npage-0 +us-east-1 +43,800 +\$1\.14 +\$52\.56 +1\/46 +not met\n/);
    assert.match(run.stdout, /\nDynamoDB +invocation claims +0\.0438 +1M write request units +\$0\.625 +\$0\.0274\n/);
    assert.match(run.stdout, /CloudWatch Synthetics canaries for the same checks and intervals: \$525\.60\/month \(438,000 canary runs at \$0\.0012\)/);
    assert.match(run.stdout, /Goal, at most 1\/50 of the canary price per check and region: not met \(1\/46\); 0 of 10 check-regions meet it on their own\n/);
    // Within reach: each row's required alarms (quorum and latency, $0.20) are under 1/50 of its canary ($1.05).
    assert.doesNotMatch(run.stdout, /Out of reach/);
    // Two dashboards whatever the number of checks, both within the free tier here.
    assert.match(run.stdout, /\nCloudWatch +dashboards beyond the free ones +0 +dashboard-months +\$3\.00 +\$0\.00\n/);
    assert.match(run.stdout, /\n {2}- CloudWatch, dashboards beyond the free ones: 2 dashboards: the overview in 1 page of at most 100 checks \(~17 metrics on the first\), the check dashboard/);
    assert.match(run.stdout, /\n {2}- CloudWatch, custom metrics: Failed, DurationMs and TlsDaysRemaining \(TLS checks\) per check, all regions in one/);
    assert.doesNotMatch(run.stdout, /Failed per check and region,|TlsDaysRemaining per TLS check and region|quorum \(metric math over Failed, one metric per region\)/);
    assert.match(run.stdout, /\n {2}- DynamoDB, result writes: per result: a raw put of ~850 B .*a rollup update billed on its size, 250 B \+ 5 B per run .*no latest-state item\n/);
    assert.match(run.stdout, /\nAssumptions:\n {2}- A 730-hour month/);
    assert.match(run.stdout, /\n {2}- Lambda, invocation duration \(arm64, 512 MB\): average invocation 400 ms/);
    assert.match(run.stdout, /\n {2}- Route 53, failover health checks: no failover entries/);
  });

  it("prints a 1-minute check's row without the continuations of a 30 s check beside it", async () => {
    const file = writeConfig('mixed.json', {
      checks: [
        { id: 'storefront', type: 'http', url: 'https://www.example.com/', interval: '30s' },
        { id: 'api', type: 'http', url: 'https://api.example.com/' },
      ],
    });
    const run = await runCost(['--config', file]);
    assert.equal(run.code, 0, run.stderr);
    // Worked out in test/core/cost.test.ts ('one 30 s check and one 1-minute check'): storefront's 2 continuations a minute
    // (Lambda, PutMetricData, logs, claims and the queue's 20 requests a minute) cost $1.57 a month, all on its row, which
    // comes to $4.15; api's is $2.20 (spread evenly it would be $2.20 + $0.79 = $2.99); together $6.35.
    assert.match(run.stdout, /\nstorefront +us-east-1 +87,600 +\$4\.15 +\$105\.12 +1\/25 +not met\n/);
    assert.match(run.stdout, /\napi +us-east-1 +43,800 +\$2\.20 +\$52\.56 +1\/24 +not met\n/);
    assert.match(run.stdout, /\n +TOTAL +\$6\.35\n/);
    assert.match(run.stdout, /\n {2}- Per check and region, each cost goes to what causes it\. .*Continuations exist only for sub-minute checks/);
  });

  it('says when the goal is missed', async () => {
    const run = await runCost(['--config', writeConfig('one.json', ONE_CHECK)]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Goal, at most 1\/50 of the canary price per check and region: not met \(1\/\d+\); 0 of 1 check-region meet it/);
  });

  it('says when the goal is out of reach at list prices: an hourly TLS check in 3 regions', async () => {
    const file = writeConfig('cert.json', {
      defaults: { regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] },
      checks: [{ id: 'cert', type: 'tls', host: 'example.com', interval: '1h' }],
    });
    const run = await runCost(['--config', file]);
    assert.equal(run.code, 0, run.stderr);
    // Its quorum, latency and TLS expiry alarms, 3 alarm metrics at $0.10, over its 3 regions: $0.10 a region, against 1/50 of
    // its canary in a region (730 runs at $0.0012 = $0.876): $0.01752.
    assert.match(
      run.stdout,
      /\nOut of reach at list prices for 3 check-regions: the alarms its check must have \(quorum, latency, tls expiry; \$0\.10 an alarm metric\) cost more than 1\/50 of its canary: cert \$0\.1000 against \$0\.0175 a region\n/,
    );
    const json = JSON.parse((await runCost(['--config', file, '--json'])).stdout) as CostEstimate;
    assert.equal(json.canary.checkRegionsGoalUnattainable, 3);
    assert.deepEqual(
      json.perCheckRegion.map((c) => [c.region, c.requiredAlarmsUsd.toFixed(4), c.goalAttainable]),
      ['us-east-1', 'eu-west-1', 'ap-southeast-2'].map((region) => [region, '0.1000', false]),
    );
  });

  it('prints its help', async () => {
    const run = await runCost(['--help']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `${COST_HELP}\n`);
    assert.match(run.stdout, /^Usage: skyprobe cost \[--config FILE\] \[--json\]/);
  });

  it('rejects an unknown flag, naming it', async () => {
    await assert.rejects(runCost(['--yearly']), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message, 'skyprobe cost: unknown flag --yearly (see skyprobe cost --help)');
      return true;
    });
    await assert.rejects(runCost(['extra']), UsageError);
  });

  it('rejects a missing or invalid config with the config error', async () => {
    await assert.rejects(runCost(['--config', join(dir, 'nope.json')]), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /config file not found/);
      return true;
    });
    const bad = writeConfig('bad.json', { checks: [{ id: 'home', type: 'http', url: 'https://example.com/', interval: '2s' }] });
    await assert.rejects(runCost(['--config', bad]), (error: unknown) => error instanceof ConfigError && /interval/.test(error.message));
  });

  const registered = /\n {2}cost\b/.test(MAIN_HELP);
  it('runs as `skyprobe cost --json` in a child process', { skip: registered ? false : 'cost is not in COMMANDS of lambdas/cli/main.ts yet' }, async () => {
    const run = await runSkyprobe(['cost', '--config', writeConfig('child.json', TEN_CHECKS), '--json']);
    assert.equal(run.code, 0, run.stderr);
    const estimate = JSON.parse(run.stdout) as CostEstimate;
    assert.equal(estimate.perCheckRegion.length, 10);
    assert.equal(estimate.canary.goalMet, estimate.canary.ratio <= 1 / 50);
  });
});

describe('ratio', () => {
  it('prints fractions below one half as 1/n, ratios near one with two decimals, and above one as a multiple', () => {
    assert.deepEqual([0.0809, 0.02, 0.5, 0.51, 0.87, 1, 2.4].map(ratio), ['1/12', '1/50', '1/2', '0.51×', '0.87×', '1.0×', '2.4×']);
    assert.equal(ratio(0), '0');
  });
});
