import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface ResultsTableProps {
  readonly tableName: string;
  /** Regions other than the stack's own that get a replica (the probe regions). */
  readonly replicaRegions: readonly string[];
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** DynamoDB TTL attribute of every expiring item (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The single results table as a global table: a replica in every probe region so each probe writes locally,
 * with the same name everywhere (the probe stacks find it by name, never by a cross-region reference).
 *
 * Encryption: the AWS managed key (aws/dynamodb). A customer managed key would need a key in every replica
 * region created before this stack (a probe stack → home stack → probe stack cycle) and would add nothing
 * here: only skyprobe's own roles read the table, and they are scoped by IAM.
 */
export class ResultsTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: ResultsTableProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
      replicas: props.replicaRegions.map((region) => ({ region })),
    });
  }
}
