/**
 * This month's availability and error budget on the dashboards, computed from the widgets' own JSON by a
 * small interpreter of CloudWatch metric math, written from the CloudWatch docs (GetMetricData, Metric Math
 * syntax and functions), not from dashboards.ts:
 *
 * - GetMetricData rounds a start time more than 63 days ago down to the hour; buckets of a widget's period
 *   follow from that start;
 * - a metric's datapoint per bucket is its statistic (Sum, SampleCount) over the values with timestamps in it;
 *   a bucket without values has no datapoint;
 * - MINUTE/HOUR/DATE/MONTH/EPOCH of a series give a non-sparse series over the whole range (every bucket),
 *   from each bucket's timestamp, in UTC; TIME_SERIES(scalar) gives a non-sparse series of that value;
 * - SUM and MAX of one series are scalars over its datapoints; RUNNING_SUM is the cumulative sum;
 * - arithmetic and comparisons (1 or 0) work point by point where both operands have a datapoint, or with a
 *   scalar; IF(c, a) keeps a where c is non-zero, IF(c, a, b) takes b where c is 0.
 */
import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import type { Config } from '../../lambdas/core/check.ts';
import { parse, type Node } from '../support/metric-math.ts';
import { loadExample, resourcesOf, synthesize, templateOf, type Synthesized } from './support.ts';

// ---- a metric math interpreter over hourly buckets ----

type Series = Map<number, number>;
type Value = { readonly scalar: number } | { readonly series: Series };

interface Env {
  /** Every bucket start of the range, epoch seconds. */
  readonly buckets: readonly number[];
  readonly values: ReadonlyMap<string, Value>;
}

function seriesOf(v: Value, what: string): Series {
  assert.ok('series' in v, `${what} needs a time series`);
  return v.series;
}

function apply(op: string, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    default: throw new Error(`unsupported operator ${op}`);
  }
}

function evaluate(node: Node, env: Env): Value {
  switch (node.t) {
    case 'num':
      return { scalar: node.v };
    case 'ref': {
      const v = env.values.get(node.id);
      assert.ok(v !== undefined, `unknown id ${node.id}`);
      return v;
    }
    case 'bin': {
      const a = evaluate(node.a, env);
      const b = evaluate(node.b, env);
      if ('scalar' in a && 'scalar' in b) return { scalar: apply(node.op, a.scalar, b.scalar) };
      const out: Series = new Map();
      const times = 'series' in a ? [...a.series.keys()] : [...(b as { series: Series }).series.keys()];
      for (const t of times) {
        const x = 'scalar' in a ? a.scalar : a.series.get(t);
        const y = 'scalar' in b ? b.scalar : b.series.get(t);
        if (x !== undefined && y !== undefined) out.set(t, apply(node.op, x, y));
      }
      return { series: out };
    }
    case 'call': {
      const args = node.args.map((a) => evaluate(a, env));
      const [first, second, third] = args;
      const everyBucket = (f: (t: number) => number): Value => {
        seriesOf(first!, node.fn);
        return { series: new Map(env.buckets.map((t) => [t, f(t)])) };
      };
      switch (node.fn) {
        case 'EPOCH': return everyBucket((t) => t);
        case 'MONTH': return everyBucket((t) => new Date(t * 1000).getUTCMonth() + 1);
        case 'DATE': return everyBucket((t) => new Date(t * 1000).getUTCDate());
        case 'HOUR': return everyBucket((t) => new Date(t * 1000).getUTCHours());
        case 'SUM': return { scalar: [...seriesOf(first!, 'SUM').values()].reduce((s, v) => s + v, 0) };
        case 'MAX': return { scalar: Math.max(...seriesOf(first!, 'MAX').values()) };
        case 'TIME_SERIES': {
          assert.ok(first !== undefined && 'scalar' in first, 'TIME_SERIES takes a scalar');
          return { series: new Map(env.buckets.map((t) => [t, first.scalar])) };
        }
        case 'RUNNING_SUM': {
          let total = 0;
          return { series: new Map([...seriesOf(first!, 'RUNNING_SUM')].sort(([a], [b]) => a - b).map(([t, v]) => [t, (total += v)])) };
        }
        case 'IF': {
          const condition = seriesOf(first!, 'IF');
          const out: Series = new Map();
          for (const [t, c] of condition) {
            const branch = c !== 0 ? second : third;
            if (branch === undefined) continue;
            const v = 'scalar' in branch ? branch.scalar : branch.series.get(t);
            if (v !== undefined) out.set(t, v);
          }
          return { series: out };
        }
        default:
          throw new Error(`the interpreter does not know ${node.fn}`);
      }
    }
  }
}

/** One run's datum of the check's `Failed` metric: its due time (epoch s) and 1 or 0. */
interface Run {
  readonly atSeconds: number;
  readonly failed: 0 | 1;
}

type MetricEntry = unknown[];
interface MetricOptions {
  readonly id?: string;
  readonly label?: string;
  readonly expression?: string;
  readonly stat?: string;
  readonly period?: number;
}

