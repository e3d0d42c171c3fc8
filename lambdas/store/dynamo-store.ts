import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  AttributeValue,
  DynamoDBClient,
  QueryCommandInput,
  ScanCommandInput,
  UpdateItemCommandInput,
  WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isDegradedRun, isFailedRun, locationPeriodsFromResults, periodStartOf } from '../core/alert-policy.ts';
import type { LocationPeriod } from '../core/alert-policy.ts';
import { ERROR_KINDS } from '../core/errors.ts';
import type { ErrorKind, ProbeError } from '../core/errors.ts';
import { bucketIndex, HISTOGRAM_LAST_BUCKET } from '../core/histogram.ts';
import type { Histogram } from '../core/histogram.ts';
import type { Clock } from '../core/ports.ts';
import type { CheckReport, MonthlyReport } from '../core/report.ts';
import type { ProbeResult, RunStatus } from '../core/result.ts';
import { utcHourOf } from '../core/store.ts';
import { dayEndMs, decodeDayPack, encodeDayPack, LATE_WRITE_MS, lastPackableDay, PACK_AFTER_MS, SETTLE_MS, unpackedHourRanges } from './rollup-packs.ts';
import type {
  HourlyRollup,
  Incident,
  IncidentNote,
  IncidentsQuery,
  OpenIncidentInput,
  OpenIncidentResult,
  PhaseSumsMs,
  RecentResultsQuery,
  ReportStore,
  ReportingPair,
  ResultsStore,
  RollupPackStore,
  RollupsQuery,
  DayPackOutcome,
  DayPackState,
  WriteReport,
} from '../core/store.ts';

/**
 * The results store on one DynamoDB table (single-table design), the same
 * code against AWS or the embedded dynalite server.
 *
 * | entity            | pk                        | sk                        | writer         | kept                 |
 * |-------------------|---------------------------|---------------------------|----------------|----------------------|
 * | raw result        | RES#<check>#<location>    | <startedAt ISO>           | probe location | TTL, 14 d            |
 * | location marker   | LOCATIONS                 | <check>#<location>        | probe location | forever, written once |
 * | hourly rollup     | ROLL#<check>#<location>   | H#<yyyy-mm-ddThh>         | probe location | TTL, 400 d           |
 * | day pack          | ROLL#<check>#<location>   | D#<yyyy-mm-dd>            | compaction     | TTL, 400 d           |
 * | open incident     | CHECK#<check>             | OPEN                      | home region    | deleted on close     |
 * | incident          | INC#<check>               | <openedAt ISO>#<id>       | home region    | forever              |
 * | incident index    | INCIDENTS                 | <openedAt ISO>#<check>#<id> | home region  | forever              |
 * | incident by id    | INCID#<id>                | INCIDENT                  | home region    | forever              |
 * | report summary    | REPORT                    | <yyyy-mm>                 | home region    | forever              |
 * | report of a check | REPORT                    | <yyyy-mm>#CHECK#<check>   | home region    | forever              |
 * | report published  | REPORT                    | <yyyy-mm>#PUBLISHED       | home region    | forever              |
 *
 * `expiresAt` (epoch seconds) is the TTL attribute. dynalite never expires
 * items: the local runner calls `pruneExpired()` instead.
 *
 * A result costs two writes, each billed in every replica region of a
 * global table: the raw put (~850 B, 1 WRU) and the rollup increment. There
 * is no per-result "latest" item: `latest()` reads the newest raw result of
 * each location (Query, newest first, Limit 1: 0.5 RCU eventually
 * consistent), which is far cheaper than a write per result in every replica
 * because results are written every minute and read only when someone looks.
 * The locations it reads come from the location markers, written once, when
 * a check first reports from a location (a GetItem, then a conditional put if
 * missing, once per store instance), never from a Scan.
 *
 * Writes are idempotent without transactions (dynalite has none): raw items
 * are plain puts of the same key, a marker put is conditional on its absence,
 * and a rollup increment is conditional on its run id not being in the
 * rollup's `runOffsetsMs` set yet, so a result recorded twice is counted once.
 * The run id is the run's start offset within the rollup's hour in ms
 * (0..3,599,999): a number of ~5 bytes in DynamoDB's encoding, where the ISO
 * startedAt was 24, which keeps a 10 s check's rollup near 2 KB instead of 9.
 * (Rollups written before this encoding keep a `runIds` string set, no longer
 * read or written: adding numbers to it would be a type error.)
 *
 * Incident notes (root cause, corrective action) are set with UpdateItem on
 * the incident item (and on the open-incident pointer while it is open);
 * closing an incident updates only its own fields, so a note is never lost to
 * a close. A monthly report is a summary item plus one item per check, each a
 * gzipped JSON body (a month of a flapping check can hold hundreds of
 * incidents; an item holds at most 400 KB); the summary lists the checks and
 * is written last, so a reader never sees half a report.
 */

export interface DynamoResultsStoreProps {
  /** Configured by the caller: region, endpoint, credentials, SDK retries. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;
  /** Raw results expire this many days after they started. @default 14 */
  readonly retentionDays?: number;
  /** Hourly rollups expire this many days after their hour. @default 400 */
  readonly rollupRetentionDays?: number;
  /** BatchWriteItem sends per chunk before unprocessed items go to the outbox. @default 5 */
  readonly maxBatchAttempts?: number;
  /** Outbox size above which the oldest raw results are dropped (counted in `droppedTotal`). @default 10000 */
  readonly outboxCapItems?: number;
}

const LOCATIONS_PK = 'LOCATIONS';
const REPORT_PK = 'REPORT';
/** Attributes only `skyprobe incident note` writes: closing an incident leaves them alone. */
const NOTE_ATTRIBUTES: ReadonlySet<string> = new Set(['rootCause', 'correctiveAction', 'notedAt']);

/** Key builders: the single-table layout above, in one place. Ids must not contain `#`. */
export const storeKeys = {
  result: (checkId: string, location: string, startedAtIso: string) => ({ pk: `RES#${checkId}#${location}`, sk: startedAtIso }),
  location: (checkId: string, location: string) => ({ pk: LOCATIONS_PK, sk: `${checkId}#${location}` }),
  rollup: (checkId: string, location: string, hour: string) => ({ pk: `ROLL#${checkId}#${location}`, sk: `H#${hour}` }),
  dayPack: (checkId: string, location: string, day: string) => ({ pk: `ROLL#${checkId}#${location}`, sk: `D#${day}` }),
  openIncident: (checkId: string) => ({ pk: `CHECK#${checkId}`, sk: 'OPEN' }),
  incident: (checkId: string, openedAtIso: string, id: string) => ({ pk: `INC#${checkId}`, sk: `${openedAtIso}#${id}` }),
  incidentIndex: (checkId: string, openedAtIso: string, id: string) => ({ pk: 'INCIDENTS', sk: `${openedAtIso}#${checkId}#${id}` }),
  incidentById: (id: string) => ({ pk: `INCID#${id}`, sk: 'INCIDENT' }),
  reportSummary: (month: string) => ({ pk: REPORT_PK, sk: month }),
  reportCheck: (month: string, checkId: string) => ({ pk: REPORT_PK, sk: `${month}#CHECK#${checkId}` }),
  reportPublished: (month: string) => ({ pk: REPORT_PK, sk: `${month}#PUBLISHED` }),
} as const;

