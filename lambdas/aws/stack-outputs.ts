import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';

/** The stack is not deployed (or not in this region/account). */
export class StackNotFoundError extends Error {
  override readonly name = 'StackNotFoundError';
}

/** One output of a deployed stack; undefined when the stack has no such output. */
export async function stackOutput(client: CloudFormationClient, stackName: string, outputKey: string): Promise<string | undefined> {
  let stacks;
  try {
    stacks = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError "Stack with id X does not exist".
    if (error instanceof Error && /does not exist/i.test(error.message)) throw new StackNotFoundError(`stack ${stackName} is not deployed`, { cause: error });
    throw error;
  }
  if (stacks.length === 0) throw new StackNotFoundError(`stack ${stackName} is not deployed`);
  return stacks[0]?.Outputs?.find((o) => o.OutputKey === outputKey)?.OutputValue;
}
