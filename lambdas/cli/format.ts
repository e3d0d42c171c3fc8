import type { ProbeResult, RunStatus, Timings } from '../core/result.ts';

const ANSI = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Paint = (style: keyof typeof ANSI, text: string) => string;

export function painter(color: boolean): Paint {
  return color ? (style, text) => `\u001b[${ANSI[style]}m${text}\u001b[0m` : (_style, text) => text;
}

export function paintStatus(paint: Paint, status: RunStatus): string {
  return paint(status === 'up' ? 'green' : status === 'degraded' ? 'yellow' : 'red', status);
}

export function ms(value: number | null): string {
  if (value === null) return '-';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 100) return `${Math.round(value)} ms`;
  return `${value.toFixed(value >= 10 ? 1 : 2)} ms`;
}

const PHASES: readonly [keyof Timings, string][] = [
  ['dnsMs', 'dns'],
  ['connectMs', 'connect'],
  ['tlsMs', 'tls'],
  ['ttfbMs', 'ttfb'],
  ['downloadMs', 'download'],
];

/** A waterfall like curl -w: each phase's bar starts where the previous one ended. */
export function timingWaterfall(t: Timings, width = 40): string[] {
  const total = Math.max(t.totalMs, PHASES.reduce((sum, [k]) => sum + ((t[k] as number | null) ?? 0), 0), 0.001);
  let offset = 0;
  const lines: string[] = [];
  for (const [key, label] of PHASES) {
    const v = t[key] as number | null;
    if (v === null) continue;
    const start = Math.round((offset / total) * width);
    const len = Math.max(1, Math.round((v / total) * width));
    lines.push(`  ${label.padEnd(9)}${ms(v).padStart(10)}  ${' '.repeat(start)}${'█'.repeat(Math.min(len, width - start + 1))}`);
    offset += v;
  }
  lines.push(`  ${'total'.padEnd(9)}${ms(t.totalMs).padStart(10)}`);
  return lines;
}

/** The human form of one result, for `skyprobe check`. */
export function formatResult(r: ProbeResult, paint: Paint): string[] {
  const head = [r.type.toUpperCase(), r.target, r.httpStatus !== null ? String(r.httpStatus) : '', paintStatus(paint, r.status), r.address ? paint('dim', `(${r.address})`) : ''];
  const lines = [head.filter(Boolean).join('  ')];
  if (r.error) lines.push(`  ${paint('red', `${r.error.kind}: ${r.error.message}`)}`);
  lines.push(...timingWaterfall(r.timings));
  if (r.redirects) lines.push(`  redirects ${r.redirects}`);
  if (r.tls) {
    lines.push(`  certificate: ${r.tls.subject || '(no subject)'}, issuer ${r.tls.issuer}, valid until ${r.tls.validTo.slice(0, 10)} (${r.tls.daysRemaining} days)`);
    if (r.tls.chainEarliestValidTo !== r.tls.validTo) lines.push(`  chain: earliest expiry ${r.tls.chainEarliestValidTo.slice(0, 10)} (${r.tls.chainEarliestDaysRemaining} days)`);
    for (const a of r.tls.addresses ?? []) if (r.tls.addresses!.length > 1) lines.push(`  ${a.ok ? paint('green', '✓') : paint('red', '✗')} ${a.address}${a.error ? `: ${a.error.message}` : ''}`);
  }
  if (r.dns) lines.push(`  answers: ${r.dns.answers.join(', ') || '(none)'}`);
  for (const a of r.assertions) lines.push(`  ${a.ok ? paint('green', '✓') : paint('red', '✗')} ${a.assertion}${a.ok ? '' : ` — ${a.message}`}`);
  if (r.attempts > 1) lines.push(`  attempts ${r.attempts}`);
  return lines;
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}

/** The summary table of `skyprobe test`. */
export function formatTable(results: readonly ProbeResult[], paint: Paint, columns = 120): string[] {
  const idWidth = Math.min(32, Math.max(5, ...results.map((r) => r.checkId.length)));
  const detailWidth = Math.max(20, columns - idWidth - 34);
  const lines = [paint('bold', `${'CHECK'.padEnd(idWidth)}  TYPE  STATUS    ${'TIME'.padStart(9)}  DETAIL`)];
  for (const r of results) {
    const detail = r.error ? `${r.error.kind}: ${r.error.message}` : r.httpStatus !== null ? `${r.httpStatus}` : r.tls ? `certificate valid ${r.tls.daysRemaining} days` : r.dns ? r.dns.answers.join(', ') : 'ok';
    lines.push(`${cut(r.checkId, idWidth).padEnd(idWidth)}  ${r.type.padEnd(4)}  ${paintStatus(paint, r.status)}${' '.repeat(8 - r.status.length)}  ${ms(r.timings.totalMs).padStart(9)}  ${cut(detail, detailWidth)}`);
  }
  return lines;
}

export function summaryLine(results: readonly ProbeResult[], elapsedMs: number): string {
  const count = (s: RunStatus) => results.filter((r) => r.status === s).length;
  return `${results.length} check${results.length === 1 ? '' : 's'}: ${count('up')} up, ${count('degraded')} degraded, ${count('down')} down (${ms(elapsedMs)})`;
}
