/**
 * Bench target servers, run as CHILD processes so that their CPU is not charged to the measured
 * process. Prints `READY <port>` once listening on 127.0.0.1.
 *
 *   node --import tsx bench/target-server.ts ok      GET anything -> 200 "ok" (fallback when nginx is missing)
 *   node --import tsx bench/target-server.ts delay   GET /delay/<D> -> waits D ms, then 200 "ok"
 *
 * The delay route measures, on the server, the time from the request's arrival (the 'request'
 * event, i.e. once its head is parsed) to just before writeHead, and sends it back in
 * `x-delay-actual-us`. It sleeps with setTimeout to within ~2 ms of D, then polls hrtime with
 * setImmediate (not a blocking spin: a blocking spin would delay the 'request' event of the
 * other in-flight requests and so stamp their arrival late), so the actual delay is D plus a
 * few tens of microseconds.
 */
import { createServer } from 'node:http';

const mode = process.argv[2] ?? 'ok';
const SPIN_NS = 2_000_000n;

const server = createServer((req, res) => {
  if (mode === 'delay') {
    const m = /^\/delay\/(\d+)/.exec(req.url ?? '');
    if (m) {
      const arrived = process.hrtime.bigint();
      const due = arrived + BigInt(m[1]!) * 1_000_000n;
      const answer = () => {
        // The last ~2 ms: setTimeout alone is late by up to ~1 ms; setImmediate lets other I/O in between polls.
        if (process.hrtime.bigint() < due) {
          setImmediate(answer);
          return;
        }
        const actualUs = (process.hrtime.bigint() - arrived) / 1000n;
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2', 'x-delay-actual-us': String(actualUs) });
        res.end('ok');
      };
      const sleepMs = Number((due - arrived - SPIN_NS) / 1_000_000n);
      if (sleepMs > 0) setTimeout(answer, sleepMs);
      else answer();
      return;
    }
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', 4096, () => {
  const addr = server.address();
  process.stdout.write(`READY ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
// The parent stops the process group with SIGTERM (and SIGKILLs it when it exits).
process.on('SIGTERM', () => process.exit(0));
