import type { Assertion, Extraction, HttpCheck, HttpStep, StatusRange } from '../check.ts';
import { parseJsonPath } from '../jsonpath.ts';
import type { HttpMethod } from './input.ts';
import {
  at,
  checkKnownKeys,
  HTTP_TOKEN,
  readHeaderMap,
  checkPlaceholders,
  describe,
  field,
  isJsonValue,
  isPlainObject,
  readArray,
  readBoolean,
  readDuration,
  readEnum,
  readInteger,
  readObject,
  readOptional,
  readRegex,
  readRequired,
  readString,
  report,
  PLACEHOLDER,
  VARIABLE,
  type Obj,
  type PlaceholderUse,
  type Scope,
  type Variables,
} from './validate-fields.ts';

/** HTTP and multi-step HTTP checks: steps, requests, status ranges, assertions, extractions. */

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const satisfies readonly HttpMethod[];

/** Request fields: on the check itself for a plain check, in each step for a scenario. */
const REQUEST_FIELDS = ['url', 'method', 'headers', 'body', 'expectStatus', 'assertions'] as const;
const STEP_FIELDS = ['name', ...REQUEST_FIELDS, 'extract'] as const;
export const HTTP_CHECK_FIELDS = [...REQUEST_FIELDS, 'steps', 'followRedirects', 'maxRedirects', 'maxBodyBytes', 'insecure'] as const;

/** Caps a scenario at 20 requests per run. */
const MAX_STEPS = 20;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Default 1 MiB: enough for any health or API payload; bigger is `body_too_large`. */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default accepted statuses: success and redirects (200-399), as most uptime monitors do. */
const DEFAULT_STATUS: readonly StatusRange[] = [{ from: 200, to: 399 }];

/** RFC 9110 token: what a header name may be made of. */

export type HttpFields = Pick<HttpCheck, 'steps' | 'followRedirects' | 'maxRedirects' | 'maxBodyBytes' | 'insecure'>;

export function validateHttpFields(scope: Scope, check: Obj, path: string, checkName: string): HttpFields {
  const rawSteps = field(check, 'steps');
  let steps: HttpStep[];
  if (rawSteps !== undefined) {
    if (field(check, 'url') !== undefined) report(scope, at(path, 'steps'), 'give either "url" or "steps", not both');
    // With steps, request fields on the check would be silently ignored: refuse them.
    for (const key of REQUEST_FIELDS) {
      if (key !== 'url' && field(check, key) !== undefined) {
        report(scope, at(path, key), `"${key}" belongs inside each step when "steps" is given, got ${describe(field(check, key))}`);
      }
    }
    steps = readSteps(scope, rawSteps, at(path, 'steps'));
  } else if (field(check, 'url') === undefined) {
    report(scope, at(path, 'url'), 'is required: give "url", or "steps" for a multi-step scenario');
    steps = [];
  } else {
    // A plain check is a one-step scenario named after the check, with no variables.
    const request = readRequest(scope, check, path, 0, { scenario: false, firstExtractedAt: new Map() });
    steps = [{ name: checkName, ...request, extract: [] }];
  }
  return {
    steps,
    // Redirects are followed by default (5 hops): a monitor usually watches the page users land on.
    followRedirects: readOptional(scope, check, 'followRedirects', path, readBoolean, true),
    maxRedirects: readOptional(scope, check, 'maxRedirects', path, (s, v, p) => readInteger(s, v, p, 0, 20), 5),
    maxBodyBytes: readOptional(scope, check, 'maxBodyBytes', path, (s, v, p) => readInteger(s, v, p, 1, MAX_BODY_BYTES), DEFAULT_MAX_BODY_BYTES),
    insecure: readOptional(scope, check, 'insecure', path, readBoolean, false),
  };
}

