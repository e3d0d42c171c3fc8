import type { AlertEvent, Notifier } from '../core/notification.ts';

export type { Notifier } from '../core/notification.ts';

/**
 * One notifier that hands every event to each of `notifiers`, in order. A notifier
 * that throws (it should not) does not keep the event from the others.
 */
export function fanOut(...notifiers: readonly Notifier[]): Notifier {
  return {
    notify(event: AlertEvent): void {
      for (const notifier of notifiers) {
        try {
          notifier.notify(event);
        } catch {
          // Notifiers report their own failures; this only shields the probe loop.
        }
      }
    },
    /** Drains all of them at once, so the whole takes at most `timeoutMs`. */
    async drain(timeoutMs: number): Promise<void> {
      await Promise.all(notifiers.map((notifier) => notifier.drain(timeoutMs).catch(() => undefined)));
    },
  };
}
