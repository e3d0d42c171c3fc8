/**
 * A parser of CloudWatch metric math expressions, for the tests' interpreters of alarm and dashboard math
 * (written from the CloudWatch docs, not from the code under test): numbers, metric and expression ids,
 * function calls, + - * / and comparisons, with the usual precedence.
 */

export type Node =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'ref'; readonly id: string }
  | { readonly t: 'call'; readonly fn: string; readonly args: readonly Node[] }
  | { readonly t: 'bin'; readonly op: string; readonly a: Node; readonly b: Node };

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(>=|<=|==|!=|>|<|\+|-|\*|\/|\(|\)|,|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?)/y;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (m === null) {
      if (/^\s*$/.test(src.slice(pos))) break;
      throw new Error(`cannot tokenize ${JSON.stringify(src.slice(pos))}`);
    }
    tokens.push(m[1] as string);
    pos = re.lastIndex;
  }
  return tokens;
}

/** Precedence: comparisons < + - < * / < primary. */
export function parse(src: string): Node {
  const tokens = tokenize(src);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string): string => {
    const tok = tokens[i++];
    if (tok === undefined || (expected !== undefined && tok !== expected)) throw new Error(`expected ${expected ?? 'a token'} at ${i - 1} in ${src}`);
    return tok;
  };
  const comparison = (): Node => {
    let a = additive();
    while (['>=', '<=', '==', '!=', '>', '<'].includes(peek() ?? '')) a = { t: 'bin', op: take(), a, b: additive() };
    return a;
  };
  const additive = (): Node => {
    let a = multiplicative();
    while (peek() === '+' || peek() === '-') a = { t: 'bin', op: take(), a, b: multiplicative() };
    return a;
  };
  const multiplicative = (): Node => {
    let a = primary();
    while (peek() === '*' || peek() === '/') a = { t: 'bin', op: take(), a, b: primary() };
    return a;
  };
  const primary = (): Node => {
    const tok = take();
    if (tok === '(') {
      const inner = comparison();
      take(')');
      return inner;
    }
    if (/^\d/.test(tok)) return { t: 'num', v: Number(tok) };
    if (peek() === '(') {
      take('(');
      const args: Node[] = [comparison()];
      while (peek() === ',') {
        take(',');
        args.push(comparison());
      }
      take(')');
      return { t: 'call', fn: tok, args };
    }
    return { t: 'ref', id: tok };
  };
  const node = comparison();
  if (i !== tokens.length) throw new Error(`trailing tokens in ${src}`);
  return node;
}
