import type { ConfigIssue } from '../errors.ts';
import { formatDuration, parseDuration } from '../duration.ts';
import { isIpv4, isIpv6 } from '../ip.ts';
import { AWS_REGIONS, isAwsRegion } from '../regions.ts';

/**
 * Building blocks of config validation. Every reader takes the raw value and
 * its path, records an issue when the value is wrong and returns undefined
 * then, so one pass reports every problem. Callers decide what "absent" means.
 */

export type Obj = Readonly<Record<string, unknown>>;

/** Where issues go, and the check they belong to (once its id is known to be usable). */
export interface Scope {
  readonly issues: ConfigIssue[];
  readonly checkId: string | undefined;
}

export function report(scope: Scope, path: string, message: string): void {
  scope.issues.push(scope.checkId === undefined ? { path, message } : { checkId: scope.checkId, path, message });
}

/** Plain objects only: a Date, Map or class instance where an object is expected is a mistake. */
export function isPlainObject(value: unknown): value is Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An own property; never something inherited from Object.prototype. */
export function field(obj: Obj, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `checks[2].assertions[0].path`; keys that are not identifiers are quoted: `headers["x-api-key"]`. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** A value as shown in a message: strings quoted, short objects as JSON, others by kind. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return truncate(JSON.stringify(value));
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'nothing';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      break;
  }
  if (value === null) return 'null';
  if (!Array.isArray(value) && !isPlainObject(value)) return 'an object';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json !== undefined && json.length <= 60) return json;
  return Array.isArray(value) ? 'an array' : 'an object';
}

