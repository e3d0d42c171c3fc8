import type { ProbeResult } from '../core/result.ts';
import type { ResultsStore, WriteReport } from '../core/store.ts';

/**
 * Batches results into the store: writes when `maxBatch` results wait or every `intervalMs`, one write at a
 * time. A failed write stays in the store's outbox and is retried by the next flush; nothing is dropped here.
 */
export class ResultWriter {
  private buffer: ProbeResult[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private lastReport: WriteReport | null = null;
  private written = 0;

  constructor(
    private readonly store: ResultsStore,
    private readonly options: { readonly maxBatch?: number; readonly intervalMs?: number; readonly log: (line: string) => void },
  ) {}

  add(result: ProbeResult): void {
    this.buffer.push(result);
    if (this.buffer.length >= (this.options.maxBatch ?? 50)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.intervalMs ?? 500);
  }

  /** Writes what is buffered (and the store's outbox); resolves when this and earlier writes are done. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      try {
        const report = batch.length > 0 ? await this.store.recordResults(batch) : this.store.pendingWrites() > 0 ? await this.store.flush() : null;
        if (!report) return;
        this.written += batch.length;
        if (report.lastError && report.lastError !== this.lastReport?.lastError) {
          this.options.log(`store write trouble: ${report.lastError}; ${report.pending} item(s) kept for retry`);
        }
        this.lastReport = report;
      } catch (err) {
        // The store keeps failed items in its outbox; this batch is retried with the next flush.
        this.options.log(`store write failed: ${(err as Error).message}; will retry`);
        this.buffer.unshift(...batch);
      }
    });
    return this.writing;
  }

  stats(): { resultsWritten: number; pending: number; failedTotal: number; droppedTotal: number } {
    return {
      resultsWritten: this.written,
      pending: this.buffer.length + this.store.pendingWrites(),
      failedTotal: this.lastReport?.failedTotal ?? 0,
      droppedTotal: this.lastReport?.droppedTotal ?? 0,
    };
  }
}
