import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../core/ports.ts';
import type { DeliveryLedger } from '../monitor/alarm-monitor.ts';

/**
 * Which alerts the notifier has sent, in the results table (home region only, like incidents):
 *
 * | entity   | pk                    | sk         | writer      | kept      |
 * |----------|-----------------------|------------|-------------|-----------|
 * | delivery | DELIVERY#<deliveryId> | DELIVERY   | home region | TTL, 30 d |
 *
 * A delivery is claimed (conditional put) before publishing and marked sent after, so a retried or
 * duplicated event never publishes twice, and a publish that failed is released for the retry. A claim
 * whose holder died (a timeout) goes stale after `leaseMs` and may be taken over: at-least-once, with a
 * duplicate possible only when a notifier dies between publishing and marking. Each claim carries a token
 * only its claimant knows, so a claimant whose lease passed releases nothing once another one took over.
 */

export const deliveryKey = (deliveryId: string) => ({ pk: `DELIVERY#${deliveryId}`, sk: 'DELIVERY' }) as const;

export interface DynamoDeliveryLedgerProps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;
  /**
   * A claim older than this is taken over. Must exceed the notifier's timeout; Lambda's async retries
   * come at least a minute after a failure. @default 45000
   */
  readonly leaseMs?: number;
  /** @default 30 */
  readonly retentionDays?: number;
}

const SENDING = 'sending';
const SENT = 'sent';

export class DynamoDeliveryLedger implements DeliveryLedger {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #retentionSeconds: number;
  /** The token of each claim this ledger holds: what `release` may delete. */
  readonly #tokens = new Map<string, string>();

  constructor(props: DynamoDeliveryLedgerProps) {
    this.#client = props.client;
    this.#table = props.tableName;
    this.#clock = props.clock;
    this.#leaseMs = props.leaseMs ?? 45_000;
    this.#retentionSeconds = Math.round((props.retentionDays ?? 30) * 86_400);
  }

  async claim(deliveryId: string): Promise<boolean> {
    const now = this.#clock.now();
    const key = deliveryKey(deliveryId);
    const token = randomUUID();
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            pk: { S: key.pk },
            sk: { S: key.sk },
            deliveryState: { S: SENDING },
            claimedAt: { N: String(now) },
            claimToken: { S: token },
            expiresAt: { N: String(Math.floor(now / 1000) + this.#retentionSeconds) },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (deliveryState = :sending AND claimedAt <= :stale)',
          ExpressionAttributeValues: { ':sending': { S: SENDING }, ':stale': { N: String(now - this.#leaseMs) } },
        }),
      );
      this.#tokens.set(deliveryId, token);
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async markSent(deliveryId: string): Promise<void> {
    this.#tokens.delete(deliveryId);
    const key = deliveryKey(deliveryId);
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        UpdateExpression: 'SET deliveryState = :sent, sentAt = :now',
        ExpressionAttributeValues: { ':sent': { S: SENT }, ':now': { N: String(this.#clock.now()) } },
      }),
    );
  }

  async release(deliveryId: string): Promise<void> {
    const token = this.#tokens.get(deliveryId);
    if (token === undefined) return;
    this.#tokens.delete(deliveryId);
    const key = deliveryKey(deliveryId);
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          ConditionExpression: 'deliveryState = :sending AND claimToken = :token',
          ExpressionAttributeValues: { ':sending': { S: SENDING }, ':token': { S: token } },
        }),
      );
    } catch (error) {
      // Taken over after our lease passed, or sent by the heir meanwhile: not ours to release.
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  }
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined;
}
