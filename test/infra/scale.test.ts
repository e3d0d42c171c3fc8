import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Config } from '../../lambdas/core/check.ts';
import { alertPathAlarmNames, EVENT_PATTERN_MAX_CHARS } from '../../lambdas/core/alarm-names.ts';
import { CHECK_VARIABLE_ID, dashboardConsolePath } from '../../lambdas/core/dashboard-links.ts';
import { alarmsInHomeStack, CHECK_GROUPS, checkGroupOf, checkGroupStackId, HOME_STACK_MAX_CHECKS, OVERVIEW_PAGE_MAX_CHECKS } from '../../infra/check-groups.ts';
import { checkAlarmNames } from '../../infra/constructs/check-alarms.ts';
import { MAX_CHECK_ALARMS_PER_PROJECT } from '../../infra/deployment-rules.ts';
import { configOf, REPO, run, synthesize, type Synthesized } from './support.ts';

/**
 * A project far past what one CloudFormation template holds: 400 tls checks (3 alarms each, the most of any
 * kind) in 2 regions, with a failover entry on one of them. One synth, shared by every assertion.
 */

const HOME = 'skyprobe-home';
/** The home stack's alarms on the alert path itself (their actions publish straight to the topic). */
const ALERT_PATH_ALARMS: readonly string[] = [
  alertPathAlarmNames.notifierFailing('skyprobe'),
  alertPathAlarmNames.fallbackUnreachable('skyprobe'),
  alertPathAlarmNames.alarmEventsUndelivered('skyprobe'),
];
/** CloudFormation's limits for a template uploaded to S3 (as CDK deploys them) and for one operation of a stack and its nested stacks. */
const MAX_RESOURCES_PER_TEMPLATE = 500;
const MAX_TEMPLATE_BYTES = 1_000_000;
const MAX_RESOURCES_PER_OPERATION = 2_500;
/** CloudWatch's limits: widgets per dashboard, alarms per alarm status widget. */
const MAX_WIDGETS = 500;
const MAX_ALARMS_PER_WIDGET = 100;

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string | string[] };
type TemplateJson = { Resources: Record<string, Resource> };

