import type { LocationPeriod } from './alert-policy.ts';
import type { ErrorKind, ProbeError } from './errors.ts';
import type { Histogram } from './histogram.ts';
import type { MonthlyReport } from './report.ts';
import type { ProbeResult } from './result.ts';

/**
 * The results store port: what the runner, the alert policy and the
 * dashboard need. Implemented by `DynamoResultsStore` (lambdas/store/), the
 * same code against AWS DynamoDB or the embedded server.
 */

/** What one `recordResults` or `flush` did. Nothing is dropped without being counted here. */
export interface WriteReport {
  /** Items written by this call (raw results, rollup increments, first-report location markers), outbox items included. */
  readonly written: number;
  /** Items this call sent again: unprocessed batch items and items from the outbox. */
  readonly retried: number;
  /** Items waiting in the outbox after this call; the next `recordResults` or `flush` sends them first. */
  readonly pending: number;
  /** Items that could not be written on their first try, since the store was created. */
  readonly failedTotal: number;
  /** Raw results dropped from a full outbox (oldest first), since the store was created. Rollups are never dropped. */
  readonly droppedTotal: number;
  /** The last write error seen by this call, for logs; null when every write went through. */
  readonly lastError: string | null;
}

/** Sums of phase times over the runs of a rollup (a phase that did not happen adds 0). */
export interface PhaseSumsMs {
  readonly dns: number;
  readonly connect: number;
  readonly tls: number;
  readonly ttfb: number;
  readonly download: number;
}

/** Counts for one check, one location, one UTC hour. Merge across hours and locations by adding. */
export interface HourlyRollup {
  readonly checkId: string;
  readonly location: string;
  /** UTC hour, `yyyy-mm-ddThh`. */
  readonly hour: string;
  readonly runs: number;
  readonly failedRuns: number;
  readonly degradedRuns: number;
  /** Total time of every run, failed ones included. */
  readonly latency: Histogram;
  readonly phaseSumMs: PhaseSumsMs;
  readonly errorsByKind: Readonly<Record<ErrorKind, number>>;
}

export interface Incident {
  readonly id: string;
  readonly checkId: string;
  /** ISO time the outage began: the first failing run of the streak that made the check down. */
  readonly openedAt: string;
  /** ISO time the alert rule declared the check down (openedAt + time to detect); null when not known. */
  readonly detectedAt: string | null;
  /** Opened during a maintenance window: no alert was sent, and the time counts as planned downtime. */
  readonly planned: boolean;
  readonly closedAt: string | null;
  readonly durationSeconds: number | null;
  readonly failingLocations: readonly string[];
  readonly firstError: ProbeError | null;
  /** What caused the outage, as written by `skyprobe incident note`. */
  readonly rootCause?: string;
  /** What was or will be done so it does not happen again (`skyprobe incident note --action`). */
  readonly correctiveAction?: string;
  /** ISO time of the last note. */
  readonly notedAt?: string;
}

/** A post-incident note: replaces the root cause; the corrective action only when given. */
export interface IncidentNote {
  readonly rootCause: string;
  /** @default the incident's current corrective action is kept */
  readonly correctiveAction?: string;
  /** ISO time of the note. */
  readonly notedAt: string;
}

export interface OpenIncidentInput {
  readonly checkId: string;
  /** ISO time the outage began (first failing run). */
  readonly openedAt: string;
  /** ISO time the rule declared the check down. @default null */
  readonly detectedAt?: string;
  /** @default false */
  readonly planned?: boolean;
  readonly failingLocations: readonly string[];
  readonly firstError: ProbeError | null;
  readonly rootCause?: string;
}

export interface OpenIncidentResult {
  /** The incident now open: the new one, or the one that was already open. */
  readonly incident: Incident;
  /** False when an incident was already open for the check (nothing was written). */
  readonly created: boolean;
}

export interface RecentResultsQuery {
  /** At most this many, newest first. */
  readonly limit: number;
  /** Only results that started before this ISO time. @default no bound */
  readonly beforeIso?: string;
}

export interface RollupsQuery {
  /** @default every location of the check */
  readonly location?: string;
  /** First hour, `yyyy-mm-ddThh`, inclusive. */
  readonly fromHour: string;
  /** Last hour, `yyyy-mm-ddThh`, inclusive. */
  readonly toHour: string;
}

export interface IncidentsQuery {
  /** @default every check */
  readonly checkId?: string;
  /** Incidents still open at or after this ISO time. @default no bound */
  readonly fromIso?: string;
  /** Incidents opened at or before this ISO time. @default no bound */
  readonly toIso?: string;
}