function truncate(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 77)}...`;
}

/** Edit distance counting an adjacent swap as one edit ("timoeut" is 1 away from "timeout"). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const get = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(get(i - 1, j) + 1, get(i, j - 1) + 1, get(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, get(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return get(a.length, b.length);
}

/** The closest candidate within 2 edits (ignoring case), if any; the edit count must be shorter than the word. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance && distance < word.length) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const suggestion = closest(word, candidates);
  return suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
}

/**
 * Flags every key not in `known`, with a suggestion. `elsewhere` may explain a
 * key that is valid in another context (a tcp field on an http check).
 */
export function checkKnownKeys(
  scope: Scope,
  obj: Obj,
  path: string,
  known: readonly string[],
  elsewhere?: (key: string) => string | undefined,
): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const note = elsewhere?.(key);
    report(scope, at(path, key), `unknown field "${key}"${note === undefined ? didYouMean(key, known) : ` ${note}`}`);
  }
}

/** Reads `obj[key]`: "is required" when absent, else the reader's verdict. */
export function readRequired<T>(
  scope: Scope,
  obj: Obj,
  key: string,
  path: string,
  reader: (scope: Scope, value: unknown, path: string) => T | undefined,
): T | undefined {
  const value = field(obj, key);
  if (value === undefined) {
    report(scope, at(path, key), 'is required');
    return undefined;
  }
  return reader(scope, value, at(path, key));
}

/** Reads `obj[key]`, or `fallback` when it is absent (or invalid: the issue is recorded and the config is rejected anyway). */
export function readOptional<T>(
  scope: Scope,
  obj: Obj,
  key: string,
  path: string,
  reader: (scope: Scope, value: unknown, path: string) => T | undefined,
  fallback: T,
): T {
  const value = field(obj, key);
  if (value === undefined) return fallback;
  return reader(scope, value, at(path, key)) ?? fallback;
}

export function readObject(scope: Scope, value: unknown, path: string): Obj | undefined {
  if (isPlainObject(value)) return value;
  report(scope, path, `must be an object, got ${describe(value)}`);
  return undefined;
}

export function readArray(scope: Scope, value: unknown, path: string): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value as readonly unknown[];
  report(scope, path, `must be an array, got ${describe(value)}`);
  return undefined;
}

export function readString(scope: Scope, value: unknown, path: string, options: { nonEmpty?: boolean } = {}): string | undefined {
  if (typeof value !== 'string') {
    report(scope, path, `must be a string, got ${describe(value)}`);
    return undefined;
  }
  if (options.nonEmpty === true && value.trim() === '') {
    report(scope, path, `must not be empty, got ${describe(value)}`);
    return undefined;
  }
  return value;
}

export function readBoolean(scope: Scope, value: unknown, path: string): boolean | undefined {
  if (typeof value === 'boolean') return value;
  report(scope, path, `must be true or false, got ${describe(value)}`);
  return undefined;
}

export function readInteger(scope: Scope, value: unknown, path: string, min: number, max: number): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  report(scope, path, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
  return undefined;
}

export function readEnum<T extends string>(scope: Scope, value: unknown, path: string, allowed: readonly T[]): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
  report(scope, path, `must be one of ${allowed.join(', ')}, got ${describe(value)}${hint}`);
  return undefined;
}

/** A duration string within [minMs, maxMs]; returns milliseconds. */
export function readDuration(scope: Scope, value: unknown, path: string, minMs: number, maxMs: number): number | undefined {
  const ms = parseDuration(value);
  if (ms === undefined) {
    report(scope, path, `must be a duration such as "30s" or "5m", got ${describe(value)}`);
    return undefined;
  }
  if (ms < minMs) {
    report(scope, path, `must be at least ${formatDuration(minMs)}, got ${describe(value)}`);
    return undefined;
  }
  if (ms > maxMs) {
    report(scope, path, `must be at most ${formatDuration(maxMs)}, got ${describe(value)}`);
    return undefined;
  }
  return ms;
}

/** A regular expression source, compiled with `new RegExp(source)` to prove it is one. */
export function readRegex(scope: Scope, value: unknown, path: string, flags = ''): string | undefined {
  const source = readString(scope, value, path, { nonEmpty: true });
  if (source === undefined) return undefined;
  const error = regexError(source, flags);
  if (error !== undefined) {
    report(scope, path, `must be a valid regular expression, got ${describe(source)}: ${error}`);
    return undefined;
  }
  return source;
}

export function regexError(source: string, flags: string): string | undefined {
  try {
    new RegExp(source, flags);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Any JSON value (no functions, undefined, NaN, Infinity or cycles): what an assertion compares against. */
export function isJsonValue(value: unknown, seen: Set<object> = new Set()): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    if (seen.has(value)) return false;
    seen.add(value);
    const ok = value.every((item) => isJsonValue(item, seen));
    seen.delete(value);
    return ok;
  }
  if (isPlainObject(value)) {
    if (seen.has(value)) return false;
    seen.add(value);
    const ok = Object.keys(value).every((key) => isJsonValue(value[key], seen));
    seen.delete(value);
    return ok;
  }
  return false;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;
const LABEL_NO_UNDERSCORE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * A DNS host name (letters, digits, "-", labels of 1-63, 253 in all, one
 * trailing dot allowed). Underscores only where DNS names use them (`_dmarc`).
 * All-numeric names must be a valid IPv4 address, so "300.1.1.1" is refused.
 */
export function isHostname(value: string, options: { underscores?: boolean } = {}): boolean {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name === '' || name.length > 253) return false;
  if (/^[\d.]+$/.test(name)) return false;
  const label = options.underscores === true ? LABEL : LABEL_NO_UNDERSCORE;
  return name.split('.').every((part) => label.test(part));
}

/** A host to connect to: a host name, an IPv4 address or a bare IPv6 address. No scheme, port or path. */
export function readHost(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && (isIpv4(value) || isIpv6(value) || isHostname(value))) return value;
  report(scope, path, `must be a host name or IP address (no scheme, port or path), got ${describe(value)}`);
  return undefined;
}

export function readPort(scope: Scope, value: unknown, path: string): number | undefined {
  return readInteger(scope, value, path, 1, 65535);
}

/** A non-empty list of AWS region codes without duplicates. */
export function readRegions(scope: Scope, value: unknown, path: string): readonly string[] | undefined {
  const list = readArray(scope, value, path);
  if (list === undefined) return undefined;
  if (list.length === 0) {
    report(scope, path, 'must list at least one AWS region, got []');
    return undefined;
  }
  let ok = true;
  const firstIndex = new Map<string, number>();
  list.forEach((region, i) => {
    if (!isAwsRegion(region)) {
      const hint = typeof region === 'string' ? didYouMean(region, AWS_REGIONS) : '';
      report(scope, at(path, i), `must be an AWS region code such as "us-east-1", got ${describe(region)}${hint}`);
      ok = false;
      return;
    }
    const first = firstIndex.get(region);
    if (first !== undefined) {
      report(scope, at(path, i), `duplicate region "${region}" (also at ${at(path, first)})`);
      ok = false;
      return;
    }
    firstIndex.set(region, i);
  });
  return ok ? list.map(String) : undefined;
}

export const VARIABLE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SECRET_NAME = /^[A-Z0-9_]+$/;
/** Anything between double braces; what counts as a placeholder is decided in `checkPlaceholders` (see core/templates.ts). */
export const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** Where the scenario's variables come from: the index of the first step that extracts each. */
export interface Variables {
  readonly scenario: boolean;
  readonly firstExtractedAt: ReadonlyMap<string, number>;
}

export interface PlaceholderUse {
  readonly variables: Variables;
  readonly stepIndex: number;
}

/**
 * Checks `{{name}}` and `{{secret:NAME}}` placeholders. A variable must be
 * extracted by an earlier step (a step's own extraction happens after its
 * request). `strict` (url, headers) also refuses any other `{{...}}`; a body
 * may hold other braces, so there only near-misses like `{{ token }}` are refused.
 */
export function checkPlaceholders(scope: Scope, text: string, path: string, use: PlaceholderUse, strict: boolean): boolean {
  let ok = true;
  const fail = (message: string): void => {
    report(scope, path, message);
    ok = false;
  };
  for (const match of text.matchAll(PLACEHOLDER)) {
    const whole = match[0];
    const inner = match[1] ?? '';
    if (inner.startsWith('secret:')) {
      const name = inner.slice('secret:'.length);
      if (!SECRET_NAME.test(name)) fail(`secret name must be upper-case letters, digits and "_", got "${whole}"`);
      continue;
    }
    if (VARIABLE.test(inner)) {
      const definedAt = use.variables.firstExtractedAt.get(inner);
      if (!use.variables.scenario) {
        fail(`unknown variable "${whole}": only the steps of a scenario ("steps") have variables, set by "extract" in an earlier step`);
      } else if (definedAt === undefined) {
        fail(`unknown variable "${whole}": no step extracts "${inner}"${didYouMean(inner, [...use.variables.firstExtractedAt.keys()])}`);
      } else if (definedAt === use.stepIndex) {
        fail(`variable "${whole}" is extracted by this same step, after its request: use it in a later step`);
      } else if (definedAt > use.stepIndex) {
        fail(`variable "${whole}" is extracted only in a later step (steps[${definedAt}])`);
      }
      continue;
    }
    const trimmed = inner.trim();
    if (strict || VARIABLE.test(trimmed) || trimmed.startsWith('secret:')) {
      fail(`invalid placeholder "${whole}": write {{name}} or {{secret:NAME}}, without spaces`);
    }
  }
  return ok;
}


/** An HTTP token (RFC 9110): what a header name may be made of. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface HeaderMapOptions {
  /** Names skyprobe sets itself, refused. @default none */
  readonly reserved?: readonly string[];
  /** Further checks of one value (placeholders); false drops the header. */
  readonly accept: (value: string, path: string) => boolean;
}

/**
 * A map of request headers. Names are case-insensitive: normalized to lower case, and "Accept" plus "accept"
 * is a duplicate. Values may not hold line breaks or NUL (header injection).
 */
export function readHeaderMap(scope: Scope, value: unknown, path: string, options: HeaderMapOptions): Record<string, string> {
  if (value === undefined) return {};
  const obj = readObject(scope, value, path);
  if (obj === undefined) return {};
  const headers = new Map<string, string>();
  const givenAs = new Map<string, string>();
  for (const name of Object.keys(obj)) {
    const headerPath = at(path, name);
    if (!HTTP_TOKEN.test(name)) {
      report(scope, headerPath, `header name must be letters, digits and !#$%&'*+-.^_\`|~, got ${describe(name)}`);
      continue;
    }
    const lower = name.toLowerCase();
    if (options.reserved?.includes(lower)) {
      report(scope, headerPath, `header "${lower}" is set by skyprobe, got ${describe(field(obj, name))}`);
      continue;
    }
    const first = givenAs.get(lower);
    if (first !== undefined) {
      report(scope, headerPath, `duplicate header "${lower}" (also given as "${first}")`);
      continue;
    }
    givenAs.set(lower, name);
    const headerValue = readString(scope, field(obj, name), headerPath);
    if (headerValue === undefined) continue;
    if (/[\r\n\0]/.test(headerValue)) {
      report(scope, headerPath, `must not contain line breaks or NUL, got ${describe(headerValue)}`);
      continue;
    }
    if (options.accept(headerValue, headerPath)) headers.set(lower, headerValue);
  }
  // fromEntries defines own properties, so even a header named "__proto__" is kept as data.
  return Object.fromEntries(headers);
}