function readSteps(scope: Scope, value: unknown, path: string): HttpStep[] {
  const list = readArray(scope, value, path);
  if (list === undefined) return [];
  if (list.length === 0) report(scope, path, 'must have at least one step, got []');
  if (list.length > MAX_STEPS) report(scope, path, `must have at most ${MAX_STEPS} steps, got ${list.length}`);

  // First pass: which step first extracts each variable, so a use can be told "later step" from "unknown".
  const firstExtractedAt = new Map<string, number>();
  list.forEach((step, i) => {
    const extract = isPlainObject(step) ? field(step, 'extract') : undefined;
    if (!isPlainObject(extract)) return;
    for (const name of Object.keys(extract)) if (!firstExtractedAt.has(name)) firstExtractedAt.set(name, i);
  });
  const variables: Variables = { scenario: true, firstExtractedAt };

  const steps: HttpStep[] = [];
  list.forEach((raw, i) => {
    const stepPath = at(path, i);
    const step = readObject(scope, raw, stepPath);
    if (step === undefined) return;
    checkKnownKeys(scope, step, stepPath, STEP_FIELDS);
    // Unnamed steps are "step 1", "step 2"...: results and messages name the step.
    const name = readOptional(scope, step, 'name', stepPath, (s, v, p) => readString(s, v, p, { nonEmpty: true }), `step ${i + 1}`);
    const request = readRequest(scope, step, stepPath, i, variables);
    const extract = readExtract(scope, field(step, 'extract'), at(stepPath, 'extract'));
    steps.push({ name, ...request, extract });
  });
  return steps;
}

type Request = Omit<HttpStep, 'name' | 'extract'>;

function readRequest(scope: Scope, obj: Obj, path: string, stepIndex: number, variables: Variables): Request {
  const usage: PlaceholderUse = { variables, stepIndex };
  const url = readRequired(scope, obj, 'url', path, (s, v, p) => readUrl(s, v, p, usage)) ?? '';
  // Methods are written in upper case, exactly as sent: "get" is refused rather than guessed.
  const method = readOptional(scope, obj, 'method', path, (s, v, p) => readEnum(s, v, p, HTTP_METHODS), 'GET');
  const headers = readHeaders(scope, field(obj, 'headers'), at(path, 'headers'), usage);
  const body = readBody(scope, field(obj, 'body'), at(path, 'body'), usage);
  if (body.json && !Object.hasOwn(headers, 'content-type')) headers['content-type'] = 'application/json';
  const expectStatus = readOptional(scope, obj, 'expectStatus', path, readStatus, DEFAULT_STATUS);
  const assertions = readAssertions(scope, field(obj, 'assertions'), at(path, 'assertions'));
  return { url, method, headers, body: body.text, expectStatus, assertions };
}

/** An absolute http(s) URL, checked with placeholders replaced by "x" (they may stand for any part). */
function readUrl(scope: Scope, value: unknown, path: string, use: PlaceholderUse): string | undefined {
  const raw = readString(scope, value, path, { nonEmpty: true });
  if (raw === undefined) return undefined;
  const url = raw.trim();
  if (!checkPlaceholders(scope, url, path, use, true)) return undefined;
  const filled = url.replace(PLACEHOLDER, 'x');
  if (filled.includes('{{') || filled.includes('}}')) {
    report(scope, path, `has an unclosed placeholder, got ${describe(raw)}`);
    return undefined;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(filled);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    report(scope, path, `must be an absolute http:// or https:// URL, got ${describe(raw)}`);
    return undefined;
  }
  return url;
}

function readHeaders(scope: Scope, value: unknown, path: string, use: PlaceholderUse): Record<string, string> {
  return readHeaderMap(scope, value, path, {
    accept: (headerValue, headerPath) => {
      checkPlaceholders(scope, headerValue, headerPath, use, true);
      return true;
    },
  });
}

/** A string body is sent as is; any other JSON value is serialized (and marked as JSON); null or absent is no body. */
function readBody(scope: Scope, value: unknown, path: string, use: PlaceholderUse): { text: string | null; json: boolean } {
  if (value === undefined || value === null) return { text: null, json: false };
  if (typeof value === 'string') {
    checkPlaceholders(scope, value, path, use, false);
    return { text: value, json: false };
  }
  if (!isJsonValue(value)) {
    report(scope, path, `must be a string or a JSON value, got ${describe(value)}`);
    return { text: null, json: false };
  }
  const text = JSON.stringify(value);
  checkPlaceholders(scope, text, path, use, false);
  return { text, json: true };
}

