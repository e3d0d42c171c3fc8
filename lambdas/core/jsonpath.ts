/**
 * A deliberately small JSON path: `$`, `$.a.b`, `$.items[0].id`, `$.a[-1]`
 * (counted from the end), `$['key with.dots']`, `$["k"]`. No wildcards, no
 * filters, no recursive descent: an assertion names one value.
 *
 * A string segment only reads an own key of a plain object and a number
 * segment only indexes an array, so `$.a.length` looks for a key named
 * "length" and `$.constructor` is not found.
 */

export type JsonPathSegment = string | number;

export type ParsedJsonPath =
  | { readonly ok: true; readonly segments: readonly JsonPathSegment[] }
  | { readonly ok: false; readonly error: string };

/** Characters that end a dotted key; anything else (letters, digits, `_`, `-`, `$`, non-ASCII) is part of it. */
const DOT_KEY_END = new Set(['.', '[', ']', "'", '"', '*', ' ', '\t', '\n', '\r']);
const INDEX = /^-?(0|[1-9]\d*)$/;

export function parseJsonPath(path: string): { ok: true; segments: readonly (string | number)[] } | { ok: false; error: string } {
  if (!path.startsWith('$')) return { ok: false, error: 'must start with "$"' };
  const segments: (string | number)[] = [];
  let i = 1;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      if (path[i + 1] === '.') return { ok: false, error: `recursive descent ".." is not supported (position ${i})` };
      let j = i + 1;
      while (j < path.length && !DOT_KEY_END.has(path[j] as string)) j++;
      if (j === i + 1) {
        if (path[j] === '*') return { ok: false, error: `wildcards are not supported (position ${j})` };
        return { ok: false, error: `expected a key after "." at position ${i}` };
      }
      segments.push(path.slice(i + 1, j));
      i = j;
    } else if (ch === '[') {
      const quote = path[i + 1];
      if (quote === "'" || quote === '"') {
        const parsed = readQuoted(path, i + 1, quote);
        if (!parsed.ok) return parsed;
        if (path[parsed.end] !== ']') return { ok: false, error: `expected "]" at position ${parsed.end}` };
        segments.push(parsed.key);
        i = parsed.end + 1;
      } else {
        const close = path.indexOf(']', i);
        if (close === -1) return { ok: false, error: `unclosed "[" at position ${i}` };
        const inner = path.slice(i + 1, close);
        if (inner === '*') return { ok: false, error: `wildcards are not supported (position ${i + 1})` };
        if (!INDEX.test(inner)) {
          return { ok: false, error: `expected an integer index or a quoted key inside [] at position ${i}, got "${inner}"` };
        }
        const index = Number(inner);
        if (!Number.isSafeInteger(index)) return { ok: false, error: `index ${inner} is too large` };
        // `-0` would read as the last-but-nothing element; treat it as 0.
        segments.push(index === 0 ? 0 : index);
        i = close + 1;
      }
    } else {
      return { ok: false, error: `unexpected "${ch}" at position ${i}; expected "." or "["` };
    }
  }
  return { ok: true, segments };
}

function readQuoted(
  path: string,
  start: number,
  quote: string,
): { ok: true; key: string; end: number } | { ok: false; error: string } {
  let key = '';
  let i = start + 1;
  while (i < path.length) {
    const ch = path[i] as string;
    if (ch === '\\') {
      const next = path[i + 1];
      if (next === undefined) break;
      key += next;
      i += 2;
      continue;
    }
    if (ch === quote) return { ok: true, key, end: i + 1 };
    key += ch;
    i++;
  }
  return { ok: false, error: `unterminated quoted key starting at position ${start}` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Reads the value at `segments`; `found: false` when any step is missing or of the wrong kind. */
export function querySegments(
  doc: unknown,
  segments: readonly JsonPathSegment[],
): { found: true; value: unknown } | { found: false } {
  let current: unknown = doc;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return { found: false };
      const items: readonly unknown[] = current;
      const index = segment < 0 ? items.length + segment : segment;
      if (index < 0 || index >= items.length) return { found: false };
      current = items[index];
    } else {
      if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return { found: false };
      current = current[segment];
    }
  }
  // JSON has no undefined; a JS value holding one counts as absent.
  return current === undefined ? { found: false } : { found: true, value: current };
}

/** Reads `path` in a parsed JSON document; an invalid path is simply not found (validate with `parseJsonPath`). */
export function queryJsonPath(doc: unknown, path: string): { found: true; value: unknown } | { found: false } {
  const parsed = parseJsonPath(path);
  if (!parsed.ok) return { found: false };
  return querySegments(doc, parsed.segments);
}
