/** The monthly-report function, schedule and role in the home stack of the example config (in-process synth, cdk-nag on). */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import type { Config } from '../../lambdas/core/check.ts';
import { resourceNames } from '../../lambdas/core/deployment.ts';
import { REPORT_READ_LEADING_KEYS, REPORT_WRITE_LEADING_KEYS } from '../../infra/constructs/monthly-report.ts';
import { functionNames } from '../../infra/naming.ts';
import { actionsOf, functionRoleStatements, loadExample, synthesize, templateOf, type PolicyStatementJson as Statement, type Synthesized } from './support.ts';

let config: Config;
let s: Synthesized;
let home: string;

const reportRoleStatements = (): Statement[] => functionRoleStatements(templateOf(s, home), functionNames.monthlyReport(config.project));

before(async () => {
  config = (await loadExample()).config;
  s = synthesize({ config });
  home = resourceNames.homeStack(config.project);
});

describe('monthly report in the home stack', () => {
  it('has a function with the table, topic and project in its environment', () => {
    templateOf(s, home).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: functionNames.monthlyReport(config.project),
      Runtime: 'nodejs22.x',
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          SKYPROBE_TABLE_NAME: resourceNames.table(config.project),
          SKYPROBE_PROJECT: config.project,
          SKYPROBE_HOME_REGION: config.homeRegion,
          SKYPROBE_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^AlertsTopic') },
        }),
      },
    });
  });

  it('runs on the 1st of every month at 00:05 UTC', () => {
    templateOf(s, home).hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(5 0 1 * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonthlyReportFunction'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 } })],
    });
  });

  it('reads only rollup, incident, marker and report items and writes only report items, never scanning', () => {
    const statements = reportRoleStatements();
    const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    const read = dynamo.find((st) => st.Sid === 'ReadReportSources');
    const write = dynamo.find((st) => st.Sid === 'WriteReports');
    assert.deepEqual(actionsOf(read as Statement).sort(), ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    assert.deepEqual(read?.Condition, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...REPORT_READ_LEADING_KEYS] } });
    assert.deepEqual(actionsOf(write as Statement).sort(), ['dynamodb:BatchWriteItem', 'dynamodb:PutItem']);
    assert.deepEqual(write?.Condition, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...REPORT_WRITE_LEADING_KEYS] } });
    assert.equal(dynamo.length, 2, 'no other DynamoDB statement');
    assert.ok(!statements.flatMap(actionsOf).some((a) => /Scan|DeleteItem|UpdateItem|(^|:)\*$/.test(a)), JSON.stringify(statements));
  });

  it('may publish to the alert topic and use its key, nothing else', () => {
    const statements = reportRoleStatements();
    const publish = statements.find((st) => actionsOf(st).includes('sns:Publish'));
    assert.match(JSON.stringify(publish?.Resource), /"Ref":"AlertsTopic/);
    const kms = statements.find((st) => actionsOf(st).some((a) => a.startsWith('kms:')));
    assert.match(JSON.stringify(kms?.Resource), /AlertsKey/);
  });

  it('leaves no unacknowledged cdk-nag finding on its resources', () => {
    const findings = s.validationReport.pluginReports.flatMap((r) => r.violations).flatMap((v) => (v.violatingConstructs ?? []).map((c) => `${v.ruleName}: ${c.constructPath}`));
    assert.deepEqual(findings.filter((f) => f.includes('MonthlyReport')), []);
  });
});
