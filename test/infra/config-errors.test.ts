import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../lambdas/core/errors.ts';
import { CHECK_GROUPS, checkGroupOf } from '../../infra/check-groups.ts';
import { deploymentIssues, intervalProblem, MAX_ALARMS_PER_CHECK_GROUP, MAX_CHECK_ALARMS_PER_PROJECT } from '../../infra/deployment-rules.ts';
import { addSkyprobeStacks, parseAccount, parseRetainTable } from '../../infra/skyprobe-app.ts';
import { configOf, offlineEnv, REPO, run } from './support.ts';

const ELEVEN_REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-southeast-1', 'ap-northeast-1'];

function check(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: 'http', url: `https://${id}.example.com/`, ...extra };
}

/** The lines `addSkyprobeStacks` rejects a config with (it must reject it). */
function deployErrors(input: unknown): string[] {
  try {
    addSkyprobeStacks(new App(), { config: configOf(input) });
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return assert.fail('expected a ConfigError');
}

describe('deployment rules', () => {
  it('rejects a sub-minute check in more regions than one alarm can read, naming the count and the regions', () => {
    assert.deepEqual(deployErrors({ checks: [check('wide', { regions: ELEVEN_REGIONS, interval: '30s' })] }), [
      `check "wide": checks[0].regions: a check every 30s can run in at most 10 regions because its quorum alarm reads one metric per region ` +
        `(it runs more than once per alarm period) and one cloudwatch alarm reads at most 10 metrics, got 11 regions (${ELEVEN_REGIONS.join(', ')}); ` +
        'a check every whole number of minutes has no such limit',
    ]);
  });

  it('deploys a check every whole number of minutes in more than 10 regions: its quorum alarm reads one metric', () => {
    const app = new App();
    const { home } = addSkyprobeStacks(app, { config: configOf({ checks: [check('wide', { regions: ELEVEN_REGIONS })] }) });
    const alarms = Template.fromStack(home).findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'skyprobe-wide-down' } });
    const [down] = Object.values(alarms) as { Properties: { Metrics: unknown[] } }[];
    assert.equal(down?.Properties.Metrics.length, 2, 'one metric and the expression');
  });

  it('rejects more check alarms than one cloudformation operation can create, naming the count and the limit', () => {
    const tls = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `cert-${i}`, type: 'tls', host: `h${i}.example.com` }));
    assert.equal(MAX_CHECK_ALARMS_PER_PROJECT % 3, 0);
    const atLimit = MAX_CHECK_ALARMS_PER_PROJECT / 3;
    assert.deepEqual(deploymentIssues(configOf({ checks: tls(atLimit) })), [], `${atLimit} tls checks deploy`);
    const [line, ...rest] = deployErrors({ checks: tls(atLimit + 1) });
    assert.deepEqual(rest, []);
    assert.equal(
      line,
      `checks: one project deploys at most ${MAX_CHECK_ALARMS_PER_PROJECT} check alarms to aws (2 a check, 3 a tls check: cloudformation creates, updates or deletes ` +
        `at most 2,500 resources in one operation of a stack and its nested stacks), got ${MAX_CHECK_ALARMS_PER_PROJECT + 3} for ${atLimit + 1} checks: ` +
        'split them into several projects (configs with their own `project`)',
    );
    // Two alarms a check otherwise: half as many again.
    assert.deepEqual(deploymentIssues(configOf({ checks: Array.from({ length: MAX_CHECK_ALARMS_PER_PROJECT / 2 }, (_, i) => check(`c${i}`)) })), []);
  });

  it('rejects a check group fuller than its nested stack holds, naming the group and some of its checks', () => {
    // Ids that all hash to group 1: far more than any real set of ids puts in one group.
    const ids: string[] = [];
    for (let i = 0; ids.length * 2 <= MAX_ALARMS_PER_CHECK_GROUP; i++) if (checkGroupOf(`g-${i}`) === 0) ids.push(`g-${i}`);
    const [line, ...rest] = deployErrors({ checks: ids.map((id) => check(id)) });
    assert.deepEqual(rest, []);
    assert.equal(
      line,
      `checks: check group 1 of ${CHECK_GROUPS} (the checks whose ids hash to it) would hold ${ids.length * 2} alarms, at most ${MAX_ALARMS_PER_CHECK_GROUP} fit its nested stack: ` +
        `give some of its checks other ids (${ids.slice(0, 3).join(', ')}, …)`,
    );
  });

  it('rejects intervals the once-a-minute scheduler cannot keep, and accepts those it can', () => {
    assert.deepEqual(deployErrors({ checks: [check('odd', { interval: '45s', timeout: '5s' })] }), [
      'check "odd": checks[0].interval: the scheduler fires once a minute, so an interval under a minute must divide 60s evenly (10s, 12s, 15s, 20s, 30s), got 45s',
    ]);
    assert.deepEqual(deployErrors({ checks: [check('ninety', { interval: '90s' })] }), [
      'check "ninety": checks[0].interval: the scheduler fires once a minute, so an interval over a minute must be whole minutes, got 1m 30s',
    ]);
    for (const ms of [10_000, 12_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000, 3_600_000]) assert.equal(intervalProblem(ms), undefined, `${ms} ms`);
    for (const ms of [11_000, 25_000, 40_000, 45_000, 61_000, 150_000]) assert.notEqual(intervalProblem(ms), undefined, `${ms} ms`);
  });

  it('rejects a check whose run, timing out on every attempt, outlasts what one probe invocation gives it, and accepts one that fits', () => {
    assert.deepEqual(deployErrors({ checks: [check('slow', { timeout: '30s', retries: 1 })] }), [
      'check "slow": checks[0].timeout: a run that times out on every attempt takes 1m 1s (2 × 30s + 1 × 1s between them), ' +
        'longer than the 50s one probe invocation gives a run (lambda stops it at 58s): lower timeout or retries',
    ]);
    assert.deepEqual(deployErrors({ checks: [check('long', { interval: '5m', timeout: '51s', retries: 0 })] }), [
      'check "long": checks[0].timeout: a run that times out on every attempt takes 51s (1 × 51s), ' +
        'longer than the 50s one probe invocation gives a run (lambda stops it at 58s): lower timeout or retries',
    ]);
    // 3 × 16 s + 2 × 1 s = 50 s: exactly what fits.
    assert.deepEqual(deploymentIssues(configOf({ checks: [check('fits', { timeout: '16s', retries: 2 }), check('alone', { interval: '5m', timeout: '50s', retries: 0 })] })), []);
  });

  it('refuses, with one line, a config whose home stack would pass cloudformation\'s 500 resources', () => {
    // 150 tls checks (3 alarms each) with 150 heartbeats in 4 probe regions: 501 resources in the home stack, which CDK
    // itself would refuse at synth with an error of its own.
    const input = {
      defaults: { regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1', 'us-west-2'] },
      checks: [
        ...Array.from({ length: 150 }, (_, i) => ({ id: `cert-${i}`, type: 'tls', host: `h${i}.example.com`, interval: '1h' })),
        ...Array.from({ length: 150 }, (_, i) => ({ type: 'heartbeat', id: `job-${i}`, every: '1d', grace: '1h' })),
      ],
    };
    assert.deepEqual(deployErrors(input), [
      'checks: stack skyprobe-home would hold 501 resources, cloudformation allows 500 in one stack ' +
        '(150 checks, 150 heartbeats, 4 probe regions, 0 failover services): give some checks or heartbeats a project of their own',
    ]);
    // One tls check (its 3 alarms) fewer fits.
    const fewer = { ...input, checks: input.checks.slice(1) };
    assert.doesNotThrow(() => addSkyprobeStacks(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), { config: configOf(fewer) }));
  });

  it('reports every problem of every check at once', () => {
    const lines = deployErrors({ checks: [check('a', { interval: '45s', timeout: '5s' }), check('b', { regions: ELEVEN_REGIONS, interval: '25s', timeout: '5s' })] });
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^check "a": checks\[0\]\.interval: .* got 45s$/);
    assert.match(lines[1]!, /^check "b": checks\[1\]\.regions: .* got 11 regions/);
    assert.match(lines[2]!, /^check "b": checks\[1\]\.interval: .* got 25s$/);
  });

  it('rejects subscriptions and SLOs it cannot deploy, naming the bad value', () => {
    const input = {
      defaults: { slo: 100 },
      alerts: { email: ['not-an-address'], sms: ['555-0100'], https: ['http://plain.example.com/', 'https://x.example.com/?t={{secret:TOKEN}}'] },
      checks: [check('home', { slo: 'high' })],
    };
    assert.deepEqual(deployErrors(input), [
      'defaults.slo: must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got 100',
      'check "home": checks[0].slo: must be an availability target in percent, from 50 to below 100 (e.g. 99.9), got "high"',
      'alerts.email[0]: must be an e-mail address, got "not-an-address"',
      'alerts.sms[0]: must be an e.164 phone number such as "+14155550100", got "555-0100"',
      'alerts.https[0]: must be an https:// url, got "http://plain.example.com/"',
      'alerts.https[1]: cannot hold {{...}} placeholders: subscriptions are stored in the cloudformation template, got "https://x.example.com/?t={{secret:TOKEN}}"',
    ]);
  });

  it('reads the retainTable and account context strictly', () => {
    assert.equal(parseRetainTable(undefined), true);
    assert.equal(parseRetainTable('false'), false);
    assert.equal(parseRetainTable(false), false);
    assert.throws(() => parseRetainTable('no'), /context retainTable: must be true or false, got "no"/);
    assert.equal(parseAccount('123456789012'), '123456789012');
    assert.throws(() => parseAccount('12345'), /context account: must be a 12-digit aws account id, got "12345"/);
  });
});

