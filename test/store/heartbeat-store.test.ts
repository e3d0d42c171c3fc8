import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initialHeartbeatState } from '../../lambdas/core/heartbeat.ts';
import { ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { DynamoHeartbeatStore } from '../../lambdas/store/heartbeat-store.ts';
import { startDynalite, type TestDynalite } from '../support/dynalite.ts';

let db: TestDynalite;
let store: DynamoHeartbeatStore;

before(async () => {
  db = await startDynalite();
  await ensureTable(db.client, 'skyprobe');
  store = new DynamoHeartbeatStore({ client: db.client, tableName: 'skyprobe' });
});
after(async () => {
  await db?.close();
});

describe('DynamoHeartbeatStore', () => {
  it('writes a new state once, then only over the version it read', async () => {
    const state = initialHeartbeatState('job', 1000);
    assert.equal(await store.put(state, null), 1);
    assert.equal(await store.put(state, null), null, 'a second first write loses');
    const v2 = await store.put({ ...state, lastPingMs: 2000, lastPingKind: 'success' }, 1);
    assert.equal(v2, 2);
    assert.equal(await store.put({ ...state, lastPingMs: 3000 }, 1), null, 'a stale version loses');
    const got = (await store.get(['job', 'nothing'])).get('job');
    assert.deepEqual(got, { state: { ...state, lastPingMs: 2000, lastPingKind: 'success' }, version: 2 });
  });

  it('reads many states at once, leaving out ids with none', async () => {
    for (let i = 0; i < 130; i++) await store.put(initialHeartbeatState(`hb-${i}`, i), null);
    const got = await store.get([...Array.from({ length: 130 }, (_, i) => `hb-${i}`), 'missing']);
    assert.equal(got.size, 130);
    assert.equal(got.get('hb-129')?.state.watchingSinceMs, 129);
  });

  it('rejects an id that would break the key layout', async () => {
    await assert.rejects(store.put(initialHeartbeatState('a#b', 0), null), /must not contain "#"/);
  });
});
