/** The tests' DynamoDB: the same embedded dynalite the local runner uses. */
export {
  localDynamoClient,
  startEmbeddedDynamo as startDynalite,
  type EmbeddedDynamo as TestDynalite,
  type EmbeddedDynamoOptions as StartDynaliteOptions,
} from '../../lambdas/local/embedded-dynamo.ts';
