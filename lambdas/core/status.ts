import type { StatusRange } from './check.ts';

/** True when `status` lies in any of the inclusive ranges; an empty list matches nothing. */
export function statusMatches(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((range) => status >= range.from && status <= range.to);
}

/** For people: "200", "200-299", "200, 204 or 300-399"; "none" for an empty list. */
export function describeStatusRanges(ranges: readonly StatusRange[]): string {
  const parts = ranges.map((range) => (range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`));
  if (parts.length === 0) return 'none';
  if (parts.length === 1) return parts[0] as string;
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1] as string}`;
}
