import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetItemCommand, QueryCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { bucketIndex, histogramCount } from '../../lambdas/core/histogram.ts';
import type { ErrorKind } from '../../lambdas/core/errors.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { DynamoResultsStore, ensureTable, storeKeys } from '../../lambdas/store/dynamo-store.ts';
import { localDynamoClient, startDynalite } from '../support/dynalite.ts';
import type { TestDynalite } from '../support/dynalite.ts';

const T0 = Date.UTC(2025, 2, 10, 14, 0, 0);
const MIN = 60_000;

function fixedClock(startMs = T0): Clock & { set(ms: number): void } {
  let now = startMs;
  return { now: () => now, monotonic: () => now, set: (ms) => void (now = ms) };
}

function probe(over: Partial<ProbeResult> & { at: number; errorKind?: ErrorKind }): ProbeResult {
  const { at, errorKind, ...rest } = over;
  const ok = rest.ok ?? errorKind === undefined;
  return {
    checkId: 'api',
    type: 'http',
    location: 'us-east-1',
    startedAt: new Date(at).toISOString(),
    ok,
    status: ok ? 'up' : 'down',
    error: errorKind === undefined ? null : { kind: errorKind, message: `${errorKind} happened` },
    timings: { dnsMs: 2, connectMs: 10, tlsMs: 20, ttfbMs: 50, downloadMs: 3, totalMs: 85 },
    httpStatus: ok ? 200 : 503,
    address: '192.0.2.1:443',
    target: 'https://example.com/health',
    assertions: [],
    attempts: 1,
    ...rest,
  };
}

let tableCounter = 0;
async function newTable(client: DynamoDBClient): Promise<string> {
  const name = `skyprobe-test-${++tableCounter}`;
  await ensureTable(client, name);
  return name;
}

async function allItems(client: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  return (await client.send(new ScanCommand({ TableName: table }))).Items ?? [];
}

/**
 * An item's size by DynamoDB's documented rule: attribute name bytes plus value bytes, where a number takes
 * 1 byte per two significant digits plus 1, and a set the sum of its elements.
 */
function dynamoItemBytes(item: Record<string, AttributeValue>): number {
  const numberBytes = (n: string) => {
    const digits = n.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
    return digits.length === 0 ? 1 : Math.ceil(digits.length / 2) + 1;
  };
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    total += Buffer.byteLength(name);
    if (value.S !== undefined) total += Buffer.byteLength(value.S);
    else if (value.N !== undefined) total += numberBytes(value.N);
    else if (value.BOOL !== undefined) total += 1;
    else if (value.SS !== undefined) total += value.SS.reduce((sum, x) => sum + Buffer.byteLength(x), 0);
    else if (value.NS !== undefined) total += value.NS.reduce((sum, x) => sum + numberBytes(x), 0);
    else throw new Error(`no size rule here for attribute ${name}`);
  }
  return total;
}

async function countItems(client: DynamoDBClient, table: string, pk: string): Promise<number> {
  const out = await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, Select: 'COUNT' }));
  return out.Count ?? 0;
}

/**
 * A loopback HTTP proxy in front of dynalite that can go away (its port then
 * refuses connections) and can make BatchWriteItem leave items unprocessed,
 * the way DynamoDB does under throttling: it forwards only the first half of
 * each table's requests and returns the rest as UnprocessedItems.
 */
interface FaultyProxy {
  readonly endpoint: string;
  /** BatchWriteItem calls that will still leave items unprocessed. */
  unprocessedCalls: number;
  batchWriteCalls: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const sockets = new Set<Socket>();
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const proxy: FaultyProxy = {
    endpoint: '',
    unprocessedCalls: 0,
    batchWriteCalls: 0,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    start: async () => {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      let body = await readBody(req);
      const unprocessed: Record<string, WriteRequest[]> = {};
      if (req.headers['x-amz-target'] === 'DynamoDB_20120810.BatchWriteItem') {
        proxy.batchWriteCalls += 1;
        if (proxy.unprocessedCalls > 0) {
          proxy.unprocessedCalls -= 1;
          const parsed = JSON.parse(body) as { RequestItems: Record<string, WriteRequest[]> };
          for (const [table, requests] of Object.entries(parsed.RequestItems)) {
            const keep = Math.floor(requests.length / 2);
            unprocessed[table] = requests.slice(keep);
            parsed.RequestItems[table] = requests.slice(0, keep);
          }
          // DynamoDB rejects an empty request list: answer that call ourselves.
          if (Object.values(parsed.RequestItems).every((r) => r.length === 0)) {
            res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ UnprocessedItems: unprocessed }));
            return;
          }
          body = JSON.stringify(parsed);
        }
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      }
      const upstream = await fetch(target, { method: req.method ?? 'POST', headers, body });
      let text = await upstream.text();
      if (Object.keys(unprocessed).length > 0 && upstream.ok) {
        const out = JSON.parse(text) as { UnprocessedItems?: Record<string, WriteRequest[]> };
        out.UnprocessedItems = { ...(out.UnprocessedItems ?? {}), ...unprocessed };
        text = JSON.stringify(out);
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/x-amz-json-1.0' }).end(text);
    })().catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (proxy as { endpoint: string }).endpoint = `http://127.0.0.1:${port}`;
  return proxy;
}

