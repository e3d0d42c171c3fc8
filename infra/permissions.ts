import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { metricNamespace } from '../lambdas/core/alert-policy.ts';
import type { Config } from '../lambdas/core/check.ts';
import { resourceNames } from '../lambdas/core/deployment.ts';
import { templateNames } from '../lambdas/core/templates.ts';
import type { Construct } from 'constructs';
import { acknowledgeNag, asNagFinding } from './nag.ts';

/** Item-level DynamoDB actions the notifier uses; no Scan, no table management. */
export const TABLE_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
] as const;

/** Read and write items of the results table's replica in `region` (the table has no indexes). */
export function tableDataStatement(scope: Construct, project: string, region: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'ResultsTableItems',
    actions: [...TABLE_DATA_ACTIONS],
    resources: [Stack.of(scope).formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: resourceNames.table(project) })],
  });
}

/**
 * Item actions on the home-region table limited to items whose partition key matches `leadingKeys`
 * (DynamoDB fine-grained access; `*` wildcards): how each home-region function gets only its own items.
 */
export function leadingKeysStatement(scope: Construct, project: string, sid: string, actions: readonly string[], leadingKeys: readonly string[]): PolicyStatement {
  const stack = Stack.of(scope);
  return new PolicyStatement({
    sid,
    actions: [...actions],
    resources: [stack.formatArn({ service: 'dynamodb', region: stack.region, resource: 'table', resourceName: resourceNames.table(project) })],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } },
  });
}

/**
 * What the probe of `location` does in the table, and nothing else (lambdas/store/dynamo-store.ts and
 * claim-store.ts): each partition it touches, with the actions it calls there. Its own location is in the
 * partition key of everything it writes but the location markers, so a probe region can write no other
 * region's results, rollups or claims: the one-writer-region rule of a global table, held by IAM.
 */
export function probeTableAccess(location: string): readonly { readonly sid: string; readonly actions: readonly string[]; readonly leadingKeys: readonly string[] }[] {
  return [
    // Raw results: BatchWriteItem of PutRequests, `RES#<check>#<location>`.
    { sid: 'WriteResults', actions: ['dynamodb:BatchWriteItem'], leadingKeys: [`RES#*#${location}`] },
    // Hourly rollup increments and the dirty mark of a closed day's pack: `ROLL#<check>#<location>`.
    { sid: 'CountRollups', actions: ['dynamodb:UpdateItem'], leadingKeys: [`ROLL#*#${location}`] },
    // Location markers: read, then a conditional put when missing (pk `LOCATIONS`, sk `<check>#<location>`).
    { sid: 'MarkLocations', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], leadingKeys: ['LOCATIONS'] },
    // Scheduled-minute and continuation claims: conditional puts, `CLAIM#<location>#…`.
    { sid: 'ClaimRuns', actions: ['dynamodb:PutItem'], leadingKeys: [`CLAIM#${location}#*`] },
  ];
}

/** The probe's statements on its region's replica of the table: `probeTableAccess`, one statement each. */
export function probeTableStatements(scope: Construct, project: string, location: string): PolicyStatement[] {
  return probeTableAccess(location).map(({ sid, actions, leadingKeys }) => leadingKeysStatement(scope, project, sid, actions, leadingKeys));
}

/** Sending continuation messages to the one queue of the probe's region (consuming is granted by the event source mapping). */
export function sendContinuationsStatement(queueArn: string): PolicyStatement {
  return new PolicyStatement({ sid: 'SendProbeContinuations', actions: ['sqs:SendMessage'], resources: [queueArn] });
}

/**
 * PutMetricData has no resource-level permissions; the namespace condition keeps it to the project's own
 * namespace (StringEquals, not a prefix: project "shop" may not put to "Skyprobe/shop-eu").
 */
export function putMetricDataStatement(project: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'PutSkyprobeMetrics',
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': metricNamespace(project) } },
  });
}

/** The ARNs secret reading is granted on: the parameters under `/<project>/secrets/`, and any KMS key (aws/ssm's id is unknown). */
export function secretArns(scope: Construct, project: string, region: string): { readonly parameters: string; readonly keys: string } {
  const stack = Stack.of(scope);
  const prefix = resourceNames.secretParameterPrefix(project); // "/<project>/secrets/"
  return {
    parameters: stack.formatArn({ service: 'ssm', region, resource: 'parameter', resourceName: `${prefix.slice(1)}*` }),
    keys: stack.formatArn({ service: 'kms', region, resource: 'key', resourceName: '*' }),
  };
}

/**
 * Reading `{{secret:NAME}}` values: the SecureString parameters under `/<project>/secrets/` in `region`,
 * decrypted with the AWS managed aws/ssm key — only through SSM in that region, only for those parameters.
 */
export function secretReadStatements(scope: Construct, project: string, region: string): PolicyStatement[] {
  const arns = secretArns(scope, project, region);
  return [
    new PolicyStatement({ sid: 'ReadSecretParameters', actions: ['ssm:GetParameters', 'ssm:GetParameter'], resources: [arns.parameters] }),
    new PolicyStatement({
      sid: 'DecryptSecretParameters',
      actions: ['kms:Decrypt'],
      // The aws/ssm key's id differs per account and region, and an alias cannot name a key in a policy.
      resources: [arns.keys],
      conditions: {
        StringEquals: { 'kms:ViaService': `ssm.${region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arns.parameters },
      },
    }),
  ];
}

/** Lets `role` read the project's secrets in `region` (secretReadStatements), with the cdk-nag findings that grant raises acknowledged. */
export function grantSecretRead(role: IRole & Construct, project: string, region: string): void {
  for (const statement of secretReadStatements(role, project, region)) role.addToPrincipalPolicy(statement);
  const secrets = secretArns(role, project, region);
  acknowledgeNag(
    role,
    'IAM5',
    'Secrets are SSM SecureString parameters /<project>/secrets/<NAME>; the names come from the config, so the grant covers that prefix only.',
    `Resource::${asNagFinding(role, secrets.parameters)}`,
  );
  acknowledgeNag(
    role,
    'IAM5',
    'kms:Decrypt for the AWS managed aws/ssm key, whose key id is not known at synth; limited by kms:ViaService = ssm.<region>.amazonaws.com and the PARAMETER_ARN encryption context of the secret parameters.',
    `Resource::${asNagFinding(role, secrets.keys)}`,
  );
}

/** Lets `role` read the secrets of the config's webhook URLs and headers, when any has one (alerts sent from `region`). */
export function grantWebhookSecretRead(role: IRole & Construct, config: Config, region: string): void {
  const templates = config.alerts.webhooks.flatMap((w) => [w.url, ...Object.values(w.headers)]);
  if (templates.some((t) => templateNames(t).secrets.length > 0)) grantSecretRead(role, config.project, region);
}