const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;
const ROLLUP_CONCURRENCY = 8;
/** More runs of unpacked days than this in a rollup read, and it reads every hourly item of the range instead. */
const MAX_UNPACKED_RANGES = 4;
const READ_CONCURRENCY = 8;
const BACKOFF_BASE_MS = 25;
const BACKOFF_CAP_MS = 1000;
const DAY_SECONDS = 86_400;
const HISTOGRAM_PREFIX = 'lb_';
const PHASE_PREFIX = 'ph_';
/** The rollup's run ids: a number set of run start offsets within the hour, in ms. */
const RUN_OFFSETS_ATTRIBUTE = 'runOffsetsMs';
const ERROR_PREFIX = 'err_';
const PHASES = { dns: 'dnsMs', connect: 'connectMs', tls: 'tlsMs', ttfb: 'ttfbMs', download: 'downloadMs' } as const;

type Item = Record<string, AttributeValue>;

/**
 * What `rollups()` reads of an item: the counts, every histogram bucket, phase and error attribute, but not
 * the run-offset set, which is most of a rollup's bytes (60 numbers an hour for a 1-minute check). The
 * read capacity is the same (DynamoDB bills the whole item); the transfer and parsing are a third.
 */
const ROLLUP_PROJECTION = (() => {
  const attributes = [
    'sk',
    'runs',
    'failedRuns',
    'degradedRuns',
    ...Array.from({ length: HISTOGRAM_LAST_BUCKET + 1 }, (_, i) => `${HISTOGRAM_PREFIX}${i}`),
    ...Object.keys(PHASES).map((phase) => `${PHASE_PREFIX}${phase}`),
    ...ERROR_KINDS.map((kind) => `${ERROR_PREFIX}${kind}`),
  ];
  const names = Object.fromEntries(attributes.map((name, i) => [`#p${i}`, name]));
  return { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names } as const;
})();

interface PutWrite {
  readonly kind: 'raw';
  /** pk + sk */
  readonly key: string;
  readonly item: Item;
  failedBefore: boolean;
}

/** The first report of a check from a location: written once, conditionally. */
interface LocationWrite {
  readonly kind: 'location';
  readonly item: Item;
  failedBefore: boolean;
}

interface RollupWrite {
  readonly kind: 'rollup';
  /** pk + sk + run id */
  readonly key: string;
  readonly update: UpdateItemCommandInput;
  /** The day pack an increment this late must mark dirty, and the end of its day (epoch ms). */
  readonly pack: { readonly pk: string; readonly sk: string; readonly dayEndMs: number };
  failedBefore: boolean;
}

type PendingWrite = PutWrite | LocationWrite | RollupWrite;
type ItemWrite = LocationWrite | RollupWrite;

interface CallStats {
  written: number;
  retried: number;
  lastError: string | null;
}

