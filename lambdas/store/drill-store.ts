import { PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DRILL_OUTCOMES, type DrillRecord, type PhaseTimes } from '../core/drill.ts';

/**
 * Failover drill records, in the results table (home region only, like incidents), kept forever:
 *
 * | entity      | pk                  | sk                                 | writer      |
 * |-------------|---------------------|------------------------------------|-------------|
 * | drill       | `DRILL#<service>`   | `<startedAt ISO>#<id>`             | home region |
 * | drill index | `DRILLS`            | `<startedAt ISO>#<service>#<id>`   | home region |
 *
 * The index lists every service's drills, newest first, with one Query instead of a Scan. Both items hold
 * the whole record (a drill is a few hundred bytes), so a history read needs no second lookup.
 */

export const drillKeys = {
  drill: (service: string, startedAtIso: string, id: string) => ({ pk: `DRILL#${service}`, sk: `${startedAtIso}#${id}` }),
  index: (service: string, startedAtIso: string, id: string) => ({ pk: 'DRILLS', sk: `${startedAtIso}#${service}#${id}` }),
} as const;

export interface DrillStoreProps {
  /** DynamoDB in the home region. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export interface DrillHistoryQuery {
  /** @default every service */
  readonly service?: string;
  /** @default 20 */
  readonly limit?: number;
}

export class DrillStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(props: DrillStoreProps) {
    this.#client = props.client;
    this.#table = props.tableName;
  }

  /** Writes the record and its index entry (plain puts of fixed keys: a retry writes the same items). */
  async put(record: DrillRecord): Promise<void> {
    const body = JSON.stringify(record);
    for (const key of [drillKeys.drill(record.service, record.startedAt, record.id), drillKeys.index(record.service, record.startedAt, record.id)]) {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { pk: { S: key.pk }, sk: { S: key.sk }, service: { S: record.service }, outcome: { S: record.outcome }, record: { S: body } },
        }),
      );
    }
  }

  /** Newest first. */
  async history(query: DrillHistoryQuery = {}): Promise<DrillRecord[]> {
    const limit = query.limit ?? 20;
    const pk = query.service === undefined ? 'DRILLS' : `DRILL#${query.service}`;
    const records: DrillRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ScanIndexForward: false,
          Limit: limit - records.length,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        const record = parseRecord(item['record']?.S);
        if (record !== null) records.push(record);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && records.length < limit);
    return records;
  }
}

/** A stored record, or null when the item is not one (written by a newer version, or damaged). */
function parseRecord(text: string | undefined): DrillRecord | null {
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Partial<DrillRecord>;
  const times = (t: PhaseTimes | undefined) => typeof t === 'object' && t !== null && 'switchMs' in t && 'detectMs' in t;
  if (typeof r.id !== 'string' || typeof r.service !== 'string' || typeof r.startedAt !== 'string' || !(DRILL_OUTCOMES as readonly unknown[]).includes(r.outcome)) return null;
  if (!times(r.failover) || !times(r.failback)) return null;
  return value as DrillRecord;
}
