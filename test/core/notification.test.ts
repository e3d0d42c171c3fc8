import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Webhook } from '../../lambdas/core/check.ts';
import {
  alertEvent,
  consoleLine,
  genericWebhookBody,
  slackWebhookBody,
  summaryLine,
  webhookMatches,
  webhookSecretNames,
  type AlertEvent,
} from '../../lambdas/core/notification.ts';
import type { Incident } from '../../lambdas/core/store.ts';

const OPEN: Incident = {
  id: '2025-03-01T21:00:00.000Z#a1b2',
  checkId: 'storefront',
  openedAt: '2025-03-01T21:00:00.000Z',
  detectedAt: '2025-03-01T21:02:00.000Z',
  planned: false,
  closedAt: null,
  durationSeconds: null,
  failingLocations: ['us-east-1', 'eu-west-1'],
  firstError: { kind: 'timeout', message: 'timed out after 10000ms' },
};
const CLOSED: Incident = { ...OPEN, closedAt: '2025-03-01T21:04:12.000Z', durationSeconds: 252 };
const CHECK = { id: 'storefront', name: 'Storefront home page', severity: 'critical' as const, tags: ['prod', 'team:web'] };
const TARGET = 'https://shop.example.com/?key=***';

const DOWN = alertEvent({ kind: 'down', incident: OPEN, check: CHECK, target: TARGET, dashboardUrl: 'https://status.example.com/#/check/storefront' });
const RECOVERED = alertEvent({ kind: 'recovered', incident: CLOSED, check: CHECK, target: TARGET });

const webhook = (fields: Partial<Webhook> = {}): Webhook => ({
  url: 'https://hooks.example.com/x',
  format: 'json',
  headers: {},
  severities: ['critical', 'high', 'medium', 'low'],
  tags: null,
  ...fields,
});

describe('alertEvent', () => {
  it('builds a down event with an event id receivers can dedupe on', () => {
    assert.deepEqual(DOWN, {
      kind: 'down',
      eventId: '2025-03-01T21:00:00.000Z#a1b2:down',
      incidentId: '2025-03-01T21:00:00.000Z#a1b2',
      checkId: 'storefront',
      checkName: 'Storefront home page',
      severity: 'critical',
      tags: ['prod', 'team:web'],
      target: TARGET,
      failingLocations: ['us-east-1', 'eu-west-1'],
      error: { kind: 'timeout', message: 'timed out after 10000ms' },
      failures: [
        { location: 'us-east-1', error: { kind: 'timeout', message: 'timed out after 10000ms' } },
        { location: 'eu-west-1', error: null },
      ],
      openedAt: '2025-03-01T21:00:00.000Z',
      closedAt: null,
      durationSeconds: null,
      dashboardUrl: 'https://status.example.com/#/check/storefront',
    });
  });
  it('gives each failing location its own error when they are known, in the incident\'s order', () => {
    const errorsByLocation = new Map([
      ['eu-west-1', { kind: 'http_status' as const, message: 'expected status 200, got 503' }],
      ['us-east-1', { kind: 'timeout' as const, message: 'timed out after 10000ms' }],
      ['sa-east-1', { kind: 'timeout' as const, message: 'not one of the incident\'s locations' }],
    ]);
    const e = alertEvent({ kind: 'down', incident: OPEN, check: CHECK, target: TARGET, errorsByLocation });
    assert.deepEqual(e.failures, [
      { location: 'us-east-1', error: { kind: 'timeout', message: 'timed out after 10000ms' } },
      { location: 'eu-west-1', error: { kind: 'http_status', message: 'expected status 200, got 503' } },
    ]);
  });
  it('gives the recovered event of the same incident its own id', () => {
    assert.equal(RECOVERED.eventId, '2025-03-01T21:00:00.000Z#a1b2:recovered');
    assert.deepEqual([RECOVERED.closedAt, RECOVERED.durationSeconds, RECOVERED.dashboardUrl], ['2025-03-01T21:04:12.000Z', 252, null]);
  });
});

