/** "1 check", "2 checks". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * What a config watches, for one-line summaries: "5 checks, 2 heartbeats", or "5 checks" when it has no
 * heartbeats (heartbeats are kept apart from `checks` in the normalized config, but people count both).
 */
export function monitorCounts(checks: number, heartbeats: number): string {
  return heartbeats === 0 ? plural(checks, 'check') : `${plural(checks, 'check')}, ${plural(heartbeats, 'heartbeat')}`;
}
