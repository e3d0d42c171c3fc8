/**
 * Two projects in one account and home region (the README's way to run a big fleet), both with a check "api":
 * each project's probes may put only to its own metric namespace, and each project's alarms and dashboards
 * read only that namespace, so neither sees the other's runs.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { metricNamespace } from '../../lambdas/core/alert-policy.ts';
import { addSkyprobeStacks } from '../../infra/skyprobe-app.ts';
import { actionsOf, cdkJsonContext, configOf, functionRoleStatements, resourcesOf } from './support.ts';
import { Template } from 'aws-cdk-lib/assertions';

const PROJECTS = ['shop', 'shop-eu'] as const;
const REGIONS = ['us-east-1', 'eu-west-1'] as const;

describe('two projects in one account', () => {
  const templates = new Map<string, Template>();

  before(() => {
    const outdir = mkdtempSync(join(tmpdir(), 'skyprobe-projects-test-'));
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    for (const project of PROJECTS) {
      const config = configOf({
        project,
        homeRegion: 'us-east-1',
        checks: [
          { id: 'api', type: 'http', url: 'https://api.example.com/health', regions: [...REGIONS] },
          { id: 'api-fast', type: 'http', url: 'https://api.example.com/health', interval: '30s', regions: [...REGIONS] },
          { id: 'cert', type: 'tls', host: 'api.example.com', regions: [...REGIONS] },
        ],
      });
      addSkyprobeStacks(app, { config, account: '123456789012' });
    }
    for (const stack of app.synth().stacks) templates.set(stack.stackName, Template.fromJSON(stack.template as Record<string, unknown>));
  });

  it('lets each project\'s probes put metrics only to its own namespace', () => {
    for (const project of PROJECTS) {
      for (const region of REGIONS) {
        const statements = functionRoleStatements(templates.get(`${project}-probe-${region}`)!, `${project}-probe`);
        const puts = statements.filter((st) => actionsOf(st).includes('cloudwatch:PutMetricData'));
        assert.deepEqual(
          puts.map((st) => st.Condition),
          [{ StringEquals: { 'cloudwatch:namespace': metricNamespace(project) } }],
          `${project} in ${region}`,
        );
      }
    }
    assert.notEqual(metricNamespace('shop'), metricNamespace('shop-eu'));
  });

  it('reads only its own namespace in every alarm and dashboard of its home stack', () => {
    for (const project of PROJECTS) {
      const home = templates.get(`${project}-home`)!;
      const text = JSON.stringify(home.toJSON());
      const namespaces = new Set(text.match(/Skyprobe\/[a-z0-9-]+/g));
      assert.deepEqual([...namespaces], [metricNamespace(project)], project);
      assert.doesNotMatch(text, /\\*"Skyprobe\\*"/, 'no metric in the namespace every project shared');
      // The quorum alarm of "api" reads its own project's Failed metric.
      const quorum = resourcesOf(home, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties['AlarmName'] === `${project}-api-down`);
      assert.ok(quorum, `${project}-api-down`);
      const reads = (quorum[1].Properties['Metrics'] as { MetricStat?: { Metric: { Namespace: string } } }[]).flatMap((m) => (m.MetricStat === undefined ? [] : [m.MetricStat.Metric.Namespace]));
      assert.deepEqual([...new Set(reads)], [metricNamespace(project)]);
    }
  });

  it('names every alarm after its project, so no alarm of one is the other\'s', () => {
    const names = PROJECTS.map((project) =>
      [...templates.entries()]
        .filter(([name]) => name.startsWith(`${project}-`) && !PROJECTS.some((p) => p !== project && p.startsWith(project) && name.startsWith(`${p}-`)))
        .flatMap(([, t]) => resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => String(a.Properties['AlarmName']))),
    );
    const [shop, shopEu] = names as [string[], string[]];
    assert.ok(shop.length > 0 && shopEu.length > 0);
    assert.deepEqual(shop.filter((n) => shopEu.includes(n)), []);
  });
});