describe('genericWebhookBody', () => {
  it('carries the event kind, the check and every field in camelCase', () => {
    assert.deepEqual(genericWebhookBody(DOWN), {
      event: 'down',
      eventId: DOWN.eventId,
      incidentId: DOWN.incidentId,
      checkId: 'storefront',
      checkName: 'Storefront home page',
      severity: 'critical',
      tags: ['prod', 'team:web'],
      target: TARGET,
      failingLocations: ['us-east-1', 'eu-west-1'],
      error: { kind: 'timeout', message: 'timed out after 10000ms' },
      failures: [
        { location: 'us-east-1', error: { kind: 'timeout', message: 'timed out after 10000ms' } },
        { location: 'eu-west-1', error: null },
      ],
      openedAt: '2025-03-01T21:00:00.000Z',
      closedAt: null,
      durationSeconds: null,
      dashboardUrl: 'https://status.example.com/#/check/storefront',
      summary: 'DOWN storefront (Storefront home page) — timeout: timed out after 10000ms — us-east-1, eu-west-1',
    });
  });
  it('survives a JSON round trip unchanged', () => {
    const body = genericWebhookBody(RECOVERED);
    assert.deepEqual(JSON.parse(JSON.stringify(body)), body);
    assert.equal(body.event, 'recovered');
  });
});

describe('slackWebhookBody', () => {
  it('writes the down fallback text: check, name, error and failing locations', () => {
    assert.equal(slackWebhookBody(DOWN).text, ':red_circle: DOWN storefront (Storefront home page) — timeout: timed out after 10000ms — us-east-1, eu-west-1');
  });
  it('writes the recovered fallback text with the outage length', () => {
    assert.equal(slackWebhookBody(RECOVERED).text, ':large_green_circle: RECOVERED storefront after 4m 12s');
  });
  it('leaves out the name when it is the id, and the error and locations when there are none', () => {
    const bare = { ...DOWN, checkName: 'storefront', error: null, failingLocations: [], failures: [] };
    assert.equal(slackWebhookBody(bare).text, ':red_circle: DOWN storefront');
  });
  it('escapes Slack markup in text that comes from targets and errors', () => {
    const nasty = { ...DOWN, error: { kind: 'assertion' as const, message: 'expected <b> & <!channel>' } };
    const body = slackWebhookBody(nasty);
    assert.match(body.text, /expected &lt;b&gt; &amp; &lt;!channel&gt;/);
    assert.doesNotMatch(JSON.stringify(body), /<!channel>/);
  });
  it('builds blocks: the headline, fields and a context line linking the dashboard', () => {
    const { blocks } = slackWebhookBody(DOWN);
    assert.deepEqual(blocks.map((b) => b.type), ['section', 'section', 'context']);
    const fields = blocks[1] !== undefined && 'fields' in blocks[1] ? blocks[1].fields.map((f) => f.text) : [];
    assert.deepEqual(fields, ['*Severity*\ncritical', `*Target*\n${TARGET}`, '*Failing in*\nus-east-1: timeout: timed out after 10000ms\neu-west-1', '*Tags*\nprod, team:web']);
    const context = blocks[2] !== undefined && 'elements' in blocks[2] ? blocks[2].elements[0]?.text : undefined;
    assert.equal(context, `Incident ${OPEN.id} · opened 2025-03-01T21:00:00.000Z · <https://status.example.com/#/check/storefront|Dashboard>`);
  });
  it('shows how long a recovered check was down', () => {
    const fields = slackWebhookBody(RECOVERED).blocks.flatMap((b) => ('fields' in b ? b.fields.map((f) => f.text) : []));
    assert.ok(fields.includes('*Down for*\n4m 12s'), fields.join(' | '));
  });
  it('cuts a very long error so the message stays within Slack limits', () => {
    const long = { ...DOWN, error: { kind: 'assertion' as const, message: 'x'.repeat(10_000) } };
    const body = slackWebhookBody(long);
    assert.ok(body.text.length < 700, `text is ${body.text.length} characters`);
    for (const block of body.blocks) {
      if ('text' in block) assert.ok(block.text.text.length <= 3000);
      if ('fields' in block) for (const f of block.fields) assert.ok(f.text.length <= 2000);
    }
  });
  it('lists every failing region with its own error within Slack limits, however many there are', () => {
    const error = { kind: 'assertion' as const, message: 'x'.repeat(10_000) };
    const regions = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1', 'ca-central-1'];
    for (const count of [1, 3, regions.length]) {
      const failing = regions.slice(0, count);
      const body = slackWebhookBody({ ...DOWN, error, failingLocations: failing, failures: failing.map((location) => ({ location, error })) });
      const field = body.blocks.flatMap((b) => ('fields' in b ? b.fields.map((f) => f.text) : [])).find((t) => t.startsWith('*Failing in*'));
      assert.deepEqual(field?.split('\n').slice(1).map((l) => l.split(':')[0]), failing);
      for (const block of body.blocks) {
        if ('text' in block) assert.ok(block.text.text.length <= 3000);
        if ('fields' in block) for (const f of block.fields) assert.ok(f.text.length <= 2000, `${count} regions: ${f.text.length}`);
      }
    }
  });
});

