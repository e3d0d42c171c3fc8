import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../core/ports.ts';
import type { AnnouncedNotice, DeliveryLedger } from '../monitor/alarm-monitor.ts';

/**
 * Which alerts the notifier has sent, in the results table (home region only, like incidents):
 *
 * | entity        | pk                    | sk         | writer      | kept       |
 * |---------------|-----------------------|------------|-------------|------------|
 * | delivery      | DELIVERY#<deliveryId> | DELIVERY   | home region | TTL, 30 d  |
 * | notice state  | NOTICE#<alarmName>    | LAST       | home region | TTL, 400 d |
 *
 * A delivery id names one message (`<incident>:down`, a notice's id) or, settled without a claim, one alarm
 * transition whose part for the topic is done (`topic:<alarm>:<state>:<time>`): what the notifier's
 * fallback reads before publishing anything itself. The notice state is the last notice announced per
 * alarm, so an alarm that comes back to OK through INSUFFICIENT_DATA still announces its end.
 *
 * A delivery is claimed (conditional put) before publishing and marked sent after, so a retried or
 * duplicated event never publishes twice, and a publish that failed is released for the retry. A claim
 * whose holder died (a timeout) goes stale after `leaseMs` and may be taken over: at-least-once, with a
 * duplicate possible only when a notifier dies between publishing and marking. Each claim carries a token
 * only its claimant knows, so a claimant whose lease passed releases nothing once another one took over.
 */

export const deliveryKey = (deliveryId: string) => ({ pk: `DELIVERY#${deliveryId}`, sk: 'DELIVERY' }) as const;
export const noticeStateKey = (alarmName: string) => ({ pk: `NOTICE#${alarmName}`, sk: 'LAST' }) as const;

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
  /** How long the last announced notice of an alarm is remembered. @default 400 */
  readonly noticeRetentionDays?: number;
}

const SENDING = 'sending';
const SENT = 'sent';

export class DynamoDeliveryLedger implements DeliveryLedger {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #retentionSeconds: number;
  readonly #noticeRetentionSeconds: number;
  /** The token of each claim this ledger holds: what `release` may delete. */
  readonly #tokens = new Map<string, string>();

  constructor(props: DynamoDeliveryLedgerProps) {
    this.#client = props.client;
    this.#table = props.tableName;
    this.#clock = props.clock;
    this.#leaseMs = props.leaseMs ?? 45_000;
    this.#retentionSeconds = Math.round((props.retentionDays ?? 30) * 86_400);
    this.#noticeRetentionSeconds = Math.round((props.noticeRetentionDays ?? 400) * 86_400);
  }

  async claim(deliveryId: string): Promise<boolean> {
    const now = this.#clock.now();
    const token = randomUUID();
    const claimed = await this.#put(
      deliveryKey(deliveryId),
      { deliveryState: { S: SENDING }, claimedAt: { N: String(now) }, claimToken: { S: token } },
      this.#retentionSeconds,
      {
        expression: 'attribute_not_exists(pk) OR (deliveryState = :sending AND claimedAt <= :stale)',
        values: { ':sending': { S: SENDING }, ':stale': { N: String(now - this.#leaseMs) } },
      },
    );
    if (claimed) this.#tokens.set(deliveryId, token);
    return claimed;
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

  async settle(deliveryId: string): Promise<void> {
    await this.#put(deliveryKey(deliveryId), { deliveryState: { S: SENT }, sentAt: { N: String(this.#clock.now()) } }, this.#retentionSeconds);
  }

  async isSettled(deliveryId: string): Promise<boolean> {
    return (await this.#get(deliveryKey(deliveryId)))?.['deliveryState']?.S === SENT;
  }

  async lastNotice(alarmName: string): Promise<AnnouncedNotice | null> {
    const item = await this.#get(noticeStateKey(alarmName));
    const state = item?.['noticeState']?.S;
    const at = item?.['noticeAt']?.S;
    return (state === 'alarm' || state === 'ok') && at !== undefined ? { state, at } : null;
  }

  async recordNotice(alarmName: string, notice: AnnouncedNotice): Promise<void> {
    // ISO times in one format order as strings: an older transition handled late changes nothing.
    await this.#put(noticeStateKey(alarmName), { noticeState: { S: notice.state }, noticeAt: { S: notice.at } }, this.#noticeRetentionSeconds, {
      expression: 'attribute_not_exists(pk) OR noticeAt <= :at',
      values: { ':at': { S: notice.at } },
    });
  }

  /** Puts the item, kept `retentionSeconds` from now; false when `condition` does not hold. */
  async #put(
    key: { readonly pk: string; readonly sk: string },
    attributes: Record<string, AttributeValue>,
    retentionSeconds: number,
    condition?: { readonly expression: string; readonly values: Record<string, AttributeValue> },
  ): Promise<boolean> {
    const expiresAt = Math.floor(this.#clock.now() / 1000) + retentionSeconds;
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { pk: { S: key.pk }, sk: { S: key.sk }, ...attributes, expiresAt: { N: String(expiresAt) } },
          ...(condition === undefined ? {} : { ConditionExpression: condition.expression, ExpressionAttributeValues: condition.values }),
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async #get(key: { readonly pk: string; readonly sk: string }): Promise<Record<string, AttributeValue> | undefined> {
    return (await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;
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
