import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { BatchWriteItemCommand, GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ERROR_KINDS } from '../../lambdas/core/errors.ts';
import type { ErrorKind } from '../../lambdas/core/errors.ts';
import { HISTOGRAM_LAST_BUCKET } from '../../lambdas/core/histogram.ts';
import type { Clock } from '../../lambdas/core/ports.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import type { HourlyRollup } from '../../lambdas/core/store.ts';
import { compactRollups } from '../../lambdas/monitor/rollup-compaction.ts';
import { DynamoResultsStore, ensureTable, storeKeys } from '../../lambdas/store/dynamo-store.ts';
import {
  decodeDayPack,
  encodeDayPack,
  lastPackableDay,
  PACK_AFTER_MS,
  SETTLE_MS,
  unpackedHourRanges,
} from '../../lambdas/store/rollup-packs.ts';
import { localDynamoClient, startDynalite } from '../support/dynalite.ts';
import type { TestDynalite } from '../support/dynalite.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-03-01 00:00 UTC: three days of history follow. */
const DAY1 = Date.UTC(2026, 2, 1);

function clockAt(ms: number): Clock & { set(ms: number): void } {
  let now = ms;
  return { now: () => now, monotonic: () => now, set: (next) => void (now = next) };
}

function result(checkId: string, location: string, at: number, i: number): ProbeResult {
  const failed = i % 17 === 0;
  const errorKind: ErrorKind | null = failed ? (i % 2 === 0 ? 'timeout' : 'http_status') : null;
  const totalMs = 40 + ((i * 97) % 2600);
  return {
    checkId,
    type: 'http',
    location,
    startedAt: new Date(at).toISOString(),
    ok: !failed,
    status: failed ? 'down' : 'up',
    error: errorKind === null ? null : { kind: errorKind, message: 'x' },
    timings: { dnsMs: 1 + (i % 3), connectMs: 5, tlsMs: 9, ttfbMs: totalMs - 20, downloadMs: 2, totalMs },
    httpStatus: failed ? 503 : 200,
    address: '192.0.2.1:443',
    target: 'https://example.com/',
    assertions: [],
    attempts: 1,
  };
}

/** Three days, two locations, a run every 20 minutes (the second location skips day 2's 10:00 hour). */
function history(checkId: string): ProbeResult[] {
  const out: ProbeResult[] = [];
  let i = 0;
  for (let at = DAY1; at < DAY1 + 3 * DAY; at += 20 * 60_000) {
    out.push(result(checkId, 'us-east-1', at, i++));
    if (Math.floor((at - DAY1) / HOUR) !== 34) out.push(result(checkId, 'eu-west-1', at + 7_000, i++));
  }
  return out;
}

/** A client that counts the items every Query returns. */
function countingClient(endpoint: string): { client: DynamoDBClient; items: () => number; reset: () => void } {
  const client = localDynamoClient(endpoint);
  let items = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName === 'QueryCommand') items += (out.output as { Count?: number }).Count ?? 0;
      return out;
    },
    { step: 'initialize', name: 'countQueryItems' },
  );
  return { client, items: () => items, reset: () => void (items = 0) };
}

let tables = 0;

