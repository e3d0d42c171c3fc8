/** The heartbeat functions, function URL, schedules, rules and roles in the home stack of the example config (in-process synth, cdk-nag on). */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import type { Config } from '../../lambdas/core/check.ts';
import { resourceNames } from '../../lambdas/core/deployment.ts';
import { HEARTBEAT_PING_URL_OUTPUT } from '../../lambdas/core/heartbeat.ts';
import { backupDetailPattern, heartbeatLeadingKeys } from '../../infra/constructs/heartbeats.ts';
import { HEARTBEAT_TOKEN_CLEANUP_TYPE } from '../../infra/constructs/heartbeat-token-cleanup.ts';
import { MAX_HEARTBEAT_KEY_CHARS } from '../../infra/deployment-rules.ts';
import { ConfigError } from '../../lambdas/core/errors.ts';
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

/** A policy document with CloudFormation intrinsics replaced by values of a real account, to count characters as IAM does. */
function resolved(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolved);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': '123456789012', 'AWS::Region': 'us-east-1', 'AWS::URLSuffix': 'amazonaws.com' };
  if ('Ref' in o) return pseudo[o['Ref'] as string] ?? `arn:aws:sns:us-east-1:123456789012:${'x'.repeat(64)}`;
  if ('Fn::Join' in o) {
    const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
    return (resolved(parts) as string[]).join(separator);
  }
  // The longest ARN an attribute here resolves to (a KMS key or an SNS topic of a 64-character name).
  if ('Fn::GetAtt' in o) return `arn:aws:kms:us-east-1:123456789012:key/${'x'.repeat(64)}`;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolved(v)]));
}

