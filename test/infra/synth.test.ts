import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUNDLED_CONFIG_FILE } from '../../lambdas/core/deployment.ts';
import type { Config } from '../../lambdas/core/check.ts';
import { loadExample, offlineEnv, REPO, run, type Run, type ValidationReport } from './support.ts';

/**
 * The real thing, once: `npx cdk synth` as a user runs it, offline and without AWS credentials, with
 * esbuild bundling both handlers; then cdk-nag's report, the bundles, secrets and cfn-lint are checked
 * on what it wrote.
 */

/** Secret values that exist on the machine running synth: none may end up in the cloud assembly. */
const FAKE_SECRET = 'fake-checkout-password-7f3a9c1e';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

interface Manifest {
  readonly artifacts: Record<string, { type: string; environment?: string; properties?: { templateFile?: string } }>;
}

describe('npx cdk synth (offline, bundling for real)', () => {
  let outdir = '';
  let synth: Run;
  let config: Config;
  let templates: Map<string, string>;

  before(async () => {
    config = (await loadExample()).config;
    outdir = await mkdtemp(join(tmpdir(), 'skyprobe-cdk-synth-'));
    synth = await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
      env: offlineEnv({ SKYPROBE_SECRET_CHECKOUT_PASSWORD: FAKE_SECRET, CHECKOUT_PASSWORD: FAKE_SECRET }),
      timeoutMillis: 120_000,
    });
    templates = new Map(
      readdirSync(outdir)
        .filter((f) => f.endsWith('.template.json'))
        .map((f) => [f.replace('.template.json', ''), readFileSync(join(outdir, f), 'utf8')]),
    );
  });
  after(() => {
    if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes every stack without credentials, each in its region with the account left to deploy time', () => {
    assert.equal(synth.code, 0, synth.stderr);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
    const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
    assert.deepEqual(
      Object.fromEntries(stacks.map(([name, a]) => [name, a.environment])),
      {
        'skyprobe-home': 'aws://unknown-account/us-east-1',
        'skyprobe-probe-us-east-1': 'aws://unknown-account/us-east-1',
        'skyprobe-probe-eu-west-1': 'aws://unknown-account/eu-west-1',
        'skyprobe-probe-ap-southeast-1': 'aws://unknown-account/ap-southeast-1',
      },
    );
  });

  it('bundles the probe as a minified ES module with its source map and the normalized config beside it', (t) => {
    const probe = JSON.parse(templates.get('skyprobe-probe-eu-west-1')!) as { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
    const fn = Object.values(probe.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!;
    const assetDir = join(outdir, fn.Metadata!['aws:asset:path']!);
    assert.deepEqual(readdirSync(assetDir).sort(), ['index.mjs', 'index.mjs.map', BUNDLED_CONFIG_FILE].sort());
    const bundled = JSON.parse(readFileSync(join(assetDir, BUNDLED_CONFIG_FILE), 'utf8')) as unknown;
    assert.deepEqual(bundled, JSON.parse(JSON.stringify(config)));
    const source = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    assert.ok(source.length / source.split('\n').length > 2000, 'minified: long lines (only template literals keep newlines)');
    assert.match(source, /sourceMappingURL=index\.mjs\.map/);
    t.diagnostic(`probe bundle index.mjs: ${statSync(join(assetDir, 'index.mjs')).size} bytes`);
  });

  it('never writes a secret into a template or an asset; templates hold no {{secret:...}} placeholder either', () => {
    let scanned = 0;
    for (const file of filesUnder(outdir)) {
      const text = readFileSync(file, 'latin1');
      scanned++;
      assert.ok(!text.includes(FAKE_SECRET), `${file} holds the secret value`);
      if (file.endsWith('.template.json')) assert.ok(!text.includes('{{secret'), `${file} holds a secret placeholder`);
    }
    assert.ok(scanned > 10);
    // The placeholder itself does travel, in the bundled config only: the probe resolves it from SSM.
    const configs = filesUnder(outdir).filter((f) => f.endsWith(BUNDLED_CONFIG_FILE));
    assert.ok(configs.some((f) => readFileSync(f, 'utf8').includes('{{secret:CHECKOUT_PASSWORD}}')));
  });

  it('leaves no cdk-nag finding unacknowledged and gives each acknowledgment a reason', (t) => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
    const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    assert.ok(nag, 'cdk-nag ran');
    assert.deepEqual(nag.violations.filter((v) => v.severity !== 'warning').map((v) => v.ruleName), []);
    for (const v of nag.violations) t.diagnostic(`cdk-nag warning: ${v.ruleName}`);
    const acknowledged = nag.suppressedViolations ?? [];
    assert.ok(acknowledged.length > 0);
    for (const a of acknowledged) assert.ok(a.reason.trim().length > 20, `a reason for ${a.ruleName}`);
  });

  it('leaves no log group for Lambda to create: every function logs to a log group of its stack (retention set, deleted with it), and no role may create one', () => {
    let functions = 0;
    for (const [stack, text] of templates) {
      const resources = (JSON.parse(text) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }> }).Resources;
      for (const [id, r] of Object.entries(resources)) {
        if (r.Type === 'AWS::Lambda::Function') {
          functions++;
          const ref = (r.Properties['LoggingConfig'] as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
          const group = ref === undefined ? undefined : resources[ref];
          assert.equal(group?.Type, 'AWS::Logs::LogGroup', `${stack}/${id} logs to a log group of its stack`);
          assert.ok(typeof group.Properties['RetentionInDays'] === 'number', `${stack}/${ref} has a retention`);
          assert.equal(group.DeletionPolicy, 'Delete', `${stack}/${ref} goes with the stack`);
        }
        if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
          // Lambda re-creates a deleted log group only for a role that may: a function still running while the stack is deleted.
          assert.ok(!JSON.stringify(r.Properties['PolicyDocument']).includes('logs:CreateLogGroup'), `${stack}/${id} may create log groups`);
        }
      }
    }
    assert.ok(functions >= 6, `${functions} functions`);
  });

  it('passes cfn-lint with zero errors and no warning outside the allow-list of scripts/cfn-lint.mjs', async (t) => {
    // .ci/run installs cfn-lint; a machine without it fails here rather than passing unchecked.
    const which = await run('cfn-lint', ['--version']);
    assert.equal(which.code, 0, 'cfn-lint is not installed (pip install cfn-lint==1.51.0)');
    const lint = await run(process.execPath, [join(REPO, 'scripts', 'cfn-lint.mjs'), outdir]);
    for (const line of lint.stdout.trim().split('\n')) t.diagnostic(line);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    assert.match(lint.stdout, / 0 errors, 0 warnings, \d+ allowed warnings\n$/);
  });
});
