import type { ResultsStore } from '../../core/store.ts';
import { countsByHour, DAY_MS, HOUR_MS, lastHours } from './rollup-math.ts';
import type { RunCounts } from './rollup-math.ts';

/**
 * The overview cache: run counts per check per UTC hour for the last
 * `windowDays` UTC days (today included), every location added up. The
 * overview's uptime figures (24 h / 7 d / 30 d) and the daily bars are
 * computed from it, so a page load reads no rollups at all.
 *
 * Why: 1000 checks × 90 days of hourly rollups is ~2 million items, far too
 * many to read per request.
 *
 * How it stays fresh:
 * - The first request waits for the first load (every check, whole window).
 * - After that, a request that finds the numbers older than `maxAgeMillis`
 *   (measured with the source's clock) gets them at once and starts one
 *   background refresh (stale-while-revalidate; one refresh at a time).
 * - A refresh re-reads only the "hot" hours of each check: from an hour
 *   before its previous read up to now. Hours older than that do not change
 *   once written, with one exception: while the store has writes pending in
 *   its outbox, results may land late, so the hot window reaches back to an
 *   hour before the writes started pending until the outbox is empty again.
 * - A check new to the config gets a whole-window load; a check gone from
 *   it is dropped; hours falling out of the window are dropped.
 * A failed read keeps the previous numbers of that check and is retried by
 * the next refresh; the last error is reported by `/api/health`.
 */

export interface OverviewCacheProps {
  readonly store: ResultsStore;
  /** Epoch ms. */
  readonly now: () => number;
  /** The checks to keep numbers for (read at every refresh: the config may change). */
  readonly checkIds: () => readonly string[];
  /** Writes waiting in the store's outbox. */
  readonly pendingWrites: () => number;
  /** @default 30000 */
  readonly maxAgeMillis?: number;
  /** @default 90 */
  readonly windowDays?: number;
  /** Checks read at once during a refresh. @default 8 */
  readonly concurrency?: number;
}

export interface OverviewSnapshot {
  /** Epoch ms (source clock) the numbers were read at; null before the first load finished. */
  readonly refreshedAtMs: number | null;
  /** The last refresh error, null when the last refresh read everything. */
  readonly lastError: string | null;
  /** Run counts by hour; undefined when the check has not been loaded yet. */
  countsOf(checkId: string): ReadonlyMap<string, RunCounts> | undefined;
}

/** Late results are looked for this far before the previous read of a check. */
const HOT_MARGIN_MS = HOUR_MS;

interface Entry {
  hours: Map<string, RunCounts>;
  /** Source-clock time of the last successful read. */
  readAtMs: number;
}

export class OverviewCache {
  readonly #props: OverviewCacheProps;
  readonly #maxAgeMillis: number;
  readonly #windowDays: number;
  readonly #concurrency: number;
  readonly #entries = new Map<string, Entry>();
  #refreshedAtMs: number | null = null;
  #lastError: string | null = null;
  #refreshing: Promise<void> | null = null;
  /** Source-clock time before which results may still land late (the outbox was not empty); null when it is empty. */
  #pendingSinceMs: number | null = null;

  constructor(props: OverviewCacheProps) {
    const maxAgeMillis = props.maxAgeMillis ?? 30_000;
    const windowDays = props.windowDays ?? 90;
    const concurrency = props.concurrency ?? 8;
    if (!(maxAgeMillis >= 0)) throw new RangeError(`maxAgeMillis must be 0 or more, got ${maxAgeMillis}`);
    if (!(Number.isInteger(windowDays) && windowDays >= 1)) throw new RangeError(`windowDays must be a positive integer, got ${windowDays}`);
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    this.#props = props;
    this.#maxAgeMillis = maxAgeMillis;
    this.#windowDays = windowDays;
    this.#concurrency = concurrency;
  }

  /** The numbers as they are; waits only for the very first load, otherwise refreshes in the background when stale. */
  async snapshot(): Promise<OverviewSnapshot> {
    if (this.#refreshedAtMs === null) {
      await this.#refresh();
    } else if (this.#props.now() - this.#refreshedAtMs >= this.#maxAgeMillis) {
      void this.#refresh();
    }
    const entries = this.#entries;
    return {
      refreshedAtMs: this.#refreshedAtMs,
      lastError: this.#lastError,
      countsOf: (checkId) => entries.get(checkId)?.hours,
    };
  }

  /** Resolves when no refresh is running (for shutdown). */
  async settle(): Promise<void> {
    await this.#refreshing;
  }

  /** One refresh at a time; callers arriving meanwhile share it. Never rejects: it may run unawaited. */
  #refresh(): Promise<void> {
    this.#refreshing ??= this.#refreshAll()
      .catch((error: unknown) => {
        this.#lastError = `refreshing the overview: ${describe(error)}`;
      })
      .finally(() => {
        this.#refreshing = null;
      });
    return this.#refreshing;
  }

  async #refreshAll(): Promise<void> {
    const now = this.#props.now();
    const pending = this.#props.pendingWrites();
    const ids = [...new Set(this.#props.checkIds())];
    // Whole UTC days, so the oldest daily bar is complete.
    const windowStartHour = `${new Date(now - (this.#windowDays - 1) * DAY_MS).toISOString().slice(0, 10)}T00`;
    // The oldest pending write was made after the previous refresh saw an empty outbox.
    if (pending > 0) this.#pendingSinceMs ??= this.#refreshedAtMs ?? now;
    const pendingSinceMs = this.#pendingSinceMs;

    for (const id of this.#entries.keys()) if (!ids.includes(id)) this.#entries.delete(id);

    let lastError: string | null = null;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        try {
          await this.#refreshCheck(id, now, windowStartHour, pendingSinceMs);
        } catch (error) {
          lastError = `reading rollups of ${id}: ${describe(error)}`;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, ids.length) }, worker));

    if (pending === 0) this.#pendingSinceMs = null;
    this.#lastError = lastError;
    this.#refreshedAtMs = now;
  }

  async #refreshCheck(id: string, now: number, windowStartHour: string, pendingSinceMs: number | null): Promise<void> {
    const entry = this.#entries.get(id);
    const toHour = lastHours(now, 1).toHour;
    if (entry === undefined) {
      const rollups = await this.#props.store.rollups(id, { fromHour: windowStartHour, toHour });
      this.#entries.set(id, { hours: countsByHour(rollups), readAtMs: now });
      return;
    }
    const hotFromMs = Math.min(entry.readAtMs, pendingSinceMs ?? entry.readAtMs) - HOT_MARGIN_MS;
    const fromHour = maxString(lastHours(hotFromMs, 1).fromHour, windowStartHour);
    const rollups = await this.#props.store.rollups(id, { fromHour, toHour });
    const fresh = countsByHour(rollups);
    for (const hour of entry.hours.keys()) {
      if (hour < windowStartHour || (hour >= fromHour && !fresh.has(hour))) entry.hours.delete(hour);
    }
    for (const [hour, counts] of fresh) entry.hours.set(hour, counts);
    entry.readAtMs = now;
  }
}

function maxString(a: string, b: string): string {
  return a > b ? a : b;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