describe('cdk synth with a bad config', { concurrency: true }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skyprobe-bad-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the CDK app the way `cdk synth` does (context in CDK_CONTEXT_JSON) with the config in `input`. */
  async function synthWith(name: string, input: unknown) {
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify(input));
    return run(process.execPath, ['--import', 'tsx', join(REPO, 'infra', 'app.ts')], {
      env: offlineEnv({ CDK_CONTEXT_JSON: JSON.stringify({ config: file }), CDK_OUTDIR: join(dir, `${name}.out`) }),
    });
  }

  const cases: Array<[string, unknown, string[]]> = [
    [
      'an unknown region',
      { checks: [check('home', { regions: ['us-east-1', 'mars-north-1'] })] },
      [/^skyprobe: cannot deploy: check "home": checks\[0\]\.regions\[1\]: must be an AWS region code such as "us-east-1", got "mars-north-1"/.source],
    ],
    ['11 regions in a 30 s check', { checks: [check('wide', { regions: ELEVEN_REGIONS, interval: '30s' })] }, ['^skyprobe: cannot deploy: check "wide": checks\\[0\\]\\.regions: .*got 11 regions']],
    ['an interval of 45s', { checks: [check('odd', { interval: '45s', timeout: '5s' })] }, ['^skyprobe: cannot deploy: check "odd": checks\\[0\\]\\.interval: .*got 45s$']],
    ['a duplicate check id', { checks: [check('twice'), check('twice')] }, ['^skyprobe: cannot deploy: check "twice": checks\\[1\\]\\.id: duplicate id "twice"']],
    ['a run longer than an invocation', { checks: [check('slow', { timeout: '30s', retries: 1 })] }, ['^skyprobe: cannot deploy: check "slow": checks\\[0\\]\\.timeout: a run that times out on every attempt takes 1m 1s .*lower timeout or retries$']],
    [
      'a secret in an sms subscription',
      { checks: [check('home')], alerts: { sms: ['{{secret:ONCALL_PHONE}}'] } },
      [/^skyprobe: cannot deploy: alerts\.sms\[0\]: cannot hold \{\{\.\.\.\}\} placeholders: subscriptions are stored in the cloudformation template, got "\{\{secret:ONCALL_PHONE\}\}"$/.source],
    ],
  ];

  for (const [what, input, patterns] of cases) {
    it(`fails with one clear line per problem and no stack trace: ${what}`, async () => {
      const result = await synthWith(what.replace(/\W+/g, '-'), input);
      assert.equal(result.code, 1, result.stderr);
      const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('npm warn'));
      assert.equal(lines.length, patterns.length, result.stderr);
      lines.forEach((line, i) => assert.match(line, new RegExp(patterns[i]!)));
      assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
    });
  }
});