export class DynamoResultsStore implements ResultsStore, ReportStore, RollupPackStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #retentionSeconds: number;
  readonly #rollupRetentionSeconds: number;
  readonly #maxBatchAttempts: number;
  readonly #outboxCap: number;
  #outbox: PendingWrite[] = [];
  #failedTotal = 0;
  #droppedTotal = 0;
  /** `<check>#<location>` pairs whose marker this instance has written or queued (markers never leave the outbox unwritten). */
  readonly #markedLocations = new Set<string>();
  /** Serializes writes so the outbox is drained in order. */
  #writing: Promise<unknown> = Promise.resolve();

  constructor(props: DynamoResultsStoreProps) {
    const retentionDays = props.retentionDays ?? 14;
    const rollupRetentionDays = props.rollupRetentionDays ?? 400;
    const maxBatchAttempts = props.maxBatchAttempts ?? 5;
    const outboxCap = props.outboxCapItems ?? 10_000;
    if (!(retentionDays > 0)) throw new RangeError(`retentionDays must be positive, got ${retentionDays}`);
    if (!(rollupRetentionDays > 0)) throw new RangeError(`rollupRetentionDays must be positive, got ${rollupRetentionDays}`);
    if (!(Number.isInteger(maxBatchAttempts) && maxBatchAttempts >= 1)) {
      throw new RangeError(`maxBatchAttempts must be a positive integer, got ${maxBatchAttempts}`);
    }
    if (!(Number.isInteger(outboxCap) && outboxCap >= 1)) throw new RangeError(`outboxCapItems must be a positive integer, got ${outboxCap}`);
    this.#client = props.client;
    this.#table = props.tableName;
    this.#clock = props.clock;
    this.#retentionSeconds = Math.round(retentionDays * DAY_SECONDS);
    this.#rollupRetentionSeconds = Math.round(rollupRetentionDays * DAY_SECONDS);
    this.#maxBatchAttempts = maxBatchAttempts;
    this.#outboxCap = outboxCap;
  }

  // ---- writes ----

  async recordResults(results: readonly ProbeResult[]): Promise<WriteReport> {
    // Build (and validate) before queueing: a bad result is a bug and rejects here, writing nothing.
    const writes = results.flatMap((r) => this.#writesFor(r));
    writes.push(...this.#newLocationMarkers(results));
    return this.#serialized(() => this.#process(writes));
  }

  flush(): Promise<WriteReport> {
    return this.#serialized(() => this.#process([]));
  }

  pendingWrites(): number {
    return this.#outbox.length;
  }

  #serialized(run: () => Promise<WriteReport>): Promise<WriteReport> {
    const next = this.#writing.then(run, run);
    this.#writing = next.catch(() => undefined);
    return next;
  }

  #writesFor(r: ProbeResult): PendingWrite[] {
    assertKeyPart('checkId', r.checkId);
    assertKeyPart('location', r.location);
    const startedMs = Date.parse(r.startedAt);
    if (Number.isNaN(startedMs)) throw new RangeError(`result ${r.checkId}@${r.location}: startedAt is not an ISO time: ${JSON.stringify(r.startedAt)}`);
    const startedAt = new Date(startedMs).toISOString();
    const common: Item = {
      checkId: { S: r.checkId },
      location: { S: r.location },
      ok: { BOOL: r.ok },
      status: { S: r.status },
      totalMs: { N: String(r.timings.totalMs) },
      r: { S: JSON.stringify(r) },
    };
    const raw = storeKeys.result(r.checkId, r.location, startedAt);
    const hour = utcHourOf(startedMs);
    const hourStartMs = Date.parse(`${hour}:00:00.000Z`);
    const runOffsetMs = startedMs - hourStartMs;
    const rollup = storeKeys.rollup(r.checkId, r.location, hour);
    return [
      {
        kind: 'raw',
        key: `${raw.pk}\u0000${raw.sk}`,
        item: { pk: { S: raw.pk }, sk: { S: raw.sk }, ...common, expiresAt: { N: String(Math.floor(startedMs / 1000) + this.#retentionSeconds) } },
        failedBefore: false,
      },
      {
        kind: 'rollup',
        key: `${rollup.pk}\u0000${rollup.sk}\u0000${runOffsetMs}`,
        update: this.#rollupUpdate(r, rollup, hour, hourStartMs, runOffsetMs),
        pack: { ...storeKeys.dayPack(r.checkId, r.location, hour.slice(0, 10)), dayEndMs: dayEndMs(hour.slice(0, 10)) },
        failedBefore: false,
      },
    ];
  }

  /** Markers for the check/location pairs this instance has not marked yet; call only once every result is valid. */
  #newLocationMarkers(results: readonly ProbeResult[]): LocationWrite[] {
    const out: LocationWrite[] = [];
    for (const r of results) {
      const key = storeKeys.location(r.checkId, r.location);
      if (this.#markedLocations.has(key.sk)) continue;
      this.#markedLocations.add(key.sk);
      out.push({
        kind: 'location',
        item: { ...keyOf(key), checkId: { S: r.checkId }, location: { S: r.location }, firstSeenAt: { S: normalizeIso(r.startedAt, 'startedAt') } },
        failedBefore: false,
      });
    }
    return out;
  }

  #rollupUpdate(r: ProbeResult, key: { pk: string; sk: string }, hour: string, hourStartMs: number, runOffsetMs: number): UpdateItemCommandInput {
    const names: Record<string, string> = {
      '#checkId': 'checkId',
      '#location': 'location',
      '#hour': 'hour',
      '#expiresAt': 'expiresAt',
      '#runs': 'runs',
      '#runOffsets': RUN_OFFSETS_ATTRIBUTE,
      '#lb': `${HISTOGRAM_PREFIX}${bucketIndex(r.timings.totalMs)}`,
    };
    const values: Item = {
      ':checkId': { S: r.checkId },
      ':location': { S: r.location },
      ':hour': { S: hour },
      ':expiresAt': { N: String(hourStartMs / 1000 + this.#rollupRetentionSeconds) },
      ':one': { N: '1' },
      ':offset': { N: String(runOffsetMs) },
      ':offsets': { NS: [String(runOffsetMs)] },
    };
    const adds = ['#runs :one', '#lb :one', '#runOffsets :offsets'];
    if (isFailedRun(r)) {
      names['#failedRuns'] = 'failedRuns';
      adds.push('#failedRuns :one');
    } else if (isDegradedRun(r)) {
      names['#degradedRuns'] = 'degradedRuns';
      adds.push('#degradedRuns :one');
    }
    for (const [phase, field] of Object.entries(PHASES)) {
      const ms = r.timings[field];
      if (ms === null || ms === 0 || !Number.isFinite(ms)) continue;
      names[`#${PHASE_PREFIX}${phase}`] = `${PHASE_PREFIX}${phase}`;
      values[`:${PHASE_PREFIX}${phase}`] = { N: String(ms) };
      adds.push(`#${PHASE_PREFIX}${phase} :${PHASE_PREFIX}${phase}`);
    }
    if (r.error !== null) {
      names['#err'] = `${ERROR_PREFIX}${r.error.kind}`;
      adds.push('#err :one');
    }
    return {
      TableName: this.#table,
      Key: { pk: { S: key.pk }, sk: { S: key.sk } },
      UpdateExpression: `SET #checkId = :checkId, #location = :location, #hour = :hour, #expiresAt = :expiresAt ADD ${adds.join(', ')}`,
      // Already counted when the run id is in the set: ConditionalCheckFailed then means success.
      ConditionExpression: 'attribute_not_exists(#runOffsets) OR NOT contains(#runOffsets, :offset)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  /** The rollup increment (once per run id), then, for a closed day, the mark that its pack is stale. */
  async #applyRollup(w: RollupWrite): Promise<void> {
    try {
      await this.#client.send(new UpdateItemCommand(w.update));
    } catch (error) {
      // Already counted: a retry after the mark below failed still needs the mark.
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
    if (this.#clock.now() - w.pack.dayEndMs < LATE_WRITE_MS) return;
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: keyOf(w.pack),
        UpdateExpression: 'SET #expiresAt = if_not_exists(#expiresAt, :expiresAt) ADD #dirty :one',
        ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#dirty': 'dirty' },
        ExpressionAttributeValues: { ':expiresAt': { N: String(w.pack.dayEndMs / 1000 + this.#rollupRetentionSeconds) }, ':one': { N: '1' } },
      }),
    );
  }

  async #process(fresh: readonly PendingWrite[]): Promise<WriteReport> {
    const fromOutbox = this.#outbox;
    this.#outbox = [];
    const stats: CallStats = { written: 0, retried: fromOutbox.length, lastError: null };
    const queue = [...fromOutbox, ...fresh];
    const puts = dedupePuts(queue.filter((w): w is PutWrite => w.kind === 'raw'));
    // Markers before rollups, so a rollup is never written for a location that reads do not list.
    const singles: ItemWrite[] = [
      ...queue.filter((w): w is LocationWrite => w.kind === 'location'),
      ...dedupeByKey(queue.filter((w): w is RollupWrite => w.kind === 'rollup')),
    ];

    // After a thrown error (network, throttling past the SDK's retries) the rest of this call
    // goes straight to the outbox: the next call tries again, in order.
    let healthy = true;
    for (let i = 0; i < puts.length; i += BATCH_WRITE_MAX) {
      const chunk = puts.slice(i, i + BATCH_WRITE_MAX);
      if (!healthy) {
        this.#defer(chunk);
        continue;
      }
      const { left, error } = await this.#batchPut(chunk, stats);
      if (error !== undefined) {
        healthy = false;
        stats.lastError = describeError(error);
      }
      this.#defer(left);
    }

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < singles.length) {
        const w = singles[next++] as ItemWrite;
        if (!healthy) {
          this.#defer([w]);
          continue;
        }
        try {
          if (w.kind === 'rollup') await this.#applyRollup(w);
          else await this.#putLocationMarker(w.item);
          stats.written += 1;
        } catch (error) {
          if (errorName(error) === 'ConditionalCheckFailedException') {
            stats.written += 1; // already counted (rollup) or already marked (location): the write is durable
          } else {
            healthy = false;
            stats.lastError = describeError(error);
            this.#defer([w]);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(ROLLUP_CONCURRENCY, singles.length) }, worker));

    this.#enforceOutboxCap();
    return {
      written: stats.written,
      retried: stats.retried,
      pending: this.#outbox.length,
      failedTotal: this.#failedTotal,
      droppedTotal: this.#droppedTotal,
      lastError: stats.lastError,
    };
  }

  /**
   * Reads before writing: a marker usually exists already (another instance wrote it), and a read
   * (0.5 RCU) is cheaper than a conditional put, which is billed a WRU even when its condition fails.
   */
  async #putLocationMarker(item: Item): Promise<void> {
    const key = { pk: item['pk'] as AttributeValue, sk: item['sk'] as AttributeValue };
    const found = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: key, ProjectionExpression: 'pk' }));
    if (found.Item !== undefined) return;
    await this.#client.send(new PutItemCommand({ TableName: this.#table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  /** One BatchWriteItem chunk, resending UnprocessedItems with exponential backoff and full jitter. */
  async #batchPut(chunk: readonly PutWrite[], stats: CallStats): Promise<{ left: readonly PutWrite[]; error?: unknown }> {
    let remaining = chunk;
    for (let attempt = 1; ; attempt++) {
      let unprocessed: readonly WriteRequest[];
      try {
        const out = await this.#client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.#table]: remaining.map((w) => ({ PutRequest: { Item: w.item } })) } }),
        );
        unprocessed = out.UnprocessedItems?.[this.#table] ?? [];
      } catch (error) {
        return { left: remaining, error };
      }
      const unprocessedKeys = new Set(unprocessed.map((req) => itemKey(req.PutRequest?.Item)));
      const left = remaining.filter((w) => unprocessedKeys.has(w.key));
      stats.written += remaining.length - left.length;
      if (left.length === 0) return { left };
      if (attempt >= this.#maxBatchAttempts) {
        stats.lastError = `${left.length} items still unprocessed after ${attempt} BatchWriteItem attempts`;
        return { left };
      }
      stats.retried += left.length;
      await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
      remaining = left;
    }
  }

  #defer(writes: readonly PendingWrite[]): void {
    for (const w of writes) {
      if (!w.failedBefore) {
        w.failedBefore = true;
        this.#failedTotal += 1;
      }
      this.#outbox.push(w);
    }
  }

  /** Over the cap, the oldest raw results go; location markers (one per pair, ever) and rollups are never dropped. */
  #enforceOutboxCap(): void {
    let excess = this.#outbox.length - this.#outboxCap;
    if (excess <= 0) return;
    const kept: PendingWrite[] = [];
    for (const w of this.#outbox) {
      if (excess > 0 && w.kind === 'raw') {
        excess -= 1;
        this.#droppedTotal += 1;
      } else {
        kept.push(w);
      }
    }
    this.#outbox = kept;
  }

  // ---- reads ----

  async latest(checkId?: string): Promise<readonly ProbeResult[]> {
    // One Query of the markers, then one newest-first Query with Limit 1 per location: no Scan.
    const pairs = await this.#markedPairs(checkId);
    const newest = await mapConcurrent(pairs, READ_CONCURRENCY, async ({ checkId: check, location }) => {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: storeKeys.result(check, location, '').pk } },
          ProjectionExpression: 'r',
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      const item = page.Items?.[0];
      return item === undefined ? null : parseResult(item);
    });
    // A location whose raw results have all expired has no latest result.
    return newest.filter((r): r is ProbeResult => r !== null);
  }

  async recentResults(checkId: string, location: string, query: RecentResultsQuery): Promise<readonly ProbeResult[]> {
    if (query.limit <= 0) return [];
    const values: Item = { ':pk': { S: storeKeys.result(checkId, location, '').pk } };
    let condition = 'pk = :pk';
    if (query.beforeIso !== undefined) {
      condition += ' AND sk < :before';
      values[':before'] = { S: normalizeIso(query.beforeIso, 'beforeIso') };
    }
    const out: ProbeResult[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
          ProjectionExpression: 'r',
          ScanIndexForward: false,
          Limit: query.limit - out.length,
          ExclusiveStartKey: startKey,
        }),
      );
      out.push(...(page.Items ?? []).map(parseResult));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && out.length < query.limit);
    return out;
  }

  async rollups(checkId: string, query: RollupsQuery): Promise<readonly HourlyRollup[]> {
    const locations = query.location === undefined ? await this.#locationsOf(checkId) : [query.location];
    // Per location: the day packs of the range (one Query), then the hourly items of the days without a
    // valid pack (one Query per run of consecutive such days). A few locations at once.
    const perLocation = await mapConcurrent(locations, READ_CONCURRENCY, async (location) => {
      // No day of the range can have a pack yet (the usual dashboard read of recent hours): no pack Query.
      const packs =
        query.fromHour.slice(0, 10) <= lastPackableDay(this.#clock.now()) ? await this.#validPacks(checkId, location, query) : new Map<string, HourlyRollup[]>();
      let ranges = unpackedHourRanges(query.fromHour, query.toHour, new Set(packs.keys()));
      // Many gaps between packs (days compaction has not reached): one Query over all, packed days dropped.
      if (ranges.length > MAX_UNPACKED_RANGES) ranges = [{ fromHour: query.fromHour, toHour: query.toHour }];
      const out: HourlyRollup[] = [];
      for (const range of ranges) {
        for (const rollup of await this.#hourlyRollups(checkId, location, range.fromHour, range.toHour)) {
          if (!packs.has(rollup.hour.slice(0, 10))) out.push(rollup);
        }
      }
      for (const hours of packs.values()) out.push(...hours.filter((h) => h.hour >= query.fromHour && h.hour <= query.toHour));
      return out;
    });
    const out = perLocation.flat();
    return out.sort((a, b) => compareStrings(a.location, b.location) || compareStrings(a.hour, b.hour));
  }

  /** The hourly rollup items of one location in [fromHour, toHour]. */
  async #hourlyRollups(checkId: string, location: string, fromHour: string, toHour: string, consistent = false): Promise<HourlyRollup[]> {
    const items = await this.#queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': { S: storeKeys.rollup(checkId, location, '').pk },
        ':from': { S: storeKeys.rollup(checkId, location, fromHour).sk },
        ':to': { S: storeKeys.rollup(checkId, location, toHour).sk },
      },
      ...(consistent ? { ConsistentRead: true } : {}),
      ...ROLLUP_PROJECTION,
    });
    return items.map((item) => parseRollup(item, checkId, location));
  }

  /** The valid day packs of one location over the query's days, by day. */
  async #validPacks(checkId: string, location: string, query: RollupsQuery): Promise<Map<string, HourlyRollup[]>> {
    const items = await this.#dayPackItems(checkId, location, query.fromHour.slice(0, 10), query.toHour.slice(0, 10), ['hours']);
    const out = new Map<string, HourlyRollup[]>();
    for (const item of items) {
      const body = item['hours']?.S;
      if (body === undefined || !isValidPack(item)) continue;
      const day = str(item, 'sk').slice(2);
      out.set(day, decodeDayPack(body, checkId, location, day));
    }
    return out;
  }

  /** Day pack items (and stubs) of one location in [fromDay, toDay], with what validity needs and `extra`. */
  #dayPackItems(checkId: string, location: string, fromDay: string, toDay: string, extra: readonly string[]): Promise<Item[]> {
    const attributes = ['sk', ...PACK_STATE_ATTRIBUTES, ...extra];
    return this.#queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeNames: Object.fromEntries(attributes.map((name) => [`#${name}`, name])),
      ExpressionAttributeValues: {
        ':pk': { S: storeKeys.dayPack(checkId, location, '').pk },
        ':from': { S: storeKeys.dayPack(checkId, location, fromDay).sk },
        ':to': { S: storeKeys.dayPack(checkId, location, toDay).sk },
      },
      ProjectionExpression: attributes.map((name) => `#${name}`).join(', '),
    });
  }

  // ---- day packs (compaction) ----

  reportingPairs(): Promise<readonly ReportingPair[]> {
    return this.#markedPairs();
  }

  async dayPackStates(checkId: string, location: string, fromDay: string, toDay: string): Promise<readonly DayPackState[]> {
    // Not the body: validity and packedAt are enough.
    return (await this.#dayPackItems(checkId, location, fromDay, toDay, [])).map((item) => {
      const day = str(item, 'sk').slice(2);
      const valid = isValidPack(item);
      return { day, valid, final: valid && Date.parse(str(item, 'packedAt')) >= dayEndMs(day) + SETTLE_MS };
    });
  }

  async packDay(checkId: string, location: string, day: string): Promise<DayPackOutcome> {
    assertKeyPart('checkId', checkId);
    assertKeyPart('location', location);
    const endMs = dayEndMs(day);
    if (Number.isNaN(endMs)) throw new RangeError(`day must be yyyy-mm-dd, got ${JSON.stringify(day)}`);
    const nowMs = this.#clock.now();
    if (nowMs - endMs < PACK_AFTER_MS) throw new RangeError(`day ${day} cannot be packed before ${new Date(endMs + PACK_AFTER_MS).toISOString()}`);
    const key = storeKeys.dayPack(checkId, location, day);
    // The dirty count first, then the hours: a late increment after this read fails the put below.
    const current = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: keyOf(key), ConsistentRead: true, ProjectionExpression: 'dirty' }),
    );
    const dirty = current.Item === undefined ? 0 : num(current.Item, 'dirty');
    const hours = await this.#hourlyRollups(checkId, location, `${day}T00`, `${day}T23`, true);
    const runs = hours.reduce((total, h) => total + h.runs, 0);
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            ...keyOf(key),
            hours: { S: encodeDayPack(hours) },
            hourCount: { N: String(hours.length) },
            runs: { N: String(runs) },
            dirty: { N: String(dirty) },
            packedVersion: { N: String(dirty) },
            packedAt: { S: new Date(nowMs).toISOString() },
            expiresAt: { N: String(endMs / 1000 + this.#rollupRetentionSeconds) },
          },
          ConditionExpression: 'attribute_not_exists(#dirty) OR #dirty = :dirty',
          ExpressionAttributeNames: { '#dirty': 'dirty' },
          ExpressionAttributeValues: { ':dirty': { N: String(dirty) } },
        }),
      );
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      return { status: 'conflict', hours: hours.length, runs };
    }
    return { status: 'packed', hours: hours.length, runs };
  }

  async locationPeriods(checkId: string, sinceMs: number, periodMs: number): Promise<readonly LocationPeriod[]> {
    const since = new Date(periodStartOf(sinceMs, periodMs)).toISOString();
    const runs: { location: string; startedAt: string; ok: boolean; status: RunStatus }[] = [];
    for (const location of await this.#locationsOf(checkId)) {
      const items = await this.#queryAll({
        KeyConditionExpression: 'pk = :pk AND sk >= :since',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': { S: storeKeys.result(checkId, location, '').pk }, ':since': { S: since } },
        ProjectionExpression: 'sk, ok, #status',
      });
      for (const item of items) {
        runs.push({ location, startedAt: str(item, 'sk'), ok: item['ok']?.BOOL === true, status: str(item, 'status') as RunStatus });
      }
    }
    return locationPeriodsFromResults(runs, periodMs);
  }

  /** Locations that ever reported for the check, sorted. */
  async #locationsOf(checkId: string): Promise<string[]> {
    return (await this.#markedPairs(checkId)).map((p) => p.location);
  }

  /** Check/location pairs that ever reported (of one check, or of all), sorted by check, then location. */
  async #markedPairs(checkId?: string): Promise<ReportingPair[]> {
    const values: Item = { ':pk': { S: LOCATIONS_PK } };
    let condition = 'pk = :pk';
    if (checkId !== undefined) {
      // Ids never contain "#": the prefix "api#" does not match check "api2".
      condition += ' AND begins_with(sk, :check)';
      values[':check'] = { S: storeKeys.location(checkId, '').sk };
    }
    const items = await this.#queryAll({
      KeyConditionExpression: condition,
      ExpressionAttributeNames: { '#location': 'location' },
      ExpressionAttributeValues: values,
      ProjectionExpression: 'checkId, #location, firstSeenAt',
    });
    return items
      // Markers of older versions may lack firstSeenAt: they count as first seen at the epoch.
      .map((item) => ({ checkId: str(item, 'checkId'), location: str(item, 'location'), firstSeenAt: item['firstSeenAt']?.S ?? new Date(0).toISOString() }))
      .sort((a, b) => compareStrings(a.checkId, b.checkId) || compareStrings(a.location, b.location));
  }

  // ---- incidents (written in the home region only) ----

  async openIncident(input: OpenIncidentInput): Promise<OpenIncidentResult> {
    assertKeyPart('checkId', input.checkId);
    const openedAt = normalizeIso(input.openedAt, 'openedAt');
    // Two tries: an incident may close between our failed put and our read.
    for (let attempt = 0; attempt < 3; attempt++) {
      const incident: Incident = {
        id: randomUUID(),
        checkId: input.checkId,
        openedAt,
        detectedAt: input.detectedAt === undefined ? null : normalizeIso(input.detectedAt, 'detectedAt'),
        planned: input.planned ?? false,
        closedAt: null,
        durationSeconds: null,
        failingLocations: [...input.failingLocations],
        firstError: input.firstError,
        ...(input.rootCause === undefined ? {} : { rootCause: input.rootCause }),
      };
      const pointer = storeKeys.openIncident(input.checkId);
      try {
        // The pointer is the lock: only one writer can create it.
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: { ...incidentItem(incident), pk: { S: pointer.pk }, sk: { S: pointer.sk } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
        const existing = await this.openIncidentFor(input.checkId);
        if (existing === null) continue;
        await this.#ensureIncidentItems(existing);
        return { incident: existing, created: false };
      }
      await this.#ensureIncidentItems(incident);
      return { incident, created: true };
    }
    throw new Error(`could not open an incident for check ${input.checkId}: the open-incident pointer kept changing`);
  }

  async openIncidentFor(checkId: string): Promise<Incident | null> {
    const out = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: keyOf(storeKeys.openIncident(checkId)), ConsistentRead: true }),
    );
    return out.Item === undefined ? null : parseIncident(out.Item);
  }

  async closeIncident(checkId: string, closedAt: string): Promise<Incident | null> {
    const open = await this.openIncidentFor(checkId);
    if (open === null) return null;
    const closedIso = normalizeIso(closedAt, 'closedAt');
    const closed: Incident = {
      ...open,
      closedAt: closedIso,
      durationSeconds: Math.max(0, Math.round((Date.parse(closedIso) - Date.parse(open.openedAt)) / 1000)),
    };
    const key = storeKeys.incident(checkId, open.openedAt, open.id);
    // An update of the incident's own fields, not a put: a note written meanwhile stays.
    const fields = Object.entries(incidentItem(closed)).filter(([name]) => !NOTE_ATTRIBUTES.has(name));
    const names: Record<string, string> = {};
    const values: Item = {};
    const sets = fields.map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:f${i}`] = value;
      return `#f${i} = :f${i}`;
    });
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: keyOf(key),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    await this.#putIndex(open);
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: keyOf(storeKeys.openIncident(checkId)),
          ConditionExpression: '#id = :id',
          ExpressionAttributeNames: { '#id': 'id' },
          ExpressionAttributeValues: { ':id': { S: open.id } },
        }),
      );
    } catch (error) {
      // Someone else closed it (and perhaps opened a new one) meanwhile: ours is closed either way.
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
    return closed;
  }

  async incidents(query: IncidentsQuery = {}): Promise<readonly Incident[]> {
    const fromIso = query.fromIso === undefined ? undefined : normalizeIso(query.fromIso, 'fromIso');
    const toIso = query.toIso === undefined ? undefined : normalizeIso(query.toIso, 'toIso');
    // Sort keys start with openedAt: "opened at or before toIso" is a key range.
    const values: Item = {};
    let condition = 'pk = :pk';
    if (toIso !== undefined) {
      condition += ' AND sk <= :to';
      values[':to'] = { S: `${toIso}#\uffff` };
    }
    let found: Incident[];
    if (query.checkId !== undefined) {
      values[':pk'] = { S: `INC#${query.checkId}` };
      const items = await this.#queryAll({ KeyConditionExpression: condition, ExpressionAttributeValues: values });
      found = items.map(parseIncident);
    } else {
      values[':pk'] = { S: 'INCIDENTS' };
      const refs = await this.#queryAll({ KeyConditionExpression: condition, ExpressionAttributeValues: values });
      found = await this.#getIncidents(refs.map((ref) => ({ pk: str(ref, 'incidentPk'), sk: str(ref, 'incidentSk') })));
    }
    return found
      .filter((i) => fromIso === undefined || i.closedAt === null || i.closedAt >= fromIso)
      .sort((a, b) => compareStrings(a.openedAt, b.openedAt) || compareStrings(a.checkId, b.checkId) || compareStrings(a.id, b.id));
  }

  /** Writes the incident item and its index entry if missing: safe to repeat after a crash between writes. */
  async #ensureIncidentItems(incident: Incident): Promise<void> {
    const key = storeKeys.incident(incident.checkId, incident.openedAt, incident.id);
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { ...incidentItem(incident), ...keyOf(key) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
    await this.#putIndex(incident);
  }

  async #putIndex(incident: Incident): Promise<void> {
    const key = storeKeys.incident(incident.checkId, incident.openedAt, incident.id);
    const index = storeKeys.incidentIndex(incident.checkId, incident.openedAt, incident.id);
    const ref = { checkId: { S: incident.checkId }, incidentPk: { S: key.pk }, incidentSk: { S: key.sk } };
    await this.#client.send(new PutItemCommand({ TableName: this.#table, Item: { ...keyOf(index), ...ref } }));
    await this.#client.send(new PutItemCommand({ TableName: this.#table, Item: { ...keyOf(storeKeys.incidentById(incident.id)), ...ref } }));
  }

  async incidentById(id: string): Promise<Incident | null> {
    const key = await this.#locateIncident(id);
    if (key === null) return null;
    const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: keyOf(key) }));
    return out.Item === undefined ? null : parseIncident(out.Item);
  }

  async noteIncident(id: string, note: IncidentNote): Promise<Incident | null> {
    const key = await this.#locateIncident(id);
    if (key === null) return null;
    const notedAt = normalizeIso(note.notedAt, 'notedAt');
    const sets = ['rootCause = :rootCause', 'notedAt = :notedAt'];
    const values: Item = { ':rootCause': { S: note.rootCause }, ':notedAt': { S: notedAt } };
    if (note.correctiveAction !== undefined) {
      sets.push('correctiveAction = :action');
      values[':action'] = { S: note.correctiveAction };
    }
    let updated: Incident;
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: keyOf(key),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      updated = parseIncident(out.Attributes ?? {});
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return null;
      throw error;
    }
    if (updated.closedAt === null) {
      // The open-incident pointer holds a copy that the dashboard and alerts read.
      try {
        await this.#client.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: keyOf(storeKeys.openIncident(updated.checkId)),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#id = :id',
            ExpressionAttributeNames: { '#id': 'id' },
            ExpressionAttributeValues: { ...values, ':id': { S: id } },
          }),
        );
      } catch (error) {
        // Closed meanwhile: the incident item has the note, which is what counts.
        if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      }
    }
    return updated;
  }

  /**
   * The incident item's key: from its id pointer (one GetItem). Incidents stored before pointers existed
   * are found with a Query of the incident index (filtered on the id, never a Scan), and get a pointer.
   */
  async #locateIncident(id: string): Promise<{ pk: string; sk: string } | null> {
    if (id.length === 0 || id.includes('#')) return null;
    const pointer = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: keyOf(storeKeys.incidentById(id)) }));
    if (pointer.Item !== undefined) return { pk: str(pointer.Item, 'incidentPk'), sk: str(pointer.Item, 'incidentSk') };
    const refs = await this.#queryAll({
      KeyConditionExpression: 'pk = :pk',
      // The index's incidentSk (`<openedAt>#<id>`) ends with the id; a filter may not name the key itself.
      FilterExpression: 'contains(incidentSk, :suffix)',
      ExpressionAttributeValues: { ':pk': { S: 'INCIDENTS' }, ':suffix': { S: `#${id}` } },
    });
    const ref = refs.find((r) => str(r, 'incidentSk').endsWith(`#${id}`));
    if (ref === undefined) return null;
    const key = { pk: str(ref, 'incidentPk'), sk: str(ref, 'incidentSk') };
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: { ...keyOf(storeKeys.incidentById(id)), checkId: { S: str(ref, 'checkId') }, incidentPk: { S: key.pk }, incidentSk: { S: key.sk } },
      }),
    );
    return key;
  }

  // ---- monthly reports (written in the home region only) ----

  async putReport(report: MonthlyReport): Promise<number> {
    const { checks, ...summary } = report;
    const parts: Item[] = checks.map((check) => ({
      ...keyOf(storeKeys.reportCheck(report.month, check.checkId)),
      checkId: { S: check.checkId },
      body: { B: gzipSync(JSON.stringify(check)) },
    }));
    await this.#batchWriteAll(
      parts.map((item) => ({ PutRequest: { Item: item } })),
      'report items left unwritten',
    );
    // Last: a reader finds the summary only once every part it lists is there.
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          ...keyOf(storeKeys.reportSummary(report.month)),
          generatedAt: { S: report.generatedAt },
          complete: { BOOL: report.complete },
          body: { B: gzipSync(JSON.stringify({ ...summary, checkIds: checks.map((c) => c.checkId) })) },
        },
      }),
    );
    return parts.length + 1;
  }

  async getReport(month: string): Promise<MonthlyReport | null> {
    const items = await this.#queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :month)',
      ExpressionAttributeValues: { ':pk': { S: REPORT_PK }, ':month': { S: month } },
    });
    const summaryItem = items.find((item) => item['sk']?.S === month);
    if (summaryItem === undefined) return null;
    const { checkIds, ...summary } = gunzipJson(summaryItem) as Omit<MonthlyReport, 'checks'> & { checkIds: string[] };
    const parts = new Map(items.filter((item) => item['checkId']?.S !== undefined).map((item) => [str(item, 'checkId'), item]));
    const checks = checkIds.map((checkId) => {
      const part = parts.get(checkId);
      if (part === undefined) throw new Error(`stored report ${month} lists check ${checkId} but has no item for it`);
      return gunzipJson(part) as CheckReport;
    });
    return { ...summary, checks };
  }

  async markReportPublished(month: string, atIso: string): Promise<void> {
    await this.#client.send(
      new PutItemCommand({ TableName: this.#table, Item: { ...keyOf(storeKeys.reportPublished(month)), publishedAt: { S: normalizeIso(atIso, 'atIso') } } }),
    );
  }

  async reportPublishedAt(month: string): Promise<string | null> {
    const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: keyOf(storeKeys.reportPublished(month)), ConsistentRead: true }));
    return out.Item?.['publishedAt']?.S ?? null;
  }

  /** BatchWriteItem in chunks, resending unprocessed requests with backoff; throws after maxBatchAttempts. */
  async #batchWriteAll(all: readonly WriteRequest[], what: string): Promise<void> {
    for (let i = 0; i < all.length; i += BATCH_WRITE_MAX) {
      let requests: WriteRequest[] = all.slice(i, i + BATCH_WRITE_MAX);
      for (let attempt = 1; requests.length > 0; attempt++) {
        const out = await this.#client.send(new BatchWriteItemCommand({ RequestItems: { [this.#table]: requests } }));
        requests = out.UnprocessedItems?.[this.#table] ?? [];
        if (requests.length === 0) break;
        if (attempt >= this.#maxBatchAttempts) throw new Error(`${requests.length} ${what} after ${attempt} BatchWriteItem attempts`);
        await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
      }
    }
  }

  async #getIncidents(keys: readonly { pk: string; sk: string }[]): Promise<Incident[]> {
    const out: Incident[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
      let pending: Item[] = keys.slice(i, i + BATCH_GET_MAX).map(keyOf);
      for (let attempt = 1; pending.length > 0; attempt++) {
        const res = await this.#client.send(new BatchGetItemCommand({ RequestItems: { [this.#table]: { Keys: pending } } }));
        out.push(...(res.Responses?.[this.#table] ?? []).map(parseIncident));
        pending = res.UnprocessedKeys?.[this.#table]?.Keys ?? [];
        if (pending.length === 0) break;
        if (attempt >= this.#maxBatchAttempts) throw new Error(`BatchGetItem left ${pending.length} incidents unread after ${attempt} attempts`);
        await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
      }
    }
    return out;
  }

  // ---- housekeeping ----

  /**
   * Deletes items whose `expiresAt` has passed. DynamoDB's TTL does this in
   * AWS; dynalite does not, so the local runner calls this. Scans the table.
   * Returns the number of items deleted.
   */
  async pruneExpired(): Promise<number> {
    const nowSeconds = Math.floor(this.#clock.now() / 1000);
    const expired = await this.#scanAll({
      FilterExpression: 'expiresAt < :now',
      ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
      ProjectionExpression: 'pk, sk',
    });
    await this.#batchWriteAll(
      expired.map((item) => ({ DeleteRequest: { Key: item } })),
      'expired items left after pruning',
    );
    return expired.length;
  }

  async #queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#client.send(new QueryCommand({ ...input, TableName: this.#table, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  async #scanAll(input: Omit<ScanCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#client.send(new ScanCommand({ ...input, TableName: this.#table, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }
}

/**
 * Creates the table (string `pk`/`sk`, on-demand) unless it exists, waits
 * until it is ACTIVE, and turns on TTL on `expiresAt` where the server
 * supports it (dynalite does not). Idempotent; safe to race.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  let status: string | undefined;
  try {
    status = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus;
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
    try {
      const created = await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      status = created.TableDescription?.TableStatus;
    } catch (createError) {
      if (errorName(createError) !== 'ResourceInUseException') throw createError;
    }
  }
  const deadline = Date.now() + 5 * 60_000;
  for (let delay = 20; status !== 'ACTIVE'; delay = Math.min(delay * 2, 2000)) {
    if (Date.now() > deadline) throw new Error(`table ${tableName} is still ${status ?? 'unknown'} after 5 minutes`);
    await sleep(delay);
    status = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus;
  }
  try {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const ttlStatus = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (ttlStatus === 'ENABLED' || ttlStatus === 'ENABLING') return;
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }),
    );
  } catch (error) {
    // dynalite has no UpdateTimeToLive; DynamoResultsStore.pruneExpired covers it there.
    if (errorName(error) !== 'UnknownOperationException') throw error;
  }
}

// ---- item helpers ----

function assertKeyPart(field: string, value: string): void {
  if (value.length === 0 || value.includes('#')) {
    throw new RangeError(`${field} must be non-empty and must not contain "#", got ${JSON.stringify(value)}`);
  }
}

function normalizeIso(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${field} must be an ISO time, got ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

function keyOf(key: { pk: string; sk: string }): Item {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function itemKey(item: Item | undefined): string {
  return `${item?.['pk']?.S ?? ''}\u0000${item?.['sk']?.S ?? ''}`;
}

function str(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new Error(`stored item ${itemKey(item)} has no string attribute ${name}`);
  return value;
}

function num(item: Item, name: string): number {
  const value = item[name]?.N;
  return value === undefined ? 0 : Number(value);
}

function parseResult(item: Item): ProbeResult {
  return JSON.parse(str(item, 'r')) as ProbeResult;
}

/** What a day pack's validity is read from. */
const PACK_STATE_ATTRIBUTES = ['dirty', 'packedVersion', 'packedAt'] as const;

/** A pack (not a stub a late increment created: it has packedAt) that no increment came in after. */
function isValidPack(item: Item): boolean {
  return item['packedAt']?.S !== undefined && num(item, 'dirty') === num(item, 'packedVersion');
}

function parseRollup(item: Item, checkId: string, location: string): HourlyRollup {
  const latency: Record<number, number> = {};
  const errorsByKind = Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 0])) as Record<ErrorKind, number>;
  const kinds: ReadonlySet<string> = new Set(ERROR_KINDS);
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(HISTOGRAM_PREFIX) && value.N !== undefined) latency[Number(name.slice(HISTOGRAM_PREFIX.length))] = Number(value.N);
    if (name.startsWith(ERROR_PREFIX) && value.N !== undefined) {
      const kind = name.slice(ERROR_PREFIX.length);
      if (kinds.has(kind)) errorsByKind[kind as ErrorKind] = Number(value.N);
    }
  }
  const phaseSumMs: PhaseSumsMs = {
    dns: num(item, `${PHASE_PREFIX}dns`),
    connect: num(item, `${PHASE_PREFIX}connect`),
    tls: num(item, `${PHASE_PREFIX}tls`),
    ttfb: num(item, `${PHASE_PREFIX}ttfb`),
    download: num(item, `${PHASE_PREFIX}download`),
  };
  return {
    checkId,
    location,
    hour: str(item, 'sk').slice(2),
    runs: num(item, 'runs'),
    failedRuns: num(item, 'failedRuns'),
    degradedRuns: num(item, 'degradedRuns'),
    latency: latency satisfies Histogram,
    phaseSumMs,
    errorsByKind,
  };
}

