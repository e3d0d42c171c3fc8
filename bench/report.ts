/**
 * The monthly report over a full month of history: 100 checks × 5 locations × 720 hourly rollups
 * (360,000 items, each as big as a 1-minute check's: 60 run offsets, a latency histogram, phase sums)
 * plus incidents, in the embedded store on disk (dynalite, as `skyprobe run` keeps it).
 *
 * Seeding is not measured: the items are written once with BatchWriteItem into bench/out/report-db and
 * reused by later runs (delete the directory to seed again). Then compaction packs each closed day into one
 * item per check and location, as the runner does every hour; that is timed and reported on its own.
 * Measured: building the report the way `skyprobe report --data-dir` does (a fresh embedded server on that
 * directory, readMonthlyReport: per check and location one Query of the month's day packs, plus the
 * incident index), its items read, requests and read capacity (ReturnConsumedCapacity, added to every read
 * by a client middleware), and rendering.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { histogramOf } from '../lambdas/core/histogram.ts';
import { readMonthlyReport } from '../lambdas/core/report-data.ts';
import { compactRollups } from '../lambdas/monitor/rollup-compaction.ts';
import { renderReportHtml } from '../lambdas/core/report-html.ts';
import { renderReportMarkdown } from '../lambdas/core/report-markdown.ts';
import { parseMonth } from '../lambdas/core/report-month.ts';
import type { ReportSubject } from '../lambdas/core/report.ts';
import type { HourlyRollup } from '../lambdas/core/store.ts';
import { startEmbeddedDynamo } from '../lambdas/local/embedded-dynamo.ts';
import { DynamoResultsStore, ensureTable, locationMarkerItem, rollupItem, storeKeys } from '../lambdas/store/dynamo-store.ts';
import type { Io } from '../lambdas/cli/io.ts';
import { openReportStore } from '../lambdas/cli/commands/report.ts';
import { announce, BENCH_DIR, fmt, log } from './lib.ts';
import type { BenchFigure } from './types.ts';

const SECTION = 'report';
const CHECKS = 100;
const LOCATIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1', 'us-west-2', 'sa-east-1'] as const;
const MONTH = parseMonth('2026-09'); // 30 days: 720 hours
const TABLE = 'skyprobe';
const DB_DIR = join(BENCH_DIR, 'out', 'report-db');
/** Bump when the seeded shape changes, so a stale cache is rebuilt. */
const SEED_VERSION = 'v3';
const SEED_MARKER = join(DB_DIR, 'seeded.json');
const RUNS = 3;
const GOAL_SECONDS = 5;
const CLOCK = { now: () => MONTH.endMs + 86_400_000, monotonic: () => performance.now() };

/** The command's io: nothing is written to it when the store opens. */
const BENCH_IO: Io = { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: BENCH_DIR };

const checkId = (c: number) => `check-${String(c).padStart(3, '0')}`;

function subjects(): ReportSubject[] {
  return Array.from({ length: CHECKS }, (_, c) => ({ id: checkId(c), name: `Check ${c}`, tags: [], sloPercent: 99.9 }));
}

/** A 1-minute check's hour in one location: 60 runs, latencies spread around 80-400 ms, now and then a failure. */
function hourRollup(c: number, location: string, hourIndex: number): HourlyRollup {
  const hour = new Date(MONTH.startMs + hourIndex * 3_600_000).toISOString().slice(0, 13);
  const seed = (c * 7919 + hourIndex * 104_729 + location.length * 31) % 1000;
  const latencies = Array.from({ length: 60 }, (_, i) => 80 + ((seed + i * 37) % 320));
  const failedRuns = seed % 97 === 0 ? 3 : 0;
  const total = latencies.reduce((a, b) => a + b, 0);
  return {
    checkId: checkId(c),
    location,
    hour,
    runs: 60,
    failedRuns,
    degradedRuns: 0,
    latency: histogramOf(latencies),
    phaseSumMs: { dns: 60 * 2, connect: 60 * 12, tls: 60 * 25, ttfb: Math.round(total * 0.6), download: 60 * 3 },
    errorsByKind: { timeout: failedRuns } as HourlyRollup['errorsByKind'],
  };
}

async function batchWrite(client: DynamoDBClient, items: readonly Record<string, AttributeValue>[]): Promise<void> {
  let requests = items.map((Item) => ({ PutRequest: { Item } }));
  while (requests.length > 0) {
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: requests } }));
    requests = (out.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
  }
}

