import { consoleLine, type AlertEvent, type Notifier } from '../core/notification.ts';

/** Where console alerts go: process.stdout, process.stderr, or anything with the same `write`. */
export interface ConsoleStream {
  write(text: string): unknown;
}

/** Writes one line per alert event (`consoleLine`, newline-terminated) to a stream. Synchronous; nothing to drain. */
export class ConsoleNotifier implements Notifier {
  private readonly stream: ConsoleStream;

  constructor(stream: ConsoleStream) {
    this.stream = stream;
  }

  notify(event: AlertEvent): void {
    try {
      this.stream.write(`${consoleLine(event)}\n`);
    } catch {
      // A closed stream must not break the probe loop; there is nowhere else to report it.
    }
  }

  async drain(_timeoutMs: number): Promise<void> {
    // Writes happen in notify.
  }
}
