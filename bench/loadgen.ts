/**
 * Load generator CHILD for the peer (prometheus-blackbox-exporter): drives GET <url> over
 * `concurrency` keep-alive connections (undici Pool) and counts the responses that are 200 and
 * contain `mustContain`. Bounded by a request count and a time limit.
 *
 *   node --import tsx bench/loadgen.ts '{"url":"...","requests":N,"concurrency":C,"timeLimitMs":T,"warmup":W,"mustContain":"probe_success 1"}'
 *
 * Prints `START` when the warm-up is over and the timed run begins (the parent snapshots the
 * peer's CPU then), and `RESULT {json}` at the end.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

interface Options {
  readonly url: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly timeLimitMs: number;
  readonly warmup: number;
  readonly mustContain: string;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Options;
const url = new URL(opts.url);
const path = `${url.pathname}${url.search}`;
const pool = new Pool(url.origin, { connections: opts.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });

interface Tally {
  done: number;
  ok: number;
  bad: number;
  errors: number;
  firstProblem: string | null;
}

async function drive(requests: number, timeLimitMs: number): Promise<Tally & { elapsedMs: number }> {
  const tally: Tally = { done: 0, ok: 0, bad: 0, errors: 0, firstProblem: null };
  const started = performance.now();
  const end = started + timeLimitMs;
  let issued = 0;
  const worker = async () => {
    while (issued < requests && performance.now() < end) {
      issued += 1;
      try {
        const res = await pool.request({ path, method: 'GET' });
        const body = await res.body.text();
        if (res.statusCode === 200 && body.includes(opts.mustContain)) tally.ok += 1;
        else {
          tally.bad += 1;
          tally.firstProblem ??= `status ${res.statusCode}: ${body.slice(0, 300)}`;
        }
      } catch (err) {
        tally.errors += 1;
        tally.firstProblem ??= String((err as Error).message ?? err);
      }
      tally.done += 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { ...tally, elapsedMs: performance.now() - started };
}

if (opts.warmup > 0) await drive(opts.warmup, opts.timeLimitMs);
process.stdout.write('START\n');
const cpu0 = process.cpuUsage();
const result = await drive(opts.requests, opts.timeLimitMs);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`RESULT ${JSON.stringify({ ...result, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
await pool.close();
