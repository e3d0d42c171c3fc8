import { DashboardRequestError } from './request-error.ts';

/**
 * Query-string parsing for the dashboard API. Every parameter is checked:
 * an unknown or repeated name, or a value out of range, is a 400 with one
 * line naming the parameter and the value, so typos (`?limt=5`) do not pass
 * silently.
 */

export type QueryParams = ReadonlyMap<string, string>;

/** The parameters of a query string, refusing names not in `allowed` and names given twice. */
export function parseQuery(search: URLSearchParams, allowed: readonly string[]): QueryParams {
  const out = new Map<string, string>();
  for (const [name, value] of search) {
    if (!allowed.includes(name)) {
      const expected = allowed.length === 0 ? 'this route takes no parameters' : `expected ${allowed.join(', ')}`;
      throw new DashboardRequestError(400, `unknown parameter ${JSON.stringify(name)} (${expected})`);
    }
    if (out.has(name)) throw new DashboardRequestError(400, `parameter ${name} is given more than once`);
    out.set(name, value);
  }
  return out;
}

export interface IntegerParamSpec {
  readonly min: number;
  readonly max: number;
  readonly fallback: number;
}

/** A decimal integer in [min, max]; `fallback` when the parameter is absent. */
export function integerParam(params: QueryParams, name: string, spec: IntegerParamSpec): number {
  const raw = params.get(name);
  if (raw === undefined) return spec.fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= spec.min && value <= spec.max)) {
    throw new DashboardRequestError(400, `${name} must be an integer from ${spec.min} to ${spec.max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** One of `values`; `fallback` when the parameter is absent. */
export function enumParam<const T extends string>(params: QueryParams, name: string, values: readonly T[], fallback: T): T {
  const raw = params.get(name);
  if (raw === undefined) return fallback;
  const found = values.find((v) => v === raw);
  if (found === undefined) {
    throw new DashboardRequestError(400, `${name} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return found;
}

/** A non-empty string; undefined when the parameter is absent. */
export function stringParam(params: QueryParams, name: string): string | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (raw.length === 0) throw new DashboardRequestError(400, `${name} must not be empty`);
  return raw;
}
