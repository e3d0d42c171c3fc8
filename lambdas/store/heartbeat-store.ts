import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HeartbeatState, HeartbeatStateStore, StoredHeartbeatState } from '../core/heartbeat.ts';

/**
 * Heartbeat states in the results table, written in the home region only (like incidents):
 *
 * | entity          | pk          | sk    | writer      | kept                                 |
 * |-----------------|-------------|-------|-------------|--------------------------------------|
 * | heartbeat state | HB#<id>     | STATE | home region | overwritten on every ping and sweep  |
 *
 * The state is one JSON attribute plus a `version` number; every write is conditional on the version it
 * read, so a ping and the sweep that run at the same time never overwrite each other's changes.
 */

export const heartbeatStateKey = (heartbeatId: string) => ({ pk: `HB#${heartbeatId}`, sk: 'STATE' }) as const;

export interface DynamoHeartbeatStoreProps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** BatchGetItem sends before giving up on unprocessed keys. @default 5 */
  readonly maxBatchAttempts?: number;
}

const BATCH_GET_MAX = 100;

type Item = Record<string, AttributeValue>;

export class DynamoHeartbeatStore implements HeartbeatStateStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #maxBatchAttempts: number;

  constructor(props: DynamoHeartbeatStoreProps) {
    this.#client = props.client;
    this.#table = props.tableName;
    this.#maxBatchAttempts = props.maxBatchAttempts ?? 5;
  }

  async get(ids: readonly string[]): Promise<ReadonlyMap<string, StoredHeartbeatState>> {
    const out = new Map<string, StoredHeartbeatState>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let keys: Item[] = unique.slice(i, i + BATCH_GET_MAX).map((id) => keyOf(id));
      for (let attempt = 1; keys.length > 0; attempt++) {
        const res = await this.#client.send(new BatchGetItemCommand({ RequestItems: { [this.#table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of res.Responses?.[this.#table] ?? []) {
          const stored = parseItem(item);
          out.set(stored.state.heartbeatId, stored);
        }
        keys = res.UnprocessedKeys?.[this.#table]?.Keys ?? [];
        if (keys.length === 0) break;
        if (attempt >= this.#maxBatchAttempts) throw new Error(`BatchGetItem left ${keys.length} heartbeat states unread after ${attempt} attempts`);
        await sleep(Math.random() * Math.min(1000, 25 * 2 ** attempt));
      }
    }
    return out;
  }

  async put(state: HeartbeatState, expectedVersion: number | null): Promise<number | null> {
    const version = (expectedVersion ?? 0) + 1;
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { ...keyOf(state.heartbeatId), heartbeatId: { S: state.heartbeatId }, version: { N: String(version) }, s: { S: JSON.stringify(state) } },
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } } }),
        }),
      );
      return version;
    } catch (error) {
      if (typeof error === 'object' && error !== null && 'name' in error && error.name === 'ConditionalCheckFailedException') return null;
      throw error;
    }
  }
}

function keyOf(heartbeatId: string): Item {
  if (heartbeatId.length === 0 || heartbeatId.includes('#')) throw new RangeError(`heartbeat id must be non-empty and must not contain "#", got ${JSON.stringify(heartbeatId)}`);
  const key = heartbeatStateKey(heartbeatId);
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function parseItem(item: Item): StoredHeartbeatState {
  const text = item['s']?.S;
  const version = Number(item['version']?.N);
  if (text === undefined || !Number.isInteger(version)) throw new Error(`stored heartbeat state ${item['pk']?.S ?? '?'} has no state or version`);
  return { state: JSON.parse(text) as HeartbeatState, version };
}
