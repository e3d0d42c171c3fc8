import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * One-time claims in the results table, so work delivered at least once (SQS messages, and Lambda's
 * asynchronous invocations by the scheduler, which may arrive twice) is done at most once:
 *
 * | entity | pk | sk | writer | kept |
 * |---|---|---|---|---|
 * | continuation claim | `CLAIM#<location>#<shard>/<shards>#<wakeAt epoch ms>` | `CLAIM` | probe location | 1 hour (TTL) |
 * | scheduled minute claim | `CLAIM#<location>#<shard>/<shards>#<minute start epoch ms>` | `MINUTE` | probe location | 1 hour (TTL) |
 *
 * A claim is a conditional PutItem in the probe region's replica: the first delivery creates it and runs,
 * a second delivery of the same message finds it and skips. The location is in the key, so each claim has
 * one writer region (the table's rule for global tables).
 */

export const continuationClaimKey = (location: string, shard: number, shards: number, wakeAtMs: number) =>
  ({ pk: `CLAIM#${location}#${shard}/${shards}#${wakeAtMs}`, sk: 'CLAIM' }) as const;

/**
 * The minute a scheduled invocation runs, claimed before it runs anything: a second delivery of the same
 * scheduled event runs nothing, so no run is made, stored or counted twice (the quorum of a check with one
 * run per period sums its locations' datums, so a repeated run would count its location twice).
 */
export const scheduledClaimKey = (location: string, shard: number, shards: number, minuteStartMs: number) =>
  ({ pk: `CLAIM#${location}#${shard}/${shards}#${minuteStartMs}`, sk: 'MINUTE' }) as const;

/** Claims are only needed while a message can still be delivered again; SQS keeps these messages minutes. */
export const CLAIM_TTL_SECONDS = 3_600;

export interface ClaimStore {
  /** True when this call made the claim, false when it already existed. Throws when the table cannot be reached. */
  claim(key: { readonly pk: string; readonly sk: string }, nowMs: number): Promise<boolean>;
}

export interface DynamoClaimStoreProps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** @default CLAIM_TTL_SECONDS */
  readonly ttlSeconds?: number;
}

export class DynamoClaimStore implements ClaimStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #ttlSeconds: number;

  constructor(props: DynamoClaimStoreProps) {
    this.#client = props.client;
    this.#table = props.tableName;
    this.#ttlSeconds = props.ttlSeconds ?? CLAIM_TTL_SECONDS;
  }

  async claim(key: { readonly pk: string; readonly sk: string }, nowMs: number): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            pk: { S: key.pk },
            sk: { S: key.sk },
            claimedAt: { S: new Date(nowMs).toISOString() },
            expiresAt: { N: String(Math.floor(nowMs / 1000) + this.#ttlSeconds) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (typeof error === 'object' && error !== null && 'name' in error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
