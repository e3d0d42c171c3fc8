import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { readHomeHandlerEnv, type HomeFunctionDeps } from './bundled-config.ts';
import type { Env } from './env.ts';

/**
 * `readHomeHandlerEnv`, and the DynamoDB and SNS clients in the home region: what a home-region function is
 * built from. Apart from bundled-config.ts, so the probe's bundle does not pull in the SNS client.
 */
export async function homeFunctionDepsFromEnv(env: Env, handlerDir: string): Promise<HomeFunctionDeps & { readonly homeRegion: string }> {
  const { config, project, tableName, homeRegion, topicArn, dashboardUrl } = await readHomeHandlerEnv(env, handlerDir);
  return {
    config,
    project,
    tableName,
    topicArn,
    dashboardUrl,
    homeRegion,
    dynamo: new DynamoDBClient({ region: homeRegion }),
    sns: new SNSClient({ region: homeRegion }),
  };
}
