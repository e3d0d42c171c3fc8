import { Worker } from 'node:worker_threads';
import type { Check } from '../core/check.ts';
import type { ProbeResult } from '../core/result.ts';
import type { BatchWorkerInput, BatchWorkerMessage } from './batch-worker.ts';
import type { ProbeContextOptions } from './context.ts';

export interface WorkerBatchOptions {
  /** Worker threads; each runs its share of the checks with its own event loop. */
  readonly workers: number;
  /** Checks in flight at once, across all workers. @default 64 */
  readonly concurrency?: number;
  readonly onResult?: (result: ProbeResult, index: number) => void;
}

/**
 * `runBatch` spread over worker threads, for large batches on machines with several cores: a fresh connection
 * per check costs mostly system calls, so one event loop saturates one core. Results come back in the order of
 * `checks`. Context options must be plain data (no custom clock or lookup: each worker uses the system's).
 */
export async function runBatchInWorkers(checks: readonly Check[], options: Omit<ProbeContextOptions, 'clock' | 'lookup'>, batch: WorkerBatchOptions): Promise<ProbeResult[]> {
  const workers = Math.max(1, Math.min(batch.workers, checks.length));
  const concurrency = Math.max(workers, batch.concurrency ?? 64);
  const results = new Array<ProbeResult>(checks.length);
  const shares = Array.from({ length: workers }, (_, w) => {
    const indexes: number[] = [];
    for (let i = w; i < checks.length; i += workers) indexes.push(i);
    return indexes;
  });
  await Promise.all(
    shares.map(
      (indexes, w) =>
        new Promise<void>((resolve, reject) => {
          const input: BatchWorkerInput = {
            checks: indexes.map((i) => checks[i]!),
            indexes,
            options,
            concurrency: Math.ceil(concurrency / workers) + (w < concurrency % workers ? 0 : 0),
          };
          const worker = new Worker(new URL('./batch-worker-entry.mjs', import.meta.url), { workerData: input });
          let done = false;
          worker.on('message', (message: BatchWorkerMessage) => {
            if (message.type === 'done') {
              done = true;
              void worker.terminate().then(() => resolve());
              return;
            }
            const result = message.result as ProbeResult;
            results[message.index] = result;
            batch.onResult?.(result, message.index);
          });
          worker.once('error', reject);
          worker.once('exit', (code) => {
            if (!done) reject(new Error(`probe worker ${w} stopped early with exit code ${code}`));
          });
        }),
    ),
  );
  return results;
}
