import type { Assertion, BodyOp, HeaderOp, JsonOp, StatusRange } from './check.ts';
import { parseJsonPath, querySegments } from './jsonpath.ts';
import type { AssertionResult, Timings } from './result.ts';
import { describeStatusRanges, statusMatches } from './status.ts';

/**
 * What an HTTP probe saw, as assertions need it. Header names are lowercase;
 * a header sent several times keeps every value.
 *
 * Messages built here may quote the body and headers. They are redacted
 * later, with the rest of the result, before anything is stored or sent.
 */
export interface HttpObservation {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;
  readonly timings: Timings;
  /**
   * Applied to text from the response before it is quoted (and cut) in a message, so a secret the target
   * echoes is masked whole, never left half-visible at the cut. @default none
   */
  readonly redact?: (text: string) => string;
}

/** Longest quoted value in a message; bodies and headers can be huge. */
const MAX_SHOWN_CHARS = 200;

function truncate(text: string): string {
  if (text.length <= MAX_SHOWN_CHARS) return text;
  let end = MAX_SHOWN_CHARS;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // do not split a surrogate pair
  return `${text.slice(0, end)}… (${text.length} chars)`;
}

/** A JSON value as people read it: strings quoted, the rest as JSON. */
function show(value: unknown): string {
  return truncate(JSON.stringify(value) ?? String(value));
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

type Pattern = { ok: true; regex: RegExp; display: string } | { ok: false; display: string; error: string };

const SLASHED = /^\/(.+)\/([a-z]*)$/s;

/** `"json"` is the source `json`; `"/hit/i"` is the source `hit` with flag `i`. */
function compilePattern(written: unknown): Pattern {
  const text = typeof written === 'string' ? written : String(written);
  const slashed = SLASHED.exec(text);
  const source = slashed ? (slashed[1] as string) : text;
  const flags = slashed ? (slashed[2] as string) : '';
  const display = truncate(slashed ? text : `/${text}/`);
  try {
    return { ok: true, regex: new RegExp(source, flags), display };
  } catch (error) {
    return { ok: false, display, error: error instanceof Error ? error.message : String(error) };
  }
}

function patternText(written: unknown): string {
  return compilePattern(written).display;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Structural equality of JSON values; object key order does not matter. */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEquals(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && jsonEquals(a[key], b[key]));
  }
  return false;
}

/** Short description of an assertion, e.g. `json $.status equals "ok"`, `ttfb < 500ms`. */
export function describeAssertion(a: Assertion): string {
  switch (a.type) {
    case 'totalTime':
      return `total time < ${a.lessThanMs}ms`;
    case 'ttfb':
      return `ttfb < ${a.lessThanMs}ms`;
    case 'body':
      return describeBody(a.op, a.value);
    case 'json':
      return describeJson(`json ${a.path}`, a.op, a.value);
    case 'header':
      return describeHeader(`header ${a.name.toLowerCase()}`, a.op, a.value);
  }
  return unreachable(a);
}

function describeBody(op: BodyOp, value: string): string {
  switch (op) {
    case 'contains':
      return `body contains ${show(value)}`;
    case 'notContains':
      return `body does not contain ${show(value)}`;
    case 'matches':
      return `body matches ${patternText(value)}`;
  }
}

function describeJson(subject: string, op: JsonOp, value: unknown): string {
  switch (op) {
    case 'equals':
      return `${subject} equals ${show(value)}`;
    case 'notEquals':
      return `${subject} does not equal ${show(value)}`;
    case 'exists':
      return value === false ? `${subject} does not exist` : `${subject} exists`;
    case 'greaterThan':
      return `${subject} > ${show(value)}`;
    case 'lessThan':
      return `${subject} < ${show(value)}`;
    case 'matches':
      return `${subject} matches ${patternText(value)}`;
  }
}

function describeHeader(subject: string, op: HeaderOp, value: unknown): string {
  switch (op) {
    case 'equals':
      return `${subject} equals ${show(value)}`;
    case 'matches':
      return `${subject} matches ${patternText(value)}`;
    case 'exists':
      return value === false ? `${subject} does not exist` : `${subject} exists`;
  }
}

