import type { Check } from '../core/check.ts';
import type { ProbeResult, RunStatus } from '../core/result.ts';
import { createRedactor, redactDeep } from '../core/redact.ts';
import { secretNamesOfCheck } from '../core/templates.ts';
import type { ProbeContext } from './context.ts';
import { Deadline } from './deadline.ts';
import { probeDns } from './dns.ts';
import { probeHttp } from './http.ts';
import { emptyTimings, roundTimings, type AttemptOutcome } from './outcome.ts';
import { probeTcp } from './tcp.ts';
import { probeTls } from './tls.ts';

type Redact = (text: string) => string;

function probeOnce(check: Check, ctx: ProbeContext, deadline: Deadline, redact: Redact): Promise<AttemptOutcome> {
  switch (check.type) {
    case 'http':
      return probeHttp(check, ctx, deadline, redact);
    case 'tcp':
      return probeTcp(check, ctx, deadline, redact);
    case 'dns':
      return probeDns(check, ctx, deadline);
    case 'tls':
      return probeTls(check, ctx, deadline);
  }
}

function statusOf(check: Check, outcome: AttemptOutcome): RunStatus {
  if (!outcome.ok) return 'down';
  return check.degradedAfterMs !== null && outcome.timings.totalMs > check.degradedAfterMs ? 'degraded' : 'up';
}

/** A probe that throws is a bug in skyprobe; the run still yields a result a person can read. */
async function guardedAttempt(check: Check, ctx: ProbeContext, redact: Redact): Promise<AttemptOutcome> {
  const deadline = new Deadline(ctx.clock, check.timeoutMs);
  const started = ctx.clock.monotonic();
  try {
    return await probeOnce(check, ctx, deadline, redact);
  } catch (err) {
    const timings = { ...emptyTimings(), totalMs: ctx.clock.monotonic() - started };
    return { ok: false, error: { kind: 'protocol', message: `internal probe error: ${(err as Error)?.message ?? String(err)}` }, timings, httpStatus: null, address: null, target: check.id, assertions: [] };
  } finally {
    deadline.dispose();
  }
}

/**
 * A secret as the URL parser sends it inside a URL's path or query: it percent-encodes a few characters
 * (space, quote, apostrophe...) differently from encodeURIComponent, so the redactor must know these forms too.
 */
function urlSerializedForms(value: string): string[] {
  const forms = [new URL(`http://x/?${value}`).search.slice(1), new URL(`http://x/${value}`).pathname.slice(1)];
  return forms.filter((form) => form.length > 0 && form !== value);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Runs one check in this location: up to 1 + retries attempts, each bounded by the check's timeout.
 * Never throws; secrets never leave in the result.
 */
export async function runCheck(check: Check, ctx: ProbeContext): Promise<ProbeResult> {
  const startedAt = new Date(ctx.clock.now()).toISOString();
  const secretValues = secretNamesOfCheck(check)
    .map((name) => ctx.secrets[name])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
  const redact: Redact = secretValues.length > 0 ? createRedactor([...secretValues, ...secretValues.flatMap(urlSerializedForms)]) : (text) => text;
  let outcome: AttemptOutcome | undefined;
  let attempts = 0;
  while (attempts <= check.retries) {
    if (attempts > 0) await sleep(ctx.retryDelayMs);
    attempts += 1;
    outcome = await guardedAttempt(check, ctx, redact);
    if (outcome.ok) break;
  }
  const final = outcome!;
  const result: ProbeResult = {
    checkId: check.id,
    type: check.type,
    location: ctx.location,
    startedAt,
    status: statusOf(check, final),
    ...final,
    timings: roundTimings(final.timings),
    ...(final.steps ? { steps: final.steps.map((s) => ({ ...s, timings: roundTimings(s.timings) })) } : {}),
    attempts,
  };
  return secretValues.length > 0 ? redactDeep(result, redact) : result;
}

export interface BatchOptions {
  /** Checks in flight at once. @default 64 */
  readonly concurrency?: number;
  /** Called as each result arrives (progress lines, streaming writes). */
  readonly onResult?: (result: ProbeResult, index: number) => void;
}

/** Runs every check once with a concurrency bound; results come back in the order of `checks`. */
export async function runBatch(checks: readonly Check[], ctx: ProbeContext, options: BatchOptions = {}): Promise<ProbeResult[]> {
  const results = new Array<ProbeResult>(checks.length);
  const limit = Math.max(1, Math.min(options.concurrency ?? 64, checks.length));
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const index = next++;
      const result = await runCheck(checks[index]!, ctx);
      results[index] = result;
      options.onResult?.(result, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
