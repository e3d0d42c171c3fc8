/** The heartbeat functions, function URL, schedules, rules and roles in the home stack of the example config (in-process synth, cdk-nag on). */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import type { Config } from '../../lambdas/core/check.ts';
import { resourceNames } from '../../lambdas/core/deployment.ts';
import { HEARTBEAT_PING_URL_OUTPUT } from '../../lambdas/core/heartbeat.ts';
import { backupDetailPattern, heartbeatLeadingKeys } from '../../infra/constructs/heartbeats.ts';
import { functionNames } from '../../infra/naming.ts';
import { configOf, loadExample, resourcesOf, synthesize, templateOf, type Synthesized } from './support.ts';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

let config: Config;
let s: Synthesized;
let home: string;

function roleStatements(functionName: string): Statement[] {
  const template = templateOf(s, home);
  const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([, r]) => r.Properties['FunctionName'] === functionName) ?? [];
  assert.ok(fn, functionName);
  const roleId = (fn.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties['Roles'] as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

const actionsOf = (st: Statement): string[] => (Array.isArray(st.Action) ? st.Action : [st.Action]);

before(async () => {
  config = (await loadExample()).config;
  assert.ok(config.heartbeats.length >= 2, 'the example config has heartbeats');
  s = synthesize({ config });
  home = resourceNames.homeStack(config.project);
});

describe('heartbeats in the home stack', () => {
  it('passes cdk-nag with every finding acknowledged for a reason', () => {
    assert.deepEqual(s.validationReport.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName)), []);
    const reasons = s.validationReport.pluginReports.flatMap((r) => r.suppressedViolations ?? []).filter((v) => /heartbeat|Heartbeat/.test(v.reason));
    assert.ok(reasons.length >= 2, 'the token grants are acknowledged with their reason');
  });

  it('serves pings from a function URL without IAM auth (the token is the auth), capped by reserved concurrency', () => {
    const template = templateOf(s, home);
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: functionNames.heartbeatPing(config.project), ReservedConcurrentExecutions: 5, Timeout: 30 });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', InvokeMode: 'BUFFERED', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HeartbeatsPingFunction'), 'Arn'] } });
    const outputs = template.findOutputs(HEARTBEAT_PING_URL_OUTPUT);
    assert.deepEqual(Object.keys(outputs), [HEARTBEAT_PING_URL_OUTPUT]);
    const value = outputs[HEARTBEAT_PING_URL_OUTPUT]?.['Value'] as { 'Fn::GetAtt': [string, string] };
    assert.match(value['Fn::GetAtt'][0], /^HeartbeatsPingFunctionFunctionUrl/);
    assert.equal(value['Fn::GetAtt'][1], 'FunctionUrl');
  });

  it('never puts a token in the template', () => {
    const parameters = resourcesOf(templateOf(s, home), 'AWS::SSM::Parameter').map(([, r]) => JSON.stringify(r.Properties));
    assert.ok(!parameters.some((p) => p.includes('heartbeat-tokens')), 'no heartbeat token parameter in the template');
    assert.ok(JSON.stringify(templateOf(s, home).toJSON()).includes('heartbeat-tokens/*'), 'only the grant names the tokens');
  });

  it('lets the ping function read only the heartbeat-token parameters, decrypted through SSM', () => {
    const statements = roleStatements(functionNames.heartbeatPing(config.project));
    const read = statements.find((st) => st.Sid === 'ReadHeartbeatTokens');
    assert.deepEqual(read && actionsOf(read), ['ssm:GetParameter']);
    assert.match(JSON.stringify(read?.Resource), /parameter\/skyprobe\/heartbeat-tokens\/\*/);
    const decrypt = statements.find((st) => st.Sid === 'DecryptHeartbeatTokens');
    assert.deepEqual(decrypt?.Condition?.['StringEquals'], { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' });
  });

  it('lets every heartbeat function touch only its heartbeats\' items, never Query or Scan', () => {
    for (const name of [functionNames.heartbeatPing(config.project), functionNames.heartbeatSweep(config.project), functionNames.backupEvents(config.project)]) {
      const items = roleStatements(name).find((st) => st.Sid === 'HeartbeatItems');
      assert.ok(items, name);
      assert.deepEqual(items.Condition?.['ForAllValues:StringLike'], { 'dynamodb:LeadingKeys': heartbeatLeadingKeys(config.heartbeats) });
      assert.ok(!actionsOf(items).some((a) => a === 'dynamodb:Scan' || a === 'dynamodb:Query'), name);
    }
    assert.ok(heartbeatLeadingKeys([{ id: 'db' }]).includes('HB#db'));
  });

  it('sweeps every minute', () => {
    templateOf(s, home).hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HeartbeatsSweepFunction'), 'Arn'] } })],
    });
  });

  it('routes the Backup Job State Change events of the configured vaults, in end states only, to the backup-event function', () => {
    templateOf(s, home).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.backup'], 'detail-type': ['Backup Job State Change'], detail: { state: ['COMPLETED', 'FAILED', 'ABORTED', 'EXPIRED'], backupVaultName: ['prod-vault'] } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HeartbeatsBackupEventsFunction'), 'Arn'] } })],
    });
  });

  it('matches vault names, vault ARNs, plan ids and plan ARNs in one $or', () => {
    const hbs = configOf({
      checks: [
        { type: 'heartbeat', id: 'a', every: '1d', backup: { vaults: ['v1', 'arn:aws:backup:us-east-1:123456789012:backup-vault:v2'] } },
        { type: 'heartbeat', id: 'b', every: '1d', backup: { plans: ['p1', 'arn:aws:backup:us-east-1:123456789012:backup-plan:p2'] } },
      ],
    }).heartbeats;
    assert.deepEqual(backupDetailPattern(hbs), {
      state: ['COMPLETED', 'FAILED', 'ABORTED', 'EXPIRED'],
      $or: [
        { backupVaultName: ['v1'] },
        { backupVaultArn: ['arn:aws:backup:us-east-1:123456789012:backup-vault:v2'] },
        { createdBy: { backupPlanId: ['p1'] } },
        { createdBy: { backupPlanArn: ['arn:aws:backup:us-east-1:123456789012:backup-plan:p2'] } },
      ],
    });
  });

  it('adds nothing for a config without heartbeats', () => {
    const plain = synthesize({ config: configOf({ checks: [{ id: 'web', type: 'http', url: 'https://example.com/' }] }) });
    const template = templateOf(plain, home);
    template.resourceCountIs('AWS::Lambda::Url', 0);
    assert.deepEqual(Object.keys(template.findOutputs(HEARTBEAT_PING_URL_OUTPUT)), []);
  });
});
