/** The rollup-compaction function, schedule and role in the home stack of the example config (in-process synth, cdk-nag on). */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import type { Config } from '../../lambdas/core/check.ts';
import { resourceNames } from '../../lambdas/core/deployment.ts';
import { COMPACTION_READ_LEADING_KEYS, COMPACTION_WRITE_LEADING_KEYS } from '../../infra/constructs/rollup-compaction.ts';
import { functionNames } from '../../infra/naming.ts';
import { actionsOf, functionRoleStatements, loadExample, synthesize, templateOf, type Synthesized } from './support.ts';

let config: Config;
let s: Synthesized;
let home: string;

before(async () => {
  config = (await loadExample()).config;
  s = synthesize({ config });
  home = resourceNames.homeStack(config.project);
});

describe('rollup compaction in the home stack', () => {
  it('has a function of 15 minutes with the table and project in its environment', () => {
    templateOf(s, home).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: functionNames.rollupCompaction(config.project),
      Runtime: 'nodejs22.x',
      Timeout: 900,
      Environment: { Variables: Match.objectLike({ SKYPROBE_TABLE_NAME: resourceNames.table(config.project), SKYPROBE_PROJECT: config.project }) },
    });
  });

  it('runs every day at 02:30 UTC, with retries', () => {
    templateOf(s, home).hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(30 2 * * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RollupCompactionFunction'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 } })],
    });
  });

  it('reads rollups and location markers and writes rollup partitions only, nothing else', () => {
    const statements = functionRoleStatements(templateOf(s, home), functionNames.rollupCompaction(config.project));
    const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    assert.equal(dynamo.length, 2, JSON.stringify(dynamo));
    const read = dynamo.find((st) => st.Sid === 'ReadRollups');
    const write = dynamo.find((st) => st.Sid === 'WriteDayPacks');
    assert.deepEqual(actionsOf(read ?? { Action: [], Resource: null }).sort(), ['dynamodb:GetItem', 'dynamodb:Query']);
    assert.deepEqual(read?.Condition, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...COMPACTION_READ_LEADING_KEYS] } });
    assert.deepEqual(actionsOf(write ?? { Action: [], Resource: null }), ['dynamodb:PutItem']);
    assert.deepEqual(write?.Condition, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...COMPACTION_WRITE_LEADING_KEYS] } });
    const all = statements.flatMap(actionsOf);
    assert.ok(!all.some((a) => /Scan|Delete|Update|sns:|(^|:)\*$/.test(a)), JSON.stringify(all));
  });

  it('leaves no unacknowledged cdk-nag finding on its resources', () => {
    const findings = s.validationReport.pluginReports.flatMap((r) => r.violations).flatMap((v) => (v.violatingConstructs ?? []).map((c) => `${v.ruleName}: ${c.constructPath}`));
    assert.deepEqual(findings.filter((f) => f.includes('RollupCompaction')), []);
  });
});
