import { Client } from 'undici';
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { HttpCheck, HttpStep } from '../core/check.ts';
import type { ProbeError } from '../core/errors.ts';
import type { AssertionResult, StepResult, TlsInfo } from '../core/result.ts';
import { evaluateAssertions, statusAssertionResult } from '../core/assertions.ts';
import { queryJsonPath } from '../core/jsonpath.ts';
import { renderForDisplay, renderTemplate } from '../core/templates.ts';
import { classifyError, ProbeFailure } from './classify.ts';
import { assertAddressAllowed, connectTcp, resolveHost, upgradeTls, hostPort, type Progress } from './connect.ts';
import type { ProbeContext } from './context.ts';
import type { Deadline } from './deadline.ts';
import { addTimings, emptyTimings, type MutableTimings, type AttemptOutcome } from './outcome.ts';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

interface Request {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | null;
}

interface Response {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;
}

/** State of one attempt, filled as it goes so a failure still reports what was measured. */
interface Exchange {
  readonly timings: MutableTimings;
  address: string | null;
  tls: TlsInfo | undefined;
  redirects: number;
}

function headerValue(headers: Response['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}

/**
 * undici announces the moment it writes a request's headers on 'undici:client:sendHeaders'. Probes register
 * their socket here to learn it: time to first byte runs from that write to the first response byte, not from
 * our call into undici (which adds event-loop scheduling to the figure). Subscribed on first use, not at import.
 */
const headersSent = new WeakMap<object, () => void>();
let sendHeadersHooked = false;
function onHeadersSent(socket: Socket, callback: () => void): void {
  if (!sendHeadersHooked) {
    sendHeadersHooked = true;
    subscribe('undici:client:sendHeaders', (message) => headersSent.get((message as { socket: object }).socket)?.());
  }
  headersSent.set(socket, callback);
}

/**
 * The reason handed to `client.destroy()` when a probe is done with its connection. Without one, undici builds
 * a new error (and its stack) for every check: a fifth of the engine's CPU in profiles.
 */
let doneWithConnection: Error | undefined;
function connectionDone(): Error {
  doneWithConnection ??= Object.assign(new Error('probe finished with the connection'), { code: 'SKYPROBE_DONE' });
  return doneWithConnection;
}

/** One request and response over a fresh connection; the deadline bounds every phase. */
async function exchangeOnce(req: Request, check: HttpCheck, ctx: ProbeContext, deadline: Deadline, progress: Progress, ex: Exchange): Promise<Response> {
  const https = req.url.protocol === 'https:';
  const port = Number(req.url.port || (https ? 443 : 80));
  const { addresses, dnsMs } = await resolveHost(req.url.hostname, ctx, deadline, progress);
  if (dnsMs !== null) ex.timings.dnsMs = (ex.timings.dnsMs ?? 0) + dnsMs;
  const target = addresses[0]!;
  assertAddressAllowed(target.address, check, ctx);
  ex.address = hostPort(target.address, port);

  let mark = ctx.clock.monotonic();
  let socket: Socket = await connectTcp(target.address, port, deadline, progress);
  ex.timings.connectMs = (ex.timings.connectMs ?? 0) + (ctx.clock.monotonic() - mark);
  if (https) {
    mark = ctx.clock.monotonic();
    const tls = await upgradeTls(socket, req.url.hostname, ctx, deadline, progress, ['http/1.1']);
    ex.timings.tlsMs = (ex.timings.tlsMs ?? 0) + (ctx.clock.monotonic() - mark);
    ex.tls = tls.info;
    socket = tls.socket;
    const failure = tls.chainError ?? tls.hostnameError;
    if (failure && !check.insecure) {
      tls.socket.destroy();
      throw new ProbeFailure(failure.kind, failure.message);
    }
  }

  const connected = socket;
  const client = new Client(req.url.origin, {
    // undici stalls when the connector answers synchronously; hand the socket over on the next tick.
    connect: (_opts, callback) => process.nextTick(callback, null, connected),
    pipelining: 1,
    headersTimeout: 0,
    bodyTimeout: 0,
    maxResponseSize: -1,
  });
  try {
    progress.phase = 'request';
    mark = ctx.clock.monotonic();
    let firstByteAt: number | null = null;
    onHeadersSent(connected, () => (mark = ctx.clock.monotonic()));
    // 'readable' fires as the first response bytes arrive, before undici parses them.
    connected.prependOnceListener('readable', () => (firstByteAt = ctx.clock.monotonic()));
    let headersAt = 0;
    const res = await dispatch(client, req, deadline, check.maxBodyBytes, () => ctx.clock.monotonic(), (at) => {
      // Recorded as the headers arrive, so a body that fails later still reports its time to first byte.
      progress.phase = 'body';
      headersAt = firstByteAt ?? at;
      ex.timings.ttfbMs = (ex.timings.ttfbMs ?? 0) + (headersAt - mark);
    });
    ex.timings.downloadMs = (ex.timings.downloadMs ?? 0) + (ctx.clock.monotonic() - headersAt);
    return { status: res.status, headers: res.headers, body: res.body };
  } finally {
    client.destroy(connectionDone()).catch(() => undefined);
  }
}

/**
 * One request through undici's handler API (no stream objects per request: this path runs thousands of times
 * a second). The body is collected up to `maxBytes`; the deadline aborts whatever is in flight.
 */
function dispatch(
  client: Client,
  req: Request,
  deadline: Deadline,
  maxBytes: number,
  now: () => number,
  onHeaders: (at: number) => void,
): Promise<{ status: number; headers: Response['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: Response['headers'] = {};
    const chunks: Buffer[] = [];
    let total = 0;
    let controller: { abort(reason: Error): void } | undefined;
    const finish = deadline.onExpire(() => controller?.abort(deadline.reason));
    client.dispatch(
      { path: `${req.url.pathname}${req.url.search}`, method: req.method as 'GET', headers: req.headers, body: req.body ?? undefined },
      {
        onRequestStart(c) {
          controller = c;
          if (deadline.expired) c.abort(deadline.reason);
        },
        onResponseStart(c, statusCode, responseHeaders) {
          status = statusCode;
          headers = responseHeaders as Response['headers'];
          onHeaders(now());
          const declared = Number(responseHeaders['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) {
            c.abort(new ProbeFailure('body_too_large', `body is ${declared} bytes, over the ${maxBytes}-byte limit`));
          }
        },
        onResponseData(c, chunk) {
          total += chunk.length;
          if (total > maxBytes) c.abort(new ProbeFailure('body_too_large', `body exceeds the ${maxBytes}-byte limit`));
          else chunks.push(chunk);
        },
        onResponseEnd() {
          finish();
          resolve({ status, headers, body: Buffer.concat(chunks).toString('utf8') });
        },
        onResponseError(_c, err) {
          finish();
          reject(err);
        },
      },
    );
  });
}

/** Follows redirects as a browser would: 303 (and 301/302 after POST) become GET; credentials stay on their origin. */
async function exchange(first: Request, check: HttpCheck, ctx: ProbeContext, deadline: Deadline, progress: Progress, ex: Exchange): Promise<Response & { url: URL }> {
  let req = first;
  for (;;) {
    const res = await exchangeOnce(req, check, ctx, deadline, progress, ex);
    const location = headerValue(res.headers, 'location');
    if (!check.followRedirects || !REDIRECT_STATUSES.has(res.status) || location === undefined) return { ...res, url: req.url };
    if (ex.redirects >= check.maxRedirects) {
      throw new ProbeFailure('too_many_redirects', `more than ${check.maxRedirects} redirects (last: ${res.status} to ${location})`);
    }
    ex.redirects += 1;
    let next: URL;
    try {
      next = new URL(location, req.url);
    } catch {
      throw new ProbeFailure('protocol', `invalid redirect location ${JSON.stringify(location)}`);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new ProbeFailure('protocol', `redirect to unsupported scheme ${next.protocol}`);
    const toGet = res.status === 303 || ((res.status === 301 || res.status === 302) && req.method === 'POST');
    const headers = { ...req.headers };
    if (next.origin !== req.url.origin) {
      delete headers['authorization'];
      delete headers['cookie'];
    }
    if (toGet) delete headers['content-type'];
    req = { url: next, method: toGet ? 'GET' : req.method, headers, body: toGet ? null : req.body };
  }
}

function render(template: string, vars: Record<string, string>, ctx: ProbeContext): string {
  const out = renderTemplate(template, vars, ctx.secrets);
  if (!out.ok) {
    throw new ProbeFailure('assertion', out.missing.startsWith('secret:') ? `secret ${out.missing.slice(7)} has no value` : `variable ${out.missing} has no value (an earlier extract found nothing)`);
  }
  return out.value;
}

/** Parsed URLs of steps whose URL has no placeholders: the same on every run (URLs are never mutated here). */
const staticUrls = new WeakMap<HttpStep, URL>();

function stepUrl(step: HttpStep, vars: Record<string, string>, ctx: ProbeContext): URL {
  const cached = staticUrls.get(step);
  if (cached) return cached;
  const rendered = render(step.url, vars, ctx);
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    throw new ProbeFailure('assertion', `url ${JSON.stringify(renderForDisplay(step.url))} is not valid after substitution`);
  }
  if (!step.url.includes('{{')) staticUrls.set(step, url);
  return url;
}

function buildRequest(step: HttpStep, vars: Record<string, string>, ctx: ProbeContext): Request {
  const headers: Record<string, string> = { 'user-agent': 'skyprobe/0.1 (+synthetic monitoring)' };
  for (const [k, v] of Object.entries(step.headers)) headers[k] = render(v, vars, ctx);
  const url = stepUrl(step, vars, ctx);
  return { url, method: step.method, headers, body: step.body === null ? null : render(step.body, vars, ctx) };
}

function extractVariables(step: HttpStep, res: Response, vars: Record<string, string>): AssertionResult[] {
  const results: AssertionResult[] = [];
  let parsed: { ok: true; doc: unknown } | { ok: false; error: string } | undefined;
  for (const ex of step.extract) {
    const assertion = `extract ${ex.variable} from ${ex.from} ${ex.path}`;
    let value: string | undefined;
    if (ex.from === 'header') {
      value = headerValue(res.headers, ex.path);
    } else {
      if (parsed === undefined) {
        try {
          parsed = { ok: true, doc: JSON.parse(res.body) as unknown };
        } catch (err) {
          parsed = { ok: false, error: (err as Error).message };
        }
      }
      if (parsed.ok) {
        const found = queryJsonPath(parsed.doc, ex.path);
        if (found.found && found.value !== null && found.value !== undefined) {
          value = typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
        }
      }
    }
    if (value === undefined) {
      const why = parsed && !parsed.ok && ex.from === 'json' ? `body is not JSON: ${parsed.error}` : `${ex.path}: not found`;
      results.push({ assertion, ok: false, message: `cannot extract ${ex.variable}: ${why}` });
    } else {
      vars[ex.variable] = value;
      results.push({ assertion, ok: true, message: `extracted ${ex.variable}` });
    }
  }
  return results;
}

/** The error a failed step reports: the status first, then the first failed assertion. */
function stepError(assertions: readonly AssertionResult[], statusResult: AssertionResult): ProbeError | null {
  if (!statusResult.ok) return { kind: 'http_status', message: statusResult.message };
  const failed = assertions.filter((a) => !a.ok);
  if (failed.length === 0) return null;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more failed assertion${failed.length > 2 ? 's' : ''})` : '';
  return { kind: 'assertion', message: `${failed[0]!.message}${more}` };
}

/** `redact` masks secrets in response text before messages quote (and cut) it. */
export async function probeHttp(check: HttpCheck, ctx: ProbeContext, deadline: Deadline, redact: (text: string) => string = (t) => t): Promise<AttemptOutcome> {
  const vars: Record<string, string> = {};
  const steps: StepResult[] = [];
  const total: MutableTimings = emptyTimings();
  const started = ctx.clock.monotonic();
  let httpStatus: number | null = null;
  let address: string | null = null;
  let tls: TlsInfo | undefined;
  let redirects = 0;
  let error: ProbeError | null = null;

  for (const [index, step] of check.steps.entries()) {
    const stepStarted = ctx.clock.monotonic();
    const ex: Exchange = { timings: emptyTimings(), address: null, tls: undefined, redirects: 0 };
    const progress: Progress = { phase: 'dns' };
    let assertions: AssertionResult[] = [];
    let stepStatus: number | null = null;
    let failure: ProbeError | null = null;
    try {
      const res = await exchange(buildRequest(step, vars, ctx), check, ctx, deadline, progress, ex);
      stepStatus = res.status;
      ex.timings.totalMs = ctx.clock.monotonic() - stepStarted;
      const statusResult = statusAssertionResult(res.status, step.expectStatus);
      const observed = evaluateAssertions(step.assertions, { status: res.status, headers: res.headers, body: res.body, timings: ex.timings, redact });
      assertions = [statusResult, ...observed];
      if (statusResult.ok && observed.every((a) => a.ok)) assertions.push(...extractVariables(step, res, vars));
      failure = stepError(assertions, statusResult);
    } catch (err) {
      failure = classifyError(err, progress.phase, deadline.expired, deadline.timeoutMs);
    }
    ex.timings.totalMs = ctx.clock.monotonic() - stepStarted;
    addTimings(total, ex.timings);
    httpStatus = stepStatus ?? httpStatus;
    address = ex.address ?? address;
    tls = ex.tls ?? tls;
    redirects += ex.redirects;
    steps.push({ name: step.name, ok: failure === null, error: failure, url: renderForDisplay(step.url), httpStatus: stepStatus, timings: { ...ex.timings }, assertions });
    if (failure) {
      error = check.steps.length > 1 ? { kind: failure.kind, message: `step ${index + 1} "${step.name}": ${failure.message}` } : failure;
      break;
    }
  }
  total.totalMs = ctx.clock.monotonic() - started;
  const scenario = check.steps.length > 1;
  return {
    ok: error === null,
    error,
    timings: total,
    httpStatus,
    address,
    target: renderForDisplay(check.steps[0]!.url),
    assertions: scenario ? steps.flatMap((s) => s.assertions.map((a) => ({ ...a, assertion: `${s.name}: ${a.assertion}` }))) : (steps[0]?.assertions ?? []),
    redirects,
    ...(tls ? { tls } : {}),
    ...(scenario ? { steps } : {}),
  };
}
