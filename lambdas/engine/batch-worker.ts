/**
 * A worker thread's side of `runBatchInWorkers`: builds its own probe context, runs its share of the checks
 * with the ordinary `runBatch`, and posts each result as it arrives.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Check } from '../core/check.ts';
import { createProbeContext, type ProbeContextOptions } from './context.ts';
import { runBatch } from './run-check.ts';

export interface BatchWorkerInput {
  readonly checks: readonly Check[];
  /** Index of each check in the caller's list. */
  readonly indexes: readonly number[];
  readonly options: Omit<ProbeContextOptions, 'clock' | 'lookup'>;
  readonly concurrency: number;
}

export type BatchWorkerMessage = { readonly type: 'result'; readonly index: number; readonly result: unknown } | { readonly type: 'done' };

export async function runWorker(input: BatchWorkerInput, post: (message: BatchWorkerMessage) => void): Promise<void> {
  const ctx = createProbeContext(input.options);
  await runBatch(input.checks, ctx, {
    concurrency: input.concurrency,
    onResult: (result, i) => post({ type: 'result', index: input.indexes[i]!, result }),
  });
  post({ type: 'done' });
}

if (parentPort) {
  const port = parentPort;
  await runWorker(workerData as BatchWorkerInput, (message) => port.postMessage(message));
}
