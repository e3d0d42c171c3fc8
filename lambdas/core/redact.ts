/**
 * Secret redaction: every result, message and log line passes through a
 * redactor before it is stored, sent or printed.
 *
 * Every non-empty secret value is replaced wherever it appears, however
 * short. A very short secret therefore redacts widely: the secret "ab"
 * turns "tab" into "t***". That is the safe side to err on.
 */

const MASK = '***';

/**
 * Shortest base64 fragment redacted on its own. A secret of a few bytes has
 * fragments of two or three characters that would match all over base64
 * text; such secrets are still redacted in plain and URL-encoded form.
 */
const MIN_BASE64_FRAGMENT_CHARS = 4;

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const triple = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += BASE64_ALPHABET[(triple >> 18) & 63];
    out += BASE64_ALPHABET[(triple >> 12) & 63];
    out += b === undefined ? '=' : BASE64_ALPHABET[(triple >> 6) & 63];
    out += c === undefined ? '=' : BASE64_ALPHABET[triple & 63];
  }
  return out;
}

function toBase64Url(text: string): string {
  return text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Base64 forms of a secret. A secret inside a larger encoded value (the
 * password in `Authorization: Basic base64(user:password)`) encodes
 * differently depending on its byte offset modulo 3, so for each offset we
 * keep only the characters that depend on the secret's bytes alone.
 */
function base64Forms(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const forms = [base64(bytes)];
  for (let offset = 0; offset < 3; offset++) {
    const shifted = new Uint8Array(offset + bytes.length);
    shifted.set(bytes, offset);
    const encoded = base64(shifted);
    const start = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    forms.push(encoded.slice(start, end));
  }
  return forms
    .flatMap((form) => [form, toBase64Url(form)])
    .filter((form) => form.replace(/=+$/, '').length >= MIN_BASE64_FRAGMENT_CHARS);
}

/** Percent-encoded forms: `encodeURIComponent`, HTML-form style (`+` for space), and lowercase hex. */
function urlForms(value: string): string[] {
  const component = encodeURIComponent(value);
  const form = component
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  const lower = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
  return [component, form, lower(component), lower(form)];
}

/** The secret as it appears inside a JSON string (quotes and backslashes escaped). */
function jsonForm(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A function that replaces each secret value, and its URL-encoded, base64
 * and JSON-escaped forms, with `***`. Longer forms win where they overlap,
 * and one pass over the text never re-matches an inserted `***`.
 */
export function createRedactor(secretValues: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const value of secretValues) {
    if (value.length === 0) continue;
    forms.add(value);
    for (const form of [...urlForms(value), ...base64Forms(value), jsonForm(value)]) forms.add(form);
  }
  if (forms.size === 0) return (text) => text;
  const alternatives = [...forms].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(escapeRegExp);
  const pattern = new RegExp(alternatives.join('|'), 'g');
  return (text) => text.replace(pattern, MASK);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with every string redacted, at any depth in arrays and
 * plain objects. Object keys are kept as they are; numbers, booleans, null
 * and non-plain objects (a Date, a Map) are returned unchanged. Never
 * mutates its input; shared and circular references are copied once.
 */
export function redactDeep<T>(value: T, redact: (s: string) => string): T {
  const copies = new Map<object, unknown>();
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redact(node);
    if (Array.isArray(node)) {
      const seen = copies.get(node);
      if (seen !== undefined) return seen;
      const copy: unknown[] = [];
      copies.set(node, copy);
      for (const item of node) copy.push(walk(item));
      return copy;
    }
    if (isPlainObject(node)) {
      const seen = copies.get(node);
      if (seen !== undefined) return seen;
      const copy: Record<string, unknown> = Object.getPrototypeOf(node) === null ? Object.create(null) : {};
      copies.set(node, copy);
      for (const [key, item] of Object.entries(node)) {
        // defineProperty, not assignment: a "__proto__" key stays an ordinary key.
        Object.defineProperty(copy, key, { value: walk(item), enumerable: true, writable: true, configurable: true });
      }
      return copy;
    }
    return node;
  };
  return walk(value) as T;
}