describe('consoleLine and summaryLine', () => {
  const cases: readonly [string, AlertEvent, string][] = [
    ['a down event', DOWN, `ALERT DOWN storefront (Storefront home page) [critical] — timeout: timed out after 10000ms — us-east-1, eu-west-1 — incident ${OPEN.id}`],
    ['a recovered event', RECOVERED, `ALERT RECOVERED storefront after 4m 12s — incident ${OPEN.id}`],
    ['a recovered event of unknown length', { ...RECOVERED, durationSeconds: null }, `ALERT RECOVERED storefront — incident ${OPEN.id}`],
  ];
  for (const [name, event, expected] of cases) {
    it(`writes one line for ${name}`, () => assert.equal(consoleLine(event), expected));
  }
  it('keeps summaryLine free of markup escapes', () => {
    assert.equal(summaryLine({ ...RECOVERED, checkId: 'a&b' }), 'RECOVERED a&b after 4m 12s');
  });
});

describe('webhookMatches', () => {
  const cases: readonly [string, Partial<Webhook>, Partial<AlertEvent>, boolean][] = [
    ['takes every event by default', {}, {}, true],
    ['takes a listed severity', { severities: ['critical'] }, {}, true],
    ['fails an unlisted severity', { severities: ['high', 'medium'] }, {}, false],
    ['takes a check with one of the tags', { tags: ['db', 'team:web'] }, {}, true],
    ['fails a check with none of the tags', { tags: ['db'] }, {}, false],
    ['fails an untagged check when the webhook lists tags', { tags: ['prod'] }, { tags: [] }, false],
    ['compares tags exactly', { tags: ['Prod'] }, {}, false],
    ['needs both the severity and a tag', { severities: ['low'], tags: ['prod'] }, {}, false],
  ];
  for (const [name, hook, event, expected] of cases) {
    it(name, () => assert.equal(webhookMatches(webhook(hook), { ...DOWN, ...event }), expected));
  }
});

describe('webhookSecretNames', () => {
  it('lists the secrets of URLs and header values, sorted, each once', () => {
    const hooks = [
      webhook({ url: 'https://hooks.slack.com/services/{{secret:SLACK_PATH}}' }),
      webhook({ url: 'https://{{secret:HOST}}/x', headers: { authorization: 'Bearer {{secret:TOKEN}}', 'x-team': 'web', 'x-host': '{{secret:HOST}}' } }),
    ];
    assert.deepEqual(webhookSecretNames(hooks), ['HOST', 'SLACK_PATH', 'TOKEN']);
  });
});