/** Per role (logical id): characters of its inline policies together, of each managed policy, and whether HeartbeatItems is inline. */
function policySizesByRole(resources: Record<string, { Type: string; Properties: Record<string, unknown> }>): Map<string, { inline: number; managed: number[]; itemsInline: boolean }> {
  const out = new Map<string, { inline: number; managed: number[]; itemsInline: boolean }>();
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const document = r.Properties['PolicyDocument'] as { Statement: Statement[] };
    const size = JSON.stringify(resolved(document)).length;
    for (const { Ref: role } of (r.Properties['Roles'] as { Ref: string }[] | undefined) ?? []) {
      const entry = out.get(role) ?? { inline: 0, managed: [], itemsInline: false };
      if (r.Type === 'AWS::IAM::Policy') {
        entry.inline += size;
        entry.itemsInline ||= document.Statement.some((st) => st.Sid === 'HeartbeatItems');
      } else {
        entry.managed.push(size);
      }
      out.set(role, entry);
    }
  }
  return out;
}

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

  it('deletes the tokens with the stack: a custom resource answered by the cleanup function, within 5 minutes', () => {
    const template = templateOf(s, home);
    const resources = Object.entries(template.findResources(HEARTBEAT_TOKEN_CLEANUP_TYPE));
    assert.equal(resources.length, 1);
    const [, resource] = resources[0]!;
    const fnId = ((resource['Properties'] as { ServiceToken: { 'Fn::GetAtt': [string, string] } }).ServiceToken)['Fn::GetAtt'][0];
    const fn = template.toJSON()['Resources'][fnId] as { Type: string; Properties: Record<string, unknown>; DependsOn: string[] };
    assert.equal(fn.Type, 'AWS::Lambda::Function');
    assert.equal(fn.Properties['FunctionName'], functionNames.heartbeatTokenCleanup(config.project));
    assert.deepEqual(resource['Properties'], { ServiceToken: { 'Fn::GetAtt': [fnId, 'Arn'] }, ServiceTimeout: '300' });
    // Deleted before the function's policy, so the grants still hold when the Delete runs.
    assert.ok(fn.DependsOn.some((id) => /^HeartbeatsTokenCleanupFunctionRoleDefaultPolicy/.test(id)), fn.DependsOn.join(', '));
    // Its logs are the stack's too (a log group with retention, deleted with the stack), and it cannot create another.
    const logGroupId = ((fn.Properties['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup).Ref;
    const logGroup = template.toJSON()['Resources'][logGroupId] as { Type: string; Properties: Record<string, unknown>; DeletionPolicy: string };
    assert.deepEqual([logGroup.Type, logGroup.Properties['RetentionInDays'], logGroup.DeletionPolicy], ['AWS::Logs::LogGroup', 30, 'Delete']);
  });

  it('lets the cleanup function list the token path and delete what is under it, and nothing else: no token value is read', () => {
    const statements = roleStatements(functionNames.heartbeatTokenCleanup(config.project));
    const arn = (resourceName: string) => ({ 'Fn::Join': ['', ['arn:aws:ssm:us-east-1:', { Ref: 'AWS::AccountId' }, `:parameter/${resourceName}`]] });
    const ssm = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('ssm:') || a.startsWith('kms:')));
    assert.deepEqual(
      ssm.map((st) => [st.Sid, actionsOf(st), st.Resource]),
      [
        ['ListHeartbeatTokens', ['ssm:GetParametersByPath'], arn('skyprobe/heartbeat-tokens')],
        ['DeleteHeartbeatTokens', ['ssm:DeleteParameters'], arn('skyprobe/heartbeat-tokens/*')],
      ],
    );
    const others = statements.filter((st) => !ssm.includes(st)).flatMap(actionsOf);
    assert.deepEqual([...new Set(others)].sort(), ['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('lets every heartbeat function touch only its heartbeats\' items, never Query or Scan', () => {
    for (const name of [functionNames.heartbeatPing(config.project), functionNames.heartbeatSweep(config.project), functionNames.backupEvents(config.project)]) {
      const items = roleStatements(name).find((st) => st.Sid === 'HeartbeatItems');
      assert.ok(items, name);
      assert.deepEqual(items.Condition?.['ForAllValues:StringLike'], { 'dynamodb:LeadingKeys': heartbeatLeadingKeys(config.heartbeats) });
      assert.ok(!actionsOf(items).some((a) => a === 'dynamodb:Scan' || a === 'dynamodb:Query'), name);
    }
  });

  it('grants each heartbeat exactly its results, rollups, incidents and open-incident pointer, and no check\'s', () => {
    // StringLike as IAM evaluates it: "*" is any run of characters, everything else literal and case-sensitive.
    const allowed = (key: string) => heartbeatLeadingKeys([{ id: 'db' }]).some((p) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.#$^]/g, '\\$&')).join('.*')}$`).test(key));
    for (const key of ['RES#db#us-east-1', 'ROLL#db#local', 'CHECK#db', 'INC#db', 'HB#db', 'HB#other', 'LOCATIONS', 'INCIDENTS', 'INCID#x', 'DELIVERY#x:down']) {
      assert.ok(allowed(key), key);
    }
    // Another check's items, ids that start or end like the heartbeat's, a location named like it, other entities.
    for (const key of ['RES#web#us-east-1', 'RES#db-primary#local', 'RES#mydb#local', 'ROLL#web#db', 'RES#web#db', 'CHECK#db2', 'CHECK#web', 'INC#xdb', 'DRILL#db', 'DRILLS', 'REPORT']) {
      assert.ok(!allowed(key), key);
    }
  });

  it('keeps every heartbeat role within IAM\'s policy limits at the largest heartbeat set the deployment rules allow', () => {
    // 150 heartbeats with ids of 18 or 19 characters: just under the key budget, with a webhook secret grant as well.
    const ids = Array.from({ length: 150 }, (_, i) => `job-${String(i).padStart(3, '0')}-${'x'.repeat(i < 147 ? 11 : 10)}`);
    const big = configOf({
      checks: [{ id: 'web', type: 'http', url: 'https://example.com/' }, ...ids.map((id, i) => ({ type: 'heartbeat', id, every: '1d', ...(i === 0 ? { backup: { vaults: ['prod-vault'] } } : {}) }))],
      alerts: { webhooks: [{ url: 'https://hooks.example/{{secret:HOOK_PATH}}' }] },
    });
    const keyChars = JSON.stringify(heartbeatLeadingKeys(big.heartbeats)).length;
    assert.ok(keyChars <= MAX_HEARTBEAT_KEY_CHARS && keyChars > MAX_HEARTBEAT_KEY_CHARS - 20, `${keyChars} characters of keys`);
    const template = synthesize({ config: big }).json.get(home) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const sizes = policySizesByRole(template.Resources);
    const roles = [...sizes.keys()].filter((r) => /^Heartbeats(Ping|Sweep|BackupEvents)/.test(r));
    assert.equal(roles.length, 3, [...sizes.keys()].join(', '));
    for (const role of roles) {
      const { inline, managed, itemsInline } = sizes.get(role)!;
      // IAM: 10,240 characters of inline policy per role, 6,144 per managed policy (whitespace not counted).
      assert.ok(inline <= 10_240, `${role}: ${inline} characters of inline policy`);
      assert.ok(managed.every((m) => m <= 6_144), `${role}: managed policies of ${managed.join(', ')}`);
      assert.ok(itemsInline, `${role}: the HeartbeatItems statement stays in the inline policy`);
    }
  });

  it('rejects heartbeat ids too long together for the policy, in one line', () => {
    const ids = Array.from({ length: 150 }, (_, i) => `job-${String(i).padStart(3, '0')}-${'x'.repeat(11)}`);
    const config = configOf({ checks: ids.map((id) => ({ type: 'heartbeat', id, every: '1d' })) });
    const error = (() => {
      try {
        synthesize({ config });
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(error instanceof ConfigError, String(error));
    assert.deepEqual(
      error.issues.map((i) => `${i.path}: ${i.message}`),
      [
        'checks: the ids of the 150 heartbeats are too long together for the heartbeat functions\' iam policy (each heartbeat takes 2 × its id length + 15 ' +
          `of at most ${MAX_HEARTBEAT_KEY_CHARS} characters), got 8005: shorten heartbeat ids, or split them into several projects (configs with their own \`project\`)`,
      ],
    );
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
    template.resourceCountIs(HEARTBEAT_TOKEN_CLEANUP_TYPE, 0);
    assert.deepEqual(Object.keys(template.findOutputs(HEARTBEAT_PING_URL_OUTPUT)), []);
  });
});
