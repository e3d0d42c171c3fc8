import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 runs as a CDK policy-validation plugin; a finding is acknowledged on a construct (or an
 * ancestor) by its qualified id `AwsSolutions::<rule>[<finding>]`. Every acknowledgment carries its reason.
 */
const PACK = 'AwsSolutions';

export function acknowledgeNag(scope: IConstruct, rule: string, reason: string, finding?: string): void {
  Validations.of(scope).acknowledge({ id: `${PACK}::${PACK}-${rule}${finding === undefined ? '' : `[${finding}]`}`, reason });
}

/**
 * A string holding account/partition tokens as cdk-nag prints it in a finding (`<AWS::AccountId>`), so
 * an acknowledgment names exactly the ARN the policy grants, whether the account is known or not.
 */
export function asNagFinding(scope: IConstruct, value: string): string {
  const stack = Stack.of(scope);
  let out = value;
  if (Token.isUnresolved(stack.account)) out = out.split(stack.account).join('<AWS::AccountId>');
  if (Token.isUnresolved(stack.partition)) out = out.split(stack.partition).join('<AWS::Partition>');
  return out;
}
