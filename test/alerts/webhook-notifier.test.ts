import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Agent } from 'undici';
import { ConsoleNotifier } from '../../lambdas/alerts/console-notifier.ts';
import { fanOut } from '../../lambdas/alerts/fanout.ts';
import { WebhookNotifier, type WebhookNotifierProps } from '../../lambdas/alerts/webhook-notifier.ts';
import type { Webhook } from '../../lambdas/core/check.ts';
import type { AlertEvent } from '../../lambdas/core/notification.ts';
import { startHttpServer, type RecordedRequest, type TestHttpServer } from '../support/http-server.ts';

function event(incident: string, kind: AlertEvent['kind'] = 'down', fields: Partial<AlertEvent> = {}): AlertEvent {
  return {
    kind,
    eventId: `${incident}:${kind}`,
    incidentId: incident,
    checkId: 'storefront',
    checkName: 'Storefront home page',
    severity: 'high',
    tags: ['prod'],
    target: 'https://shop.example.com/',
    failingLocations: ['us-east-1', 'eu-west-1'],
    error: kind === 'down' ? { kind: 'timeout', message: 'timed out after 10000ms' } : null,
    failures: [
      { location: 'us-east-1', error: kind === 'down' ? { kind: 'timeout', message: 'timed out after 10000ms' } : null },
      { location: 'eu-west-1', error: null },
    ],
    openedAt: '2025-03-01T21:00:00.000Z',
    closedAt: kind === 'down' ? null : '2025-03-01T21:04:12.000Z',
    durationSeconds: kind === 'down' ? null : 252,
    dashboardUrl: null,
    ...fields,
  };
}

function hook(url: string, fields: Partial<Webhook> = {}): Webhook {
  return { url, format: 'json', headers: {}, severities: ['critical', 'high', 'medium', 'low'], tags: null, ...fields };
}

