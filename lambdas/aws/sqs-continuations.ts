import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PlannedContinuation } from '../core/minute-plan.ts';

/**
 * Sends a minute's continuation messages to the probe region's SQS queue, ten to a SendMessageBatch call
 * (the API's limit), each with its own DelaySeconds. A batch that throws, or an entry SQS reports as
 * failed, comes back in `failed`, so the caller runs that part of the minute itself: no run is lost.
 */

export interface SqsContinuationQueueProps {
  readonly client: SQSClient;
  readonly queueUrl: string;
}

export interface ContinuationSendReport {
  readonly sent: readonly PlannedContinuation[];
  readonly failed: readonly PlannedContinuation[];
  /** SendMessageBatch calls made. */
  readonly requests: number;
  /** Why some were not sent; null when all were. */
  readonly error: string | null;
}

const BATCH_MAX = 10;

export class SqsContinuationQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(props: SqsContinuationQueueProps) {
    this.#client = props.client;
    this.#queueUrl = props.queueUrl;
  }

  async send(continuations: readonly PlannedContinuation[]): Promise<ContinuationSendReport> {
    const sent: PlannedContinuation[] = [];
    const failed: PlannedContinuation[] = [];
    let error: string | null = null;
    let requests = 0;
    for (let i = 0; i < continuations.length; i += BATCH_MAX) {
      const batch = continuations.slice(i, i + BATCH_MAX);
      requests += 1;
      try {
        const out = await this.#client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.#queueUrl,
            Entries: batch.map((c, k) => ({ Id: String(k), MessageBody: JSON.stringify(c.event), DelaySeconds: c.delaySeconds })),
          }),
        );
        const failedIds = new Set((out.Failed ?? []).map((f) => f.Id));
        for (const f of out.Failed ?? []) error ??= `SendMessageBatch entry failed: ${f.Code ?? 'unknown'}${f.Message === undefined ? '' : ` (${f.Message})`}`;
        batch.forEach((c, k) => (failedIds.has(String(k)) ? failed : sent).push(c));
      } catch (cause) {
        error ??= cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
        failed.push(...batch);
      }
    }
    return { sent, failed, requests, error };
  }
}
