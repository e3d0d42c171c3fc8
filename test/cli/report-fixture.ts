/**
 * A data directory as `skyprobe run` leaves it (embedded dynalite under <dir>/db), with a small October 2026
 * history written through the real store, and the config that goes with it. Shared by the report and
 * incidents CLI tests.
 *
 * Check "shop" (SLO 99.9%), location "local": runs at 09:59 (ok, 100 ms), 10:00 and 10:01 (failed),
 * 10:30 (ok, 100 ms) on 2026-10-05; an incident opened 10:00, detected 10:02, closed 10:30: 1,800 s down.
 * Check "api" (tag backend): no data.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Io } from '../../lambdas/cli/io.ts';
import { main } from '../../lambdas/cli/main.ts';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { startEmbeddedDynamo } from '../../lambdas/local/embedded-dynamo.ts';
import { LOCAL_TABLE_NAME } from '../../lambdas/local/runner.ts';
import { DynamoResultsStore, ensureTable } from '../../lambdas/store/dynamo-store.ts';

export const FIXTURE_CONFIG = {
  project: 'demo',
  homeRegion: 'us-east-1',
  checks: [
    { id: 'shop', type: 'http', url: 'http://127.0.0.1:9/', tags: ['public'], slo: 99.9, regions: ['us-east-1'] },
    { id: 'api', type: 'http', url: 'http://127.0.0.1:9/api', tags: ['backend'], slo: 99.5, regions: ['us-east-1'] },
  ],
};

function run(at: string, ok: boolean): ProbeResult {
  return {
    checkId: 'shop',
    type: 'http',
    location: 'local',
    startedAt: at,
    ok,
    status: ok ? 'up' : 'down',
    error: ok ? null : { kind: 'http_status', message: 'expected status 200, got 503' },
    timings: { dnsMs: 1, connectMs: 5, tlsMs: null, ttfbMs: 90, downloadMs: 4, totalMs: 100 },
    httpStatus: ok ? 200 : 503,
    address: '127.0.0.1:9',
    target: 'http://127.0.0.1:9/',
    assertions: [],
    attempts: 1,
  };
}

/** Writes the October history through the store; returns the incident's id. */
export async function seedHistory(client: DynamoDBClient, tableName: string): Promise<string> {
  await ensureTable(client, tableName);
  const store = new DynamoResultsStore({ client, tableName, clock: { now: () => Date.UTC(2026, 9, 5, 11), monotonic: () => 0 } });
  // One at a time: moto (unlike DynamoDB) can lose one of two concurrent updates of the same item.
  for (const [at, ok] of [['2026-10-05T09:59:00.000Z', true], ['2026-10-05T10:00:00.000Z', false], ['2026-10-05T10:01:00.000Z', false], ['2026-10-05T10:30:00.000Z', true]] as const) {
    const report = await store.recordResults([run(at, ok)]);
    if (report.pending !== 0) throw new Error(`seeding left ${report.pending} writes pending: ${report.lastError}`);
  }
  const { incident } = await store.openIncident({
    checkId: 'shop',
    openedAt: '2026-10-05T10:00:00.000Z',
    detectedAt: '2026-10-05T10:02:00.000Z',
    failingLocations: ['local'],
    firstError: { kind: 'http_status', message: 'expected status 200, got 503' },
  });
  await store.closeIncident('shop', '2026-10-05T10:30:00.000Z');
  return incident.id;
}

/** A temp working directory with monitors.config.json and a data dir `.skyprobe` holding the history. */
export async function seededWorkdir(): Promise<{ dir: string; dataDir: string; incidentId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'skyprobe-report-'));
  writeFileSync(join(dir, 'monitors.config.json'), JSON.stringify(FIXTURE_CONFIG));
  const dataDir = join(dir, '.skyprobe');
  const dynamo = await startEmbeddedDynamo({ path: join(dataDir, 'db') });
  try {
    return { dir, dataDir, incidentId: await seedHistory(dynamo.client, LOCAL_TABLE_NAME) };
  } finally {
    await dynamo.close();
  }
}

/** Runs `skyprobe <args>` in process (through main) in `cwd`, collecting what it writes. */
export async function skyprobeIn(cwd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const io: Io = { stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)), env: { NO_COLOR: '1' }, cwd };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
