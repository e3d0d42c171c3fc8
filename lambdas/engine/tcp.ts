import type { TcpCheck } from '../core/check.ts';
import { renderTemplate } from '../core/templates.ts';
import { classifyError, ProbeFailure } from './classify.ts';
import { assertAddressAllowed, connectTcp, resolveHost, hostPort, type Progress } from './connect.ts';
import type { ProbeContext } from './context.ts';
import type { Deadline } from './deadline.ts';
import { emptyTimings, type AttemptOutcome } from './outcome.ts';

const MAX_REPLY_BYTES = 64 * 1024;

function expectation(check: TcpCheck): ((reply: string) => boolean) | null {
  const e = check.expect;
  if (e === null) return null;
  if ('contains' in e) return (reply) => reply.includes(e.contains);
  const m = /^\/(.*)\/([a-z]*)$/s.exec(e.matches);
  const re = m ? new RegExp(m[1]!, m[2]) : new RegExp(e.matches);
  return (reply) => re.test(reply);
}

function describeExpect(check: TcpCheck): string {
  const e = check.expect;
  if (e === null) return '';
  return 'contains' in e ? `reply contains ${JSON.stringify(e.contains)}` : `reply matches ${e.matches}`;
}

/** `redact` masks secrets in the reply before messages quote (and cut) it. */
export async function probeTcp(check: TcpCheck, ctx: ProbeContext, deadline: Deadline, redact: (text: string) => string = (t) => t): Promise<AttemptOutcome> {
  const timings = emptyTimings();
  const started = ctx.clock.monotonic();
  const progress: Progress = { phase: 'dns' };
  const target = `${check.host}:${check.port}`;
  let address: string | null = null;
  const assertions: { assertion: string; ok: boolean; message: string }[] = [];
  const received = { text: '' };
  try {
    const { addresses, dnsMs } = await resolveHost(check.host, ctx, deadline, progress);
    timings.dnsMs = dnsMs;
    const chosen = addresses[0]!;
    assertAddressAllowed(chosen.address, check, ctx);
    address = hostPort(chosen.address, check.port);
    let mark = ctx.clock.monotonic();
    const socket = await connectTcp(chosen.address, check.port, deadline, progress);
    timings.connectMs = ctx.clock.monotonic() - mark;
    try {
      const matches = expectation(check);
      if (check.send !== null) {
        const payload = renderTemplate(check.send, {}, ctx.secrets);
        if (!payload.ok) throw new ProbeFailure('assertion', `secret ${payload.missing.replace(/^secret:/, '')} has no value`);
        socket.write(payload.value);
      }
      if (matches) {
        progress.phase = 'request';
        mark = ctx.clock.monotonic();
        const reply = await readUntil(socket, matches, deadline, (first) => (timings.ttfbMs = first - mark), ctx, received);
        timings.downloadMs = ctx.clock.monotonic() - mark - (timings.ttfbMs ?? 0);
        const ok = matches(reply);
        assertions.push({ assertion: describeExpect(check), ok, message: ok ? `${describeExpect(check)}` : `expected ${describeExpect(check)}, got ${reply.length ? quoteReply(redact(reply)) : 'nothing before the server closed'}` });
        if (!ok) throw new ProbeFailure('assertion', assertions[0]!.message);
      }
    } finally {
      socket.destroy();
    }
  } catch (err) {
    timings.totalMs = ctx.clock.monotonic() - started;
    // The server answered, just not what was expected, and kept the connection open: that is a failed expectation, not silence.
    if (deadline.expired && check.expect !== null && progress.phase === 'request' && received.text.length > 0) {
      const message = `expected ${describeExpect(check)}, got ${quoteReply(redact(received.text))} (no match within ${deadline.timeoutMs}ms)`;
      assertions.push({ assertion: describeExpect(check), ok: false, message });
      return { ok: false, error: { kind: 'assertion', message }, timings, httpStatus: null, address, target, assertions };
    }
    const error = classifyError(err, progress.phase, deadline.expired, deadline.timeoutMs);
    const withExpect = deadline.expired && check.expect !== null && progress.phase === 'request'
      ? { kind: error.kind, message: `${error.message}: no reply matching the expectation (${describeExpect(check)})` }
      : error;
    return { ok: false, error: withExpect, timings, httpStatus: null, address, target, assertions };
  }
  timings.totalMs = ctx.clock.monotonic() - started;
  return { ok: true, error: null, timings, httpStatus: null, address, target, assertions };
}

function quoteReply(reply: string): string {
  return JSON.stringify(reply.length > 200 ? `${reply.slice(0, 200)}…` : reply);
}

/** Reads until the reply satisfies `done`, the server closes, the cap is hit, or the deadline passes. */
function readUntil(
  socket: import('node:net').Socket,
  done: (reply: string) => boolean,
  deadline: Deadline,
  onFirstByte: (at: number) => void,
  ctx: ProbeContext,
  received: { text: string },
): Promise<string> {
  return deadline.race(
    new Promise<string>((resolve, reject) => {
      let reply = '';
      let first = true;
      socket.on('data', (chunk: Buffer) => {
        if (first) {
          first = false;
          onFirstByte(ctx.clock.monotonic());
        }
        reply += chunk.toString('utf8');
        received.text = reply;
        if (done(reply) || reply.length >= MAX_REPLY_BYTES) resolve(reply);
      });
      socket.once('end', () => resolve(reply));
      socket.once('close', () => resolve(reply));
      socket.once('error', reject);
    }),
  );
}
