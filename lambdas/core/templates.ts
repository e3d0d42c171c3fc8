import type { Check } from './check.ts';

/**
 * Placeholders in URLs, header values and bodies: `{{name}}` is a variable
 * (extracted by an earlier step), `{{secret:NAME}}` a secret (NAME in
 * capitals, digits and `_`). Anything else between braces, such as
 * `{{secret:lower}}` or `{{ spaced }}`, is not a placeholder and is sent as
 * written.
 */
const PLACEHOLDER = /\{\{(?:secret:([A-Z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*))\}\}/g;

type Placeholder = { readonly kind: 'secret' | 'variable'; readonly name: string };

function toPlaceholder(secret: string | undefined, variable: string | undefined): Placeholder {
  return secret !== undefined ? { kind: 'secret', name: secret } : { kind: 'variable', name: variable ?? '' };
}

/** The variable and secret names a template uses, each once, in order of first use. */
export function templateNames(template: string): { variables: string[]; secrets: string[] } {
  const variables = new Set<string>();
  const secrets = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const placeholder = toPlaceholder(match[1], match[2]);
    (placeholder.kind === 'secret' ? secrets : variables).add(placeholder.name);
  }
  return { variables: [...variables], secrets: [...secrets] };
}

/**
 * Fills every placeholder in one pass: a value that itself contains `{{...}}`
 * is inserted as is, never expanded again. `missing` names the first
 * placeholder with no value: `secret:NAME` or the variable name.
 */
export function renderTemplate(
  template: string,
  vars: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string>>,
): { ok: true; value: string } | { ok: false; missing: string } {
  let missing: string | undefined;
  const value = template.replace(PLACEHOLDER, (_whole: string, secret: string | undefined, variable: string | undefined) => {
    const placeholder = toPlaceholder(secret, variable);
    const source = placeholder.kind === 'secret' ? secrets : vars;
    const found = Object.hasOwn(source, placeholder.name) ? source[placeholder.name] : undefined;
    if (found === undefined) {
      missing ??= placeholder.kind === 'secret' ? `secret:${placeholder.name}` : placeholder.name;
      return '';
    }
    return found;
  });
  return missing === undefined ? { ok: true, value } : { ok: false, missing };
}

/** The template as people may see it: secrets as `***`, variables left as `{{name}}`. */
export function renderForDisplay(template: string): string {
  return template.replace(PLACEHOLDER, (whole: string, secret: string | undefined) =>
    secret !== undefined ? '***' : whole,
  );
}

/** Every template string a check sends: step URLs, header values and bodies; a TCP check's payload. */
function templatesOfCheck(check: Check): string[] {
  switch (check.type) {
    case 'http':
      return check.steps.flatMap((step) => [
        step.url,
        ...Object.values(step.headers),
        ...(step.body === null ? [] : [step.body]),
      ]);
    case 'tcp':
      return check.send === null ? [] : [check.send];
    case 'dns':
    case 'tls':
      return [];
  }
}

/** The secret names a check needs, sorted, each once. */
/** Checks are immutable values, so their secret names are worked out once per check object (runs repeat them). */
const secretNamesCache = new WeakMap<Check, readonly string[]>();

export function secretNamesOfCheck(check: Check): string[] {
  let names = secretNamesCache.get(check);
  if (names === undefined) {
    names = [...new Set(templatesOfCheck(check).flatMap((template) => templateNames(template).secrets))].sort();
    secretNamesCache.set(check, names);
  }
  return [...names];
}