/**
 * The item a whole hourly rollup is stored as, the inverse of what `rollups()` reads: for seeding history
 * in bulk (benchmarks, imports) with BatchWriteItem, where `recordResults` would take one update per run.
 * `runOffsetsMs` are the run start offsets within the hour (the idempotency set; one per run).
 */
export function rollupItem(r: HourlyRollup, runOffsetsMs: readonly number[], expiresAtSeconds: number): Item {
  const item: Item = {
    ...keyOf(storeKeys.rollup(r.checkId, r.location, r.hour)),
    checkId: { S: r.checkId },
    location: { S: r.location },
    hour: { S: r.hour },
    expiresAt: { N: String(expiresAtSeconds) },
    runs: { N: String(r.runs) },
    failedRuns: { N: String(r.failedRuns) },
    degradedRuns: { N: String(r.degradedRuns) },
  };
  if (runOffsetsMs.length > 0) item[RUN_OFFSETS_ATTRIBUTE] = { NS: runOffsetsMs.map(String) };
  for (const [bucket, count] of Object.entries(r.latency)) if (count > 0) item[`${HISTOGRAM_PREFIX}${bucket}`] = { N: String(count) };
  for (const [phase, ms] of Object.entries(r.phaseSumMs)) if (ms > 0) item[`${PHASE_PREFIX}${phase}`] = { N: String(ms) };
  for (const [kind, count] of Object.entries(r.errorsByKind)) if (count > 0) item[`${ERROR_PREFIX}${kind}`] = { N: String(count) };
  return item;
}

