import type { Check, HeartbeatCheck } from '../../core/check.ts';
import type { HeartbeatState } from '../../core/heartbeat.ts';
import { activeMaintenance } from '../../core/maintenance.ts';
import type { ProbeResult } from '../../core/result.ts';
import { OverviewCache } from './overview-cache.ts';
import { enumParam, integerParam, parseQuery, stringParam } from './params.ts';
import type { QueryParams } from './params.ts';
import { DashboardRequestError } from './request-error.ts';
import { countsByHour, dailyBars, hourlyLatency, lastHours } from './rollup-math.ts';
import type { DailyBar, LatencyHour, RunCounts } from './rollup-math.ts';
import type { DashboardSource } from './source.ts';
import { checkDetail, checkSummary, heartbeatStatus, heartbeatSummary, incidentView, OVERVIEW_DAYS } from './views.ts';
import type { CheckDetailView, CheckSummaryView, HealthView, HeartbeatDetailView, IncidentView } from './views.ts';

/**
 * The dashboard's JSON API (GET only; every response is JSON, errors are
 * `{"error": "<one line>"}` with 400 bad parameter, 404 unknown check or
 * route, 405 other methods, 500 store failure).
 *
 * Heartbeats are served beside checks (their ids share one namespace): in the list after the checks, with
 * `type: "heartbeat"`, the state `late` besides the checks' ones, and `heartbeat` facts (null for checks);
 * daily, latency (job durations) and results routes take their ids like a check's.
 *
 * GET /api/health
 *   → {ok: true, location, startedAt, checks, heartbeats, pendingWrites, project, now,
 *      overviewCache: {refreshedAt, lastError}}
 * GET /api/checks
 *   → CheckSummary[], checks in config order, then heartbeats: {id, name, type, target, tags,
 *      severity, intervalMs, state, since, inMaintenance, openIncidentId,
 *      last: {location, startedAt, status, totalMs, httpStatus, error} | null,
 *      uptime: {h24, d7, d30} (percent of passing runs, unrounded, null when
 *      no runs), daily90: (percent | null)[90] (per UTC day, oldest first,
 *      today last, rounded to 0.01), heartbeat: {everyMs, graceMs, lastPingAt,
 *      lastPingKind, lastMessage, lastDurationMs, runningSince, dueBy,
 *      downReason: failed|missed|null, backup} | null}
 * GET /api/checks/:id
 *   → CheckSummary & {timeoutMs, retries, regions, degradedAfterMs,
 *      alertPolicy, steps: [{name, method, url}], latestByLocation: ProbeResult[]}
 *      (a heartbeat: CheckSummary & {latestByLocation})
 * GET /api/checks/:id/daily?days=90          days 1..90
 *   → [{date: "yyyy-mm-dd" (UTC), runs, failedRuns, uptimePercent | null}],
 *      oldest first, today last
 * GET /api/checks/:id/latency?hours=48       hours 1..720
 *   → [{hour: "yyyy-mm-ddThh" (UTC), runs, p50Ms, p95Ms,
 *      phases: {dns, connect, tls, ttfb, download} | null}], oldest first,
 *      one entry per hour (null figures for hours without runs); p50/p95 come
 *      from the log-bucket histograms (within ~9%), phases are average ms per run
 * GET /api/checks/:id/results?limit=50       limit 1..500
 *   → ProbeResult[] of every location, newest first
 * GET /api/incidents?checkId=&status=all&limit=50   status open|all, limit 1..500
 *   → [{id, checkId, checkName, openedAt, closedAt, open, durationSeconds
 *      (open: so far), failingLocations, firstError, rootCause}], newest first
 *
 * Uptime, `daily90` and `/daily` are served from the overview cache
 * (overview-cache.ts: at most ~30 s old, refreshed in the background);
 * latency, results and incidents are read from the store per request.
 */

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

const LIMIT = { min: 1, max: 500, fallback: 50 } as const;

export class DashboardApi {
  readonly #source: DashboardSource;
  readonly #cache: OverviewCache;

