/** Multi-step HTTP scenarios and secrets, against a real loopback server. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProbeResult } from '../../lambdas/core/result.ts';
import { createProbeContext, type ProbeContext } from '../../lambdas/engine/context.ts';
import { runCheck } from '../../lambdas/engine/run-check.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { httpCheck } from './helpers.ts';

const SECRET = 's3cr3tPa55w0rdXyz';

let web: TestHttpServer;
let ctx: ProbeContext;

before(async () => {
  web = await startHttpServer();
  ctx = createProbeContext({ location: 'test', allowPrivateTargets: true, retryDelayMs: 10, secrets: { PASS: SECRET } });
  // Echoes the request line, so a failing assertion on it would quote the query string.
  web.route('/echo-url', (req, res) => {
    const json = JSON.stringify({ url: req.url });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  });
});

after(async () => {
  await web.close();
});

const run = (input: Record<string, unknown>): Promise<ProbeResult> => runCheck(httpCheck(input), ctx);

const loginStep = (extract: Record<string, unknown> = { token: { json: '$.token' }, session: { header: 'x-session' } }) => ({
  name: 'login',
  url: `${web.url}/login`,
  method: 'POST',
  body: { user: 'ada', pass: '{{secret:PASS}}' },
  extract,
});

const meStep = () => ({
  name: 'me',
  url: `${web.url}/me`,
  headers: { Authorization: 'Bearer {{token}}', 'X-Session': '{{session}}' },
  assertions: [{ type: 'json', path: '$.user', equals: 'ada' }],
});

function assertNoSecret(result: ProbeResult): void {
  const json = JSON.stringify(result);
  assert.ok(!json.includes(SECRET), `the secret leaked into the result: ${json}`);
}

describe('multi-step scenarios', () => {
  it('logs in, carries the extracted token and session header into the next step, and passes', async () => {
    const seen = web.requests.length;
    const result = await run({ steps: [loginStep(), meStep()] });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.status, 'up');
    assert.equal(result.steps?.length, 2);
    assert.deepEqual(result.steps?.map((s) => [s.name, s.ok, s.httpStatus]), [
      ['login', true, 200],
      ['me', true, 200],
    ]);
    const me = web.requests[seen + 1];
    assert.equal(me?.url, '/me');
    assert.equal(me?.headers.authorization, 'Bearer tok-ada');
    assert.equal(me?.headers['x-session'], 'sess-1');
    assert.ok(result.assertions.some((a) => a.assertion === 'me: json $.user equals "ada"' && a.ok));
    for (const step of result.steps ?? []) assert.ok(step.timings.totalMs > 0);
  });

  it('fails naming the step, and runs no later step, when a middle step fails', async () => {
    const seen = web.requests.length;
    const result = await run({ steps: [loginStep(), { name: 'broken', url: `${web.url}/status/500` }, meStep()] });
    assert.equal(result.ok, false);
    assert.equal(result.error?.kind, 'http_status');
    assert.equal(result.error?.message, 'step 2 "broken": expected status 200-399, got 500');
    assert.equal(result.steps?.length, 2);
    assert.deepEqual(result.steps?.map((s) => s.ok), [true, false]);
    assert.equal(web.requests.length, seen + 2, 'the third step must not run');
    assert.ok(!web.requests.slice(seen).some((r) => r.url === '/me'));
  });

  it('fails when a later step is refused without the extracted credentials', async () => {
    const result = await run({ steps: [loginStep({ session: { header: 'x-session' } }), { ...meStep(), headers: { Authorization: 'Bearer wrong', 'X-Session': '{{session}}' } }] });
    assert.equal(result.error?.kind, 'http_status');
    assert.equal(result.error?.message, 'step 2 "me": expected status 200-399, got 401');
  });

  it('fails with assertion naming the variable and path when a JSON extract finds nothing', async () => {
    const seen = web.requests.length;
    const result = await run({ steps: [loginStep({ token: { json: '$.missing' } }), { ...meStep(), headers: { Authorization: 'Bearer {{token}}' } }] });
    assert.equal(result.ok, false);
    assert.equal(result.error?.kind, 'assertion');
    assert.equal(result.error?.message, 'step 1 "login": cannot extract token: $.missing: not found');
    assert.equal(web.requests.length, seen + 1);
  });

  it('fails with assertion when a header extract finds no such header', async () => {
    const result = await run({ steps: [loginStep({ session: { header: 'x-nope' } }), { ...meStep(), headers: { 'X-Session': '{{session}}' } }] });
    assert.equal(result.error?.kind, 'assertion');
    assert.equal(result.error?.message, 'step 1 "login": cannot extract session: x-nope: not found');
  });

  it('fails with assertion saying the body is not JSON when extracting from a text body', async () => {
    const result = await run({ steps: [{ name: 'text', url: `${web.url}/ok`, extract: { token: { json: '$.token' } } }, { name: 'next', url: `${web.url}/headers?t={{token}}` }] });
    assert.equal(result.error?.kind, 'assertion');
    assert.match(result.error?.message ?? '', /^step 1 "text": cannot extract token: body is not JSON/);
  });
});

describe('secrets in checks', () => {
  it('sends a secret in a JSON body for real and keeps it out of the result', async () => {
    const seen = web.requests.length;
    const result = await run({ steps: [loginStep(), meStep()] });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    const login = web.requests[seen];
    assert.deepEqual(JSON.parse(login?.body ?? ''), { user: 'ada', pass: SECRET });
    assertNoSecret(result);
  });

  it('keeps a secret out of the result when the server echoes it back into a failing assertion', async () => {
    const result = await run({
      url: `${web.url}/echo`,
      method: 'POST',
      headers: { 'X-Api-Key': '{{secret:PASS}}' },
      body: 'password={{secret:PASS}}',
      assertions: [
        { type: 'json', path: "$.headers['x-api-key']", equals: 'something else' },
        { type: 'json', path: '$.body', equals: 'something else' },
      ],
    });
    const seen = web.requests.at(-1);
    assert.equal(seen?.headers['x-api-key'], SECRET);
    assert.equal(seen?.body, `password=${SECRET}`);
    assert.equal(result.error?.kind, 'assertion');
    // The message quotes the echoed value, masked.
    assert.equal(result.error?.message, `json $.headers['x-api-key']: expected "something else", got "***" (and 1 more failed assertion)`);
    assert.ok(result.assertions.some((a) => a.message === 'json $.body: expected "something else", got "password=***"'));
    assertNoSecret(result);
  });

  it('keeps a secret in the URL query out of the target, the steps and the messages', async () => {
    const result = await run({
      steps: [
        { name: 'lookup', url: `${web.url}/echo-url?key={{secret:PASS}}`, assertions: [{ type: 'json', path: '$.url', equals: '/nothing' }] },
        { name: 'never', url: `${web.url}/ok` },
      ],
    });
    assert.equal(web.requests.at(-1)?.url, `/echo-url?key=${SECRET}`);
    assert.equal(result.error?.kind, 'assertion');
    assert.equal(result.error?.message, 'step 1 "lookup": json $.url: expected "/nothing", got "/echo-url?key=***"');
    assert.equal(result.target, `${web.url}/echo-url?key=***`);
    assert.equal(result.steps?.[0]?.url, `${web.url}/echo-url?key=***`);
    assertNoSecret(result);
  });

  it('keeps a secret out of the result in the form the URL encoder sent it (space, quote, apostrophe)', async () => {
    const awkward = `p@ss word"it's`;
    const local = createProbeContext({ location: 'test', allowPrivateTargets: true, secrets: { PASS: awkward } });
    const result = await runCheck(httpCheck({ url: `${web.url}/echo-url?key={{secret:PASS}}`, assertions: [{ type: 'json', path: '$.url', equals: '/nothing' }] }), local);
    const sent = web.requests.at(-1)?.url ?? '';
    assert.ok(sent.startsWith('/echo-url?key=p@ss'), `the server saw ${sent}`);
    const sentForm = sent.slice('/echo-url?key='.length);
    assert.notEqual(sentForm, awkward, 'the URL encoder changes this secret');
    assert.equal(result.error?.message, 'json $.url: expected "/nothing", got "/echo-url?key=***"');
    const json = JSON.stringify(result);
    assert.ok(!json.includes(awkward) && !json.includes(sentForm), `the secret leaked into the result: ${json}`);
  });

  it('keeps a secret out of an error message that quotes a redirect location', async () => {
    const to = encodeURIComponent(`/ok?key=${SECRET}`);
    const result = await run({ url: `${web.url}/abs-redirect?to=${to}&auth={{secret:PASS}}`, maxRedirects: 0 });
    assert.equal(result.error?.kind, 'too_many_redirects');
    assert.equal(result.error?.message, 'more than 0 redirects (last: 302 to /ok?key=***)');
    assertNoSecret(result);
  });

  it('masks a secret the server echoes across the point where a message cuts a long value', async () => {
    // The quoted value is cut at 200 characters; the secret starts at 190, so only its first part would survive.
    web.route('/echo-long', (req, res) => {
      const json = JSON.stringify({ token: `${'x'.repeat(189)}${String(req.headers['x-key'])}tail` });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json);
    });
    web.route('/echo-long-header', (req, res) => {
      res.writeHead(200, { 'x-echo': `${'y'.repeat(195)}${String(req.headers['x-key'])}` });
      res.end('ok');
    });
    const result = await run({
      url: `${web.url}/echo-long`,
      headers: { 'X-Key': '{{secret:PASS}}' },
      assertions: [{ type: 'json', path: '$.token', equals: 'other' }],
    });
    const header = await run({
      url: `${web.url}/echo-long-header`,
      headers: { 'X-Key': '{{secret:PASS}}' },
      assertions: [{ type: 'header', name: 'x-echo', equals: 'other' }],
    });
    for (const r of [result, header]) {
      assert.equal(r.error?.kind, 'assertion');
      const json = JSON.stringify(r);
      assert.ok(!json.includes(SECRET.slice(0, 8)), `a prefix of the secret leaked: ${r.error?.message}`);
      assert.match(r.error?.message ?? '', /\*\*\*/);
    }
  });

  it('fails with assertion, sending nothing, when a secret has no value', async () => {
    const seen = web.requests.length;
    const result = await run({ url: `${web.url}/ok`, headers: { 'X-Key': '{{secret:NOT_SET}}' } });
    assert.equal(result.error?.kind, 'assertion');
    assert.equal(result.error?.message, 'secret NOT_SET has no value');
    assert.equal(web.requests.length, seen);
  });
});