const STATUS_HELP = 'must be a status code from 100 to 599, a class such as "2xx", a range such as "200-299", or a list of them';

/** 200, "200", "2xx", "200-299", or a non-empty list mixing them. */
function readStatus(scope: Scope, value: unknown, path: string): StatusRange[] | undefined {
  const list = Array.isArray(value) ? (value as readonly unknown[]) : [value];
  if (list.length === 0) {
    report(scope, path, `${STATUS_HELP}, got []`);
    return undefined;
  }
  const ranges: StatusRange[] = [];
  list.forEach((item, i) => {
    const itemPath = Array.isArray(value) ? at(path, i) : path;
    const range = parseStatus(item);
    if (range === undefined) report(scope, itemPath, `${STATUS_HELP}, got ${describe(item)}`);
    else if (range.from > range.to) report(scope, itemPath, `status range ${describe(item)} runs backwards`);
    else ranges.push(range);
  });
  return ranges.length === list.length ? ranges : undefined;
}

function parseStatus(item: unknown): StatusRange | undefined {
  const isCode = (n: number): boolean => Number.isInteger(n) && n >= 100 && n <= 599;
  if (typeof item === 'number') return isCode(item) ? { from: item, to: item } : undefined;
  if (typeof item !== 'string') return undefined;
  const text = item.trim();
  const cls = /^([1-5])xx$/i.exec(text);
  if (cls) return { from: Number(cls[1]) * 100, to: Number(cls[1]) * 100 + 99 };
  const range = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(text);
  if (!range) return undefined;
  const from = Number(range[1]);
  const to = range[2] === undefined ? from : Number(range[2]);
  return isCode(from) && isCode(to) ? { from, to } : undefined;
}

const ASSERTION_TYPES = ['totalTime', 'ttfb', 'body', 'json', 'header'] as const;
const BODY_OPS = ['contains', 'notContains', 'matches'] as const;
const JSON_OPS = ['equals', 'notEquals', 'exists', 'greaterThan', 'lessThan', 'matches'] as const;
const HEADER_OPS = ['equals', 'matches', 'exists'] as const;

function readAssertions(scope: Scope, value: unknown, path: string): Assertion[] {
  if (value === undefined) return [];
  const list = readArray(scope, value, path);
  if (list === undefined) return [];
  const assertions: Assertion[] = [];
  list.forEach((item, i) => {
    const assertion = readAssertion(scope, item, at(path, i));
    if (assertion !== undefined) assertions.push(assertion);
  });
  return assertions;
}

function readAssertion(scope: Scope, value: unknown, path: string): Assertion | undefined {
  const obj = readObject(scope, value, path);
  if (obj === undefined) return undefined;
  const type = readRequired(scope, obj, 'type', path, (s, v, p) => readEnum(s, v, p, ASSERTION_TYPES));
  if (type === undefined) return undefined;
  switch (type) {
    case 'totalTime':
    case 'ttfb': {
      checkKnownKeys(scope, obj, path, ['type', 'lessThan']);
      const lessThanMs = readRequired(scope, obj, 'lessThan', path, (s, v, p) => readDuration(s, v, p, 1, Number.MAX_SAFE_INTEGER));
      return lessThanMs === undefined ? undefined : { type, lessThanMs };
    }
    case 'body': {
      checkKnownKeys(scope, obj, path, ['type', ...BODY_OPS]);
      const op = readOp(scope, obj, path, BODY_OPS);
      if (op === undefined) return undefined;
      const read = op === 'matches' ? readRegex : nonEmptyString;
      const bodyValue = read(scope, field(obj, op), at(path, op));
      return bodyValue === undefined ? undefined : { type, op, value: bodyValue };
    }
    case 'json': {
      checkKnownKeys(scope, obj, path, ['type', 'path', ...JSON_OPS]);
      const jsonPath = readRequired(scope, obj, 'path', path, readJsonPath);
      const op = readOp(scope, obj, path, JSON_OPS);
      if (op === undefined) return undefined;
      const opPath = at(path, op);
      const raw = field(obj, op);
      let jsonValue: unknown;
      if (op === 'equals' || op === 'notEquals') {
        jsonValue = raw;
        if (!isJsonValue(raw)) {
          report(scope, opPath, `must be a JSON value, got ${describe(raw)}`);
          return undefined;
        }
      } else if (op === 'exists') {
        jsonValue = readBoolean(scope, raw, opPath);
      } else if (op === 'matches') {
        jsonValue = readRegex(scope, raw, opPath);
      } else {
        jsonValue = readFiniteNumber(scope, raw, opPath);
      }
      return jsonValue === undefined || jsonPath === undefined ? undefined : { type, path: jsonPath, op, value: jsonValue };
    }
    case 'header': {
      checkKnownKeys(scope, obj, path, ['type', 'name', ...HEADER_OPS]);
      const name = readRequired(scope, obj, 'name', path, readHeaderName);
      const op = readOp(scope, obj, path, HEADER_OPS);
      if (op === undefined) return undefined;
      const read = op === 'exists' ? readBoolean : op === 'matches' ? readRegex : readStringValue;
      const headerValue = read(scope, field(obj, op), at(path, op));
      return headerValue === undefined || name === undefined ? undefined : { type, name, op, value: headerValue };
    }
  }
}