describe('day packs', () => {
  let db: TestDynalite;
  before(async () => {
    db = await startDynalite();
  });
  after(async () => {
    await db.close();
  });

  /** The history written once through recordResults, as it happens (the clock follows the results, so none is late). */
  let template: Record<string, AttributeValue>[] = [];
  before(async () => {
    const table = `packs-${++tables}`;
    await ensureTable(db.client, table);
    const clock = clockAt(DAY1);
    const store = new DynamoResultsStore({ client: db.client, tableName: table, clock });
    const results = history('api');
    // An hour's results at a time: none is written an hour after its day ended, so none is late.
    for (let i = 0; i < results.length; i += 6) {
      const batch = results.slice(i, i + 6);
      clock.set(Date.parse((batch[batch.length - 1] as ProbeResult).startedAt) + 1_000);
      const report = await store.recordResults(batch);
      assert.equal(report.pending, 0);
    }
    template = (await db.client.send(new ScanCommand({ TableName: table }))).Items ?? [];
    assert.equal(template.filter((item) => item['sk']?.S?.startsWith('D#')).length, 0, 'no pack stub: nothing was late');
  });

  /** A fresh table holding the history. */
  async function seeded(): Promise<{ store: DynamoResultsStore; clock: ReturnType<typeof clockAt>; table: string }> {
    const table = `packs-${++tables}`;
    await ensureTable(db.client, table);
    for (let i = 0; i < template.length; i += 25) {
      const chunk = template.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      const out = await db.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: chunk } }));
      assert.equal(Object.keys(out.UnprocessedItems ?? {}).length, 0);
    }
    const clock = clockAt(DAY1 + 3 * DAY);
    return { store: new DynamoResultsStore({ client: db.client, tableName: table, clock }), clock, table };
  }

  it('encodes a day of hourly rollups and decodes it to the same rollups', () => {
    const hourArb = fc.record({
      hour: fc.integer({ min: 0, max: 23 }),
      runs: fc.nat(10_000),
      failedRuns: fc.nat(100),
      degradedRuns: fc.nat(100),
      latency: fc.dictionary(fc.integer({ min: 0, max: HISTOGRAM_LAST_BUCKET }).map(String), fc.integer({ min: 1, max: 5000 })),
      phases: fc.array(fc.nat(1e9), { minLength: 5, maxLength: 5 }),
      errors: fc.dictionary(fc.constantFrom(...ERROR_KINDS), fc.integer({ min: 1, max: 60 })),
    });
    fc.assert(
      fc.property(fc.uniqueArray(hourArb, { selector: (h) => h.hour, maxLength: 24 }), (hours) => {
        const rollups: HourlyRollup[] = hours
          .map((h) => ({
            checkId: 'api',
            location: 'eu-west-1',
            hour: `2026-03-02T${String(h.hour).padStart(2, '0')}`,
            runs: h.runs,
            failedRuns: h.failedRuns,
            degradedRuns: h.degradedRuns,
            latency: Object.fromEntries(Object.entries(h.latency).map(([b, c]) => [Number(b), c])),
            phaseSumMs: { dns: h.phases[0] ?? 0, connect: h.phases[1] ?? 0, tls: h.phases[2] ?? 0, ttfb: h.phases[3] ?? 0, download: h.phases[4] ?? 0 },
            errorsByKind: Object.fromEntries(ERROR_KINDS.map((k) => [k, h.errors[k] ?? 0])) as Record<ErrorKind, number>,
          }))
          .sort((a, b) => (a.hour < b.hour ? -1 : 1));
        assert.deepEqual(decodeDayPack(encodeDayPack(rollups), 'api', 'eu-west-1', '2026-03-02'), rollups);
      }),
    );
  });

  it('splits an hour range into the parts outside packed days', () => {
    const packed = new Set(['2026-03-02', '2026-03-04']);
    assert.deepEqual(unpackedHourRanges('2026-03-01T05', '2026-03-05T07', packed), [
      { fromHour: '2026-03-01T05', toHour: '2026-03-01T23' },
      { fromHour: '2026-03-03T00', toHour: '2026-03-03T23' },
      { fromHour: '2026-03-05T00', toHour: '2026-03-05T07' },
    ]);
    assert.deepEqual(unpackedHourRanges('2026-03-02T03', '2026-03-02T09', packed), []);
    assert.deepEqual(unpackedHourRanges('2026-03-03T09', '2026-03-03T03', packed), []);
  });

  it('knows the last day that may be packed', () => {
    assert.equal(lastPackableDay(DAY1 + 3 * DAY + PACK_AFTER_MS), '2026-03-03');
    assert.equal(lastPackableDay(DAY1 + 3 * DAY + PACK_AFTER_MS - 1), '2026-03-02');
  });

  it('reads the same rollups from packs as from the hourly items, with 30 times fewer items', async () => {
    const { store, clock } = await seeded();
    const query = { fromHour: '2026-03-01T00', toHour: '2026-03-03T23' };
    const before = await store.rollups('api', query);
    assert.equal(before.length, 3 * 24 * 2 - 1);

    clock.set(DAY1 + 3 * DAY + PACK_AFTER_MS);
    const summary = await compactRollups(store, clock);
    assert.deepEqual(summary, { pairs: 2, packed: 6, repacked: 0, conflicts: 0, hours: 143, failedPairs: 0, lastError: null, stoppedEarly: false });
    assert.deepEqual(await store.rollups('api', query), before);
  });

  it('counts the items a packed read takes on the wire', async () => {
    const { clock, table } = await seeded();
    const counting = countingClient(db.endpoint);
    const reader = new DynamoResultsStore({ client: counting.client, tableName: table, clock });
    const query = { fromHour: '2026-03-01T00', toHour: '2026-03-03T23' };
    counting.reset();
    const hourly = await reader.rollups('api', query);
    const hourlyItems = counting.items();
    assert.equal(hourlyItems, 2 + 143, 'markers and every hourly item before compaction');

    clock.set(DAY1 + 3 * DAY + PACK_AFTER_MS);
    await compactRollups(reader, clock);
    counting.reset();
    assert.deepEqual(await reader.rollups('api', query), hourly);
    assert.equal(counting.items(), 2 + 6, 'markers and one pack per day and location');
    counting.client.destroy();
  });

  it('reads hours of a partly packed range from packs and hourly items, each hour once', async () => {
    const { store, clock } = await seeded();
    const query = { fromHour: '2026-03-01T20', toHour: '2026-03-03T02' };
    const expected = await store.rollups('api', query);
    // Only day 1 and day 2 are closed long enough.
    clock.set(DAY1 + 2 * DAY + PACK_AFTER_MS);
    const summary = await compactRollups(store, clock);
    assert.equal(summary.packed, 4);
    assert.deepEqual(await store.rollups('api', query), expected);
    assert.deepEqual(
      (await store.rollups('api', { ...query, location: 'eu-west-1' })).map((r) => r.hour),
      expected.filter((r) => r.location === 'eu-west-1').map((r) => r.hour),
    );
  });

  it('a late increment invalidates the pack until compaction packs the day again', async () => {
    const { store, clock } = await seeded();
    const query = { fromHour: '2026-03-01T00', toHour: '2026-03-01T23' };
    clock.set(DAY1 + 3 * DAY + PACK_AFTER_MS);
    await compactRollups(store, clock);
    const packed = await store.rollups('api', query);

    // A result of day 1 written three days late (an outbox that held it).
    const late = { ...result('api', 'us-east-1', DAY1 + 5 * HOUR + 61_000, 3), ok: false, status: 'down' as const, error: { kind: 'timeout' as const, message: 'x' } };
    await store.recordResults([late]);
    const after = await store.rollups('api', query);
    const hour5 = (rs: readonly HourlyRollup[]) => rs.find((r) => r.location === 'us-east-1' && r.hour === '2026-03-01T05');
    assert.equal(hour5(after)?.runs, (hour5(packed)?.runs ?? 0) + 1, 'the late run is read from the hourly item');
    assert.equal(hour5(after)?.failedRuns, (hour5(packed)?.failedRuns ?? 0) + 1);

    const again = await compactRollups(store, clock);
    assert.equal(again.packed, 1, 'only the day that took the late increment');
    assert.deepEqual(await store.rollups('api', query), after);
    // The same late result recorded again is counted once; it marks the pack dirty again, which costs reads, never a wrong count.
    await store.recordResults([late]);
    assert.deepEqual(await store.rollups('api', query), after);
  });

  it('fails the pack, not the count, when a late increment lands while the day is being packed', async () => {
    const { clock, table } = await seeded();
    clock.set(DAY1 + 3 * DAY + PACK_AFTER_MS);
    const writer = new DynamoResultsStore({ client: db.client, tableName: table, clock });
    // The packer's client lets a late increment in between its read of `dirty` and its read of the hours.
    const racing = localDynamoClient(db.endpoint);
    let injected = false;
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ConsistentRead?: boolean; ExpressionAttributeValues?: Record<string, { S?: string }> };
        if (!injected && context.commandName === 'QueryCommand' && input.ConsistentRead === true) {
          injected = true;
          await writer.recordResults([result('api', 'us-east-1', DAY1 + 30 * HOUR + 5_000, 1)]);
        }
        return next(args);
      },
      { step: 'initialize', name: 'lateIncrement' },
    );
    const packer = new DynamoResultsStore({ client: racing, tableName: table, clock });
    const outcome = await packer.packDay('api', 'us-east-1', '2026-03-02');
    assert.equal(outcome.status, 'conflict');
    const states = await packer.dayPackStates('api', 'us-east-1', '2026-03-02', '2026-03-02');
    assert.deepEqual(states.map((s) => s.valid), [false], 'a stub marked dirty, no pack');
    // The next try packs it, late run included.
    const retry = await packer.packDay('api', 'us-east-1', '2026-03-02');
    assert.equal(retry.status, 'packed');
    const hours = await packer.rollups('api', { fromHour: '2026-03-02T06', toHour: '2026-03-02T06', location: 'us-east-1' });
    assert.equal(hours[0]?.runs, 4, 'three runs of the hour and the late one');
    racing.destroy();
  });

  it('packs again once the day settled, and not after that', async () => {
    const { store, clock, table } = await seeded();
    clock.set(DAY1 + DAY + PACK_AFTER_MS);
    assert.equal((await compactRollups(store, clock)).packed, 2);
    assert.equal((await compactRollups(store, clock)).packed, 0, 'nothing new an instant later');
    clock.set(DAY1 + DAY + SETTLE_MS + PACK_AFTER_MS);
    const settled = await compactRollups(store, clock);
    assert.equal(settled.repacked, 2);
    assert.equal(settled.packed, 2, 'day 2 is closed by now too');
    const states = await store.dayPackStates('api', 'us-east-1', '2026-03-01', '2026-03-02');
    assert.deepEqual(
      states.map((s) => [s.day, s.valid, s.final]),
      [
        ['2026-03-01', true, true],
        ['2026-03-02', true, false],
      ],
    );
    clock.set(DAY1 + DAY + SETTLE_MS + PACK_AFTER_MS + HOUR);
    const later = await compactRollups(store, clock);
    assert.equal(later.repacked + later.packed, 0);
    const item = await db.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'ROLL#api#us-east-1' }, sk: { S: 'D#2026-03-01' } } }));
    assert.equal(item.Item?.['hourCount']?.N, '24');
    assert.equal(item.Item?.['runs']?.N, String(24 * 3));
  });

  it('packs empty days, starts at the first report, looks back only so far and stops at its deadline', async () => {
    const { store, clock } = await seeded();
    // A week after the history ends: days 4 to 9 have no runs.
    clock.set(DAY1 + 10 * DAY + PACK_AFTER_MS);
    const short = await compactRollups(store, clock, { lookbackDays: 2 });
    assert.equal(short.packed, 4, 'days 9 and 10 of both locations');
    const cut = await compactRollups(store, clock, { deadlineMs: clock.now() });
    assert.equal(cut.stoppedEarly, true);
    assert.equal(cut.packed, 0);
    const full = await compactRollups(store, clock);
    assert.equal(full.packed, 2 * 8, 'days 1 to 8 of both locations; nothing before the first report');
    const states = await store.dayPackStates('api', 'us-east-1', '2026-02-20', '2026-03-11');
    assert.equal(states[0]?.day, '2026-03-01');
    assert.equal(states.length, 10);
    const empty = await store.rollups('api', { fromHour: '2026-03-05T00', toHour: '2026-03-05T23' });
    assert.deepEqual(empty, []);
  });

  it('rejects packing a day that is not over, or not a day', async () => {
    const { store, clock } = await seeded();
    clock.set(DAY1 + 3 * DAY + PACK_AFTER_MS - 1);
    await assert.rejects(store.packDay('api', 'us-east-1', '2026-03-03'), /day 2026-03-03 cannot be packed before 2026-03-04T02:00:00.000Z/);
    await assert.rejects(store.packDay('api', 'us-east-1', 'yesterday'), /day must be yyyy-mm-dd, got "yesterday"/);
    await assert.rejects(store.packDay('a#b', 'us-east-1', '2026-03-01'), /checkId/);
  });

  it('counts a pair whose compaction fails and goes on with the others', async () => {
    const { store, clock } = await seeded();
    clock.set(DAY1 + 3 * DAY + PACK_AFTER_MS);
    const failing = {
      reportingPairs: () => store.reportingPairs(),
      dayPackStates: store.dayPackStates.bind(store),
      packDay: (checkId: string, location: string, day: string) =>
        location === 'eu-west-1' ? Promise.reject(new Error('throttled')) : store.packDay(checkId, location, day),
    };
    const summary = await compactRollups(failing, clock);
    assert.equal(summary.failedPairs, 1);
    assert.equal(summary.packed, 3);
    assert.equal(summary.lastError, 'api@eu-west-1: Error: throttled');
  });

  it('keeps the hourly items: a pack is a copy', async () => {
    const { store, clock, table } = await seeded();
    clock.set(DAY1 + 3 * DAY + PACK_AFTER_MS);
    await compactRollups(store, clock);
    const key = storeKeys.rollup('api', 'us-east-1', '2026-03-01T00');
    const hourly = await db.client.send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)', ExpressionAttributeValues: { ':pk': { S: key.pk }, ':h': { S: 'H#' } } }),
    );
    assert.equal(hourly.Count, 72);
  });
});
