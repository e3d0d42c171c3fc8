/**
 * scripts/cfn-lint.mjs on small hand-written cloud assemblies, with the real cfn-lint: warnings fail unless
 * the allow-list names them, and the allow-list holds only the exact shape it was written for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, run } from '../infra/support.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A cloud assembly of one stack in us-east-1 whose template holds `resources`. */
function assembly(resources: Record<string, unknown>, parameters: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'skyprobe-cfn-lint-test-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'test.template.json'), JSON.stringify({ Parameters: parameters, Resources: resources }));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ version: '48.0.0', artifacts: { test: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/us-east-1', properties: { templateFile: 'test.template.json' } } } }),
  );
  return dir;
}

const role = (id: string) => ({
  [id]: {
    Type: 'AWS::IAM::Role',
    Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
  },
  [`${id}Policy`]: {
    Type: 'AWS::IAM::Policy',
    Properties: { PolicyName: 'p', Roles: [{ Ref: id }], PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] } },
  },
});

/** A function as aws-cdk-lib's lambda.Function writes it: DependsOn its role and the role's policy. */
const fn = (roleId: string, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  DependsOn: [`${roleId}Policy`, roleId],
  Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Code: { ZipFile: 'exports.handler = async () => {}' }, Role: { 'Fn::GetAtt': [roleId, 'Arn'] }, ...extra },
});

const lint = (dir: string) => run(process.execPath, [join(REPO, 'scripts', 'cfn-lint.mjs'), dir], { timeoutMillis: 120_000 });

describe('scripts/cfn-lint.mjs', () => {
  it("passes a template whose only warning is a function's DependsOn on its own role (the allowed W3005)", async () => {
    const out = await lint(assembly({ ...role('FnRole'), Fn: fn('FnRole') }));
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /^allowed warning: test\.template\.json:.*:W3005:'FnRole' dependency already enforced by a 'GetAtt' at 'Resources\/Fn\/Properties\/Role'$/m);
    assert.match(out.stdout, /: 1 templates, 0 errors, 0 warnings, 1 allowed warnings\n$/);
  });

  it('fails on any other warning: an obsolete DependsOn elsewhere, an unused parameter', async () => {
    const out = await lint(
      assembly(
        {
          ...role('FnRole'),
          Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
          // W3005 on a function, but on the queue its environment names, not on its role.
          Fn: { ...fn('FnRole', { Environment: { Variables: { QUEUE: { Ref: 'Queue' } } } }), DependsOn: ['FnRolePolicy', 'Queue'] },
        },
        { Unused: { Type: 'String' } },
      ),
    );
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.match(out.stdout, /^warning: test\.template\.json:.*:W3005:'Queue' dependency already enforced/m);
    assert.match(out.stdout, /^warning: test\.template\.json:.*:W2001:/m);
    assert.match(out.stdout, /: 1 templates, 0 errors, 2 warnings, 0 allowed warnings\n$/);
  });
});