describe('DynamoResultsStore', () => {
  let db: TestDynalite;
  before(async () => {
    db = await startDynalite();
  });
  after(async () => {
    await db.close();
  });

  async function newStore(over: Partial<ConstructorParameters<typeof DynamoResultsStore>[0]> = {}) {
    const tableName = await newTable(db.client);
    const clock = fixedClock();
    const store = new DynamoResultsStore({ client: db.client, tableName, clock, ...over });
    return { store, tableName, clock };
  }

  it('creates the table idempotently', async () => {
    const name = await newTable(db.client);
    await ensureTable(db.client, name);
    await Promise.all([ensureTable(db.client, `${name}-race`), ensureTable(db.client, `${name}-race`)]);
  });

  it('round-trips results, newest first, with a before bound and a limit', async () => {
    const { store, tableName } = await newStore();
    const results = [0, 1, 2, 3].map((i) => probe({ at: T0 + i * MIN, httpStatus: 200 + i }));
    const report = await store.recordResults(results);
    // 4 raw results, 4 rollup increments and the location's marker.
    assert.deepEqual(report, { written: 4 + 4 + 1, retried: 0, pending: 0, failedTotal: 0, droppedTotal: 0, lastError: null });

    assert.deepEqual(await store.recentResults('api', 'us-east-1', { limit: 10 }), [...results].reverse());
    assert.deepEqual(await store.recentResults('api', 'us-east-1', { limit: 2 }), [results[3], results[2]]);
    assert.deepEqual(await store.recentResults('api', 'us-east-1', { limit: 10, beforeIso: results[2]?.startedAt }), [results[1], results[0]]);
    assert.deepEqual(await store.recentResults('api', 'eu-west-1', { limit: 10 }), []);

    const raw = await db.client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(storeKeys.result('api', 'us-east-1', results[0]?.startedAt ?? '')) }));
    assert.equal(raw.Item?.['expiresAt']?.N, String(T0 / 1000 + 14 * 86_400), 'raw results expire 14 days after they started');
    assert.equal(raw.Item?.['ok']?.BOOL, true);
    assert.equal(raw.Item?.['totalMs']?.N, '85');
  });

  it('keeps the latest result per location, per check and across checks', async () => {
    const { store } = await newStore();
    await store.recordResults([
      probe({ at: T0, location: 'us-east-1' }),
      probe({ at: T0 + MIN, location: 'us-east-1', errorKind: 'timeout' }),
      probe({ at: T0 + 2 * MIN, location: 'eu-west-1' }),
      probe({ at: T0, checkId: 'web', location: 'us-east-1' }),
      // "api2" starts with "api": it must not show up under check "api".
      probe({ at: T0, checkId: 'api2', location: 'us-east-1' }),
    ]);
    // An older result recorded later (a retried write) does not win, in one call or across calls.
    await store.recordResults([probe({ at: T0 + 3 * MIN, location: 'eu-west-1', errorKind: 'dns' }), probe({ at: T0 + MIN, location: 'eu-west-1' })]);
    await store.recordResults([probe({ at: T0 + 30_000, location: 'us-east-1' })]);
    const latest = await store.latest('api');
    assert.deepEqual(
      latest.map((r) => [r.location, r.startedAt, r.ok]),
      [
        ['eu-west-1', new Date(T0 + 3 * MIN).toISOString(), false],
        ['us-east-1', new Date(T0 + MIN).toISOString(), false],
      ],
    );
    const all = await store.latest();
    assert.deepEqual(
      all.map((r) => `${r.checkId}/${r.location}`),
      ['api/eu-west-1', 'api/us-east-1', 'api2/us-east-1', 'web/us-east-1'],
    );
    assert.deepEqual(await store.latest('nope'), []);
  });

  it('lists a location that first reports later, from another store instance', async () => {
    const { store, tableName, clock } = await newStore();
    await store.recordResults([probe({ at: T0, location: 'us-east-1' })]);
    assert.deepEqual((await store.latest('api')).map((r) => r.location), ['us-east-1']);
    // Another probe region: its own store, the same (replicated) table.
    const other = new DynamoResultsStore({ client: db.client, tableName, clock });
    await other.recordResults([probe({ at: T0 + 5 * MIN, location: 'ap-southeast-2', errorKind: 'timeout' })]);
    await store.recordResults([probe({ at: T0 + 6 * MIN, location: 'us-east-1' })]);
    assert.deepEqual(
      (await store.latest('api')).map((r) => [r.location, r.startedAt]),
      [
        ['ap-southeast-2', new Date(T0 + 5 * MIN).toISOString()],
        ['us-east-1', new Date(T0 + 6 * MIN).toISOString()],
      ],
    );
    assert.deepEqual((await store.latest()).map((r) => `${r.checkId}/${r.location}`), ['api/ap-southeast-2', 'api/us-east-1']);
    // Rollups and the alert policy find the new location through the same markers.
    assert.deepEqual((await store.rollups('api', { fromHour: '2025-03-10T14', toHour: '2025-03-10T14' })).map((r) => r.location), ['ap-southeast-2', 'us-east-1']);
    assert.deepEqual((await store.locationPeriods('api', T0, 10 * MIN)).map((p) => [p.location, p.runs]), [['ap-southeast-2', 1], ['us-east-1', 2]]);
  });

  it('writes no per-result latest item: raw results, rollups and one marker per location, written once', async () => {
    const { store, tableName, clock } = await newStore();
    await store.recordResults([probe({ at: T0 }), probe({ at: T0 + MIN }), probe({ at: T0, location: 'eu-west-1' })]);
    const second = await new DynamoResultsStore({ client: db.client, tableName, clock }).recordResults([probe({ at: T0 + 2 * MIN })]);
    assert.equal(second.written, 1 + 1 + 1, 'a new instance checks its marker once; the existing marker counts as written');
    const third = await store.recordResults([probe({ at: T0 + 3 * MIN })]);
    assert.equal(third.written, 1 + 1, 'an instance that marked the location writes no marker again');
    const items = await allItems(db.client, tableName);
    assert.deepEqual(items.filter((i) => (i['sk']?.S ?? '').startsWith('LATEST#') || i['pk']?.S?.startsWith('CHECK#')), []);
    const kinds = new Map<string, number>();
    for (const item of items) {
      const kind = (item['pk']?.S ?? '').split('#')[0] ?? '';
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(kinds), { RES: 5, ROLL: 2, LOCATIONS: 2 });
    const marker = await db.client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(storeKeys.location('api', 'us-east-1')) }));
    assert.equal(marker.Item?.['firstSeenAt']?.S, new Date(T0).toISOString(), 'the marker keeps the first report, not a later one');
    assert.equal(marker.Item?.['expiresAt'], undefined, 'markers do not expire');
  });

  it('rolls results up per hour with counts, a latency histogram, phase sums and error kinds', async () => {
    const { store, tableName } = await newStore();
    const hour = (h: number, m: number) => T0 + h * 3_600_000 + m * MIN;
    await store.recordResults([
      probe({ at: hour(0, 0) }),
      probe({ at: hour(0, 1), timings: { dnsMs: null, connectMs: 5, tlsMs: null, ttfbMs: 400, downloadMs: 1, totalMs: 406 }, status: 'degraded' }),
      probe({ at: hour(0, 2), errorKind: 'timeout', timings: { dnsMs: 1, connectMs: null, tlsMs: null, ttfbMs: null, downloadMs: null, totalMs: 10_000 } }),
      probe({ at: hour(0, 3), errorKind: 'http_status' }),
      probe({ at: hour(1, 0) }),
      probe({ at: hour(0, 5), location: 'eu-west-1' }),
    ]);
    const rollups = await store.rollups('api', { fromHour: '2025-03-10T14', toHour: '2025-03-10T15' });
    assert.deepEqual(
      rollups.map((r) => [r.location, r.hour, r.runs]),
      [
        ['eu-west-1', '2025-03-10T14', 1],
        ['us-east-1', '2025-03-10T14', 4],
        ['us-east-1', '2025-03-10T15', 1],
      ],
    );
    const r = rollups[1];
    assert.ok(r);
    assert.equal(r.checkId, 'api');
    assert.equal(r.failedRuns, 2);
    assert.equal(r.degradedRuns, 1);
    assert.deepEqual(r.latency, { [bucketIndex(85)]: 2, [bucketIndex(406)]: 1, [bucketIndex(10_000)]: 1 });
    assert.equal(histogramCount(r.latency), r.runs);
    assert.deepEqual(r.phaseSumMs, { dns: 2 + 1 + 2, connect: 10 + 5 + 10, tls: 20 + 20, ttfb: 50 + 400 + 50, download: 3 + 1 + 3 });
    assert.equal(r.errorsByKind.timeout, 1);
    assert.equal(r.errorsByKind.http_status, 1);
    assert.equal(r.errorsByKind.dns, 0);

    const only = await store.rollups('api', { location: 'us-east-1', fromHour: '2025-03-10T15', toHour: '2025-03-10T15' });
    assert.deepEqual(only.map((x) => x.hour), ['2025-03-10T15']);

    const item = await db.client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(storeKeys.rollup('api', 'us-east-1', '2025-03-10T14')) }));
    assert.equal(item.Item?.['expiresAt']?.N, String(T0 / 1000 + 400 * 86_400), 'rollups expire 400 days after their hour');
  });

  it('counts a result recorded twice once, in one call, across calls and across store instances', async () => {
    const { store, tableName, clock } = await newStore();
    const results = [0, 1, 2].map((i) => probe({ at: T0 + i * MIN, errorKind: i === 0 ? 'reset' : undefined }));
    await store.recordResults([...results, results[0] as ProbeResult]);
    await store.recordResults(results);
    const again = await new DynamoResultsStore({ client: db.client, tableName, clock }).recordResults(results);
    assert.equal(again.pending, 0);
    const [rollup] = await store.rollups('api', { fromHour: '2025-03-10T14', toHour: '2025-03-10T14' });
    assert.equal(rollup?.runs, 3);
    assert.equal(rollup?.failedRuns, 1);
    assert.equal(rollup?.errorsByKind.reset, 1);
    assert.equal(histogramCount(rollup?.latency ?? {}), 3);
    assert.equal(await countItems(db.client, tableName, storeKeys.result('api', 'us-east-1', '').pk), 3);
  });

  it('keeps the counted runs as a number set of start offsets within the hour, in ms', async () => {
    const { store, tableName } = await newStore();
    const starts = [T0, T0 + 12 * MIN + 345, T0 + 3_599_999, T0 + 3_600_000 + 7];
    await store.recordResults(starts.map((at) => probe({ at })));
    await store.recordResults(starts.map((at) => probe({ at })));
    const first = await db.client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(storeKeys.rollup('api', 'us-east-1', '2025-03-10T14')) }));
    assert.deepEqual([...(first.Item?.['runOffsetsMs']?.NS ?? [])].map(Number).sort((a, b) => a - b), [0, 12 * MIN + 345, 3_599_999]);
    assert.equal(first.Item?.['runIds'], undefined, 'no ISO string set any more');
    assert.equal(first.Item?.['runs']?.N, '3');
    const next = await db.client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(storeKeys.rollup('api', 'us-east-1', '2025-03-10T15')) }));
    assert.deepEqual(next.Item?.['runOffsetsMs']?.NS, ['7']);
  });

  it('keeps a 10 s check\'s full-hour rollup near 2 KB, a quarter of the ISO run id set', async () => {
    const { store, tableName } = await newStore();
    // 360 runs with millisecond jitter, as real start times have: 7 significant digits each.
    const starts = Array.from({ length: 360 }, (_, i) => T0 + i * 10_000 + 101 + ((i * 379) % 800));
    const report = await store.recordResults(starts.map((at) => probe({ at })));
    assert.equal(report.pending, 0);
    const out = await db.client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(storeKeys.rollup('api', 'us-east-1', '2025-03-10T14')) }));
    const item = out.Item ?? {};
    assert.equal(item['runOffsetsMs']?.NS?.length, 360);
    const bytes = dynamoItemBytes(item);
    assert.ok(bytes <= 2048, `rollup of 360 runs is ${bytes} B`);
    // The same item with 24-byte ISO run ids instead of the offsets.
    const offsetBytes = dynamoItemBytes({ runOffsetsMs: item['runOffsetsMs'] as AttributeValue }) - 'runOffsetsMs'.length;
    const isoBytes = bytes - offsetBytes + 360 * new Date(T0).toISOString().length;
    assert.ok(isoBytes >= 4 * bytes, `${bytes} B vs ${isoBytes} B with ISO run ids`);
  });

  it('keeps counting in an hour whose rollup was started with the old ISO run id set', async () => {
    const { store, tableName } = await newStore();
    const key = storeKeys.rollup('api', 'us-east-1', '2025-03-10T14');
    const earlier = new Date(T0).toISOString();
    // As the previous store version left it: runIds is a string set (adding numbers to it would be a type error).
    await db.client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: keyOf(key),
        UpdateExpression: 'SET checkId = :c, #location = :l, #hour = :h ADD runs :one, runIds :ids',
        ExpressionAttributeNames: { '#location': 'location', '#hour': 'hour' },
        ExpressionAttributeValues: { ':c': { S: 'api' }, ':l': { S: 'us-east-1' }, ':h': { S: '2025-03-10T14' }, ':one': { N: '1' }, ':ids': { SS: [earlier] } },
      }),
    );
    const report = await store.recordResults([probe({ at: T0 + MIN }), probe({ at: T0 + MIN })]);
    assert.equal(report.lastError, null);
    assert.equal(report.pending, 0);
    const [rollup] = await store.rollups('api', { fromHour: '2025-03-10T14', toHour: '2025-03-10T14' });
    assert.equal(rollup?.runs, 2);
  });

  it('writes more than 25 results in chunks', async () => {
    const { store, tableName } = await newStore();
    const locations = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
    const results = Array.from({ length: 90 }, (_, i) =>
      probe({ at: T0 + Math.floor(i / 6) * 10_000, checkId: i % 2 === 0 ? 'api' : 'web', location: locations[i % 3] as string }),
    );
    const report = await store.recordResults(results);
    assert.equal(report.written, 90 + 6 + 90);
    assert.equal(report.pending, 0);
    let raw = 0;
    for (const check of ['api', 'web']) for (const l of locations) raw += await countItems(db.client, tableName, storeKeys.result(check, l, '').pk);
    assert.equal(raw, 90);
    const rollups = [...(await store.rollups('api', { fromHour: '2025-03-10T14', toHour: '2025-03-10T14' })), ...(await store.rollups('web', { fromHour: '2025-03-10T14', toHour: '2025-03-10T14' }))];
    assert.equal(rollups.reduce((s, r) => s + r.runs, 0), 90);
  });

  it('rejects a result with "#" in its location before writing anything', async () => {
    const { store, tableName } = await newStore();
    await assert.rejects(store.recordResults([probe({ at: T0 }), probe({ at: T0, location: 'a#b' })]), /location must .*"#"/);
    assert.equal(await countItems(db.client, tableName, storeKeys.result('api', 'us-east-1', '').pk), 0);
  });

  it('counts runs per location and period for the alert policy', async () => {
    const { store } = await newStore();
    await store.recordResults([
      probe({ at: T0 - MIN }),
      probe({ at: T0 }),
      probe({ at: T0 + 30_000, errorKind: 'timeout' }),
      probe({ at: T0 + MIN + 5_000, status: 'degraded' }),
      probe({ at: T0 + 10_000, location: 'eu-west-1', errorKind: 'dns' }),
    ]);
    assert.deepEqual(await store.locationPeriods('api', T0 + 20_000, MIN), [
      { location: 'eu-west-1', periodStart: T0, runs: 1, failedRuns: 1, degradedRuns: 0 },
      { location: 'us-east-1', periodStart: T0, runs: 2, failedRuns: 1, degradedRuns: 0 },
      { location: 'us-east-1', periodStart: T0 + MIN, runs: 1, failedRuns: 0, degradedRuns: 1 },
    ]);
  });

  it('prunes expired raw results and keeps location markers and rollups', async () => {
    const { store, tableName, clock } = await newStore({ retentionDays: 1 });
    await store.recordResults([probe({ at: T0 }), probe({ at: T0 + 2 * 86_400_000 }), probe({ at: T0, location: 'eu-west-1' })]);
    clock.set(T0 + 86_400_000 + 1000);
    assert.equal(await store.pruneExpired(), 2);
    assert.equal(await countItems(db.client, tableName, storeKeys.result('api', 'us-east-1', '').pk), 1);
    // eu-west-1 has no raw result left: no latest result, but its rollup is still listed.
    assert.deepEqual((await store.latest('api')).map((r) => r.location), ['us-east-1']);
    assert.deepEqual(
      (await store.rollups('api', { fromHour: '2025-03-10T00', toHour: '2025-03-13T00' })).map((r) => [r.location, r.hour]),
      [
        ['eu-west-1', '2025-03-10T14'],
        ['us-east-1', '2025-03-10T14'],
        ['us-east-1', '2025-03-12T14'],
      ],
    );
  });

  describe('when writes fail', () => {
    let proxy: FaultyProxy;
    let proxiedClient: DynamoDBClient;
    before(async () => {
      proxy = await startFaultyProxy(db.endpoint);
      // One SDK retry, as a stale keep-alive socket from before an outage may fail once (AWS SDK default: 3 attempts).
      proxiedClient = localDynamoClient(proxy.endpoint, { maxAttempts: 2 });
    });
    after(async () => {
      proxiedClient.destroy();
      await proxy.stop();
    });

    it('resends unprocessed batch items until they are written', async () => {
      const tableName = await newTable(db.client);
      const store = new DynamoResultsStore({ client: proxiedClient, tableName, clock: fixedClock() });
      proxy.unprocessedCalls = 2;
      const callsBefore = proxy.batchWriteCalls;
      const results = Array.from({ length: 10 }, (_, i) => probe({ at: T0 + i * 10_000 }));
      const report = await store.recordResults(results);
      assert.equal(report.pending, 0);
      assert.equal(report.written, 10 + 10 + 1);
      assert.ok(report.retried > 0, 'unprocessed items were sent again');
      assert.ok(proxy.batchWriteCalls - callsBefore >= 3);
      assert.equal(await countItems(db.client, tableName, storeKeys.result('api', 'us-east-1', '').pk), 10);
    });

    it('keeps still-unprocessed items in the outbox and writes them on the next flush', async () => {
      const tableName = await newTable(db.client);
      const store = new DynamoResultsStore({ client: proxiedClient, tableName, clock: fixedClock(), maxBatchAttempts: 2 });
      proxy.unprocessedCalls = 2;
      const report = await store.recordResults([0, 1, 2, 3].map((i) => probe({ at: T0 + i * MIN })));
      assert.ok(report.pending > 0, 'items left after two attempts wait in the outbox');
      assert.equal(report.failedTotal, report.pending);
      assert.match(report.lastError ?? '', /unprocessed after 2 BatchWriteItem attempts/);
      assert.equal(store.pendingWrites(), report.pending);
      const flushed = await store.flush();
      assert.equal(flushed.pending, 0);
      assert.equal(flushed.written, report.pending);
      assert.equal(flushed.retried, report.pending);
      assert.equal(await countItems(db.client, tableName, storeKeys.result('api', 'us-east-1', '').pk), 4);
    });

    it('keeps every write through an outage and writes it when the table is reachable again', async () => {
      const tableName = await newTable(db.client);
      const store = new DynamoResultsStore({ client: proxiedClient, tableName, clock: fixedClock() });
      await proxy.stop();
      try {
        const first = await store.recordResults([probe({ at: T0 }), probe({ at: T0 + MIN, location: 'eu-west-1' })]);
        assert.deepEqual({ ...first, lastError: null }, { written: 0, retried: 0, pending: 6, failedTotal: 6, droppedTotal: 0, lastError: null });
        assert.match(first.lastError ?? '', /ECONNREFUSED|ECONNRESET/);
        const second = await store.recordResults([probe({ at: T0 + MIN, errorKind: 'timeout' })]);
        // raw, rollup, marker per location, plus the new raw and rollup; the us-east-1 marker is queued once.
        assert.equal(second.pending, 8);
        assert.equal(second.retried, 6);
        assert.equal(second.failedTotal, 8);
      } finally {
        await proxy.start();
      }
      const flushed = await store.flush();
      assert.equal(flushed.pending, 0);
      assert.equal(flushed.written, 8);
      assert.equal(flushed.lastError, null);
      const [rollup] = await store.rollups('api', { location: 'us-east-1', fromHour: '2025-03-10T14', toHour: '2025-03-10T14' });
      assert.equal(rollup?.runs, 2);
      assert.equal(rollup?.failedRuns, 1);
      assert.deepEqual(
        (await store.latest('api')).map((r) => [r.location, r.ok]),
        [
          ['eu-west-1', true],
          ['us-east-1', false],
        ],
      );
    });

    it('drops the oldest raw results first from a full outbox, counts them, and never drops rollups', async () => {
      const tableName = await newTable(db.client);
      const store = new DynamoResultsStore({ client: proxiedClient, tableName, clock: fixedClock(), outboxCapItems: 7 });
      await proxy.stop();
      let report;
      try {
        // 4 raw + 4 rollups + 1 location marker = 9 items for a cap of 7: the 2 oldest raw results go.
        report = await store.recordResults([0, 1, 2, 3].map((i) => probe({ at: T0 + i * MIN })));
      } finally {
        await proxy.start();
      }
      assert.equal(report.pending, 7);
      assert.equal(report.droppedTotal, 2);
      const flushed = await store.flush();
      assert.equal(flushed.lastError, null);
      assert.equal(flushed.pending, 0);
      assert.equal(flushed.droppedTotal, 2);
      const kept = await store.recentResults('api', 'us-east-1', { limit: 10 });
      assert.deepEqual(
        kept.map((r) => r.startedAt),
        [3, 2].map((i) => new Date(T0 + i * MIN).toISOString()),
      );
      const [rollup] = await store.rollups('api', { fromHour: '2025-03-10T14', toHour: '2025-03-10T14' });
      assert.equal(rollup?.runs, 4);
    });
  });

  describe('incidents', () => {
    const firstError = { kind: 'http_status', message: 'expected status 200, got 503' } as const;

    it('opens one incident per check and returns the open one when asked again', async () => {
      const { store } = await newStore();
      const opened = await store.openIncident({ checkId: 'api', openedAt: '2025-03-10T14:00:00Z', failingLocations: ['us-east-1', 'eu-west-1'], firstError });
      assert.equal(opened.created, true);
      assert.deepEqual(opened.incident, {
        id: opened.incident.id,
        checkId: 'api',
        openedAt: '2025-03-10T14:00:00.000Z',
        detectedAt: null,
        planned: false,
        closedAt: null,
        durationSeconds: null,
        failingLocations: ['us-east-1', 'eu-west-1'],
        firstError,
      });
      const again = await store.openIncident({ checkId: 'api', openedAt: '2025-03-10T14:05:00Z', failingLocations: ['us-east-1'], firstError: null });
      assert.equal(again.created, false);
      assert.deepEqual(again.incident, opened.incident);
      assert.deepEqual(await store.openIncidentFor('api'), opened.incident);
      assert.equal(await store.openIncidentFor('web'), null);
    });

    it('keeps the detection time and the planned flag', async () => {
      const { store } = await newStore();
      const { incident } = await store.openIncident({ checkId: 'db', openedAt: '2025-03-10T14:00:00Z', detectedAt: '2025-03-10T14:02:00Z', planned: true, failingLocations: ['local'], firstError });
      assert.equal(incident.detectedAt, '2025-03-10T14:02:00.000Z');
      assert.equal(incident.planned, true);
      const closed = await store.closeIncident('db', '2025-03-10T14:10:00Z');
      assert.equal(closed?.planned, true);
      assert.equal(closed?.durationSeconds, 600);
      assert.deepEqual((await store.incidents({ checkId: 'db' })).map((i) => [i.detectedAt, i.planned]), [['2025-03-10T14:02:00.000Z', true]]);
    });

    it('opens exactly one incident when writers race', async () => {
      const { store, tableName } = await newStore();
      const other = new DynamoResultsStore({ client: db.client, tableName, clock: fixedClock() });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 === 0 ? store : other).openIncident({ checkId: 'api', openedAt: new Date(T0 + i * 1000).toISOString(), failingLocations: ['us-east-1'], firstError }),
        ),
      );
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(new Set(results.map((r) => r.incident.id)).size, 1);
      assert.equal((await store.incidents({ checkId: 'api' })).length, 1);
    });

    it('closes the open incident with its duration, once', async () => {
      const { store } = await newStore();
      const { incident } = await store.openIncident({ checkId: 'api', openedAt: '2025-03-10T14:00:00Z', failingLocations: ['us-east-1'], firstError, rootCause: 'deploy 42' });
      const closed = await store.closeIncident('api', '2025-03-10T14:12:30.400Z');
      assert.deepEqual(closed, { ...incident, closedAt: '2025-03-10T14:12:30.400Z', durationSeconds: 750 });
      assert.equal(await store.openIncidentFor('api'), null);
      assert.equal(await store.closeIncident('api', '2025-03-10T15:00:00Z'), null);
      const reopened = await store.openIncident({ checkId: 'api', openedAt: '2025-03-10T16:00:00Z', failingLocations: ['eu-west-1'], firstError: null });
      assert.equal(reopened.created, true);
      assert.notEqual(reopened.incident.id, incident.id);
      assert.deepEqual(
        (await store.incidents({ checkId: 'api' })).map((i) => [i.openedAt, i.closedAt, i.rootCause]),
        [
          ['2025-03-10T14:00:00.000Z', '2025-03-10T14:12:30.400Z', 'deploy 42'],
          ['2025-03-10T16:00:00.000Z', null, undefined],
        ],
      );
    });

    it('lists incidents of every check overlapping a time range', async () => {
      const { store } = await newStore();
      const open = (checkId: string, openedAt: string) => store.openIncident({ checkId, openedAt, failingLocations: ['us-east-1'], firstError });
      await open('api', '2025-03-01T00:00:00Z');
      await store.closeIncident('api', '2025-03-01T01:00:00Z');
      await open('web', '2025-03-05T00:00:00Z');
      await store.closeIncident('web', '2025-03-06T00:00:00Z');
      await open('api', '2025-03-07T00:00:00Z');
      await open('dns', '2025-03-20T00:00:00Z');
      const ids = (list: readonly { checkId: string; openedAt: string }[]) => list.map((i) => `${i.checkId}@${i.openedAt.slice(0, 10)}`);
      assert.deepEqual(ids(await store.incidents()), ['api@2025-03-01', 'web@2025-03-05', 'api@2025-03-07', 'dns@2025-03-20']);
      assert.deepEqual(ids(await store.incidents({ fromIso: '2025-03-05T12:00:00Z', toIso: '2025-03-10T00:00:00Z' })), ['web@2025-03-05', 'api@2025-03-07']);
      assert.deepEqual(ids(await store.incidents({ checkId: 'api', fromIso: '2025-03-02T00:00:00Z' })), ['api@2025-03-07']);
      assert.deepEqual(ids(await store.incidents({ toIso: '2025-03-01T00:00:00Z' })), ['api@2025-03-01']);
    });
  });
});