/** Polls until `ready()` holds; fails the test after `timeoutMs`. */
async function until(ready: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const eventIdOf = (r: RecordedRequest): string | undefined => {
  const header = r.headers['x-skyprobe-event-id'];
  return Array.isArray(header) ? header[0] : header;
};

describe('WebhookNotifier', () => {
  let server: TestHttpServer;
  let agent: Agent;
  let lines: string[];
  /** Arrival time of each request, by path. */
  let arrivals: number[];

  beforeEach(async () => {
    server = await startHttpServer();
    agent = new Agent();
    lines = [];
    arrivals = [];
  });
  afterEach(async () => {
    await server.close();
    await agent.destroy();
  });

  /** A notifier with fast retries, logging to `lines`. */
  const notifier = (webhooks: Webhook[], props: Partial<WebhookNotifierProps> = {}): WebhookNotifier =>
    new WebhookNotifier({ webhooks, secrets: {}, log: (line) => lines.push(line), baseDelayMs: 5, maxDelayMs: 50, dispatcher: agent, ...props });

  /** A route that answers the first requests with `failures` (a status, or "close" to drop the socket), then 200. */
  function flaky(path: string, failures: readonly (number | 'close')[], headers: Record<string, string> = {}): void {
    let seen = 0;
    server.route(path, (req, res) => {
      arrivals.push(performance.now());
      const failure = failures[seen++];
      if (failure === 'close') {
        req.socket.destroy();
        return;
      }
      const status = failure ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain', ...(failure === undefined ? {} : headers) }).end(status === 200 ? 'ok' : `failure ${status}`);
    });
  }

  const to = (path: string): RecordedRequest[] => server.requests.filter((r) => r.url.startsWith(path));

  it('POSTs one JSON body per event with the event id and content-type headers', async () => {
    flaky('/hook', []);
    const n = notifier([hook(`${server.url}/hook`)]);
    n.notify(event('inc-1'));
    await n.drain(3_000);
    const [request, ...more] = to('/hook');
    assert.equal(more.length, 0);
    assert.equal(request?.method, 'POST');
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.equal(eventIdOf(request as RecordedRequest), 'inc-1:down');
    const body = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
    assert.equal(body['event'], 'down');
    assert.equal(body['checkId'], 'storefront');
    assert.equal(body['eventId'], 'inc-1:down');
    assert.deepEqual(n.stats(), { delivered: 1, retried: 0, failed: 0, pending: 0 });
  });

  it('retries 500s with backoff, delivers each event exactly once and keeps their order', async () => {
    flaky('/hook', [500, 500]);
    const n = notifier([hook(`${server.url}/hook`)]);
    n.notify(event('inc-1', 'down'));
    n.notify(event('inc-1', 'recovered'));
    await n.drain(3_000);
    const ids = to('/hook').map(eventIdOf);
    assert.deepEqual(ids, ['inc-1:down', 'inc-1:down', 'inc-1:down', 'inc-1:recovered']);
    assert.deepEqual(n.stats(), { delivered: 2, retried: 2, failed: 0, pending: 0 });
    assert.equal(lines.filter((l) => /attempt \d of 8 for inc-1:down failed \(HTTP 500: "failure 500"\); retrying in/.test(l)).length, 2, lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('delivered inc-1:down after 3 attempts')), lines.join('\n'));
  });

  it('honours Retry-After on a 429', async () => {
    flaky('/hook', [429], { 'retry-after': '1' });
    const n = notifier([hook(`${server.url}/hook`)], { maxDelayMs: 5_000 });
    n.notify(event('inc-1'));
    await n.drain(4_000);
    assert.equal(to('/hook').length, 2);
    const [first = 0, second = 0] = arrivals;
    assert.ok(second - first >= 950, `retried after ${Math.round(second - first)}ms, before Retry-After: 1`);
    assert.deepEqual(n.stats(), { delivered: 1, retried: 1, failed: 0, pending: 0 });
  });

  it('retries when the receiver closes the connection', async () => {
    flaky('/hook', ['close', 'close']);
    const n = notifier([hook(`${server.url}/hook`)]);
    n.notify(event('inc-1'));
    await n.drain(3_000);
    assert.equal(to('/hook').length, 3);
    assert.deepEqual(n.stats(), { delivered: 1, retried: 2, failed: 0, pending: 0 });
  });

  it('retries a receiver that does not answer within the request timeout', async () => {
    let seen = 0;
    server.route('/slow-once', (_req, res) => {
      if (seen++ === 0) return; // the first request never gets an answer
      res.writeHead(204).end();
    });
    const n = notifier([hook(`${server.url}/slow-once`)], { requestTimeoutMs: 200 });
    n.notify(event('inc-1'));
    await n.drain(3_000);
    assert.deepEqual(n.stats(), { delivered: 1, retried: 1, failed: 0, pending: 0 });
    assert.ok(lines.some((l) => l.includes('(no answer within 200ms)')), lines.join('\n'));
  });

  it('does not retry a 400, and logs what the receiver said', async () => {
    server.route('/hook', (_req, res) => res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload'));
    const n = notifier([hook(`${server.url}/hook`)]);
    n.notify(event('inc-1'));
    await n.drain(3_000);
    await sleep(100); // many backoff delays: a retry would have come by now
    assert.equal(to('/hook').length, 1);
    assert.deepEqual(n.stats(), { delivered: 0, retried: 0, failed: 1, pending: 0 });
    assert.ok(lines.some((l) => l.includes('inc-1:down not delivered, not retried: HTTP 400: "invalid_payload"')), lines.join('\n'));
  });

  it('gives up after maxAttempts', async () => {
    server.route('/hook', (_req, res) => res.writeHead(503).end());
    const n = notifier([hook(`${server.url}/hook`)], { maxAttempts: 3 });
    n.notify(event('inc-1'));
    await n.drain(3_000);
    assert.equal(to('/hook').length, 3);
    assert.deepEqual(n.stats(), { delivered: 0, retried: 2, failed: 1, pending: 0 });
    assert.ok(lines.some((l) => l.includes('gave up on inc-1:down after 3 attempts: HTTP 503')), lines.join('\n'));
  });

  it('sends secrets in the URL and headers for real, and keeps them out of every log line', async () => {
    const secrets = { HOOK_PATH: 'p4th-S3CRET-9f2', HOOK_TOKEN: 'tok/S3CRET+7a=' };
    flaky(`/hook/${secrets.HOOK_PATH}`, [500, 'close']);
    server.route('/refuse', (req, res) => res.writeHead(403).end(`bad token ${String(req.headers['authorization'])}`));
    const headers = { authorization: 'Bearer {{secret:HOOK_TOKEN}}' };
    const n = notifier(
      [hook(`${server.url}/hook/{{secret:HOOK_PATH}}`, { headers }), hook(`${server.url}/refuse?k={{secret:HOOK_PATH}}`, { headers })],
      { secrets },
    );
    n.notify(event('inc-1'));
    await n.drain(3_000);

    const sent = to(`/hook/${secrets.HOOK_PATH}`);
    assert.equal(sent.length, 3);
    assert.ok(sent.every((r) => r.headers['authorization'] === `Bearer ${secrets.HOOK_TOKEN}`));
    assert.equal(to('/refuse').length, 1);
    assert.deepEqual(n.stats(), { delivered: 1, retried: 2, failed: 1, pending: 0 });

    assert.ok(lines.length >= 4, lines.join('\n'));
    for (const line of lines) {
      for (const value of [...Object.values(secrets), encodeURIComponent(secrets.HOOK_TOKEN)]) {
        assert.ok(!line.includes(value), `a log line holds a secret: ${line}`);
      }
    }
    assert.ok(lines.some((l) => l.includes('/hook/***:') && l.includes('retrying')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('/refuse?k=***:') && l.includes('HTTP 403: "bad token Bearer ***"')), lines.join('\n'));
  });

  it('fails a delivery whose secret has no value, without sending anything', async () => {
    flaky('/hook', []);
    const n = notifier([hook(`${server.url}/hook?k={{secret:MISSING}}`)]);
    n.notify(event('inc-1'));
    await n.drain(1_000);
    assert.equal(server.requests.length, 0);
    assert.deepEqual(n.stats(), { delivered: 0, retried: 0, failed: 1, pending: 0 });
    assert.ok(lines.some((l) => l.includes('secret:MISSING has no value')), lines.join('\n'));
  });

  it('sends only events that pass the webhook filters', async () => {
    flaky('/critical', []);
    flaky('/db', []);
    flaky('/all', []);
    const n = notifier([hook(`${server.url}/critical`, { severities: ['critical'] }), hook(`${server.url}/db`, { tags: ['db'] }), hook(`${server.url}/all`)]);
    n.notify(event('inc-1'));
    n.notify(event('inc-2', 'down', { severity: 'critical', tags: ['db'] }));
    await n.drain(3_000);
    assert.deepEqual(to('/critical').map(eventIdOf), ['inc-2:down']);
    assert.deepEqual(to('/db').map(eventIdOf), ['inc-2:down']);
    assert.deepEqual(to('/all').map(eventIdOf), ['inc-1:down', 'inc-2:down']);
    assert.deepEqual(n.stats(), { delivered: 4, retried: 0, failed: 0, pending: 0 });
  });

  it('sends a Slack message to a slack webhook', async () => {
    flaky('/slack', []);
    const n = notifier([hook(`${server.url}/slack`, { format: 'slack' })]);
    n.notify(event('inc-1', 'recovered'));
    await n.drain(3_000);
    const body = JSON.parse(to('/slack')[0]?.body ?? '{}') as { text?: string; blocks?: unknown[] };
    assert.equal(body.text, ':large_green_circle: RECOVERED storefront after 4m 12s');
    assert.ok(Array.isArray(body.blocks));
  });

  it('returns from notify at once while the receiver never answers, and drain() gives up on time', async () => {
    const n = notifier([hook(`${server.url}/hang`)]);
    const started = performance.now();
    for (let i = 0; i < 200; i++) assert.equal(n.notify(event(`inc-${i}`)), undefined);
    const notifyMs = performance.now() - started;
    // Generous bound: a blocking notify would take the full 10 s request timeout.
    assert.ok(notifyMs < 500, `200 notify calls took ${Math.round(notifyMs)}ms`);
    assert.equal(n.stats().pending, 200);
    await until(() => to('/hang').length === 1, 'the first request to arrive');

    const draining = performance.now();
    await n.drain(300);
    const drainMs = performance.now() - draining;
    assert.ok(drainMs >= 280 && drainMs < 1_500, `drain(300) took ${Math.round(drainMs)}ms`);
    assert.deepEqual(n.stats(), { delivered: 0, retried: 0, failed: 200, pending: 0 });
    assert.ok(lines.some((l) => l.includes('gave up on inc-0:down, inc-1:down')), lines.join('\n').slice(0, 500));
    await sleep(50);
    assert.equal(to('/hang').length, 1, 'nothing is sent after drain gave up');
  });

  it('keeps delivering to a healthy webhook while another one hangs', async () => {
    flaky('/ok', []);
    const n = notifier([hook(`${server.url}/hang`), hook(`${server.url}/ok`)]);
    n.notify(event('inc-1'));
    n.notify(event('inc-2'));
    await until(() => n.stats().delivered === 2, 'both deliveries to the healthy webhook', 2_000);
    assert.deepEqual(to('/ok').map(eventIdOf), ['inc-1:down', 'inc-2:down']);
    assert.equal(n.stats().pending, 2);
    await n.drain(50);
    assert.equal(n.stats().pending, 0);
  });

  it('waits in drain() for a slow delivery to finish', async () => {
    server.route('/slow', (_req, res) => void setTimeout(() => res.writeHead(200).end(), 200));
    const n = notifier([hook(`${server.url}/slow`)]);
    n.notify(event('inc-1'));
    const started = performance.now();
    await n.drain(5_000);
    assert.ok(performance.now() - started >= 150);
    assert.deepEqual(n.stats(), { delivered: 1, retried: 0, failed: 0, pending: 0 });
  });

  it('resolves drain() at once when nothing is pending', async () => {
    const n = notifier([hook(`${server.url}/hook`)]);
    const started = performance.now();
    await n.drain(5_000);
    assert.ok(performance.now() - started < 100);
  });

  it('keeps delivering when the logger throws', async () => {
    flaky('/hook', [500]);
    const n = notifier([hook(`${server.url}/hook`)], {
      log: () => {
        throw new Error('log sink is closed');
      },
    });
    assert.doesNotThrow(() => n.notify(event('inc-1')));
    await n.drain(3_000);
    assert.deepEqual(n.stats(), { delivered: 1, retried: 1, failed: 0, pending: 0 });
  });

  it('works behind fanOut next to a console notifier, and fanOut drains both', async () => {
    server.route('/slow', (_req, res) => void setTimeout(() => res.writeHead(200).end(), 100));
    const written: string[] = [];
    const broken = { notify: (): void => assert.fail('a throwing notifier'), drain: async (): Promise<void> => undefined };
    const webhooks = notifier([hook(`${server.url}/slow`)]);
    const all = fanOut(broken, new ConsoleNotifier({ write: (text: string) => written.push(text) }), webhooks);
    all.notify(event('inc-1'));
    assert.deepEqual(written, ['ALERT DOWN storefront (Storefront home page) [high] — timeout: timed out after 10000ms — us-east-1, eu-west-1 — incident inc-1\n']);
    await all.drain(3_000);
    assert.deepEqual(webhooks.stats(), { delivered: 1, retried: 0, failed: 0, pending: 0 });
  });

  it('rejects a maxAttempts of 0', () => {
    assert.throws(() => notifier([], { maxAttempts: 0 }), /^RangeError: webhook notifier: maxAttempts must be a positive integer, got 0$/);
  });
});
