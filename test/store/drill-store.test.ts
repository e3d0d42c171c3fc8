import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DrillRecord } from '../../lambdas/core/drill.ts';
import { DrillStore, drillKeys } from '../../lambdas/store/drill-store.ts';
import { ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { motoClients, startMoto, type Moto } from '../support/moto.ts';

const TABLE = 'demo-results';
let moto: Moto;
let dynamo: DynamoDBClient;
let store: DrillStore;

function record(service: string, startedAt: string, id: string, outcome: DrillRecord['outcome'] = 'passed'): DrillRecord {
  return {
    id,
    service,
    project: 'demo',
    startedAt,
    endedAt: startedAt,
    outcome,
    reason: outcome === 'passed' ? null : 'the failover never completed',
    rtoSeconds: 300,
    failover: { detectMs: 1_000, switchMs: 40_000 },
    failback: { detectMs: 2_000, switchMs: 45_000 },
    reverted: true,
    healthCheckId: 'hc-1',
    resolver: 'system',
    polls: 12,
  };
}

before(async () => {
  moto = await startMoto();
  dynamo = motoClients.dynamo(moto.endpoint, 'us-east-1');
  store = new DrillStore({ client: dynamo, tableName: TABLE });
});

after(async () => {
  dynamo?.destroy();
  await moto?.close();
});

beforeEach(async () => {
  await moto.reset();
  await ensureTable(dynamo, TABLE);
});

describe('DrillStore', () => {
  it('stores a drill under its service and in the index, and reads it back whole', async () => {
    const r = record('shop', '2026-11-01T10:00:00.000Z', 'a');
    await store.put(r);
    for (const key of [drillKeys.drill('shop', r.startedAt, 'a'), drillKeys.index('shop', r.startedAt, 'a')]) {
      const item = await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key.pk }, sk: { S: key.sk } } }));
      assert.equal(item.Item?.['outcome']?.S, 'passed', key.pk);
    }
    assert.deepEqual(await store.history({ service: 'shop' }), [r]);
  });

  it('lists drills newest first, per service or for every service, up to the limit', async () => {
    await store.put(record('shop', '2026-11-01T10:00:00.000Z', 'a'));
    await store.put(record('api', '2026-11-02T10:00:00.000Z', 'b', 'failed'));
    await store.put(record('shop', '2026-11-03T10:00:00.000Z', 'c', 'aborted'));
    assert.deepEqual((await store.history()).map((r) => r.id), ['c', 'b', 'a']);
    assert.deepEqual((await store.history({ service: 'shop' })).map((r) => r.id), ['c', 'a']);
    assert.deepEqual((await store.history({ limit: 2 })).map((r) => r.id), ['c', 'b']);
    assert.deepEqual(await store.history({ service: 'nothing' }), []);
  });

  it('skips items that are not drill records instead of failing the history', async () => {
    await store.put(record('shop', '2026-11-01T10:00:00.000Z', 'a'));
    await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'DRILL#shop' }, sk: { S: '2026-11-05T00:00:00.000Z#junk' }, record: { S: '{"not":"a drill"' } } }));
    assert.deepEqual((await store.history({ service: 'shop' })).map((r) => r.id), ['a']);
  });
});