async function seed(): Promise<{ rollups: number; incidents: number; seconds: number }> {
  rmSync(DB_DIR, { recursive: true, force: true });
  mkdirSync(DB_DIR, { recursive: true });
  const t0 = performance.now();
  const dynamo = await startEmbeddedDynamo({ path: join(DB_DIR, 'db') });
  let rollups = 0;
  let incidents = 0;
  try {
    await ensureTable(dynamo.client, TABLE);
    const offsets = Array.from({ length: 60 }, (_, i) => i * 60_000 + 123);
    const expires = Math.floor(MONTH.endMs / 1000) + 400 * 86_400;
    const markers = Array.from({ length: CHECKS }, (_, c) => LOCATIONS.map((l) => locationMarkerItem(checkId(c), l, new Date(MONTH.startMs).toISOString()))).flat();
    for (let i = 0; i < markers.length; i += 25) await batchWrite(dynamo.client, markers.slice(i, i + 25));
    const hours = (MONTH.endMs - MONTH.startMs) / 3_600_000;
    const pending: Promise<void>[] = [];
    let batch: Record<string, AttributeValue>[] = [];
    for (let c = 0; c < CHECKS; c++) {
      for (const location of LOCATIONS) {
        for (let h = 0; h < hours; h++) {
          batch.push(rollupItem(hourRollup(c, location, h), offsets, expires));
          rollups += 1;
          if (batch.length === 25) {
            pending.push(batchWrite(dynamo.client, batch));
            batch = [];
            if (pending.length >= 8) await Promise.all(pending.splice(0));
          }
        }
      }
      if (c % 10 === 9) log(`seeded ${c + 1} of ${CHECKS} checks (${fmt((performance.now() - t0) / 1000, 0)} s)`);
    }
    if (batch.length > 0) pending.push(batchWrite(dynamo.client, batch));
    await Promise.all(pending);
    // Incidents through the store, as the monitor writes them: two a month per check, one that crosses midnight.
    const store = new DynamoResultsStore({ client: dynamo.client, tableName: TABLE, clock: CLOCK });
    for (let c = 0; c < CHECKS; c++) {
      for (const day of [3 + (c % 20), 24]) {
        const openedMs = MONTH.startMs + day * 86_400_000 + (c % 24) * 3_600_000;
        await store.openIncident({ checkId: checkId(c), openedAt: new Date(openedMs).toISOString(), detectedAt: new Date(openedMs + 120_000).toISOString(), failingLocations: ['us-east-1', 'eu-west-1'], firstError: { kind: 'timeout', message: 'timed out' } });
        await store.closeIncident(checkId(c), new Date(openedMs + (5 + (c % 40)) * 60_000).toISOString());
        incidents += 1;
      }
    }
    // Then the day packs, as the runner's hourly compaction makes them (one day of it is measured in run()).
    const summary = await compactRollups(store, CLOCK);
    if (summary.failedPairs > 0 || summary.packed !== CHECKS * LOCATIONS.length * 30) throw new Error(`compaction: ${JSON.stringify(summary)}`);
  } finally {
    await dynamo.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  writeFileSync(SEED_MARKER, JSON.stringify({ version: SEED_VERSION, rollups, incidents, seconds }));
  return { rollups, incidents, seconds };
}

/**
 * The runner's daily work, measured on every run: the month's last day unpacked again (its 500 packs
 * deleted), then compaction, which finds and packs exactly those.
 */
async function dailyCompaction(): Promise<BenchFigure> {
  const day = new Date(MONTH.endMs - 1).toISOString().slice(0, 10);
  const opened = await openReportStore('report', BENCH_IO, { dataDir: DB_DIR, aws: false });
  try {
    const keys = Array.from({ length: CHECKS }, (_, c) => LOCATIONS.map((l) => storeKeys.dayPack(checkId(c), l, day))).flat();
    for (let i = 0; i < keys.length; i += 25) {
      const chunk = keys.slice(i, i + 25).map((k) => ({ DeleteRequest: { Key: { pk: { S: k.pk }, sk: { S: k.sk } } } }));
      await opened.client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: chunk } }));
    }
    const t0 = performance.now();
    const summary = await compactRollups(opened.store, CLOCK);
    const seconds = (performance.now() - t0) / 1000;
    if (summary.failedPairs > 0 || summary.packed !== keys.length) throw new Error(`compaction: ${JSON.stringify(summary)}`);
    return announce({ section: SECTION, name: 'compaction of one day, 100 checks × 5 locations', value: seconds, unit: 's', note: `${summary.packed} packs from ${summary.hours} hourly rollups, and a look at the month's packs of every pair (the runner's hourly work once a day is over)` });
  } finally {
    await opened.close();
  }
}

interface ReadCounters {
  requests: number;
  items: number;
  capacityUnits: number;
}