/** Exactly one of the operators must be given. */
function readOp<T extends string>(scope: Scope, obj: Obj, path: string, ops: readonly T[]): T | undefined {
  const present = ops.filter((op) => field(obj, op) !== undefined);
  if (present.length === 1) return present[0];
  if (present.length === 0) report(scope, path, `needs one of ${ops.join(', ')}, got ${describe(obj)}`);
  else report(scope, path, `must have exactly one of ${ops.join(', ')}, got ${present.join(' and ')}`);
  return undefined;
}

function nonEmptyString(scope: Scope, value: unknown, path: string): string | undefined {
  return readString(scope, value, path, { nonEmpty: true });
}

function readStringValue(scope: Scope, value: unknown, path: string): string | undefined {
  return readString(scope, value, path);
}

function readFiniteNumber(scope: Scope, value: unknown, path: string): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  report(scope, path, `must be a number, got ${describe(value)}`);
  return undefined;
}

function readJsonPath(scope: Scope, value: unknown, path: string): string | undefined {
  const text = readString(scope, value, path, { nonEmpty: true });
  if (text === undefined) return undefined;
  const parsed = parseJsonPath(text);
  if (parsed.ok) return text;
  report(scope, path, `must be a JSON path such as "$.items[0].id", got ${describe(text)}: ${parsed.error}`);
  return undefined;
}

function readHeaderName(scope: Scope, value: unknown, path: string): string | undefined {
  if (typeof value === 'string' && HTTP_TOKEN.test(value)) return value.toLowerCase();
  report(scope, path, `must be a header name (letters, digits and !#$%&'*+-.^_\`|~), got ${describe(value)}`);
  return undefined;
}

/** `extract: { token: { json: "$.token" }, etag: { header: "ETag" } }` → variables for later steps. */
function readExtract(scope: Scope, value: unknown, path: string): Extraction[] {
  if (value === undefined) return [];
  const obj = readObject(scope, value, path);
  if (obj === undefined) return [];
  const extractions: Extraction[] = [];
  for (const variable of Object.keys(obj)) {
    const specPath = at(path, variable);
    // "secret" is reserved: {{secret:NAME}} must never be shadowed by a variable.
    if (!VARIABLE.test(variable) || variable === 'secret') {
      report(scope, specPath, `variable name must be letters, digits and "_", not start with a digit, and not be "secret", got ${describe(variable)}`);
      continue;
    }
    const spec = readObject(scope, field(obj, variable), specPath);
    if (spec === undefined) continue;
    checkKnownKeys(scope, spec, specPath, ['json', 'header']);
    const from = readOp(scope, spec, specPath, ['json', 'header'] as const);
    if (from === undefined) continue;
    const source = from === 'json' ? readJsonPath(scope, field(spec, 'json'), at(specPath, 'json')) : readHeaderName(scope, field(spec, 'header'), at(specPath, 'header'));
    if (source !== undefined) extractions.push({ variable, from, path: source });
  }
  return extractions;
}
