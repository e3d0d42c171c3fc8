#!/usr/bin/env node
// Lints every synthesized CloudFormation template with cfn-lint, each against its stack's own region.
// Errors and warnings fail (exit 1), except the warnings of ALLOWED_WARNINGS below; informational findings
// are listed but allowed.
//
//   node scripts/cfn-lint.mjs            synthesizes offline (no AWS credentials) into a temp dir first
//   node scripts/cfn-lint.mjs cdk.out    lints an existing cloud assembly
//
// Needs cfn-lint on PATH (pip install cfn-lint).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/**
 * The warnings that do not fail, each matched by its rule, its whole message and the template it is in,
 * with why it is safe. Add one only for a finding that is not ours to fix, and as narrowly as it occurs.
 */
const ALLOWED_WARNINGS = [
  {
    rule: 'W3005',
    // "Obsolete DependsOn": aws-cdk-lib's lambda.Function makes each function depend on its whole role
    // construct, so DependsOn lists the role (which the function's `Role: GetAtt` already implies) beside the
    // role's DefaultPolicy (which must exist before the function can run). A redundant DependsOn changes no
    // order CloudFormation follows. The code is aws-cdk-lib's (reported upstream, aws/aws-cdk#24578), not ours:
    // removing the entry would mean overriding the function's DependsOn by hand, where a mistake drops the
    // policy dependency. Allowed only on a Lambda function whose Role is a GetAtt of that same role.
    message: /^'(?<dependency>[A-Za-z0-9]+)' dependency already enforced by a 'GetAtt' at 'Resources\/(?<resource>[A-Za-z0-9]+)\/Properties\/Role'$/,
    applies: (template, { dependency, resource }) => {
      const r = template.Resources?.[resource];
      return r?.Type === 'AWS::Lambda::Function' && r.Properties?.Role?.['Fn::GetAtt']?.[0] === dependency;
    },
    reason: "aws-cdk-lib's lambda.Function depends on its role construct; that entry is implied by the function's Role GetAtt",
  },
];

const templates = new Map();
function templateAt(file) {
  if (!templates.has(file)) templates.set(file, JSON.parse(readFileSync(file, 'utf8')));
  return templates.get(file);
}

/** The allow-list entry a finding (in `file`) matches, if any. */
function allowance(file, rule, message) {
  return ALLOWED_WARNINGS.find((a) => {
    const match = a.rule === rule ? a.message.exec(message) : null;
    return match !== null && a.applies(templateAt(file), match.groups ?? {});
  });
}

function offlineEnv() {
  const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: 'true' };
  for (const key of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE']) delete env[key];
  return env;
}

/**
 * Template files and regions of every stack in a cloud assembly, nested stacks included: a nested stack's
 * template is a file asset of its parent (in the parent's asset manifest), linted in the parent's region.
 */
function stacksOf(outdir) {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
  const artifacts = manifest.artifacts ?? {};
  return Object.values(artifacts)
    .filter((a) => a.type === 'aws:cloudformation:stack')
    .flatMap((a) => {
      const region = /^aws:\/\/[^/]+\/(.+)$/.exec(a.environment ?? '')?.[1] ?? 'us-east-1';
      const nested = (a.dependencies ?? [])
        .map((id) => artifacts[id])
        .filter((d) => d?.type === 'cdk:asset-manifest')
        .flatMap((d) => Object.values(JSON.parse(readFileSync(join(outdir, d.properties.file), 'utf8')).files ?? {}))
        .map((f) => f.source?.path)
        .filter((path) => typeof path === 'string' && path.endsWith('.nested.template.json'));
      return [a.properties.templateFile, ...nested].map((file) => ({ template: join(outdir, file), region }));
    });
}

/** Lints templates of one region in one cfn-lint process (its start-up, not the templates, is most of the time). */
function lint({ templates, region }) {
  return new Promise((done) => {
    const child = spawn('cfn-lint', ['--format', 'parseable', '--regions', region, '--', ...templates], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (error) => done({ templates, region, code: 127, lines: [], stderr: String(error) }));
    child.on('close', (code) => done({ templates, region, code: code ?? 1, lines: out.split('\n').filter(Boolean), stderr: err }));
  });
}

/** The templates of each region in as many batches as there are processors, so every processor lints. */
function batches(stacks) {
  const byRegion = new Map();
  for (const s of stacks) byRegion.set(s.region, [...(byRegion.get(s.region) ?? []), s]);
  const cpus = availableParallelism();
  return [...byRegion].flatMap(([region, inRegion]) => {
    const size = Math.ceil(inRegion.length / Math.min(cpus, inRegion.length));
    const out = [];
    for (let i = 0; i < inRegion.length; i += size) out.push({ region, templates: inRegion.slice(i, i + size).map((s) => s.template) });
    return out;
  });
}

const which = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
if (which.error !== undefined || which.status !== 0) {
  console.error('cfn-lint is not installed: pip install cfn-lint');
  process.exit(127);
}

let outdir = process.argv[2];
let temp;
if (outdir === undefined) {
  temp = mkdtempSync(join(tmpdir(), 'skyprobe-cfn-lint-'));
  outdir = temp;
  const synth = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: root, env: offlineEnv(), encoding: 'utf8' });
  if (synth.status !== 0) {
    console.error(synth.stderr);
    console.error('cfn-lint: cdk synth failed');
    process.exit(1);
  }
}

try {
  const stacks = stacksOf(resolve(outdir));
  const results = await Promise.all(batches(stacks).map(lint));
  let errors = 0;
  let warnings = 0;
  let allowed = 0;
  for (const r of results) {
    // parseable: file:line:col:endline:endcol:RULE:message; exit code is a bit mask (2 errors, 4 warnings, 8 info).
    for (const line of r.lines) {
      const fields = line.split(':');
      const file = fields[0] ?? '';
      const rule = fields[5] ?? '';
      const message = fields.slice(6).join(':');
      let kind = rule.startsWith('E') ? 'error' : rule.startsWith('W') ? 'warning' : 'info';
      if (kind === 'error') errors++;
      if (kind === 'warning') {
        if (allowance(file, rule, message) === undefined) {
          warnings++;
        } else {
          allowed++;
          kind = 'allowed warning';
        }
      }
      console.log(`${kind}: ${line.replace(`${resolve(outdir)}/`, '')}`);
    }
    if ((r.code & 1) !== 0 || r.code === 127) {
      errors++;
      console.log(`error: cfn-lint could not lint ${r.templates.join(', ')}: ${r.stderr.trim()}`);
    }
  }
  for (const a of ALLOWED_WARNINGS) console.log(`allowed ${a.rule}: ${a.reason}`);
  console.log(`cfn-lint ${which.stdout.trim().replace(/^cfn-lint /, '')}: ${stacks.length} templates, ${errors} errors, ${warnings} warnings, ${allowed} allowed warnings`);
  process.exitCode = errors > 0 || warnings > 0 ? 1 : 0;
} finally {
  if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
}
