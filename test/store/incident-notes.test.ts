/** Incident lookups by id and post-incident notes in the DynamoDB store, against the embedded dynalite. */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoResultsStore, ensureTable, storeKeys } from '../../lambdas/store/dynamo-store.ts';
import { startDynalite, type TestDynalite } from '../support/dynalite.ts';

let db: TestDynalite;
let counter = 0;

async function newStore(): Promise<{ store: DynamoResultsStore; table: string }> {
  const table = `notes-${++counter}`;
  await ensureTable(db.client, table);
  return { store: new DynamoResultsStore({ client: db.client, tableName: table, clock: { now: () => Date.UTC(2026, 9, 5), monotonic: () => 0 } }), table };
}

const OPEN = { checkId: 'shop', openedAt: '2026-10-05T10:00:00.000Z', detectedAt: '2026-10-05T10:02:00.000Z', failingLocations: ['a'], firstError: null };

before(async () => {
  db = await startDynalite();
});
after(async () => {
  await db?.close();
});

describe('incident notes', () => {
  it('finds an incident by id, open or closed', async () => {
    const { store } = await newStore();
    const { incident } = await store.openIncident(OPEN);
    assert.deepEqual((await store.incidentById(incident.id))?.closedAt, null);
    await store.closeIncident('shop', '2026-10-05T10:30:00.000Z');
    assert.equal((await store.incidentById(incident.id))?.durationSeconds, 1800);
    assert.equal(await store.incidentById('no-such-id'), null);
    assert.equal(await store.incidentById('INC#shop'), null);
  });

  it('notes an open incident on the incident and its open pointer, and keeps the note when it closes', async () => {
    const { store } = await newStore();
    const { incident } = await store.openIncident(OPEN);
    const noted = await store.noteIncident(incident.id, { rootCause: 'disk full', correctiveAction: 'alert at 80%', notedAt: '2026-10-05T10:10:00Z' });
    assert.deepEqual([noted?.rootCause, noted?.correctiveAction, noted?.notedAt], ['disk full', 'alert at 80%', '2026-10-05T10:10:00.000Z']);
    assert.equal((await store.openIncidentFor('shop'))?.rootCause, 'disk full');

    const closed = await store.closeIncident('shop', '2026-10-05T10:30:00.000Z');
    assert.equal(closed?.closedAt, '2026-10-05T10:30:00.000Z');
    const [stored] = await store.incidents({ checkId: 'shop' });
    assert.deepEqual([stored?.rootCause, stored?.correctiveAction, stored?.closedAt, stored?.durationSeconds], ['disk full', 'alert at 80%', '2026-10-05T10:30:00.000Z', 1800]);
  });

  it('replaces the root cause and keeps the corrective action unless a new one is given', async () => {
    const { store } = await newStore();
    const { incident } = await store.openIncident(OPEN);
    await store.closeIncident('shop', '2026-10-05T10:30:00.000Z');
    await store.noteIncident(incident.id, { rootCause: 'first guess', correctiveAction: 'pin the version', notedAt: '2026-10-06T00:00:00Z' });
    const second = await store.noteIncident(incident.id, { rootCause: 'the real cause', notedAt: '2026-10-07T00:00:00Z' });
    assert.deepEqual([second?.rootCause, second?.correctiveAction, second?.notedAt], ['the real cause', 'pin the version', '2026-10-07T00:00:00.000Z']);
    // The closed incident has no open pointer; noting it must not create one.
    assert.equal(await store.openIncidentFor('shop'), null);
  });

  it('returns null when noting an incident that does not exist', async () => {
    const { store } = await newStore();
    assert.equal(await store.noteIncident('0f0f0f0f-0000-4000-8000-000000000000', { rootCause: 'x', notedAt: '2026-10-07T00:00:00Z' }), null);
  });

  it('finds an incident stored before id pointers existed through the incident index, and adds its pointer', async () => {
    const { store, table } = await newStore();
    const { incident } = await store.openIncident(OPEN);
    await store.closeIncident('shop', '2026-10-05T10:30:00.000Z');
    const pointer = storeKeys.incidentById(incident.id);
    const key = { pk: { S: pointer.pk }, sk: { S: pointer.sk } };
    await db.client.send(new DeleteItemCommand({ TableName: table, Key: key }));

    assert.equal((await store.noteIncident(incident.id, { rootCause: 'old one', notedAt: '2026-10-07T00:00:00Z' }))?.rootCause, 'old one');
    const restored = await db.client.send(new GetItemCommand({ TableName: table, Key: key }));
    assert.equal(restored.Item?.['incidentSk']?.S, `${incident.openedAt}#${incident.id}`);
  });
});
