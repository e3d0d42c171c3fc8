/** The rollup-compaction Lambda against moto's DynamoDB: it packs closed days, reads give the same rollups, and it fails loudly. */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { MissingEnvError } from '../../lambdas/handlers/env.ts';
import { createRollupCompactionHandler, rollupCompactionDepsFromEnv } from '../../lambdas/handlers/rollup-compaction.ts';
import { DynamoResultsStore } from '../../lambdas/store/dynamo-store.ts';
import { FIXTURE_CONFIG, seedHistory } from '../cli/report-fixture.ts';
import { motoClients, startMoto, type Moto } from '../support/moto.ts';

const REGION = 'us-east-1';
const TABLE = 'demo-results';
/** 2026-10-08 02:30 UTC: the schedule the morning after; the history is on 2026-10-05. */
const FIRED_AT = Date.UTC(2026, 9, 8, 2, 30);
const clock = { now: () => FIRED_AT, monotonic: () => 0 };
const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

let moto: Moto;
let dynamo: DynamoDBClient;
const logs: string[] = [];

before(async () => {
  moto = await startMoto();
  dynamo = motoClients.dynamo(moto.endpoint, REGION);
  await seedHistory(dynamo, TABLE);
});
after(async () => {
  dynamo?.destroy();
  await moto?.close();
});

describe('rollup-compaction handler', () => {
  const config = validateConfig(FIXTURE_CONFIG);
  const query = { fromHour: '2026-10-05T00', toHour: '2026-10-05T23' };

  it('stops before its deadline without packing, and says so', async () => {
    const handle = createRollupCompactionHandler({ config, tableName: TABLE, dynamo, clock, log: (l) => logs.push(l) });
    const summary = await handle({}, lambdaContext(5_000));
    assert.equal(summary.stoppedEarly, true);
    assert.equal(summary.packed, 0);
  });

  it('packs every closed day since the first report, and reads then give the same rollups', async () => {
    const store = new DynamoResultsStore({ client: dynamo, tableName: TABLE, clock });
    const before = await store.rollups('shop', query);
    assert.equal(before.reduce((n, r) => n + r.runs, 0), 4);
    const handle = createRollupCompactionHandler({ config, tableName: TABLE, dynamo, clock, log: (l) => logs.push(l) });
    const summary = await handle({ 'detail-type': 'Scheduled Event' }, lambdaContext(900_000));
    // shop@local reported first on 2026-10-05: that day, the 6th and the 7th (the 8th is not over).
    assert.deepEqual(summary, { pairs: 1, packed: 3, repacked: 0, conflicts: 0, hours: 2, failedPairs: 0, lastError: null, stoppedEarly: false });
    assert.match(logs.at(-1) ?? '', /"level":"info","message":"rollup compaction done","pairs":1,"packed":3/);
    assert.deepEqual(await store.rollups('shop', query), before);
    const pack = await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'ROLL#shop#local' }, sk: { S: 'D#2026-10-05' } } }));
    assert.deepEqual([pack.Item?.['hourCount']?.N, pack.Item?.['runs']?.N], ['2', '4']);
    // Run again the same morning: nothing to do.
    assert.equal((await handle({}, lambdaContext(900_000))).packed, 0);
  });

  it('skips checks no longer in the config', async () => {
    const handle = createRollupCompactionHandler({ config: { checks: [], heartbeats: [] }, tableName: TABLE, dynamo, clock, log: () => undefined });
    assert.equal((await handle({}, lambdaContext(900_000))).pairs, 0);
  });

  it('fails the invocation when the table cannot be read', async () => {
    const handle = createRollupCompactionHandler({ config, tableName: 'no-such-table', dynamo, clock, log: () => undefined });
    await assert.rejects(handle({}, lambdaContext(900_000)), /ResourceNotFound|not found/i);
  });

  it('fails at cold start with the name of a missing environment variable', async () => {
    await assert.rejects(rollupCompactionDepsFromEnv({ SKYPROBE_TABLE_NAME: TABLE, SKYPROBE_PROJECT: 'demo' }, '/nonexistent'), (error: unknown) => {
      assert.ok(error instanceof MissingEnvError);
      assert.equal(error.variable, 'SKYPROBE_HOME_REGION');
      return true;
    });
  });
});