function unreachable(value: never): never {
  throw new Error(`unknown assertion ${JSON.stringify(value)}`);
}

type ParsedBody = { ok: true; value: unknown } | { ok: false; error: string };

/** Evaluates every assertion against one response; one result per assertion, in order. Never throws. */
export function evaluateAssertions(assertions: readonly Assertion[], obs: HttpObservation): AssertionResult[] {
  const redact = obs.redact ?? ((text: string) => text);
  const showActual: Show = (value) => truncate(redact(JSON.stringify(value) ?? String(value)));
  let parsed: ParsedBody | undefined;
  const json = (): ParsedBody => {
    if (parsed === undefined) {
      try {
        parsed = { ok: true, value: JSON.parse(obs.body) as unknown };
      } catch (error) {
        parsed = { ok: false, error: truncate(redact(error instanceof Error ? error.message : String(error))) };
      }
    }
    return parsed;
  };
  return assertions.map((a) => ({ assertion: describeAssertion(a), ...evaluateOne(a, obs, json, showActual) }));
}

/** Quotes a value taken from the response (redacted, then cut). */
type Show = (value: unknown) => string;

interface Outcome {
  readonly ok: boolean;
  readonly message: string;
}

const pass = (message: string): Outcome => ({ ok: true, message });
const fail = (message: string): Outcome => ({ ok: false, message });

function evaluateOne(a: Assertion, obs: HttpObservation, json: () => ParsedBody, showActual: Show): Outcome {
  switch (a.type) {
    case 'totalTime':
      return checkTime('total time', obs.timings.totalMs, a.lessThanMs);
    case 'ttfb':
      return checkTime('ttfb', obs.timings.ttfbMs, a.lessThanMs);
    case 'body':
      return checkBody(a.op, a.value, obs.body);
    case 'json':
      return checkJson(a.path, a.op, a.value, json, showActual);
    case 'header':
      return checkHeader(a.name.toLowerCase(), a.op, a.value, obs.headers, showActual);
  }
  return unreachable(a);
}

function checkTime(what: string, actualMs: number | null, limitMs: number): Outcome {
  if (actualMs === null) return fail(`expected ${what} under ${limitMs}ms, got none (no response)`);
  const shown = `${Math.round(actualMs)}ms`;
  return actualMs < limitMs
    ? pass(`${what} ${shown}, under ${limitMs}ms`)
    : fail(`expected ${what} under ${limitMs}ms, got ${shown}`);
}

function checkBody(op: BodyOp, value: string, body: string): Outcome {
  switch (op) {
    case 'contains':
      return body.includes(value)
        ? pass(`body contains ${show(value)}`)
        : fail(`expected body to contain ${show(value)}`);
    case 'notContains':
      return body.includes(value)
        ? fail(`expected body not to contain ${show(value)}`)
        : pass(`body does not contain ${show(value)}`);
    case 'matches': {
      const pattern = compilePattern(value);
      if (!pattern.ok) return fail(`invalid regular expression ${pattern.display}: ${pattern.error}`);
      return pattern.regex.test(body)
        ? pass(`body matches ${pattern.display}`)
        : fail(`expected body to match ${pattern.display}`);
    }
  }
}