/** The location marker item of a check's location (see `rollupItem`). */
export function locationMarkerItem(checkId: string, location: string, firstSeenAtIso: string): Item {
  return { ...keyOf(storeKeys.location(checkId, location)), checkId: { S: checkId }, location: { S: location }, firstSeenAt: { S: firstSeenAtIso } };
}

function incidentItem(incident: Incident): Item {
  return marshall(
    {
      id: incident.id,
      checkId: incident.checkId,
      openedAt: incident.openedAt,
      detectedAt: incident.detectedAt,
      planned: incident.planned,
      closedAt: incident.closedAt,
      durationSeconds: incident.durationSeconds,
      failingLocations: [...incident.failingLocations],
      firstError: incident.firstError === null ? null : { kind: incident.firstError.kind, message: incident.firstError.message },
      rootCause: incident.rootCause,
      correctiveAction: incident.correctiveAction,
      notedAt: incident.notedAt,
    },
    { removeUndefinedValues: true },
  );
}

function parseIncident(item: Item): Incident {
  const raw = unmarshall(item) as {
    id: string;
    checkId: string;
    openedAt: string;
    detectedAt?: string | null;
    planned?: boolean;
    closedAt?: string | null;
    durationSeconds?: number | null;
    failingLocations?: string[];
    firstError?: ProbeError | null;
    rootCause?: string;
    correctiveAction?: string;
    notedAt?: string;
  };
  return {
    id: raw.id,
    checkId: raw.checkId,
    openedAt: raw.openedAt,
    detectedAt: raw.detectedAt ?? null,
    planned: raw.planned ?? false,
    closedAt: raw.closedAt ?? null,
    durationSeconds: raw.durationSeconds ?? null,
    failingLocations: raw.failingLocations ?? [],
    firstError: raw.firstError ?? null,
    ...(raw.rootCause === undefined ? {} : { rootCause: raw.rootCause }),
    ...(raw.correctiveAction === undefined ? {} : { correctiveAction: raw.correctiveAction }),
    ...(raw.notedAt === undefined ? {} : { notedAt: raw.notedAt }),
  };
}

function gunzipJson(item: Item): unknown {
  const body = item['body']?.B;
  if (body === undefined) throw new Error(`stored item ${itemKey(item)} has no binary attribute body`);
  return JSON.parse(gunzipSync(body).toString('utf8'));
}

/** Raw results keep one per key, the last recorded, in its later position so the order stays oldest first. */
function dedupePuts(puts: readonly PutWrite[]): PutWrite[] {
  const byKey = new Map<string, PutWrite>();
  for (const w of puts) {
    byKey.delete(w.key);
    byKey.set(w.key, w);
  }
  return [...byKey.values()];
}

function dedupeByKey<T extends RollupWrite>(writes: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const w of writes) if (!byKey.has(w.key)) byKey.set(w.key, w);
  return [...byKey.values()];
}

/** `fn` over `items` with at most `limit` calls in flight; results in the order of `items`. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? ` (${error.code})` : '';
    return `${error.name}: ${error.message}${code}`;
  }
  return String(error);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
