import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heartbeat } from '../../../lambdas/core/config/input.ts';
import { validateConfig } from '../../../lambdas/core/config/validate.ts';
import { ConfigError, formatConfigIssue } from '../../../lambdas/core/errors.ts';

const HTTP = { id: 'web', type: 'http', url: 'https://example.com/' } as const;

function problems(input: unknown): string[] {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatConfigIssue);
    throw error;
  }
  return [];
}

describe('heartbeat config', () => {
  it('reads heartbeat() entries into config.heartbeats, apart from the probed checks, with defaults filled in', () => {
    const config = validateConfig({
      defaults: { severity: 'critical', slo: 99.5 },
      checks: [HTTP, heartbeat({ id: 'nightly-db', every: '1d' }), { type: 'heartbeat', id: 'hourly', name: 'Hourly sync', every: '1h', grace: '5m', tags: ['sync'], severity: 'low', slo: 99 }],
    });
    assert.deepEqual(config.checks.map((c) => c.id), ['web']);
    assert.deepEqual(config.heartbeats, [
      { type: 'heartbeat', id: 'nightly-db', name: 'nightly-db', everyMs: 86_400_000, graceMs: 3_600_000, tags: [], severity: 'critical', sloPercent: 99.5, backup: null },
      { type: 'heartbeat', id: 'hourly', name: 'Hourly sync', everyMs: 3_600_000, graceMs: 300_000, tags: ['sync'], severity: 'low', sloPercent: 99, backup: null },
    ]);
  });

  const graces: readonly [string, number][] = [
    ['10s', 60_000],
    ['30m', 180_000],
    ['7d', 3_600_000],
  ];
  for (const [every, grace] of graces) {
    it(`defaults the grace of a ${every} heartbeat to ${grace / 1000}s (a tenth, 1m to 1h)`, () => {
      assert.equal(validateConfig({ checks: [heartbeat({ id: 'j', every: every as '10s' })] }).heartbeats[0]?.graceMs, grace);
    });
  }

  it('accepts a config of heartbeats only', () => {
    assert.equal(validateConfig({ checks: [heartbeat({ id: 'j', every: '1h' })] }).checks.length, 0);
  });

  it('reads backup selectors: vault names and ARNs, plan ids and ARNs', () => {
    const backup = {
      vaults: ['prod-vault', 'arn:aws:backup:us-east-1:123456789012:backup-vault:aws/efs/automatic-backup-vault'],
      plans: ['bde0f455-4e24-4668-aeaa-4932a97f5cc5', 'arn:aws:backup:us-east-1:123456789012:backup-plan:aws/efs/414a5bd4-f880-47ad-95f3-f085108a4c3b'],
    };
    assert.deepEqual(validateConfig({ checks: [heartbeat({ id: 'b', every: '1d', backup })] }).heartbeats[0]?.backup, backup);
  });

  it('lets maintenance windows and webhooks refer to heartbeats by id and tag', () => {
    const config = validateConfig({
      checks: [heartbeat({ id: 'b', every: '1d', tags: ['backups'] })],
      maintenance: [{ id: 'm', checks: ['b'], tags: ['backups'], start: '2025-03-01T00:00:00Z', end: '2025-03-01T02:00:00Z' }],
      alerts: { webhooks: [{ url: 'https://hooks.example.com/x', tags: ['backups'] }] },
    });
    assert.deepEqual(config.maintenance[0]?.checks, ['b']);
  });

  const rejected: readonly { name: string; entry: Record<string, unknown>; extra?: Record<string, unknown>; expected: readonly string[] }[] = [
    { name: 'rejects a missing every', entry: { type: 'heartbeat', id: 'j' }, expected: ['check "j": checks[0].every: is required'] },
    { name: 'rejects an every under 10s', entry: { type: 'heartbeat', id: 'j', every: '5s' }, expected: ['check "j": checks[0].every: must be at least 10s, got "5s"'] },
    { name: 'rejects an every over 35d', entry: { type: 'heartbeat', id: 'j', every: '40d' }, expected: ['check "j": checks[0].every: must be at most 35d, got "40d"'] },
    { name: 'rejects a grace over 7d', entry: { type: 'heartbeat', id: 'j', every: '1d', grace: '8d' }, expected: ['check "j": checks[0].grace: must be at most 7d, got "8d"'] },
    { name: 'rejects a grace that is no duration', entry: { type: 'heartbeat', id: 'j', every: '1d', grace: 'soon' }, expected: ['check "j": checks[0].grace: must be a duration such as "30s" or "5m", got "soon"'] },
    {
      name: 'rejects probe fields, saying a heartbeat is not probed',
      entry: { type: 'heartbeat', id: 'j', every: '1d', interval: '1m' },
      expected: ['check "j": checks[0].interval: unknown field "interval" for a heartbeat (a heartbeat is not probed: it takes "every" and "grace")'],
    },
    { name: 'rejects unknown fields with a suggestion', entry: { type: 'heartbeat', id: 'j', every: '1d', grase: '1h' }, expected: ['check "j": checks[0].grase: unknown field "grase" (did you mean "grace"?)'] },
    { name: 'rejects an empty backup selector', entry: { type: 'heartbeat', id: 'j', every: '1d', backup: {} }, expected: ['check "j": checks[0].backup: must name backup vaults, plans or both, e.g. { vaults: ["prod-vault"] }'] },
    { name: 'rejects empty backup lists', entry: { type: 'heartbeat', id: 'j', every: '1d', backup: { vaults: [] } }, expected: ['check "j": checks[0].backup: must name at least one backup vault or plan'] },
    {
      name: 'rejects a vault ARN outside the home region',
      entry: { type: 'heartbeat', id: 'j', every: '1d', backup: { vaults: ['arn:aws:backup:eu-west-1:123456789012:backup-vault:v1'] } },
      expected: ['check "j": checks[0].backup.vaults[0]: is in eu-west-1, but backup events are read in the home region us-east-1 only, got "arn:aws:backup:eu-west-1:123456789012:backup-vault:v1"'],
    },
    {
      name: 'rejects a bad vault name and a duplicate plan',
      entry: { type: 'heartbeat', id: 'j', every: '1d', backup: { vaults: ['prod vault'], plans: ['p1', 'p1'] } },
      expected: [
        'check "j": checks[0].backup.vaults[0]: must be a backup vault name (2 to 100 letters, digits, "-", "_" and "/") or a backup vault ARN, got "prod vault"',
        'check "j": checks[0].backup.plans[1]: duplicate "p1" (also at checks[0].backup.plans[0])',
      ],
    },
    {
      name: 'rejects a heartbeat id a check already uses',
      entry: { type: 'heartbeat', id: 'web', every: '1d' },
      extra: { checks: [HTTP, { type: 'heartbeat', id: 'web', every: '1d' }] },
      expected: ['check "web": checks[1].id: duplicate id "web": checks[0] already uses it'],
    },
    { name: 'suggests heartbeat for a misspelt type', entry: { type: 'heartbeet', id: 'j', every: '1d' }, expected: ['check "j": checks[0].type: must be one of http, tcp, dns, tls, heartbeat, got "heartbeet" (did you mean "heartbeat"?)'] },
  ];
  for (const c of rejected) {
    it(c.name, () => {
      const found = problems(c.extra ?? { checks: [c.entry] });
      for (const line of c.expected) assert.ok(found.includes(line), `missing ${line}\nin ${found.join('\n')}`);
    });
  }
});