/** Counts requests, items returned and consumed read capacity of every call the client makes. */
function countReads(client: DynamoDBClient): ReadCounters {
  const counters: ReadCounters = { requests: 0, items: 0, capacityUnits: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input['ReturnConsumedCapacity'] = 'TOTAL';
      const out = await next(args);
      const body = out.output as { Count?: number; Responses?: Record<string, unknown[]>; ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[]; Item?: unknown };
      counters.requests += 1;
      counters.items += body.Count ?? Object.values(body.Responses ?? {}).reduce((n, list) => n + list.length, 0) + (body.Item === undefined ? 0 : 1);
      const capacity = Array.isArray(body.ConsumedCapacity) ? body.ConsumedCapacity : body.ConsumedCapacity === undefined ? [] : [body.ConsumedCapacity];
      counters.capacityUnits += capacity.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
      return out;
    },
    { step: 'initialize', name: 'benchReadCounter' },
  );
  return counters;
}

export async function run(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  type Seeded = { version?: string; rollups: number; incidents: number; seconds: number };
  let seeded: Seeded | null = null;
  if (existsSync(SEED_MARKER)) {
    const found = JSON.parse(readFileSync(SEED_MARKER, 'utf8')) as Seeded;
    if (found.version === SEED_VERSION) seeded = found;
  }
  if (seeded === null) {
    log(`seeding ${CHECKS} checks × ${LOCATIONS.length} locations × 720 hours into ${DB_DIR} (once; not measured)`);
    seeded = await seed();
  } else {
    log(`reusing the seeded store in ${DB_DIR} (${seeded.rollups} rollups, ${seeded.incidents} incidents; delete it to seed again)`);
  }
  figures.push(announce({ section: SECTION, name: 'rollup items in the month', value: seeded.rollups, unit: 'items', note: `${CHECKS} checks × ${LOCATIONS.length} locations × 720 h, seeded in ${fmt(seeded.seconds, 0)} s` }));
  figures.push(await dailyCompaction());

  const seconds: number[] = [];
  let last: ReadCounters | null = null;
  let report: Awaited<ReturnType<typeof readMonthlyReport>> | null = null;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    // Exactly what `skyprobe report --data-dir` does: lock the directory, start the embedded server on it, read, close.
    const opened = await openReportStore('report', BENCH_IO, { dataDir: DB_DIR, aws: false });
    const counters = countReads(opened.client);
    try {
      report = await readMonthlyReport(opened.store, { project: 'bench', month: MONTH, nowMs: CLOCK.now(), subjects: subjects(), maintenance: [] });
    } finally {
      await opened.close();
    }
    seconds.push((performance.now() - t0) / 1000);
    last = counters;
    log(`run ${i + 1}: ${fmt(seconds[i] ?? null)} s, ${counters.requests} requests, ${counters.items} items`);
  }
  if (report === null || last === null) throw new Error('no report was built');
  const runs = report.checks.reduce((n, c) => n + c.runs, 0);
  if (runs !== seeded.rollups * 60) throw new Error(`the report counted ${runs} runs, the store holds ${seeded.rollups * 60}`);
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? null;
  figures.push(
    announce({ section: SECTION, name: 'month report build, 100 checks × 5 locations (median)', value: median, unit: 's', goal: `< ${GOAL_SECONDS} s`, pass: median !== null && median < GOAL_SECONDS, note: `best ${fmt(sorted[0] ?? null)} s of ${RUNS}; embedded store on disk, server start included` }),
  );
  figures.push(announce({ section: SECTION, name: 'items read per report', value: last.items, unit: 'items', note: 'day packs + location markers + incident index and incidents; no Scan' }));
  figures.push(announce({ section: SECTION, name: 'read requests per report', value: last.requests, unit: 'requests' }));
  figures.push(announce({ section: SECTION, name: 'read capacity per report', value: last.capacityUnits, unit: 'RCU', note: last.capacityUnits === 0 ? 'the server reported none' : 'eventually consistent, as reported by the server' }));

  let t = performance.now();
  const json = JSON.stringify(report);
  const jsonMs = performance.now() - t;
  t = performance.now();
  const md = renderReportMarkdown(report);
  const mdMs = performance.now() - t;
  t = performance.now();
  const html = renderReportHtml(report);
  const htmlMs = performance.now() - t;
  figures.push(announce({ section: SECTION, name: 'render json / md / html', value: jsonMs + mdMs + htmlMs, unit: 'ms', note: `${fmt(jsonMs, 0)} / ${fmt(mdMs, 0)} / ${fmt(htmlMs, 0)} ms; ${fmt(json.length / 1024, 0)} / ${fmt(md.length / 1024, 0)} / ${fmt(html.length / 1024, 0)} KiB` }));
  return figures;
}