function checkJson(
  path: string,
  op: JsonOp,
  expected: unknown,
  json: () => ParsedBody,
  showActual: Show,
): Outcome {
  const subject = `json ${path}`;
  const parsedPath = parseJsonPath(path);
  if (!parsedPath.ok) return fail(`${subject}: invalid path: ${parsedPath.error}`);
  const body = json();
  if (!body.ok) return fail(`body is not JSON: ${body.error}`);
  const hit = querySegments(body.value, parsedPath.segments);

  if (op === 'exists') {
    const wantPresent = expected !== false;
    if (hit.found) {
      return wantPresent ? pass(`${subject}: found`) : fail(`${subject}: expected no value, got ${showActual(hit.value)}`);
    }
    return wantPresent ? fail(`${subject}: not found`) : pass(`${subject}: not found`);
  }
  if (!hit.found) return fail(`${subject}: not found`);
  const actual = hit.value;

  switch (op) {
    case 'equals':
      return jsonEquals(actual, expected)
        ? pass(`${subject} is ${showActual(actual)}`)
        : fail(`${subject}: expected ${show(expected)}, got ${showActual(actual)}`);
    case 'notEquals':
      return jsonEquals(actual, expected)
        ? fail(`${subject}: expected anything but ${show(expected)}, got ${showActual(actual)}`)
        : pass(`${subject} is ${showActual(actual)}, not ${show(expected)}`);
    case 'greaterThan':
    case 'lessThan': {
      const words = op === 'greaterThan' ? 'greater than' : 'less than';
      if (typeof actual !== 'number') {
        return fail(`${subject}: expected a number ${words} ${show(expected)}, got ${typeName(actual)} ${showActual(actual)}`);
      }
      if (typeof expected !== 'number') {
        return fail(`${subject}: the assertion needs a number to compare with, got ${typeName(expected)} ${show(expected)}`);
      }
      const ok = op === 'greaterThan' ? actual > expected : actual < expected;
      return ok
        ? pass(`${subject} is ${showActual(actual)}, ${words} ${show(expected)}`)
        : fail(`${subject}: expected a number ${words} ${show(expected)}, got ${showActual(actual)}`);
    }
    case 'matches': {
      const pattern = compilePattern(expected);
      if (!pattern.ok) return fail(`invalid regular expression ${pattern.display}: ${pattern.error}`);
      const text = typeof actual === 'string' ? actual : (JSON.stringify(actual) ?? String(actual));
      return pattern.regex.test(text)
        ? pass(`${subject} is ${showActual(actual)}, matches ${pattern.display}`)
        : fail(`${subject}: expected to match ${pattern.display}, got ${showActual(actual)}`);
    }
  }
}

/** The values of a header; a repeated header also matches as its comma-joined form. */
function headerValues(
  headers: Readonly<Record<string, string | readonly string[]>>,
  name: string,
  showActual: Show,
): { candidates: readonly string[]; shown: string } | null {
  if (!Object.hasOwn(headers, name)) return null;
  const raw = headers[name];
  if (raw === undefined) return null;
  if (typeof raw === 'string') return { candidates: [raw], shown: showActual(raw) };
  if (raw.length === 0) return null;
  const joined = raw.join(', ');
  return { candidates: raw.length === 1 ? raw : [...raw, joined], shown: showActual(joined) };
}

function checkHeader(
  name: string,
  op: HeaderOp,
  expected: unknown,
  headers: Readonly<Record<string, string | readonly string[]>>,
  showActual: Show,
): Outcome {
  const values = headerValues(headers, name, showActual);
  if (op === 'exists') {
    const wantPresent = expected !== false;
    if (values === null) return wantPresent ? fail(`header ${name}: missing`) : pass(`header ${name}: absent`);
    return wantPresent
      ? pass(`header ${name} is ${values.shown}`)
      : fail(`expected no header ${name}, got ${values.shown}`);
  }
  if (values === null) return fail(`header ${name}: missing`);
  if (op === 'equals') {
    const want = typeof expected === 'string' ? expected : (JSON.stringify(expected) ?? String(expected));
    return values.candidates.includes(want)
      ? pass(`header ${name} is ${values.shown}`)
      : fail(`expected header ${name} to equal ${show(want)}, got ${values.shown}`);
  }
  const pattern = compilePattern(expected);
  if (!pattern.ok) return fail(`invalid regular expression ${pattern.display}: ${pattern.error}`);
  return values.candidates.some((value) => pattern.regex.test(value))
    ? pass(`header ${name} is ${values.shown}, matches ${pattern.display}`)
    : fail(`expected header ${name} to match ${pattern.display}, got ${values.shown}`);
}

/** The implicit status assertion every HTTP step has. */
export function statusAssertionResult(status: number, ranges: readonly StatusRange[]): AssertionResult {
  const expected = describeStatusRanges(ranges);
  const ok = statusMatches(status, ranges);
  return {
    assertion: `status ${expected}`,
    ok,
    message: ok ? `status ${status}, expected ${expected}` : `expected status ${expected}, got ${status}`,
  };
}