  constructor(source: DashboardSource, opts: { readonly overviewCacheMillis?: number } = {}) {
    this.#source = source;
    this.#cache = new OverviewCache({
      store: source.store,
      now: () => source.now(),
      checkIds: () => {
        const config = source.config();
        return [...config.checks.map((c) => c.id), ...config.heartbeats.map((hb) => hb.id)];
      },
      pendingWrites: () => source.pendingWrites(),
      windowDays: OVERVIEW_DAYS,
      ...(opts.overviewCacheMillis === undefined ? {} : { maxAgeMillis: opts.overviewCacheMillis }),
    });
  }

  /** Waits for a background refresh to end (for shutdown). */
  settle(): Promise<void> {
    return this.#cache.settle();
  }

  /** `segments`: the decoded path segments after `/api`. Throws DashboardRequestError for refused requests. */
  async handle(segments: readonly string[], search: URLSearchParams): Promise<ApiResponse> {
    const [first, id, sub, ...rest] = segments;
    if (rest.length === 0) {
      if (first === 'health' && id === undefined) return ok(await this.#health(parseQuery(search, [])));
      if (first === 'incidents' && id === undefined) return ok(await this.#incidents(parseQuery(search, ['checkId', 'status', 'limit'])));
      if (first === 'checks') {
        if (id === undefined) return ok(await this.#overview(parseQuery(search, [])));
        if (sub === undefined) return ok(await this.#detail(id, parseQuery(search, [])));
        if (sub === 'daily') return ok(await this.#daily(id, parseQuery(search, ['days'])));
        if (sub === 'latency') return ok(await this.#latency(id, parseQuery(search, ['hours'])));
        if (sub === 'results') return ok(await this.#results(id, parseQuery(search, ['limit'])));
      }
    }
    throw new DashboardRequestError(404, `no such API route: /api/${segments.map(encodeURIComponent).join('/')}`);
  }

  async #health(_params: QueryParams): Promise<HealthView> {
    const snapshot = await this.#cache.snapshot();
    const config = this.#source.config();
    return {
      ok: true,
      location: this.#source.location,
      startedAt: this.#source.startedAt,
      checks: config.checks.length,
      heartbeats: config.heartbeats.length,
      pendingWrites: this.#source.pendingWrites(),
      project: config.project,
      now: new Date(this.#source.now()).toISOString(),
      overviewCache: {
        refreshedAt: snapshot.refreshedAtMs === null ? null : new Date(snapshot.refreshedAtMs).toISOString(),
        lastError: snapshot.lastError,
      },
    };
  }

  async #overview(_params: QueryParams): Promise<CheckSummaryView[]> {
    const snapshot = await this.#cache.snapshot();
    const states = new Map(this.#source.states().map((s) => [s.checkId, s]));
    const now = this.#source.now();
    const config = this.#source.config();
    const checks = config.checks.map((check) => checkSummary(check, states.get(check.id), snapshot.countsOf(check.id), now));
    const heartbeats = await this.#heartbeatSummaries(config.heartbeats, (id) => snapshot.countsOf(id), now);
    return [...checks, ...heartbeats];
  }

  async #heartbeatSummaries(
    heartbeats: readonly HeartbeatCheck[],
    countsOf: (id: string) => ReadonlyMap<string, RunCounts> | undefined,
    now: number,
  ): Promise<CheckSummaryView[]> {
    if (heartbeats.length === 0) return [];
    const states: ReadonlyMap<string, HeartbeatState> = (await this.#source.heartbeatStates?.()) ?? new Map();
    const maintenance = this.#source.config().maintenance;
    return Promise.all(
      heartbeats.map(async (hb) => {
        const state = states.get(hb.id);
        // An incident is open only while down: the others need no read.
        const down = heartbeatStatus(hb, state, now).state === 'down';
        const open = down ? await this.#source.store.openIncidentFor(hb.id) : null;
        const runtime = { state, inMaintenance: activeMaintenance(maintenance, hb, now) !== null, openIncidentId: open?.id ?? null, location: this.#source.location };
        return heartbeatSummary(hb, runtime, countsOf(hb.id), now);
      }),
    );
  }

  async #summaryOf(check: Check): Promise<CheckSummaryView> {
    const snapshot = await this.#cache.snapshot();
    const state = this.#source.states().find((s) => s.checkId === check.id);
    return checkSummary(check, state, snapshot.countsOf(check.id) ?? (await this.#readHours(check.id)), this.#source.now());
  }

  async #detail(id: string, _params: QueryParams): Promise<CheckDetailView | HeartbeatDetailView> {
    const hb = this.#source.config().heartbeats.find((h) => h.id === id);
    if (hb !== undefined) {
      const snapshot = await this.#cache.snapshot();
      const hours = snapshot.countsOf(hb.id) ?? (await this.#readHours(hb.id));
      const [[summary], latest] = await Promise.all([this.#heartbeatSummaries([hb], () => hours, this.#source.now()), this.#source.store.latest(hb.id)]);
      if (summary?.heartbeat == null) throw new Error(`no summary for heartbeat ${hb.id}`);
      return { ...summary, heartbeat: summary.heartbeat, latestByLocation: latest };
    }
    const check = this.#check(id);
    const [summary, latest] = await Promise.all([this.#summaryOf(check), this.#source.store.latest(check.id)]);
    return checkDetail(summary, check, latest);
  }

  async #daily(id: string, params: QueryParams): Promise<DailyBar[]> {
    const check = this.#monitor(id);
    const days = integerParam(params, 'days', { min: 1, max: OVERVIEW_DAYS, fallback: OVERVIEW_DAYS });
    const snapshot = await this.#cache.snapshot();
    const hours = snapshot.countsOf(check.id) ?? (await this.#readHours(check.id));
    return dailyBars(hours, this.#source.now(), days);
  }

  async #latency(id: string, params: QueryParams): Promise<LatencyHour[]> {
    const check = this.#monitor(id);
    const hours = integerParam(params, 'hours', { min: 1, max: 720, fallback: 48 });
    const now = this.#source.now();
    const rollups = await this.#source.store.rollups(check.id, lastHours(now, hours));
    return hourlyLatency(rollups, now, hours);
  }

  async #results(id: string, params: QueryParams): Promise<ProbeResult[]> {
    const check = this.#monitor(id);
    const limit = integerParam(params, 'limit', LIMIT);
    const store = this.#source.store;
    const locations = (await store.latest(check.id)).map((r) => r.location);
    const perLocation = await Promise.all(locations.map((location) => store.recentResults(check.id, location, { limit })));
    return perLocation
      .flat()
      .sort((a, b) => compare(b.startedAt, a.startedAt) || compare(a.location, b.location))
      .slice(0, limit);
  }

  async #incidents(params: QueryParams): Promise<IncidentView[]> {
    const checkId = stringParam(params, 'checkId');
    const status = enumParam(params, 'status', ['open', 'all'], 'all');
    const limit = integerParam(params, 'limit', LIMIT);
    if (checkId !== undefined) this.#monitor(checkId);
    const config = this.#source.config();
    const names = new Map([...config.checks, ...config.heartbeats].map((c) => [c.id, c.name]));
    const found = await this.#source.store.incidents(checkId === undefined ? {} : { checkId });
    const now = this.#source.now();
    const out: IncidentView[] = [];
    for (let i = found.length - 1; i >= 0 && out.length < limit; i--) {
      const incident = found[i];
      if (incident === undefined || (status === 'open' && incident.closedAt !== null)) continue;
      out.push(incidentView(incident, names.get(incident.checkId) ?? null, now));
    }
    return out;
  }

  /** Run counts by hour for the whole overview window, straight from the store (a check the cache has not loaded yet). */
  async #readHours(checkId: string): Promise<ReadonlyMap<string, RunCounts>> {
    const rollups = await this.#source.store.rollups(checkId, lastHours(this.#source.now(), OVERVIEW_DAYS * 24 + 23));
    return countsByHour(rollups);
  }

  #check(id: string): Check {
    const check = this.#source.config().checks.find((c) => c.id === id);
    if (check === undefined) throw new DashboardRequestError(404, `unknown check ${JSON.stringify(id)}`);
    return check;
  }

  /** A check or a heartbeat, for the routes that read only its stored runs and incidents. */
  #monitor(id: string): Check | HeartbeatCheck {
    return this.#source.config().heartbeats.find((hb) => hb.id === id) ?? this.#check(id);
  }
}

function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