describe('DynamoResultsStore on disk', () => {
  it('keeps results, rollups, location markers and incidents across a restart of the embedded server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skyprobe-dynalite-'));
    try {
      const first = await startDynalite({ path: dir });
      try {
        await ensureTable(first.client, 'skyprobe');
        const store = new DynamoResultsStore({ client: first.client, tableName: 'skyprobe', clock: fixedClock() });
        await store.recordResults([probe({ at: T0 }), probe({ at: T0 + MIN, errorKind: 'timeout' })]);
        await store.openIncident({ checkId: 'api', openedAt: new Date(T0 + MIN).toISOString(), failingLocations: ['us-east-1'], firstError: null });
      } finally {
        await first.close();
      }
      const second = await startDynalite({ path: dir });
      try {
        await ensureTable(second.client, 'skyprobe');
        const store = new DynamoResultsStore({ client: second.client, tableName: 'skyprobe', clock: fixedClock() });
        assert.equal((await store.recentResults('api', 'us-east-1', { limit: 10 })).length, 2);
        const [rollup] = await store.rollups('api', { fromHour: '2025-03-10T14', toHour: '2025-03-10T14' });
        assert.equal(rollup?.runs, 2);
        assert.equal(rollup?.failedRuns, 1);
        assert.notEqual(await store.openIncidentFor('api'), null);
        assert.deepEqual((await store.latest()).map((r) => [r.location, r.ok]), [['us-east-1', false]], 'the location markers came back too');
        // Still idempotent after the restart: the run ids came back with the rollup.
        await store.recordResults([probe({ at: T0 })]);
        assert.equal((await store.rollups('api', { fromHour: '2025-03-10T14', toHour: '2025-03-10T14' }))[0]?.runs, 2);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function keyOf(key: { pk: string; sk: string }) {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}