interface Widget {
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

function tlsChecks(n: number, prefix = 'cert'): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${String(i).padStart(3, '0')}`, type: 'tls', host: `h${i}.example.com`, regions: ['us-east-1', 'eu-west-1'] }));
}

function resourcesOf(s: Synthesized, key: string): Array<[string, Resource]> {
  return Object.entries((s.json.get(key) as TemplateJson | undefined)?.Resources ?? {});
}

/** Every template of the home stack and its nested stacks, by key (`skyprobe-home`, `skyprobe-home/CheckGroup3`, …). */
function homeTree(s: Synthesized): string[] {
  return [...s.json.keys()].filter((k) => k === HOME || k.startsWith(`${HOME}/`));
}

/** A dashboard body with its tokens (account, partition) written as `<token>`. */
function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  return (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<token>')).join('');
}

/** Every dashboard of the home stack and its nested stacks, by name: where it is and its parsed body. */
function dashboards(s: Synthesized): Map<string, { key: string; text: string; widgets: Widget[]; variables?: Array<Record<string, unknown>> }> {
  const out = new Map<string, { key: string; text: string; widgets: Widget[]; variables?: Array<Record<string, unknown>> }>();
  for (const key of homeTree(s)) {
    for (const [, r] of resourcesOf(s, key).filter(([, r]) => r.Type === 'AWS::CloudWatch::Dashboard')) {
      const text = bodyText(r.Properties['DashboardBody']);
      const body = JSON.parse(text) as { widgets: Widget[]; variables?: Array<Record<string, unknown>> };
      out.set(String(r.Properties['DashboardName']), { key, text, ...body });
    }
  }
  return out;
}

/** Every alarm in the home stack and its nested stacks: name → template key and logical id. */
function alarmsByName(s: Synthesized): Map<string, { key: string; logicalId: string }> {
  const out = new Map<string, { key: string; logicalId: string }>();
  for (const key of homeTree(s)) {
    for (const [logicalId, r] of resourcesOf(s, key).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')) {
      const name = String(r.Properties['AlarmName']);
      assert.ok(!out.has(name), `alarm ${name} is defined twice`);
      out.set(name, { key, logicalId });
    }
  }
  return out;
}

describe('a project of 400 tls checks', () => {
  let config: Config;
  let s: Synthesized;

  before(() => {
    const checks = tlsChecks(400);
    config = configOf({
      checks,
      failover: [
        {
          id: 'shop',
          hostedZoneId: 'Z0000000000EXAMPLE',
          recordName: 'www.example.com',
          check: 'cert-123',
          primary: { values: ['198.51.100.1'] },
          secondary: { values: ['192.0.2.10'], healthCheck: { protocol: 'https', host: 'www.example.com', ipAddress: '192.0.2.10' } },
        },
      ],
    });
    s = synthesize({ config });
  });

  it('puts every check\'s alarms in the nested stack of its check group, none in the home stack', () => {
    const alarms = alarmsByName(s);
    for (const check of config.checks) {
      for (const name of checkAlarmNames(config.project, check)) {
        assert.equal(alarms.get(name)?.key, `${HOME}/${checkGroupStackId(checkGroupOf(check.id))}`, `${name} in the group of ${check.id}`);
      }
    }
    const checkAlarms = config.checks.reduce((sum, c) => sum + checkAlarmNames(config.project, c).length, 0);
    assert.equal(checkAlarms, 1200);
    assert.equal([...alarms.values()].filter((a) => a.key.includes('/CheckGroup')).length, checkAlarms, 'no other alarm in a check group');
    assert.deepEqual(
      [...alarms].filter(([, a]) => a.key === HOME).map(([name]) => name).sort(),
      ['skyprobe-location-eu-west-1-silent', 'skyprobe-location-us-east-1-silent', 'skyprobe-failover-shop-primary-health', 'skyprobe-failover-shop-secondary-health'].sort(),
    );
    assert.deepEqual(
      [...alarms].filter(([, a]) => a.key === `${HOME}/AlertPath`).map(([name]) => name).sort(),
      [...ALERT_PATH_ALARMS].sort(),
      'the alert path\'s own alarms in its nested stack',
    );
    assert.equal(homeTree(s).filter((k) => k.includes('/CheckGroup')).length, CHECK_GROUPS);
  });

  it('keeps every template under cloudformation\'s 500 resources and 1 MB, and the home stack with its nested stacks under 2,500', (t) => {
    let total = 0;
    for (const [key, template] of s.json) {
      const resources = Object.keys((template as TemplateJson).Resources).length;
      const bytes = Buffer.byteLength(JSON.stringify(template));
      t.diagnostic(`${key}: ${resources} resources, ${Math.round(bytes / 1024)} KB`);
      assert.ok(resources < MAX_RESOURCES_PER_TEMPLATE, `${key}: ${resources} resources`);
      assert.ok(bytes < MAX_TEMPLATE_BYTES, `${key}: ${bytes} bytes`);
      if (homeTree(s).includes(key)) total += resources;
    }
    t.diagnostic(`home stack and nested stacks: ${total} resources`);
    assert.ok(total < MAX_RESOURCES_PER_OPERATION, `${total} resources in one operation`);
  });

  it('pages the overview by 100 checks in config order, each page under 500 widgets and every alarm widget within 100 alarms', () => {
    const all = dashboards(s);
    const pageCount = Math.ceil(config.checks.length / OVERVIEW_PAGE_MAX_CHECKS);
    const names = Array.from({ length: pageCount }, (_, i) => (i === 0 ? 'skyprobe-overview' : `skyprobe-overview-${i + 1}`));
    assert.deepEqual([...all.keys()].sort(), [...names, 'skyprobe-check', 'skyprobe-failover'].sort());
    names.forEach((name, i) => {
      const page = all.get(name)!;
      assert.equal(page.key, i === 0 ? HOME : `${HOME}/OverviewPage${i + 1}`);
      assert.ok(page.widgets.length < MAX_WIDGETS, `${name}: ${page.widgets.length} widgets`);
      const alarmWidgets = page.widgets.filter((w) => w.type === 'alarm');
      for (const w of alarmWidgets) assert.ok((w.properties['alarms'] as string[]).length <= MAX_ALARMS_PER_WIDGET, `${name}: ${String(w.properties['title'])}`);
      // The page's checks, and their alarms by name (no reference into the check groups' stacks).
      const checks = config.checks.slice(i * OVERVIEW_PAGE_MAX_CHECKS, (i + 1) * OVERVIEW_PAGE_MAX_CHECKS);
      const rows = page.widgets.filter((w) => w.type === 'metric' && w.properties['view'] === 'singleValue').map((w) => String(w.properties['title']).split(':')[0]);
      assert.deepEqual(rows, checks.map((c) => c.name));
      const checkWidgets = alarmWidgets.filter((w) => w.properties['title'] !== 'Probe locations');
      const arns = new Set(checkWidgets.flatMap((w) => w.properties['alarms'] as string[]));
      const expected = checks.flatMap((c) => checkAlarmNames(config.project, c)).map((n) => `arn:aws:cloudwatch:us-east-1:<token>:alarm:${n}`);
      assert.deepEqual([...arns].sort(), expected.sort());
      // The project-wide sections (the probe locations' alarms, in the home stack like page 1) are on page 1 only.
      assert.equal(alarmWidgets.length - checkWidgets.length, i === 0 ? 1 : 0);
      // Each page links to every other page.
      const header = String(page.widgets[0]!.properties['markdown']);
      for (const other of names.filter((n) => n !== name)) assert.ok(header.includes(`(${dashboardConsolePath(other)})`), `${name} links to ${other}`);
      assert.match(header, new RegExp(`Page ${i + 1} of ${pageCount}`));
      // Its Logs Insights tables read its own checks' lines.
      for (const w of page.widgets.filter((x) => x.type === 'log')) {
        for (const c of checks) assert.ok(String(w.properties['query']).includes(`"${c.id}"`), `${name} reads ${c.id}`);
        assert.ok(!String(w.properties['query']).includes(`"${config.checks[(i + 1) % pageCount * OVERVIEW_PAGE_MAX_CHECKS]!.id}"`));
      }
    });
  });

  it('offers every check on the one check dashboard, linking to every overview page', (t) => {
    const check = dashboards(s).get('skyprobe-check')!;
    assert.equal(check.key, HOME);
    const [variable] = check.variables ?? [];
    assert.equal(variable?.['id'], CHECK_VARIABLE_ID);
    assert.deepEqual((variable?.['values'] as Array<{ value: string }>).map((v) => v.value), config.checks.map((c) => c.id));
    const header = String(check.widgets[0]!.properties['markdown']);
    for (let page = 1; page <= 4; page++) assert.ok(header.includes(dashboardConsolePath(page === 1 ? 'skyprobe-overview' : `skyprobe-overview-${page}`)), `page ${page}`);
    t.diagnostic(`check dashboard body: ${Math.round(check.text.length / 1024)} KB`);
  });

  it('sends every notified alarm\'s state changes to the notifier: too many names for the pattern\'s quota, so one wildcard per kind, matching every one', () => {
    const rules = resourcesOf(s, HOME).filter(([, r]) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties['EventPattern'] ?? {}).includes('CloudWatch Alarm State Change'));
    assert.equal(rules.length, 1);
    const pattern = rules[0]![1].Properties['EventPattern'] as { detail: { alarmName: { wildcard: string }[] } };
    assert.ok(JSON.stringify(pattern).length <= EVENT_PATTERN_MAX_CHARS);
    const wildcards = pattern.detail.alarmName.map((m) => new RegExp(`^${m.wildcard.split('*').join('.*')}$`));
    const names = [...alarmsByName(s).keys()];
    assert.ok(names.length > 1200);
    for (const name of names) assert.equal(wildcards.some((w) => w.test(name)), !ALERT_PATH_ALARMS.includes(name), name);
  });

  it('creates the failover\'s health checks after the check group holding its check\'s quorum alarm', () => {
    const [groupStackId] = resourcesOf(s, HOME).find(([id, r]) => r.Type === 'AWS::CloudFormation::Stack' && id.startsWith(checkGroupStackId(checkGroupOf('cert-123')))) ?? [];
    assert.ok(groupStackId);
    const healthChecks = resourcesOf(s, HOME).filter(([, r]) => r.Type === 'AWS::Route53::HealthCheck');
    assert.ok(healthChecks.length >= 2);
    for (const [id, r] of healthChecks) assert.ok([r.DependsOn ?? []].flat().includes(groupStackId), `${id} depends on ${groupStackId}`);
    const alarmCheck = healthChecks.find(([, r]) => JSON.stringify(r.Properties).includes('CLOUDWATCH_METRIC'));
    assert.match(JSON.stringify(alarmCheck?.[1].Properties), /"Name":"skyprobe-cert-123-down"/);
  });

  it('leaves no cdk-nag error unacknowledged in any stack, nested ones included', () => {
    const nag = s.validationReport.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    assert.ok(nag, 'cdk-nag ran');
    assert.deepEqual(nag.violations.filter((v) => v.severity !== 'warning').map((v) => v.ruleName), []);
  });

  it('passes cfn-lint with zero errors and no unallowed warning on every template, nested ones included', async (t) => {
    const lint = await run(process.execPath, [join(REPO, 'scripts', 'cfn-lint.mjs'), s.outdir], { timeoutMillis: 300_000 });
    t.diagnostic(lint.stdout.trim().split('\n').at(-1) ?? '');
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    assert.match(lint.stdout, new RegExp(`: ${s.json.size} templates, 0 errors, 0 warnings, `));
  });
});

describe('check groups', () => {
  it('keeps the alarms of up to 150 checks in the home stack, as before check groups, and their page 2 in a nested stack', () => {
    const config = configOf({ checks: tlsChecks(HOME_STACK_MAX_CHECKS) });
    assert.equal(alarmsInHomeStack(config.checks), true);
    assert.equal(alarmsInHomeStack([...config.checks, ...configOf({ checks: tlsChecks(1, 'one-more') }).checks]), false);
    const s = synthesize({ config });
    assert.deepEqual(homeTree(s), [HOME, `${HOME}/AlertPath`, `${HOME}/OverviewPage2`]);
    assert.equal([...alarmsByName(s).values()].filter((a) => a.key === HOME).length, HOME_STACK_MAX_CHECKS * 3 + 2);
    const home = s.json.get(HOME)!;
    assert.ok(Object.keys((home as TemplateJson).Resources).length < MAX_RESOURCES_PER_TEMPLATE);
    assert.ok(Buffer.byteLength(JSON.stringify(home)) < MAX_TEMPLATE_BYTES);
    assert.deepEqual([...dashboards(s).keys()].sort(), ['skyprobe-check', 'skyprobe-overview', 'skyprobe-overview-2']);
  });

  it('puts a check in the group of its id, the same whatever version of skyprobe deployed it', () => {
    // Pinned: a changed hash would move deployed alarms to another nested stack, which fails the deploy.
    assert.deepEqual(
      ['storefront', 'api-checkout', 'payments-db', 'storefront-dns', 'storefront-cert', 'cert-000', 'cert-001'].map(checkGroupOf),
      [7, 0, 6, 2, 4, 5, 1],
    );
  });

  it('moves no alarm to another stack or logical id when checks are added, removed and reordered', () => {
    const before = tlsChecks(170, 'web');
    // Drop two from the middle, add three at the front, reverse the rest.
    const after = [...tlsChecks(3, 'new'), ...before.filter((_, i) => i !== 40 && i !== 90).reverse()];
    const where = (checks: Record<string, unknown>[]) => alarmsByName(synthesize({ config: configOf({ checks }) }));
    const was = where(before);
    const is = where(after);
    let kept = 0;
    for (const [name, place] of is) {
      if (!was.has(name)) continue;
      assert.deepEqual(place, was.get(name), name);
      kept++;
    }
    assert.equal(kept, 168 * 3 + 2 + ALERT_PATH_ALARMS.length, 'every alarm of the 168 kept checks, the 2 probe-location alarms and the alert path\'s');
    assert.ok(MAX_CHECK_ALARMS_PER_PROJECT > 170 * 3);
  });
});