const HOUR = 3600;
const DAY = 86_400;

/** A relative ISO duration of days, as dashboards write it. */
function rangeDays(start: string): number {
  const m = /^-P(\d+)D$/.exec(start);
  assert.ok(m, `a time range in days, got ${start}`);
  return Number(m[1]);
}

/**
 * What the widget shows at `nowSeconds`: every labelled expression's series, evaluated over the buckets
 * GetMetricData would give for the widget's range and period, from the runs put.
 */
function widgetAt(widget: { properties: Record<string, unknown> }, runs: readonly Run[], nowSeconds: number): Map<string, Series> {
  const entries = widget.properties['metrics'] as MetricEntry[];
  const options = (e: MetricEntry) => e[e.length - 1] as MetricOptions;
  const periods = new Set(entries.map((e) => options(e).period));
  assert.deepEqual([...periods], [HOUR], 'hourly buckets throughout');
  const days = rangeDays(String(widget.properties['start']));
  assert.ok(days > 63, 'a start more than 63 days ago, which CloudWatch rounds to the hour');
  const rangeStart = Math.floor((nowSeconds - days * DAY) / HOUR) * HOUR;
  const buckets: number[] = [];
  for (let t = rangeStart; t < nowSeconds; t += HOUR) buckets.push(t);

  const values = new Map<string, Value>();
  for (const entry of entries) {
    if (typeof entry[0] !== 'string') continue;
    const { id, stat } = options(entry);
    assert.ok(id !== undefined && (stat === 'Sum' || stat === 'SampleCount'), `metric ${JSON.stringify(entry)}`);
    const series: Series = new Map();
    for (const run of runs) {
      if (run.atSeconds < rangeStart || run.atSeconds >= nowSeconds) continue;
      const bucket = rangeStart + Math.floor((run.atSeconds - rangeStart) / HOUR) * HOUR;
      series.set(bucket, (series.get(bucket) ?? 0) + (stat === 'Sum' ? run.failed : 1));
    }
    values.set(id, { series });
  }
  const expressions = entries.filter((e) => typeof e[0] !== 'string').map(options);
  const shown = new Map<string, Series>();
  // Hidden expressions first: the visible ones read them by id.
  for (const e of [...expressions.filter((x) => x.id !== undefined), ...expressions.filter((x) => x.id === undefined)]) {
    const v = evaluate(parse(String(e.expression)), { buckets, values });
    if (e.id !== undefined) values.set(e.id, v);
    if (e.label !== undefined) shown.set(e.label, seriesOf(v, e.label));
  }
  return shown;
}

/** The value a single-value widget shows: the latest datapoint. */
function latest(series: Series | undefined): number {
  assert.ok(series !== undefined && series.size > 0, 'a series with data');
  return series.get(Math.max(...series.keys())) as number;
}

/** One run every `everySeconds` from `fromIso` (inclusive) to `toIso` (exclusive), failing where `fails` says. */
function runsBetween(fromIso: string, toIso: string, everySeconds: number, fails: (atSeconds: number) => boolean = () => false): Run[] {
  const out: Run[] = [];
  for (let t = Date.parse(fromIso) / 1000; t < Date.parse(toIso) / 1000; t += everySeconds) out.push({ atSeconds: t, failed: fails(t) ? 1 : 0 });
  return out;
}

const at = (iso: string) => Date.parse(iso) / 1000;

// ---- the widgets ----

interface Widget {
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

function dashboard(s: Synthesized, name: string): { periodOverride?: string; widgets: Widget[] } {
  const found = resourcesOf(templateOf(s, 'skyprobe-home'), 'AWS::CloudWatch::Dashboard').find(([, r]) => r.Properties['DashboardName'] === name);
  assert.ok(found, `dashboard ${name}`);
  const body = found[1].Properties['DashboardBody'];
  const text = typeof body === 'string' ? body : (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '<token>')).join('');
  return JSON.parse(text) as { periodOverride?: string; widgets: Widget[] };
}

function widget(s: Synthesized, dashboardName: string, title: string): Widget {
  const found = dashboard(s, dashboardName).widgets.find((w) => w.properties['title'] === title);
  assert.ok(found, `widget "${title}" on ${dashboardName}`);
  return found;
}

