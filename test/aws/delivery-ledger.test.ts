/**
 * The notifier's delivery ledger against the embedded DynamoDB (dynalite): claims are conditional puts, so
 * these tests exercise the real condition expressions, with a clock the tests move.
 */
import { strict as assert } from 'node:assert';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDeliveryLedger, deliveryKey } from '../../lambdas/aws/delivery-ledger.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import { ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { startDynalite, type TestDynalite } from '../support/dynalite.ts';

const TABLE = 'shop-results';
const LEASE_MS = 45_000;
const T0 = Date.UTC(2025, 2, 10, 14, 0, 0);

let db: TestDynalite;
let nowMs = T0;
const clock: Clock = { now: () => nowMs, monotonic: () => nowMs };
let id = '';
let serial = 0;

/** A notifier container: each has its own ledger object, as each Lambda sandbox does. */
const container = () => new DynamoDeliveryLedger({ client: db.client, tableName: TABLE, clock, leaseMs: LEASE_MS });

async function item(deliveryId: string): Promise<Record<string, string> | null> {
  const key = deliveryKey(deliveryId);
  const got = await db.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }));
  if (got.Item === undefined) return null;
  return Object.fromEntries(Object.entries(got.Item).map(([k, v]) => [k, v.S ?? v.N ?? '']));
}

before(async () => {
  db = await startDynalite();
  await ensureTable(db.client, TABLE);
});
after(async () => {
  await db?.close();
});
beforeEach(() => {
  nowMs = T0;
  id = `inc-${++serial}:down`;
});

describe('DynamoDeliveryLedger', () => {
  it('lets one claim through and refuses every later one once the delivery is marked sent, even long after', async () => {
    const ledger = container();
    assert.equal(await ledger.claim(id), true);
    await ledger.markSent(id);
    assert.equal(await container().claim(id), false, 'another container');
    nowMs += 10 * LEASE_MS;
    assert.equal(await container().claim(id), false, 'a sent delivery is never stale');
    const stored = await item(id);
    assert.equal(stored?.['deliveryState'], 'sent');
    assert.equal(Number(stored?.['expiresAt']), Math.floor(T0 / 1000) + 30 * 86_400, 'kept 30 days from the claim');
  });

  it('refuses a claim held by a live notifier, and hands a crashed one\'s claim over once its lease has passed', async () => {
    assert.equal(await container().claim(id), true); // this notifier then dies before publishing
    nowMs = T0 + LEASE_MS - 1;
    assert.equal(await container().claim(id), false, 'the lease has not passed yet: the holder may still be publishing');
    nowMs = T0 + LEASE_MS;
    const heir = container();
    assert.equal(await heir.claim(id), true, 'stale at exactly the lease');
    assert.equal(await container().claim(id), false, 'the takeover is a fresh claim: its own lease starts now');
    await heir.markSent(id);
    nowMs += 10 * LEASE_MS;
    assert.equal(await container().claim(id), false);
  });

  it('lets exactly one of many concurrent claims through, fresh or stale', async () => {
    const fresh = await Promise.all(Array.from({ length: 12 }, () => container().claim(id)));
    assert.equal(fresh.filter(Boolean).length, 1);
    nowMs += LEASE_MS;
    const takeovers = await Promise.all(Array.from({ length: 12 }, () => container().claim(id)));
    assert.equal(takeovers.filter(Boolean).length, 1, 'one heir for a stale claim');
  });

  it('releases a failed delivery at once, so the retry claims it without waiting for the lease', async () => {
    const ledger = container();
    assert.equal(await ledger.claim(id), true);
    await ledger.release(id);
    assert.equal(await item(id), null);
    assert.equal(await container().claim(id), true);
  });

  it('releases only its own claim: never one another notifier took over, nor a delivery already sent', async () => {
    const slow = container();
    assert.equal(await slow.claim(id), true);
    nowMs += LEASE_MS;
    const heir = container();
    assert.equal(await heir.claim(id), true);
    await slow.release(id); // the slow one's publish failed, long after its lease
    assert.equal((await item(id))?.['deliveryState'], 'sending', 'the heir still holds it');
    assert.equal(await container().claim(id), false, 'so nobody else sends it meanwhile');

    await heir.markSent(id);
    await heir.release(id);
    assert.equal((await item(id))?.['deliveryState'], 'sent', 'a sent delivery is never released');
  });

  it('releases nothing it never claimed', async () => {
    assert.equal(await container().claim(id), true);
    await container().release(id);
    assert.equal((await item(id))?.['deliveryState'], 'sending');
  });
});
