/** Stored monthly reports in the DynamoDB store, against the embedded dynalite. */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { histogramOf } from '../../lambdas/core/histogram.ts';
import { buildMonthlyReport } from '../../lambdas/core/report.ts';
import type { MonthlyReport } from '../../lambdas/core/report.ts';
import { parseMonth } from '../../lambdas/core/report-month.ts';
import type { Incident } from '../../lambdas/core/store.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';
import { startDynalite, type TestDynalite } from '../support/dynalite.ts';

let db: TestDynalite;

/** A report of `checks` checks; each with `incidents` one-minute incidents (a flapping month is big). */
function report(checks: number, incidents: number): MonthlyReport {
  const month = parseMonth('2026-10');
  return buildMonthlyReport({
    project: 'demo',
    month,
    nowMs: Date.UTC(2026, 10, 2),
    maintenance: [],
    subjects: Array.from({ length: checks }, (_, c) => ({
      subject: { id: `check-${c}`, name: `Check ${c}`, tags: [], sloPercent: 99.9 },
      rollups: [{ checkId: `check-${c}`, location: 'a', hour: '2026-10-01T00', runs: 60, failedRuns: 1, degradedRuns: 0, latency: histogramOf([50, 60, 70]), phaseSumMs: { dns: 0, connect: 0, tls: 0, ttfb: 0, download: 0 }, errorsByKind: {} as never }],
      incidents: Array.from({ length: incidents }, (_, i): Incident => ({
        id: `c${c}-i${i}-${'x'.repeat(30)}`,
        checkId: `check-${c}`,
        openedAt: new Date(month.startMs + i * 120_000).toISOString(),
        detectedAt: null,
        planned: false,
        closedAt: new Date(month.startMs + i * 120_000 + 60_000).toISOString(),
        durationSeconds: 60,
        failingLocations: ['us-east-1', 'eu-west-1'],
        firstError: { kind: 'timeout', message: 'timed out after 10000ms waiting for the response headers' },
      })),
    })),
  });
}

before(async () => {
  db = await startDynalite();
});
after(async () => {
  await db?.close();
});

describe('stored monthly reports', () => {
  it('stores a report as a summary and an item per check, and reads it back whole', async () => {
    await ensureTable(db.client, 'reports-1');
    const store = new DynamoResultsStore({ client: db.client, tableName: 'reports-1', clock: { now: () => 0, monotonic: () => 0 } });
    const original = report(30, 2);
    assert.equal(await store.putReport(original), 31);
    assert.deepEqual(await store.getReport('2026-10'), original);
    assert.equal(await store.getReport('2026-09'), null);
  });

  it('keeps a flapping month of 3,000 incidents under the item size limit by compressing it', async () => {
    await ensureTable(db.client, 'reports-2');
    const store = new DynamoResultsStore({ client: db.client, tableName: 'reports-2', clock: { now: () => 0, monotonic: () => 0 } });
    const big = report(1, 3000);
    assert.ok(JSON.stringify(big).length > 400 * 1024, 'the uncompressed report is over 400 KB');
    await store.putReport(big);
    assert.equal((await store.getReport('2026-10'))?.checks[0]?.incidents.length, 3000);
  });

  it('replaces a month stored again, even with fewer checks', async () => {
    await ensureTable(db.client, 'reports-3');
    const store = new DynamoResultsStore({ client: db.client, tableName: 'reports-3', clock: { now: () => 0, monotonic: () => 0 } });
    await store.putReport(report(3, 0));
    const smaller = report(2, 1);
    await store.putReport(smaller);
    assert.deepEqual((await store.getReport('2026-10'))?.checks.map((c) => c.checkId), ['check-0', 'check-1']);
    const items = await db.client.send(new QueryCommand({ TableName: 'reports-3', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'REPORT' } } }));
    assert.deepEqual(items.Items?.map((i) => i['sk']?.S), ['2026-10', '2026-10#CHECK#check-0', '2026-10#CHECK#check-1', '2026-10#CHECK#check-2']);
  });
});