export interface ResultsStore {
  /** Writes raw results and hourly rollups (and a marker when a location first reports). Idempotent: recording a result twice counts it once. */
  recordResults(results: readonly ProbeResult[]): Promise<WriteReport>;
  /** Retries the outbox. */
  flush(): Promise<WriteReport>;
  /** Items waiting in the outbox. */
  pendingWrites(): number;
  /**
   * Latest result per location of a check, sorted by check, then location.
   * Without a check id, of every check. Derived from the raw results (nothing is written per result for
   * it): the DynamoDB store reads one item per location, never scans. A location whose raw results have
   * all expired is left out.
   */
  latest(checkId?: string): Promise<readonly ProbeResult[]>;
  /** Raw results of one check in one location, newest first. */
  recentResults(checkId: string, location: string, query: RecentResultsQuery): Promise<readonly ProbeResult[]>;
  /** Hourly rollups in the range, sorted by location, then hour. */
  rollups(checkId: string, query: RollupsQuery): Promise<readonly HourlyRollup[]>;
  /** Run counts per location per period for the periods from the one holding `sinceMs` on: what the alert policy reads. */
  locationPeriods(checkId: string, sinceMs: number, periodMs: number): Promise<readonly LocationPeriod[]>;
  /** Opens an incident unless one is open for the check; at most one is ever open per check. */
  openIncident(input: OpenIncidentInput): Promise<OpenIncidentResult>;
  /** Closes the open incident of the check; null when none is open. */
  closeIncident(checkId: string, closedAt: string): Promise<Incident | null>;
  openIncidentFor(checkId: string): Promise<Incident | null>;
  /** Incidents overlapping the range, oldest first. */
  incidents(query?: IncidentsQuery): Promise<readonly Incident[]>;
  /** One incident by id (reads a pointer item, never a Scan); null when there is none. */
  incidentById(id: string): Promise<Incident | null>;
  /** Records a root cause (and corrective action) on an incident, open or closed; null when there is no such incident. */
  noteIncident(id: string, note: IncidentNote): Promise<Incident | null>;
}

/** A check and a location it ever reported from. */
export interface ReportingPair {
  readonly checkId: string;
  readonly location: string;
  /** ISO time of its first result there. */
  readonly firstSeenAt: string;
}

/** The state of a day's pack (see lambdas/store/rollup-packs.ts). */
export interface DayPackState {
  /** `yyyy-mm-dd` (UTC) */
  readonly day: string;
  /** Readers use it: no rollup increment came in after it was made. */
  readonly valid: boolean;
  /** Made long enough after the day's end (SETTLE_MS) that it is not made again. */
  readonly final: boolean;
}

export interface DayPackOutcome {
  /** conflict: a late increment came in while packing; the day stays unpacked until the next try. */
  readonly status: 'packed' | 'conflict';
  readonly hours: number;
  readonly runs: number;
}

/**
 * Day packs of hourly rollups: what compaction writes so a month reads 30 items per check and location
 * instead of 720. `rollups()` reads them transparently.
 */
export interface RollupPackStore {
  /** Every check/location pair that ever reported, sorted by check, then location. */
  reportingPairs(): Promise<readonly ReportingPair[]>;
  /** Days in [fromDay, toDay] that have a pack item (valid or not), oldest first. */
  dayPackStates(checkId: string, location: string, fromDay: string, toDay: string): Promise<readonly DayPackState[]>;
  /** Packs one closed day of one pair from its hourly rollups (an empty pack when it has none). */
  packDay(checkId: string, location: string, day: string): Promise<DayPackOutcome>;
}

/**
 * Monthly reports kept in the table (written in the home region only). Apart from `ResultsStore` because
 * only the report writers and readers need it.
 */
export interface ReportStore {
  /** Stores (or replaces) the report of its month. Returns the number of items written. */
  putReport(report: MonthlyReport): Promise<number>;
  /** The stored report of a month (`yyyy-mm`); null when none was stored. */
  getReport(month: string): Promise<MonthlyReport | null>;
  /** Records that the month's summary went out, so a repeated schedule does not send it twice. */
  markReportPublished(month: string, atIso: string): Promise<void>;
  /** When the month's summary went out; null when it has not. */
  reportPublishedAt(month: string): Promise<string | null>;
}

/** The rollup hour (`yyyy-mm-ddThh`, UTC) holding an epoch-ms time. */
export function utcHourOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 13);
}
