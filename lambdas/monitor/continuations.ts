import { type ContinuationEvent, type DueWindow } from '../core/minute-plan.ts';
import { MINUTE_MS } from '../core/duration.ts';

/**
 * Continuation messages as the probe handler receives them; the planning of the minute (which parts the
 * scheduled invocation hands off, with which delays) is in lambdas/core/minute-plan.ts, where the cost
 * model uses it too.
 */

export { minuteStartOf, planMinute, subMinuteDueTimes, subMinuteSpanOf, type ContinuationEvent, type ContinuationPlanOptions, type MinutePlan, type PlannedContinuation } from '../core/minute-plan.ts';


/** The window a continuation event owns. */
export function windowOf(event: ContinuationEvent): DueWindow {
  return { startMs: event.wakeAtMs, endMs: event.windowEndMs };
}

/** A message body that is not a continuation event this version sent. */
export class InvalidContinuationError extends Error {
  override readonly name = 'InvalidContinuationError';
}

const FIELDS = ['kind', 'shard', 'shards', 'minuteStartMs', 'wakeAtMs', 'windowEndMs'] as const;

/** Parses and checks a message body strictly: JSON, exactly the fields of ContinuationEvent, consistent times. */
export function parseContinuation(body: unknown): ContinuationEvent {
  if (typeof body !== 'string') throw new InvalidContinuationError(`continuation message body must be a string, got ${typeof body}`);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidContinuationError(`continuation message body is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidContinuationError('continuation message body must be a JSON object');
  const e = value as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new InvalidContinuationError(`continuation message has unknown field(s) ${unknown.join(', ')}`);
  if (e['kind'] !== 'continuation') throw new InvalidContinuationError(`continuation message needs "kind": "continuation", got ${JSON.stringify(e['kind'])}`);
  const int = (name: (typeof FIELDS)[number], min: number): number => {
    const v = e[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new InvalidContinuationError(`continuation message needs "${name}", an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const shards = int('shards', 1);
  const shard = int('shard', 0);
  if (shard >= shards) throw new InvalidContinuationError(`continuation message "shard" must be below "shards" (${shards}), got ${shard}`);
  const minuteStartMs = int('minuteStartMs', 0);
  const wakeAtMs = int('wakeAtMs', 0);
  const windowEndMs = int('windowEndMs', 0);
  if (minuteStartMs % MINUTE_MS !== 0) throw new InvalidContinuationError(`continuation message "minuteStartMs" must be a minute boundary, got ${minuteStartMs}`);
  if (!(minuteStartMs <= wakeAtMs && wakeAtMs < windowEndMs && windowEndMs <= minuteStartMs + MINUTE_MS)) {
    throw new InvalidContinuationError(
      `continuation message window [${wakeAtMs}, ${windowEndMs}) must be non-empty and inside the minute starting ${minuteStartMs}`,
    );
  }
  return { kind: 'continuation', shard, shards, minuteStartMs, wakeAtMs, windowEndMs };
}
