/** Where a check's runs fall in time: shared by the local scheduler and the Lambda probe cycle. */

/**
 * A well-mixed 32-bit hash of a string: FNV-1a, then murmur3's final mix, so that every bit depends on every
 * character (plain FNV-1a's lowest bit is only the XOR of the characters' lowest bits, so `hash % 2` is biased).
 */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A check's stable slot inside its interval, so checks do not all fire at once and keep their slot across restarts. */
export function spreadOffsetMs(id: string, intervalMs: number): number {
  return stableHash(id) % intervalMs;
}

/** The first due time strictly after `afterMs` on the job's grid: k × interval + offset. */
export function nextDueAt(afterMs: number, intervalMs: number, offsetMs: number): number {
  const k = Math.floor((afterMs - offsetMs) / intervalMs) + 1;
  return k * intervalMs + offsetMs;
}