describe('this month on the dashboards', () => {
  let config: Config;
  let s: Synthesized;
  const CHECK_MONTH = 'This month (UTC), all regions: availability vs SLO 99.9%';
  const CHECK_MONTH_GRAPH = 'This month (UTC) so far, hour by hour (%)';
  const AVAILABILITY = 'availability this month (UTC), %';
  const BUDGET = 'error budget left (SLO 99.9%), %';

  before(async () => {
    config = (await loadExample()).config;
    s = synthesize({ config });
  });

  it('counts from the first of the month at 00:00 UTC, not from a day boundary of the time range', () => {
    // Just after the month began: the last hour of February failed throughout, the first ten minutes of March too.
    const now = at('2025-03-01T05:30:00Z');
    const runs = runsBetween('2025-02-20T00:00:00Z', '2025-03-01T05:30:00Z', 60, (t) => (t >= at('2025-02-28T23:00:00Z') && t < at('2025-03-01T00:10:00Z')));
    const shown = widgetAt(widget(s, 'skyprobe-check', CHECK_MONTH), runs, now);
    const rate = 10 / 330; // 10 of the 330 runs since 00:00 failed
    assert.ok(Math.abs(latest(shown.get(AVAILABILITY)) - 100 * (1 - rate)) < 1e-9, `availability ${latest(shown.get(AVAILABILITY))}`);
    assert.ok(Math.abs(latest(shown.get(BUDGET)) - 100 * (1 - rate / 0.001)) < 1e-6, `budget ${latest(shown.get(BUDGET))}`);
  });

  it('weighs every run the same, not every day: a day of few runs counts for its runs', () => {
    // Two weeks of one run an hour, all passing; then half a day of a run a minute, a tenth of them failing.
    const now = at('2025-03-15T12:00:00Z');
    const runs = [
      ...runsBetween('2025-03-01T00:00:00Z', '2025-03-15T00:00:00Z', HOUR),
      ...runsBetween('2025-03-15T00:00:00Z', '2025-03-15T12:00:00Z', 60, (t) => (t / 60) % 10 === 0),
    ];
    const shown = widgetAt(widget(s, 'skyprobe-check', CHECK_MONTH), runs, now);
    // An average of daily averages would say 100 × (1 − 0.1 / 15) = 99.33 %.
    assert.ok(Math.abs(latest(shown.get(AVAILABILITY)) - 100 * (1 - 72 / (336 + 720))) < 1e-9, `availability ${latest(shown.get(AVAILABILITY))}`);
  });

  it('graphs the month so far hour by hour, ending where the single value stands', () => {
    const now = at('2025-04-03T07:00:00Z');
    const runs = runsBetween('2025-03-25T00:00:00Z', '2025-04-03T07:00:00Z', 300, (t) => t >= at('2025-04-02T10:00:00Z') && t < at('2025-04-02T11:00:00Z'));
    const single = widgetAt(widget(s, 'skyprobe-check', CHECK_MONTH), runs, now);
    const graph = widgetAt(widget(s, 'skyprobe-check', CHECK_MONTH_GRAPH), runs, now);
    const series = graph.get('availability this month so far, %')!;
    assert.equal(Math.min(...series.keys()), at('2025-04-01T00:00:00Z'), 'starts at the month\'s first hour');
    assert.equal(series.get(at('2025-04-02T09:00:00Z')), 100, 'no failure before');
    assert.ok(Math.abs(latest(series) - latest(single.get(AVAILABILITY))) < 1e-9);
    assert.ok(Math.abs(latest(graph.get(BUDGET)) - latest(single.get(BUDGET))) < 1e-9);
  });

  it('shows the same month against each check\'s own SLO on the overview', () => {
    const now = at('2025-03-01T05:30:00Z');
    const runs = runsBetween('2025-02-27T00:00:00Z', '2025-03-01T05:30:00Z', 60, (t) => t >= at('2025-02-28T12:00:00Z') && t < at('2025-03-01T00:01:00Z'));
    for (const check of config.checks) {
      const shown = widgetAt(widget(s, 'skyprobe-overview', `${check.name}: this month vs SLO ${check.sloPercent}%`), runs, now);
      assert.ok(Math.abs(latest(shown.get(AVAILABILITY)) - 100 * (1 - 1 / 330)) < 1e-9, check.id);
      const budget = shown.get(`error budget left (SLO ${check.sloPercent}%), %`);
      assert.ok(Math.abs(latest(budget) - 100 * (1 - 1 / 330 / ((100 - check.sloPercent) / 100))) < 1e-6, check.id);
    }
  });

  it('keeps each graph\'s own period, so the console does not re-bucket the month', () => {
    for (const name of ['skyprobe-check', 'skyprobe-overview']) assert.equal(dashboard(s, name).periodOverride, 'inherit', name);
  });

  it('shows the error budget for each SLO in use when the checks\' SLOs differ, and names each check\'s SLO in the check menu', () => {
    const mixed = synthesize({ config: { ...config, checks: config.checks.map((c, i) => (i === 0 ? { ...c, sloPercent: 99.5 } : c)) } });
    const title = 'This month (UTC), all regions: availability vs each SLO in use (the check\'s: in the Check menu)';
    const labels = (widget(mixed, 'skyprobe-check', title).properties['metrics'] as MetricEntry[]).map((e) => (e[e.length - 1] as MetricOptions).label).filter((l) => l !== undefined);
    assert.deepEqual(labels, [AVAILABILITY, 'error budget left if the SLO is 99.9%, %', 'error budget left if the SLO is 99.5%, %']);
    const variable = (dashboard(mixed, 'skyprobe-check') as { variables?: { values: { label: string }[] }[] }).variables?.[0];
    assert.ok(variable?.values[0]?.label.endsWith(' · SLO 99.5%') && variable.values[1]?.label.endsWith(' · SLO 99.9%'), JSON.stringify(variable?.values));
  });
});
